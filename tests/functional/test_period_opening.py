"""Issue 19, case 5: on 2 December no period is open for next year. Coordinators are warned, nothing is
booked in January (it would be charged to no drawing right), the member reads why, and once the
coordinator opens the period the January half-days are booked and charged to it."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from expertpool.models import Booking, BookingStatus, InterventionRequest, RequestStatus, UserRole
from expertpool.quotas import balance, period_for

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # a Wednesday; 2026 is open, 2027 is not
WARNING = "La période 2026 se termine le 31 décembre 2026 et la suivante n'est pas encore ouverte."
NOTICE = "La période 2027 n'est pas encore ouverte : ces demi-journées seront planifiées à son ouverture."


@pytest.fixture
def world(factory, travel_to):
    travel_to(NOW)
    factory.settings(horizon_weeks=8, holidays_region="metropole")
    member = factory.member("Tréglonou")
    period = factory.period(2026, members=[member], half_days=40)
    mayor = factory.user(member=member, email="mairie@treglonou.example")
    _user, expert = factory.expert_user("Soizic Guéguen", roles=("dba",))
    coordinator = factory.user(role=UserRole.COORDINATOR)
    # 28-31 December hold 8 working half-days of the only expert; the 4 others fall in January.
    req = factory.request(
        member,
        status=RequestStatus.APPROVED,
        half_days=12,
        earliest=date(2026, 12, 28),
        deadline=date(2027, 1, 29),
        title="Messagerie de la mairie",
        created_by=mayor,
    )
    return {"member": member, "period": period, "mayor": mayor, "expert": expert, "coord": coordinator, "req": req}


def _bookings(db, req):
    return list(db.session.scalars(select(Booking).where(Booking.request_id == req.id).order_by(Booking.date)))


def test_next_period_not_open_warns_books_nothing_past_it_and_tells_the_member(client, login, db, factory, world):
    req, member = world["req"], world["member"]
    login(world["coord"])
    assert WARNING in client.get("/coordination/").text
    assert WARNING in client.get("/planification/").text

    preview = client.post("/planification/apercu", data={"weeks": ""})
    assert preview.status_code == 302
    run_page = client.get(preview.location)
    # The coordinator reads the short operational sentence; the mayor the one addressed to them (below).
    assert run_page.status_code == 200 and "Période 2027 pas encore ouverte : " in run_page.text
    assert client.post("/planification/valider", data={}).status_code == 302
    booked = _bookings(db, req)
    assert len(booked) == 8
    assert all(b.date <= date(2026, 12, 31) for b in booked)  # nothing in January: no period to charge it to
    db.session.refresh(req)
    assert req.status == RequestStatus.APPROVED and req.unserved_reason == "period_not_open"
    # Stored as a reason code with its facts; each reader's page words it (the mayor's below).
    assert req.unserved_params["period"] == "2027" and req.unserved_params["from"] == "2027-01-01"
    assert balance(member.id, world["period"]).planned == 8

    # The move page suggests no half-day in January, and a manual move there is refused with the
    # same reason, next to the date.
    move_page = client.get(f"/planification/reservations/{booked[0].id}/deplacer").text
    assert "Aucune demi-journée libre d" in move_page
    assert "4 janvier 2027" not in move_page
    moved = client.post(
        f"/planification/reservations/{booked[0].id}/deplacer",
        data={"expert": world["expert"].id, "day": "2027-01-05", "half": "am"},
    )
    assert moved.status_code == 400
    assert NOTICE.replace("'", "&#39;") in moved.text
    db.session.refresh(booked[0])
    assert booked[0].date == date(2026, 12, 28)

    # The mayor reads why, in plain French, on the request's page.
    login(world["mayor"])
    page = client.get(f"/demandes/{req.id}")
    assert page.status_code == 200
    assert NOTICE.replace("'", "&#39;") in page.text

    # The coordinator prepares the next period (preview of the drawing rights), then opens it.
    login(world["coord"])
    policy = {
        "name": "2027",
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
        "policy": "fixed",
        "fixed_days": "20",
        "unit_price": "180",
        "carry_over_cap": "0",
    }
    prepared = client.post("/coordination/periodes/nouvelle", data=policy)
    assert prepared.status_code == 200 and "Tréglonou" in prepared.text
    assert WARNING in client.get("/coordination/").text  # previewed is not opened
    opened = client.post("/coordination/periodes/nouvelle", data={**policy, "confirm": "1"})
    assert opened.status_code == 303
    assert WARNING not in client.get("/coordination/").text
    assert WARNING not in client.get("/planification/").text

    client.post("/planification/apercu", data={"weeks": ""})
    assert client.post("/planification/valider", data={}).status_code == 302
    booked = _bookings(db, req)
    assert len(booked) == 12
    assert sum(1 for b in booked if b.date.year == 2027) == 4
    # Each half-day is charged to the period of its date.
    assert balance(member.id, world["period"]).planned == 8
    assert balance(member.id, period_for(date(2027, 1, 4))).planned == 4
    assert balance(member.id, period_for(date(2027, 1, 4))).over_quota == 0
    db.session.refresh(req)
    assert req.status == RequestStatus.SCHEDULED
    login(world["mayor"])
    assert NOTICE.replace("'", "&#39;") not in client.get(f"/demandes/{req.id}").text


def test_no_warning_before_the_configured_weeks(client, login, db, factory, world):
    factory.settings(next_period_warning_weeks=2)  # 2 December is 4 weeks before the end of 2026
    login(world["coord"])
    assert WARNING not in client.get("/coordination/").text
    assert "next-period-warning" not in client.get("/planification/").text


def test_no_period_open_today_warns_too(client, login, db, factory, world):
    world["period"].status = "closed"
    db.session.flush()
    login(world["coord"])
    assert "Aucune période de droits de tirage n'est ouverte aujourd'hui." in client.get("/coordination/").text


def test_booked_half_days_only_in_open_periods(client, login, db, world):
    """Also holds when the request starts in January only: it waits, whole, with the reason."""
    req = world["req"]
    req.earliest = date(2027, 1, 4)
    db.session.flush()
    login(world["coord"])
    client.post("/planification/apercu", data={"weeks": ""})
    assert client.post("/planification/valider", data={}).status_code == 302
    assert _bookings(db, req) == []
    assert db.session.scalar(select(InterventionRequest.unserved_reason).where(InterventionRequest.id == req.id)) == (
        "period_not_open"
    )
    assert db.session.scalar(select(Booking.id).where(Booking.status == BookingStatus.PLANNED)) is None
