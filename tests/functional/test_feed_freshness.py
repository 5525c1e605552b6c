"""Calendar feeds answer conditional requests (ETag, Last-Modified, 304), every change that alters a
feed changes its validators, UIDs stay, and a feed covers 3 months back and 12 months ahead."""

import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar
from query_counter import QueryCounter

from expertpool.agenda import unavailability
from expertpool.models import BookingStatus, RequestStatus
from expertpool.planning import moves

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
TODAY = date(2027, 1, 11)


@pytest.fixture
def feeds(app, factory, db, monkeypatch):
    monkeypatch.setattr("expertpool.feeds.views.today_paris", lambda: TODAY)
    factory.settings(name="Pool du Finistère")
    _user, expert = factory.expert_user(name="Fanny DBA", feed_token=secrets.token_urlsafe(32))
    other_expert = factory.expert("Yann DSI")
    member = factory.member(name="Commune de Landéda", feed_token=secrets.token_urlsafe(32))
    factory.period(2027, members=[member])
    req = factory.request(member=member, status=RequestStatus.SCHEDULED, title="Sauvegardes", on_site=False)
    booking = factory.booking(req, expert, date(2027, 2, 1), "am")
    factory.booking(req, expert, date(2027, 2, 1), "pm")
    db.session.commit()
    with app.test_request_context():  # the services write notifications with links
        yield {
            "expert": expert,
            "other_expert": other_expert,
            "member": member,
            "req": req,
            "booking": booking,
            "urls": (f"/feeds/experts/{expert.feed_token}.ics", f"/feeds/membres/{member.feed_token}.ics"),
        }


def _validators(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-cache"
    return response.headers["ETag"], response.headers["Last-Modified"], response


def _still_fresh(client, url, etag, last_modified) -> bool:
    by_etag = client.get(url, headers={"If-None-Match": etag})
    by_date = client.get(url, headers={"If-Modified-Since": last_modified})
    assert by_etag.status_code == by_date.status_code or by_date.status_code == 304
    if by_etag.status_code == 304:
        assert by_etag.data == b"" and by_etag.headers["ETag"] == etag
    return by_etag.status_code == 304


@pytest.mark.parametrize("url_index", [0, 1])
def test_an_unchanged_feed_is_answered_304_by_etag_or_date(client, db, feeds, url_index):
    url = feeds["urls"][url_index]
    etag, last_modified, response = _validators(client, url)
    assert etag.startswith('W/"')
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-None-Match": f'"x", {etag}'}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"autre"'}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": "n'importe quoi"}).status_code == 200
    # A 304 costs a few queries and never loads the events.
    with QueryCounter(db.engine) as counter:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert counter.count <= 3, counter.count


def _changes():
    """(what, change(feeds, db, factory)) — each alters what the feeds show."""

    def move(f, db, factory):
        moves.move_booking(f["booking"], expert=f["expert"], day=date(2027, 2, 2), half="am", actor=None, now=NOW)

    def cancel(f, db, factory):
        moves.cancel_booking(f["booking"], reason="Plus besoin", actor=None, now=NOW)

    def leave(f, db, factory):
        unavailability.declare(
            f["expert"],
            start=date(2027, 2, 1),
            end=date(2027, 2, 1),
            half=None,
            kind="leave",
            reason="Congé",
            actor=None,
            now=NOW,
        )

    def flag(f, db, factory):
        f["booking"].to_reschedule = True

    def new_booking(f, db, factory):
        factory.booking(f["req"], f["expert"], date(2027, 3, 1), "am")

    def delivered(f, db, factory):
        f["booking"].status = BookingStatus.DELIVERED

    def request_title(f, db, factory):
        f["req"].title = "Sauvegardes et restauration"

    def member_rename(f, db, factory):
        f["member"].name = "Commune de Landéda-Aber-Wrac'h"

    def expert_rename(f, db, factory):
        f["expert"].display_name = "Fanny Le Gall"

    def pool_rename(f, db, factory):
        factory.settings(name="Pool du Nord-Finistère")

    def half_day_times(f, db, factory):
        factory.settings(am_start=datetime(2027, 1, 1, 9, 0).time())

    return [
        ("moved", move),
        ("cancelled", cancel),
        ("leave", leave),
        ("to reschedule", flag),
        ("new booking", new_booking),
        ("delivered", delivered),
        ("request title", request_title),
        ("member renamed", member_rename),
        ("expert renamed", expert_rename),
        ("pool renamed", pool_rename),
        ("half-day times", half_day_times),
    ]


