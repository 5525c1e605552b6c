"""Links to another feature's pages: the same path inside a request and outside one (jobs, CLI)."""

from datetime import date

from expertpool import links


def _every_link() -> list[str]:
    return [
        links.member_request_link(7),
        links.staff_request_link(7),
        links.expert_assignments_link(),
        links.expert_report_link(7),
        links.expert_week_link(3, date(2027, 3, 1)),
    ]


def test_links_read_the_same_with_and_without_a_request(app):
    with app.app_context():
        outside = _every_link()
    with app.test_request_context("/"):
        inside = _every_link()
    assert outside == inside
    assert all(path.startswith("/") for path in inside)
    assert inside[0] == "/demandes/7"


def test_a_missing_page_falls_back_then_gives_nothing(app):
    with app.app_context():
        assert links.page_link("nowhere.page", "requests.index") == links.page_link("requests.index")
        assert links.page_link("nowhere.page") == ""
