"""Declaring leave from the agenda: the collision confirmation, validation messages, edit and removal."""

from datetime import date

import pytest
from notes import note_text
from sqlalchemy import func, select

from expertpool.models import (
    AuditLog,
    Booking,
    BookingStatus,
    Notification,
    RequestStatus,
    Unavailability,
    UserRole,
)
from expertpool.quotas import balance


@pytest.fixture(autouse=True)
def _frozen_clock(frozen_clock):
    return frozen_clock


@pytest.fixture
def world(factory):
    coordinator = factory.user(role=UserRole.COORDINATOR)
    user, expert = factory.expert_user(name="Denis DSI")
    member = factory.member(name="Commune de Guissény")
    period = factory.period(2027, members=[member], half_days=20)
    req = factory.request(member=member, status=RequestStatus.SCHEDULED, title="Schéma directeur")
    return {"coordinator": coordinator, "user": user, "expert": expert, "member": member, "period": period, "req": req}


def _count(db, model):
    return db.session.scalar(select(func.count(model.id)))


def test_collision_asks_first_then_flags_on_confirmation(world, factory, login, db):
    expert, member, period = world["expert"], world["member"], world["period"]
    hit = factory.booking(world["req"], expert, date(2027, 2, 2), "pm")
    spared = factory.booking(world["req"], expert, date(2027, 2, 2), "am")
    before = balance(member.id, period)
    client = login(world["user"])
    url = f"/agenda/experts/{expert.id}/indisponibilites/nouvelle"
    data = {
        "start_date": "2027-02-02",
        "end_date": "2027-02-02",
        "half": "pm",
        "kind": "leave",
        "reason": "Rendez-vous médical",
    }

    first = client.post(url, data=data)
    assert first.status_code == 200
    assert "Des interventions sont déjà planifiées" in first.text
    assert "Commune de Guissény" in first.text and "Schéma directeur" in first.text
    assert "2 février 2027" in first.text and "après-midi" in first.text
    assert _count(db, Unavailability) == 0 and not hit.to_reschedule  # nothing written yet
    assert _count(db, Notification) == 0
    assert 'value="2027-02-02|2027-02-02|pm"' in first.text

    confirmed = client.post(url, data={**data, "confirm": "2027-02-02|2027-02-02|pm"})
    assert confirmed.status_code == 302
    db.session.expire_all()
    hit, spared = db.session.get(Booking, hit.id), db.session.get(Booking, spared.id)
    assert hit.to_reschedule and hit.status == BookingStatus.PLANNED
    assert not spared.to_reschedule
    assert _count(db, Booking) == 2
    assert _count(db, Unavailability) == 1
    assert balance(member.id, period) == before
    staff_id = world["coordinator"].id
    note = db.session.scalars(select(Notification).where(Notification.user_id == staff_id)).one()
    assert "Denis DSI" in note_text(note)
    created = select(func.count(AuditLog.id)).where(AuditLog.action == "unavailability.create")
    assert db.session.scalar(created) == 1
    followed = client.get(confirmed.headers["Location"])
    assert "1 demi-journée planifiée est signalée au coordinateur pour être replanifiée." in followed.text


def test_changing_the_period_after_the_warning_asks_again(world, factory, login, db):
    expert = world["expert"]
    factory.booking(world["req"], expert, date(2027, 2, 2), "am")
    factory.booking(world["req"], expert, date(2027, 2, 3), "am")
    client = login(world["user"])
    url = f"/agenda/experts/{expert.id}/indisponibilites/nouvelle"
    stale = {"start_date": "2027-02-02", "end_date": "2027-02-03", "kind": "leave", "confirm": "2027-02-02|2027-02-02|"}
    again = client.post(url, data=stale)
    assert again.status_code == 200 and "Des interventions sont déjà planifiées" in again.text
    assert _count(db, Unavailability) == 0


