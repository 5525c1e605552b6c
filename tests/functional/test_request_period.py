"""Issue 19: a request is judged in the period of its dates. On 2 December, with 2027 not open yet, a
request for February 2027 is not measured against what is left of 2026: the check, the request page and
"mes demandes" say plainly that its period is not open (and once it opens, the request is judged there)."""

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from expertpool.coordination import queue
from expertpool.models import InterventionRequest, RequestStatus, UserRole
from expertpool.requests import views as request_views

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # 2026 is open, 2027 is not
NOTICE = "La période 2027 n'est pas encore ouverte : ces demi-journées seront planifiées à son ouverture."


def plain(html: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html).replace("\xa0", " ").replace("&#39;", "'")
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def world(factory, monkeypatch):
    for module in (request_views, queue):
        monkeypatch.setattr(module, "now_utc", lambda: NOW)
    factory.settings(unit_price_cents=18000, auto_approve_max_half_days=0)
    member = factory.member("Tréglonou")
    period = factory.period(2026, members=[member], half_days=4)
    mayor = factory.user(member=member, email="mairie@treglonou.example")
    coordinator = factory.user(role=UserRole.COORDINATOR)
    return {"member": member, "period": period, "mayor": mayor, "coord": coordinator}


def _form(role_id, **values):
    return {
        "title": "Migration de la messagerie",
        "description": "En février.",
        "role": str(role_id),
        "preferred_expert": "",
        "days": "3",
        "earliest": "2027-02-01",
        "deadline": "2027-03-31",
        "urgency": "normal",
        "place": "remote",
        "address": "",
        "action": "submit",
        **values,
    }


def test_the_check_says_the_period_of_the_dates_is_not_open(client, login, world):
    login(world["mayor"])
    check = plain(client.get("/demandes/verifier-droit?jours=3&debut=2027-02-01&fin=2027-03-31").text)
    # Before: "dépasse votre droit de tirage disponible (2 jours) : 1 jour serait hors droit…" (2026's figures).
    assert NOTICE in check
    assert "droit de tirage disponible" not in check and "hors droit" not in check
    # A request in this year's dates is still judged against 2026.
    this_year = plain(client.get("/demandes/verifier-droit?jours=3&debut=2026-12-14&fin=2026-12-18").text)
    assert "dépasse votre droit de tirage disponible (2 jours)" in this_year
    assert NOTICE not in this_year


def test_a_request_sent_for_next_year_shows_its_period_not_open(client, login, db, factory, world):
    login(world["mayor"])
    role_id = factory.role("dba").id
    sent = client.post("/demandes/nouvelle", data=_form(role_id))
    # No quote from this year's figures: nothing can be priced before its period opens.
    assert sent.status_code == 302
    req = db.session.scalar(select(InterventionRequest))
    assert req.status == RequestStatus.SUBMITTED and req.quote_half_days is None
    page = plain(client.get(f"/demandes/{req.id}").text)
    assert NOTICE in page
    assert "Hors droit" not in page and "Dans le droit de tirage" not in page
    listing = plain(client.get("/demandes").text)
    assert "Période pas encore ouverte" in listing and "Hors droit" not in listing
    login(world["coord"])
    queue_page = plain(client.get("/coordination/demandes").text)
    assert "Période pas encore ouverte" in queue_page and "Hors droit" not in queue_page


def test_once_its_period_opens_the_request_is_judged_there(client, login, db, factory, world):
    member = world["member"]
    req = factory.request(
        member, half_days=6, earliest=date(2027, 2, 1), deadline=date(2027, 3, 31), created_by=world["mayor"]
    )
    factory.period(2027, members=[member], half_days=10)
    login(world["mayor"])
    page = plain(client.get(f"/demandes/{req.id}").text)
    assert NOTICE not in page
    assert "Dans le droit de tirage" in page  # 6 half-days of 10 in 2027 (2026 holds only 4)
