"""iCalendar feeds: parse with `icalendar`, stable UIDs, cancellations, token regeneration, clock changes."""

from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar
from sqlalchemy import select

from expertpool.models import AuditLog, BookingStatus, Expert, Member, RequestStatus, UserRole


@pytest.fixture
def world(factory):
    factory.settings(name="Pool du Finistère")
    user, expert = factory.expert_user(name="Fanny DBA")
    member = factory.member(name="Commune de Landéda", address="Mairie, 29870 Landéda")
    mayor = factory.user(role=UserRole.MEMBER, member=member)
    req = factory.request(member=member, status=RequestStatus.SCHEDULED, title="Sauvegardes", on_site=True)
    other_member = factory.member(name="Commune voisine")
    other_req = factory.request(
        member=other_member, status=RequestStatus.SCHEDULED, title="Secret voisin", on_site=False
    )
    return {
        "user": user,
        "expert": expert,
        "member": member,
        "mayor": mayor,
        "req": req,
        "other_member": other_member,
        "other_req": other_req,
    }


def _token(client, page, model, owner_id, db):
    assert client.post(page).status_code == 302
    db.session.expire_all()
    return db.session.get(model, owner_id).feed_token


def _events(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    cal.validate()  # PRODID, VERSION, at least one component
    for event in cal.walk("VEVENT"):
        assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "STATUS"} <= set(event)
    return cal, {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_expert_feed_holds_a_booking_then_its_cancellation(world, factory, login, db, client):
    booking = factory.booking(world["req"], world["expert"], date(2027, 2, 1), "am")
    login(world["user"])
    token = _token(client, "/feeds/mon-agenda", Expert, world["expert"].id, db)
    assert token and len(token) >= 40
    assert token in client.get("/feeds/mon-agenda").text

    client.post("/compte/deconnexion")  # the calendar app has no session
    url = f"/feeds/experts/{token}.ics"
    cal, events = _events(client, url)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    event = events[f"booking-{booking.id}@expertpool"]
    assert str(event["SUMMARY"]) == "Commune de Landéda — Sauvegardes"
    assert str(event["LOCATION"]) == "Mairie, 29870 Landéda"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert f"http://localhost/agenda/demandes/{world['req'].id}/rapport" in str(event["DESCRIPTION"])
    assert event.decoded("DTSTART") == datetime(2027, 2, 1, 7, 30, tzinfo=UTC)  # 08:30 Paris, winter
    assert event.decoded("DTEND") == datetime(2027, 2, 1, 11, 0, tzinfo=UTC)
    first_sequence = int(event["SEQUENCE"])
    assert "DTSTAMP" in event

    # The member cancels (the requests feature bumps SEQUENCE as every change does).
    booking.status, booking.sequence = BookingStatus.CANCELLED, booking.sequence + 1
    db.session.flush()
    _cal, events = _events(client, url)
    cancelled = events[f"booking-{booking.id}@expertpool"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) > first_sequence


def test_remote_booking_and_other_experts_stay_out(world, factory, login, db, client):
    _other_user, other_expert = factory.expert_user(name="Autre")
    mine = factory.booking(world["other_req"], world["expert"], date(2027, 2, 2), "pm")
    theirs = factory.booking(world["req"], other_expert, date(2027, 2, 3), "pm")
    login(world["user"])
    token = _token(client, "/feeds/mon-agenda", Expert, world["expert"].id, db)
    _cal, events = _events(client, f"/feeds/experts/{token}.ics")
    assert set(events) == {f"booking-{mine.id}@expertpool"}
    assert str(events[f"booking-{mine.id}@expertpool"]["LOCATION"]) == "À distance"
    assert f"booking-{theirs.id}@expertpool" not in events
    start = events[f"booking-{mine.id}@expertpool"].decoded("DTSTART")
    assert (start.hour, start.minute) == (13, 30) and str(start.tzinfo) == "Europe/Paris"


def test_regenerating_the_token_kills_the_old_url(world, factory, login, db, client):
    factory.booking(world["req"], world["expert"], date(2027, 2, 1), "am")
    login(world["user"])
    old = _token(client, "/feeds/mon-agenda", Expert, world["expert"].id, db)
    new = _token(client, "/feeds/mon-agenda", Expert, world["expert"].id, db)
    assert new != old
    gone = client.get(f"/feeds/experts/{old}.ics")
    assert gone.status_code == 404 and gone.mimetype == "text/plain"
    assert client.get(f"/feeds/experts/{new}.ics").status_code == 200
    assert client.get("/feeds/experts/not-a-token.ics").status_code == 404
    assert client.get("/feeds/experts/" + "a" * 43 + ".ics").status_code == 404
    expert_id = world["expert"].id
    actions = db.session.scalars(
        select(AuditLog.action).where(AuditLog.expert_id == expert_id).order_by(AuditLog.id)
    ).all()
    assert actions == ["feed_token.create", "feed_token.regenerate"]
    assert all(old not in str(row.after) for row in db.session.scalars(select(AuditLog)))


def test_times_across_the_clock_changes(world, factory, login, db, client):
    """Last Sundays of March and October 2027: 28 March and 31 October."""
    days = {date(2027, 3, 26): 7, date(2027, 3, 29): 6, date(2027, 10, 29): 6, date(2027, 11, 1): 7}
    bookings = {day: factory.booking(world["req"], world["expert"], day, "am") for day in days}
    pm = factory.booking(world["req"], world["expert"], date(2027, 3, 29), "pm")
    login(world["user"])
    token = _token(client, "/feeds/mon-agenda", Expert, world["expert"].id, db)
    body = client.get(f"/feeds/experts/{token}.ics").text
    _cal, events = _events(client, f"/feeds/experts/{token}.ics")
    for day, utc_hour in days.items():
        event = events[f"booking-{bookings[day].id}@expertpool"]
        expected = datetime(day.year, day.month, day.day, utc_hour, 30, tzinfo=UTC)
        assert event.decoded("DTSTART").astimezone(UTC) == expected, day
        assert f"DTSTART;TZID=Europe/Paris:{day:%Y%m%d}T083000" in body
    afternoon = events[f"booking-{pm.id}@expertpool"]
    assert afternoon.decoded("DTEND").astimezone(UTC) == datetime(2027, 3, 29, 15, 0, tzinfo=UTC)
    # The VTIMEZONE carries both 2027 transitions.
    assert "20270328T0" in body and "20271031T0" in body and "TZOFFSETTO:+0200" in body


def test_pool_times_come_from_the_settings(world, factory, login, db, client):
    from datetime import time

    factory.settings(am_start=time(9, 0), am_end=time(12, 30))
    booking = factory.booking(world["req"], world["expert"], date(2027, 6, 1), "am")
    login(world["user"])
    token = _token(client, "/feeds/mon-agenda", Expert, world["expert"].id, db)
    _cal, events = _events(client, f"/feeds/experts/{token}.ics")
    event = events[f"booking-{booking.id}@expertpool"]
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2027, 6, 1, 7, 0, tzinfo=UTC)
    assert event.decoded("DTEND").astimezone(UTC) == datetime(2027, 6, 1, 10, 30, tzinfo=UTC)


