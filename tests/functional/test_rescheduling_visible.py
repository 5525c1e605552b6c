"""Issue 19, case 8: after the expert declares leave on a booked half-day, the member's pages and
calendar feed show it "à replanifier" (not "prévue" with the expert's name), and the member's users
are told in the app and by mail."""

import re
from datetime import date

import pytest
from icalendar import Calendar
from notes import note_text
from sqlalchemy import select

from expertpool.models import Member, Notification, OutboxMail, RequestStatus, UserRole

KIND = "booking.to_reschedule.member"  # the member's users' notification (the staff's is booking.to_reschedule)


@pytest.fixture(autouse=True)
def _frozen_clock(frozen_clock):
    return frozen_clock


@pytest.fixture
def world(factory):
    member = factory.member("Tréglonou")
    factory.period(2027, members=[member], half_days=20)
    mayor = factory.user(member=member, email="maire@treglonou.example", name="Maire")
    secretary = factory.user(member=member, email="secretariat@treglonou.example", name="Secrétariat")
    expert_user, expert = factory.expert_user(name="Soizic Guéguen")
    factory.user(role=UserRole.COORDINATOR)
    req = factory.request(member=member, status=RequestStatus.SCHEDULED, title="Messagerie de la mairie")
    morning = factory.booking(req, expert, date(2027, 2, 2), "am")
    afternoon = factory.booking(req, expert, date(2027, 2, 2), "pm")
    return {name: value for name, value in locals().items() if name != "factory"}


def _declare_leave(client, login, world):
    login(world["expert_user"])
    data = {"start_date": "2027-02-02", "end_date": "2027-02-02", "half": "pm", "kind": "leave", "reason": "Congé"}
    url = f"/agenda/experts/{world['expert'].id}/indisponibilites/nouvelle"
    assert client.post(url, data={**data, "confirm": "2027-02-02|2027-02-02|pm"}).status_code == 302


def _row(html: str, label: str) -> str:
    """The table row whose header holds `label`."""
    match = re.search(r"<tr>\s*<th scope=\"row\">(?:(?!</tr>).)*?" + re.escape(label) + r".*?</tr>", html, re.S)
    assert match, label
    return match.group(0)


def test_leave_shows_to_reschedule_on_the_members_pages(client, login, db, world):
    _declare_leave(client, login, world)
    week = client.get(f"/agenda/experts/{world['expert'].id}/semaine?day=2027-02-02").text
    assert '<span class="badge text-bg-warning">À replanifier</span>' in week  # the expert's own view
    login(world["mayor"])

    page = client.get(f"/demandes/{world['req'].id}").text
    flagged = _row(page, "2 février 2027 (après-midi)")
    assert "à replanifier" in flagged and "Soizic Guéguen" not in flagged and "prévue" not in flagged
    kept = _row(page, "2 février 2027 (matin)")
    assert "Soizic Guéguen" in kept and "planifiée" in kept and "à replanifier" not in kept

    home = client.get("/mon-espace").text
    flagged = _row(home, "(après-midi)")
    assert "à replanifier" in flagged and "Soizic Guéguen" not in flagged
    assert "Soizic Guéguen" in _row(home, "(matin)")

    listing = client.get("/demandes").text  # the next half-day (the morning) is still Soizic's
    assert "Soizic Guéguen" in listing


def test_leave_notifies_every_user_of_the_member_in_app_and_by_mail(client, login, db, world, app):
    _declare_leave(client, login, world)
    req = world["req"]
    expected = (
        "L'expert prévu pour « Messagerie de la mairie » est indisponible : 2 février 2027 (après-midi) "
        "à replanifier. Le pool vous indiquera la nouvelle date."
    )
    for user in (world["mayor"], world["secretary"]):
        note = db.session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.kind == KIND)
        ).one()
        assert note_text(note) == expected and note.link == f"/demandes/{req.id}"
        mail = db.session.scalars(select(OutboxMail).where(OutboxMail.recipient == user.email)).one()
        assert mail.subject == "Intervention à replanifier"
        assert mail.body == (
            f"Bonjour {user.name},\n\n{expected}\n\n"
            f"Pour voir le détail : {app.config['EXPERTPOOL_BASE_URL']}/demandes/{req.id}\n\n"
            "Ce message vous est envoyé automatiquement : n'y répondez pas.\n"
        )
    # The expert is not told about their own leave.
    assert db.session.scalar(select(Notification.id).where(Notification.user_id == world["expert_user"].id)) is None


def test_member_feed_shows_the_half_day_as_tentative(client, login, db, world):
    _declare_leave(client, login, world)
    login(world["mayor"])
    assert client.post("/feeds/calendrier").status_code == 302
    db.session.expire_all()
    token = db.session.get(Member, world["member"].id).feed_token
    response = client.get(f"/feeds/membres/{token}.ics")
    assert response.status_code == 200
    events = {str(e["UID"]): e for e in Calendar.from_ical(response.data).walk("VEVENT")}
    flagged = events[f"booking-{world['afternoon'].id}@expertpool"]
    kept = events[f"booking-{world['morning'].id}@expertpool"]
    assert str(flagged["STATUS"]) == "TENTATIVE" and str(kept["STATUS"]) == "CONFIRMED"
    assert str(flagged["SUMMARY"]) == "Messagerie de la mairie — à replanifier"
    assert str(kept["SUMMARY"]) == "Messagerie de la mairie — Soizic Guéguen"
    assert int(flagged["SEQUENCE"]) == 1  # calendars replace the event they already hold


def test_an_expert_leaving_the_pool_tells_the_members_too(client, login, db, world, factory, monkeypatch):
    coordinator = factory.user(role=UserRole.COORDINATOR, email="coord@pool.example")
    login(coordinator)
    assert client.post(f"/coordination/experts/{world['expert'].id}/desactiver").status_code == 303
    note = db.session.scalars(
        select(Notification).where(Notification.user_id == world["mayor"].id, Notification.kind == KIND)
    ).one()
    assert note_text(note) == (
        "L'expert prévu pour « Messagerie de la mairie » est indisponible : 2 févr. 2027, "
        "2 demi-journées à replanifier. Le pool vous indiquera la nouvelle date."
    )
    login(world["mayor"])
    page = client.get(f"/demandes/{world['req'].id}").text
    assert "Soizic Guéguen" not in _row(page, "2 février 2027 (matin)")
