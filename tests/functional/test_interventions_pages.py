"""Issue 15: pages and notifications speak in interventions (DESIGN.md), not one row per half-day; the
half-days stay one click away; the lists cost the same number of queries for 7 or 70 half-days."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
from factories import FIXED_NOW
from query_counter import QueryCounter

from expertpool.models import RequestStatus, UserRole
from expertpool.notifications import slot_params, slots_text

FIRST_RUN = "14–18 janv. 2027, 6 demi-journées"  # Thursday to Monday: the weekend does not break it
SECOND_RUN = "20 janvier 2027 (matin)"  # after a leave on Tuesday 19: a new intervention


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    for module in ("expertpool.agenda.views", "expertpool.requests.views"):
        monkeypatch.setattr(f"{module}.now_utc", lambda: FIXED_NOW)


@pytest.fixture
def world(factory):
    member = factory.member("Plouzané")
    factory.period(2027, members=[member], half_days=40)
    mayor = factory.user(member=member, email="maire@plouzane.example", name="Maire")
    expert_user, expert = factory.expert_user(name="Soizic Guéguen")
    factory.user(role=UserRole.COORDINATOR)
    req = factory.request(member=member, status=RequestStatus.SCHEDULED, title="Messagerie de la mairie")
    bookings = [
        factory.booking(req, expert, day, half)
        for day in (date(2027, 1, 14), date(2027, 1, 15), date(2027, 1, 18))
        for half in ("am", "pm")
    ]
    factory.unavailability(expert, date(2027, 1, 19))
    bookings.append(factory.booking(req, expert, date(2027, 1, 20), "am"))
    return {
        "member": member,
        "mayor": mayor,
        "expert_user": expert_user,
        "expert": expert,
        "req": req,
        "bookings": bookings,
    }


def _rows(html: str) -> list[str]:
    """The text of every row of the page's tables that shows an intervention."""
    rows = re.findall(r"<tr>(?:(?!</tr>).)*?data-intervention=.*?</tr>", html, re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in rows]


def test_request_page_shows_interventions_with_half_days_one_click_away(client, login, world):
    login(world["mayor"])
    html = client.get(f"/demandes/{world['req'].id}").text
    rows = _rows(html)
    assert len(rows) == 2, rows
    assert rows[0].startswith(FIRST_RUN + " 14 janvier 2027 (matin) 14 janvier 2027 (après-midi)")
    assert "18 janvier 2027 (après-midi) Soizic Guéguen planifiée" in rows[0]
    assert rows[1] == SECOND_RUN + " Soizic Guéguen planifiée"
    assert html.count('<details class="intervention"') == 1  # a single half-day needs no disclosure


def test_request_page_in_english(client, login, world):
    login(world["mayor"])
    html = client.get(f"/demandes/{world['req'].id}?lang=en").text
    rows = _rows(html)
    assert rows[0].startswith("Jan 14 – 18, 2027, 6 half-days")
    assert rows[1].startswith("20 January 2027 (morning)")


def test_member_home_lists_the_next_interventions(client, login, world):
    login(world["mayor"])
    rows = _rows(client.get("/mon-espace").text)
    assert [row.split(" Soizic")[0].split(" 14 janvier")[0] for row in rows] == [FIRST_RUN, SECOND_RUN]
    assert all("Messagerie de la mairie" in row for row in rows)


def test_experts_list_shows_one_card_per_intervention(client, login, world):
    login(world["expert_user"])
    html = client.get("/agenda/interventions").text
    upcoming = html.split("À venir")[1].split("Historique")[0]
    titles = [
        " ".join(unescape(re.sub(r"<[^>]+>", " ", t)).split()) for t in re.findall(r"<h3.*?</h3>", upcoming, re.S)
    ]
    assert titles == [f"{FIRST_RUN} — Messagerie de la mairie", f"{SECOND_RUN} — Messagerie de la mairie"]
    # Each half-day keeps its own calendar file, one click away.
    for booking in world["bookings"]:
        assert f'href="/feeds/creneaux/{booking.id}.ics"' in upcoming


def test_notifications_group_half_days_in_interventions(app, world):
    params = slot_params(world["bookings"])
    assert params == [
        {"first": "2027-01-14", "last": "2027-01-18", "count": 6, "half": "am", "expert": "Soizic Guéguen"},
        {"first": "2027-01-20", "last": "2027-01-20", "count": 1, "half": "am", "expert": "Soizic Guéguen"},
    ]
    with app.test_request_context("/?lang=en"):
        from flask_babel import force_locale

        with force_locale("fr"):
            assert slots_text(params) == f"{FIRST_RUN}, Soizic Guéguen ; {SECOND_RUN}, Soizic Guéguen"
        with force_locale("en"):
            assert " ".join(slots_text(params).split()) == (
                "Jan 14 – 18, 2027, 6 half-days, Soizic Guéguen; 20 January 2027 (morning), Soizic Guéguen"
            )
    assert "expert" not in slot_params(world["bookings"], with_expert=False)[0]


def _count(client, db, url: str) -> int:
    assert client.get(url).status_code == 200
    db.session.expire_all()
    with QueryCounter(db.engine) as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_intervention_lists_cost_the_same_queries_for_7_or_70_half_days(client, login, db, factory, world):
    urls = {
        world["mayor"]: ["/mon-espace", f"/demandes/{world['req'].id}"],
        world["expert_user"]: ["/agenda/interventions"],
    }
    before = {}
    for user, pages in urls.items():
        login(user)
        for url in pages:
            before[url] = _count(client, db, url)
    others = [factory.expert(f"Expert {n}") for n in range(3)]
    day = date(2027, 2, 1)
    for n in range(63):  # runs broken by a day off every fourth day, over three experts
        day += timedelta(days=1 if n % 4 else 2)
        factory.booking(world["req"], [world["expert"], *others][n % 4], day, "am" if n % 2 else "pm")
    for user, pages in urls.items():
        login(user)
        for url in pages:
            assert _count(client, db, url) == before[url], url