def test_no_collision_saves_at_once(world, login, db):
    expert = world["expert"]
    response = login(world["user"]).post(
        f"/agenda/experts/{expert.id}/indisponibilites/nouvelle",
        data={
            "start_date": "2027-03-01",
            "end_date": "2027-03-05",
            "kind": "training",
            "reason": "Formation Kubernetes",
        },
    )
    assert response.status_code == 302
    item = db.session.scalars(select(Unavailability)).one()
    assert (item.start_date, item.end_date, item.half, item.kind) == (
        date(2027, 3, 1),
        date(2027, 3, 5),
        None,
        "training",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start_date": "2027-03-05", "end_date": "2027-03-01"}, "La date de fin doit suivre la date de début."),
        ({"start_date": "2027-03-01", "end_date": "2027-03-02", "half": "am"}, "qu'un seul jour"),
        ({"start_date": "2027-03-01", "end_date": "2028-03-05"}, "au plus un an"),
        ({"start_date": "2027-03-01", "reason": "x" * 501}, "500 caractères au plus"),
        ({"start_date": "01/03/2027"}, "Date invalide."),
        ({"start_date": ""}, "Indiquez le premier jour."),
        ({"start_date": "2027-03-01", "kind": "holiday"}, "pas un choix valide"),
    ],
)
def test_bad_input_is_refused_next_to_the_field(world, login, db, data, message):
    response = login(world["user"]).post(
        f"/agenda/experts/{world['expert'].id}/indisponibilites/nouvelle", data={"kind": "leave", **data}
    )
    assert response.status_code == 400
    assert message in response.text.replace("&#39;", "'")
    assert "invalid-feedback" in response.text
    assert _count(db, Unavailability) == 0


def test_edit_and_remove(world, factory, login, db):
    expert = world["expert"]
    item = factory.unavailability(expert, date(2027, 3, 1), date(2027, 3, 2), kind="leave")
    client = login(world["user"])
    edit_url = f"/agenda/experts/{expert.id}/indisponibilites/{item.id}/modifier"
    page = client.get(edit_url)
    assert page.status_code == 200 and 'value="2027-03-01"' in page.text
    assert (
        client.post(
            edit_url,
            data={
                "start_date": "2027-03-01",
                "end_date": "2027-03-01",
                "half": "am",
                "kind": "other",
                "reason": "Réunion",
            },
        ).status_code
        == 302
    )
    db.session.expire_all()
    item = db.session.get(Unavailability, item.id)
    assert (item.end_date, item.half, item.kind, item.reason) == (date(2027, 3, 1), "am", "other", "Réunion")
    listing = client.get(f"/agenda/experts/{expert.id}/indisponibilites")
    assert "Réunion" in listing.text
    assert client.post(f"/agenda/experts/{expert.id}/indisponibilites/{item.id}/supprimer").status_code == 302
    assert _count(db, Unavailability) == 0
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.expert_id == expert.id)).all()
    assert actions == ["unavailability.update", "unavailability.delete"]


def test_the_week_shows_a_morning_off_and_an_afternoon_at_work(world, factory, login):
    expert = world["expert"]
    factory.unavailability(expert, date(2027, 1, 13), half="am", kind="other_work")
    html = login(world["user"]).get("/agenda/?day=2027-01-13").text
    assert html.count("Autre mission") >= 1
    assert "Libre" in html


def test_editing_the_reason_does_not_ask_again_for_flagged_bookings(world, factory, login, db):
    expert = world["expert"]
    factory.booking(world["req"], expert, date(2027, 2, 2), "am", to_reschedule=True)
    item = factory.unavailability(expert, date(2027, 2, 2), kind="leave")
    response = login(world["user"]).post(
        f"/agenda/experts/{expert.id}/indisponibilites/{item.id}/modifier",
        data={"start_date": "2027-02-02", "kind": "leave", "reason": "Enfant malade"},
    )
    assert response.status_code == 302
    assert _count(db, Notification) == 0  # nothing new for the coordinator