@pytest.mark.parametrize(("what", "change"), _changes(), ids=[what for what, _ in _changes()])
def test_every_change_a_feed_shows_changes_its_etag(client, db, factory, feeds, what, change):
    before = {url: _validators(client, url) for url in feeds["urls"]}
    change(feeds, db, factory)
    db.session.commit()
    for url, (etag, last_modified, response) in before.items():
        if response.data.replace(b"\r\n ", b"") == _validators(client, url)[2].data.replace(b"\r\n ", b""):
            continue  # not in this feed (DTSTAMP aside, nothing differs)
        assert not _still_fresh(client, url, etag, last_modified), (what, url)
    # And the new validators hold again.
    for url in feeds["urls"]:
        etag, last_modified, _ = _validators(client, url)
        assert _still_fresh(client, url, etag, last_modified), (what, url)


def test_booking_changes_move_last_modified_too(client, db, feeds):
    url = feeds["urls"][0]
    _, last_modified, _ = _validators(client, url)
    later = NOW + timedelta(minutes=5)  # after the window's midnight
    feeds["booking"].to_reschedule = True
    feeds["booking"].updated_at = later
    db.session.commit()
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 200
    assert _validators(client, url)[1] == later.strftime("%a, %d %b %Y %H:%M:%S GMT")


@pytest.mark.parametrize(
    ("who", "new_name"), [("member", "Commune de Landéda-Aber-Wrac'h"), ("expert", "Fanny Le Gall")]
)
def test_a_rename_moves_last_modified_for_clients_sending_only_if_modified_since(
    client, db, feeds, travel_to, who, new_name
):
    """Issue 13: members and experts keep an `updated_at`; a rename dates both feeds' Last-Modified, so a
    client sending If-Modified-Since alone gets the new name at once (not at the next midnight)."""
    travel_to(NOW)
    before = {url: _validators(client, url)[1] for url in feeds["urls"]}
    travel_to(NOW + timedelta(minutes=5))
    if who == "member":
        feeds["member"].name = new_name
    else:
        feeds["expert"].display_name = new_name
    db.session.commit()
    for url, last_modified in before.items():
        response = client.get(url, headers={"If-Modified-Since": last_modified})
        assert response.status_code == 200, url
        assert new_name in response.data.decode().replace("\r\n ", "").replace("\\", ""), url
        assert response.headers["Last-Modified"] == (NOW + timedelta(minutes=5)).strftime("%a, %d %b %Y %H:%M:%S GMT")
        assert client.get(url, headers={"If-Modified-Since": response.headers["Last-Modified"]}).status_code == 304


def test_the_window_is_3_months_back_12_ahead_and_moves_each_day(client, db, factory, feeds, monkeypatch, login):
    expert, req = feeds["expert"], feeds["req"]
    inside = [factory.booking(req, expert, day) for day in (TODAY - timedelta(days=93), TODAY + timedelta(days=372))]
    outside = [factory.booking(req, expert, day) for day in (TODAY - timedelta(days=94), TODAY + timedelta(days=373))]
    db.session.commit()
    for url in feeds["urls"]:
        etag, last_modified, response = _validators(client, url)
        uids = {str(e["UID"]) for e in Calendar.from_ical(response.data).walk("VEVENT")}
        assert {f"booking-{b.id}@expertpool" for b in inside} <= uids
        assert not {f"booking-{b.id}@expertpool" for b in outside} & uids
        assert f"booking-{feeds['booking'].id}@expertpool" in uids  # UIDs stay the booking's
        # The next day the window moves: the feed is built again.
        monkeypatch.setattr("expertpool.feeds.views.today_paris", lambda: TODAY + timedelta(days=1))
        assert not _still_fresh(client, url, etag, last_modified)
        monkeypatch.setattr("expertpool.feeds.views.today_paris", lambda: TODAY)
    login(feeds["expert"].user)
    assert "les 3 derniers mois et les 12 mois à venir" in client.get("/feeds/mon-agenda").text


def test_a_booking_keeps_its_uid_and_sequence_rises_when_moved(client, db, feeds):
    url = feeds["urls"][0]
    uid = f"booking-{feeds['booking'].id}@expertpool"
    first = {str(e["UID"]): e for e in Calendar.from_ical(_validators(client, url)[2].data).walk("VEVENT")}
    moves.move_booking(feeds["booking"], expert=feeds["expert"], day=date(2027, 2, 2), half="am", actor=None, now=NOW)
    db.session.commit()
    second = {str(e["UID"]): e for e in Calendar.from_ical(_validators(client, url)[2].data).walk("VEVENT")}
    assert set(first) == set(second)
    assert int(second[uid]["SEQUENCE"]) == int(first[uid]["SEQUENCE"]) + 1
    assert second[uid].decoded("DTSTART").date() == date(2027, 2, 2)