def test_member_feed_holds_only_its_own_bookings(world, factory, login, db, client):
    mine = factory.booking(world["req"], world["expert"], date(2027, 2, 1), "am")
    theirs = factory.booking(world["other_req"], world["expert"], date(2027, 2, 1), "pm")
    login(world["mayor"])
    page = client.get("/feeds/calendrier")
    assert page.status_code == 200 and "Commune de Landéda" in page.text
    token = _token(client, "/feeds/calendrier", Member, world["member"].id, db)
    _cal, events = _events(client, f"/feeds/membres/{token}.ics")
    assert set(events) == {f"booking-{mine.id}@expertpool"}
    assert f"booking-{theirs.id}@expertpool" not in events
    assert str(events[f"booking-{mine.id}@expertpool"]["SUMMARY"]) == "Sauvegardes — Fanny DBA"
    # Another structure's user sees its own (empty) page, never this token.
    neighbour = factory.user(role=UserRole.MEMBER, member=world["other_member"])
    login(neighbour)
    other_page = client.get("/feeds/calendrier")
    assert token not in other_page.text and "Commune voisine" in other_page.text
    # A member's token is not an expert's token.
    assert client.get(f"/feeds/experts/{token}.ics").status_code == 404
    login(world["mayor"])
    new = _token(client, "/feeds/calendrier", Member, world["member"].id, db)
    assert client.get(f"/feeds/membres/{token}.ics").status_code == 404
    assert client.get(f"/feeds/membres/{new}.ics").status_code == 200


def test_token_pages_belong_to_their_role(world, factory, login, client):
    login(world["user"])
    assert client.get("/feeds/calendrier").status_code == 403
    login(world["mayor"])
    assert client.get("/feeds/mon-agenda").status_code == 403
    menu = client.get("/notifications").text
    assert 'href="/feeds/calendrier"' in menu and "Calendrier" in menu  # in the member menu


def test_one_off_downloads(world, factory, login, client):
    booking = factory.booking(world["req"], world["expert"], date(2027, 2, 1), "am")
    url = f"/feeds/creneaux/{booking.id}.ics"
    login(world["user"])
    response = client.get(url)
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert len(Calendar.from_ical(response.data).walk("VEVENT")) == 1
    request_file = client.get(f"/feeds/demandes/{world['req'].id}.ics")
    assert request_file.status_code == 200
    login(world["mayor"])
    assert client.get(url).status_code == 200
    assert client.get(f"/feeds/demandes/{world['req'].id}.ics").status_code == 200
    assert client.get(f"/feeds/demandes/{world['other_req'].id}.ics").status_code == 404
    other_user, _other = factory.expert_user()
    login(other_user)
    assert client.get(url).status_code == 404
    assert client.get(f"/feeds/demandes/{world['req'].id}.ics").status_code == 404
    neighbour = factory.user(role=UserRole.MEMBER, member=world["other_member"])
    login(neighbour)
    assert client.get(url).status_code == 404
    assert client.get("/feeds/creneaux/999999.ics").status_code == 404


def test_an_empty_feed_is_still_a_valid_calendar(world, login, db, client):
    login(world["user"])
    token = _token(client, "/feeds/mon-agenda", Expert, world["expert"].id, db)
    cal, events = _events(client, f"/feeds/experts/{token}.ics")
    assert events == {} and [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
