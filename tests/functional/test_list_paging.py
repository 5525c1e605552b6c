"""Lists that grow with the pool are paged in SQL: totals shown, filters kept, order and drawing-right
judgement right on every page, bad page numbers harmless, and a constant number of SQL statements."""

import re
from datetime import timedelta

import pytest
from factories import FIXED_NOW
from query_counter import QueryCounter

from expertpool.models import UserRole


@pytest.fixture
def coordinator(factory, login):
    user = factory.user(role=UserRole.COORDINATOR)
    login(user)
    return user


def _count(client, db, url: str) -> int:
    assert client.get(url).status_code == 200  # warm-up (settings row, translations…)
    db.session.expire_all()
    with QueryCounter(db.engine) as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def _rows(text: str) -> list[str]:
    """The request titles of the queue's table, in order."""
    return re.findall(r'<th scope="row"><a href="/coordination/demandes/\d+">([^<]+)</a>', text)


def test_queue_pages_keep_order_and_judge_each_request_after_the_earlier_ones(
    client, db, factory, coordinator, monkeypatch
):
    monkeypatch.setattr("expertpool.coordination.queue.PER_PAGE", 2)
    factory.settings(unit_price_cents=18000)
    member = factory.member(name="Commune de Locmaria")
    factory.period(year=2027, members=[member], half_days=6)
    factory.request(member=member, title="Premiere", half_days=4, submitted_at=FIXED_NOW - timedelta(days=9))
    factory.request(member=member, title="Critique", urgency="critical", half_days=1, submitted_at=FIXED_NOW)
    factory.request(member=member, title="Deuxieme", half_days=4, submitted_at=FIXED_NOW - timedelta(days=5))
    factory.request(factory.member(), title="Autre membre", half_days=2, submitted_at=FIXED_NOW - timedelta(days=1))

    first = client.get("/coordination/demandes").get_data(as_text=True)
    second = client.get("/coordination/demandes?page=2").get_data(as_text=True)
    assert _rows(first) == ["Critique", "Premiere"]
    assert _rows(second) == ["Deuxieme", "Autre membre"]
    for text in (first, second):
        assert "4 demandes en attente" in text  # the total, not the page's count
    assert "Page 1 sur 2" in first and 'href="/coordination/demandes?page=2"' in first
    # Requests draw in submission order, whatever page shows them: "Premiere" (4) fits, "Deuxieme"
    # (4, page 2) is 2 half-days over, and "Critique" (1, sent last but shown first) is 1 over — judged
    # alone on its page it would fit.
    critique_row = first.split("Critique</a>")[2].split("</tr>")[0]
    premiere_row = first.split("Premiere</a>")[2].split("</tr>")[0]
    deuxieme_row = second.split("Deuxieme</a>")[2].split("</tr>")[0]
    assert "Hors droit : 0,5 jour" in critique_row and "180,00" in critique_row
    assert "Hors droit" not in premiere_row
    assert "Hors droit : 1 jour" in deuxieme_row and "360,00" in deuxieme_row


@pytest.mark.parametrize(
    ("query", "shown"), [("?page=abc", 1), ("?page=-3", 1), ("?page=0", 1), ("?page=99", 2), ("?page=99999999999", 2)]
)
def test_queue_bad_page_numbers_show_a_real_page(client, db, factory, coordinator, monkeypatch, query, shown):
    monkeypatch.setattr("expertpool.coordination.queue.PER_PAGE", 2)
    member = factory.member()
    factory.period(year=2027, members=[member])
    for n in range(3):
        factory.request(member=member, title=f"Demande {n}", submitted_at=FIXED_NOW - timedelta(days=9 - n))
    response = client.get("/coordination/demandes" + query)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert f"Page {shown} sur 2" in text
    assert _rows(text) == (["Demande 0", "Demande 1"] if shown == 1 else ["Demande 2"])


def test_queue_queries_do_not_grow_with_waiting_requests(client, db, factory, coordinator):
    factory.period(year=2027, members=[])

    def add(n0: int, n1: int):
        for n in range(n0, n1):
            member = factory.member()
            factory.quota(member, factory.period(2027), 6)
            factory.request(member=member, title=f"Demande {n}", submitted_at=FIXED_NOW - timedelta(hours=n))

    add(0, 3)
    at_3 = _count(client, db, "/coordination/demandes")
    add(3, 60)
    at_60 = _count(client, db, "/coordination/demandes")
    assert len(_rows(client.get("/coordination/demandes").get_data(as_text=True))) == 20
    assert _count(client, db, "/coordination/demandes?page=3") == at_60
    assert at_3 == at_60, (at_3, at_60)


def test_audit_log_finds_a_member_by_name_and_keeps_the_filter_across_pages(
    client, db, factory, coordinator, monkeypatch
):
    monkeypatch.setattr("expertpool.coordination.audit_view.PER_PAGE", 2)
    kept = factory.member(name="Trégunc")
    other = factory.member(name="Elliant")
    for member in (kept, other):
        for _ in range(2):  # deactivate then reactivate, twice each: 4 audit rows per member
            client.post(f"/coordination/membres/{member.id}/desactiver")
            client.post(f"/coordination/membres/{member.id}/reactiver")
    text = client.get("/coordination/journal?member_name=trég").get_data(as_text=True)
    assert "4 modifications" in text
    assert "Trégunc</span>" in text and "Elliant</span>" not in text
    assert "member_name=tr%C3%A9g&amp;page=2" in text or "page=2&amp;member_name=tr%C3%A9g" in text
    second = client.get("/coordination/journal?member_name=tr%C3%A9g&page=2").get_data(as_text=True)
    assert "Page 2 sur 2" in second and "Elliant</span>" not in second
    # The member page's exact link still works and shows which member it is.
    text = client.get(f"/coordination/journal?member={other.id}").get_data(as_text=True)
    assert "4 modifications" in text and f'<option selected value="{other.id}">Elliant</option>' in text
    assert client.get("/coordination/journal?member=987654").status_code == 400
    assert client.get("/coordination/journal?member_name=" + "x" * 101).status_code == 400


def test_audit_log_does_not_list_every_member_and_its_queries_do_not_grow(client, db, factory, coordinator):
    members = [factory.member(name=f"Commune {n:03d}") for n in range(40)]
    for member in members[:3]:
        client.post(f"/coordination/membres/{member.id}/desactiver")
    at_3 = _count(client, db, "/coordination/journal")
    for member in members[3:]:
        client.post(f"/coordination/membres/{member.id}/desactiver")
    at_40 = _count(client, db, "/coordination/journal")
    text = client.get("/coordination/journal").get_data(as_text=True)
    assert "Commune 039</span>" in text  # the page's rows name their member
    assert "Commune 000</option>" not in text  # but no select of the whole pool
    assert at_3 == at_40, (at_3, at_40)


@pytest.mark.parametrize("url", ["/coordination/membres", "/coordination/utilisateurs", "/coordination/experts"])
def test_staff_lists_queries_do_not_grow_with_rows(client, db, factory, coordinator, url):
    factory.period(year=2027, members=[])

    def add(n0: int, n1: int):
        for n in range(n0, n1):
            member = factory.member(name=f"Commune {n:03d}")
            factory.quota(member, factory.period(2027), 6)
            factory.user(member=member)
            factory.expert(f"Expert {n:03d}", roles=("dba",))

    add(0, 3)
    small = _count(client, db, url)
    add(3, 70)
    large = _count(client, db, url)
    assert small == large, (small, large)
    assert "Page 1 sur" in client.get(url).get_data(as_text=True)
