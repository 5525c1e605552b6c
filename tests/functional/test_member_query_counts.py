"""The marketplace and "my requests" cost the same number of SQL statements for 10 or 200 rows."""

from datetime import date, timedelta

import pytest

from expertpool.models import BookingStatus, RequestStatus

pytest_plugins = ["member_fixtures"]  # the member_pool and member_clock fixtures

MY_PAGES = ("/demandes", "/demandes?statut=scheduled", "/mon-espace")


def _count(client, count_queries, url: str) -> int:
    assert client.get(url).status_code == 200  # warm-up (settings row, translations…)
    return count_queries.get(client, url)[0]


def _add_experts(factory, member_pool, start: int, stop: int) -> None:
    for n in range(start, stop):
        expert = factory.expert(
            f"Expert {n:03d}",
            roles=("dba", "dsi") if n % 2 else ("dba",),
            skills=(f"Compétence {n % 7}", "PostgreSQL"),
            bio=f"Bio {n}",
        )
        factory.unavailability(expert, date(2027, 1, 12) + timedelta(days=n % 5))
        req = factory.request(
            member=member_pool.other_member, status=RequestStatus.RATED, rating=1 + n % 5, title=f"Demande {n}"
        )
        factory.booking(req, expert, date(2027, 1, 4), status=BookingStatus.DELIVERED)
        factory.booking(req, expert, date(2027, 1, 12), "pm")


@pytest.mark.parametrize("per_page", [None, 250])
def test_marketplace_queries_do_not_grow_with_experts(
    count_queries, client, login, db, factory, member_pool, member_clock, monkeypatch, per_page
):
    if per_page:  # every card on one page, to count with 200 cards really shown
        monkeypatch.setattr("expertpool.catalogue.views.PER_PAGE", per_page)
    login(member_pool.user)
    _add_experts(factory, member_pool, 0, 8)  # + the member_pool's 2 experts = 10
    at_10 = _count(client, count_queries, "/experts/")
    filtered_10 = _count(client, count_queries, "/experts/?q=expert&role=&skill=&free_before=2027-06-01&mode=remote")
    _add_experts(factory, member_pool, 8, 198)  # 200
    at_200 = _count(client, count_queries, "/experts/")
    assert client.get("/experts/").text.count('class="card h-100"') == (200 if per_page else 24)
    assert _count(client, count_queries, "/experts/?page=9") == at_200  # the last page, 8 cards
    filtered_200 = _count(client, count_queries, "/experts/?q=expert&role=&skill=&free_before=2027-06-01&mode=remote")
    assert at_10 == at_200
    assert filtered_10 == filtered_200
    assert at_10 <= 12, at_10
    print(f"marketplace: {at_10} statements at 10 and 200 experts; filtered: {filtered_10}")


def _add_requests(factory, member_pool, start: int, stop: int) -> None:
    for n in range(start, stop):
        expert = member_pool.dba if n % 2 else member_pool.dsi
        req = factory.request(
            member=member_pool.member,
            created_by=member_pool.user,
            title=f"Demande {n}",
            status=RequestStatus.SCHEDULED if n % 3 else RequestStatus.SUBMITTED,
            preferred_expert_id=expert.id,
            role="dba" if n % 2 else "dsi",
        )
        if n % 3:
            factory.booking(req, expert, date(2027, 2, 1) + timedelta(days=n), "am" if n % 2 else "pm")


@pytest.mark.parametrize("per_page", [None, 250])
def test_my_requests_queries_do_not_grow_with_requests(
    count_queries, client, login, db, factory, member_pool, member_clock, monkeypatch, per_page
):
    if per_page:  # every row on one page, to count with 200 rows really shown
        monkeypatch.setattr("expertpool.requests.queries.PER_PAGE", per_page)
    login(member_pool.user)
    _add_requests(factory, member_pool, 0, 10)
    counts_10 = [
        _count(client, count_queries, url) for url in ("/demandes", "/demandes?statut=scheduled", "/mon-espace")
    ]
    _add_requests(factory, member_pool, 10, 200)
    counts_200 = [
        _count(client, count_queries, url) for url in ("/demandes", "/demandes?statut=scheduled", "/mon-espace")
    ]
    if per_page:
        assert client.get("/demandes").text.count('<tr>\n      <th scope="row">') == 200
    assert counts_10 == counts_200
    assert max(counts_10) <= 16, counts_10  # the home also reads its interventions and the prices to acknowledge
    print(f"list, filtered list, home: {counts_10} statements at 10 and 200 requests")
