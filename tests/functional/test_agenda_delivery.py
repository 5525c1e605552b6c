"""Assignments page, recording a half-day, the report per request, and the weekly pattern page."""

from datetime import date

import pytest
from sqlalchemy import select

from expertpool.models import AuditLog, Booking, BookingStatus, InterventionRequest, RequestStatus, UserRole
from expertpool.models.expert import FULL_TIME_WEEK_MASK, week_bit


@pytest.fixture(autouse=True)
def _frozen_clock(frozen_clock):
    return frozen_clock  # Monday 11 January 2027


@pytest.fixture
def world(factory):
    user, expert = factory.expert_user(name="Emma Cheffe de projet")
    member = factory.member(
        name="Commune de Plounéour",
        email="mairie@plouneour.example",
        phone="02 98 00 00 00",
        address="Place de l'Église, Plounéour",
    )
    mayor = factory.user(role=UserRole.MEMBER, member=member, name="Anne Maire", email="anne@plouneour.example")
    req = factory.request(
        member=member,
        status=RequestStatus.SCHEDULED,
        title="Choix d'un logiciel d'état civil",
        description="Comparer trois offres.",
        created_by=mayor,
        on_site=True,
    )
    past = factory.booking(req, expert, date(2027, 1, 8), "am")
    coming = factory.booking(req, expert, date(2027, 1, 20), "pm")
    return {"user": user, "expert": expert, "member": member, "req": req, "past": past, "coming": coming}


def test_assignments_list_what_and_whom_to_contact(world, login):
    html = login(world["user"]).get("/agenda/interventions").text
    assert "Choix d&#39;un logiciel d&#39;état civil" in html
    assert "Comparer trois offres." in html
    assert "Commune de Plounéour" in html and "mairie@plouneour.example" in html and "02 98 00 00 00" in html
    assert "Anne Maire" in html and "anne@plouneour.example" in html
    assert "Place de l&#39;Église, Plounéour" in html
    assert html.count('name="outcome"') == 2  # one form (two radios) for the past half-day only
    assert f"/agenda/creneaux/{world['past'].id}/realisation" in html


def test_recording_a_half_day_from_the_list(world, login, db):
    client = login(world["user"])
    response = client.post(
        f"/agenda/creneaux/{world['past'].id}/realisation",
        data={"outcome": "delivered", "note": "Démonstrations faites"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/agenda/interventions")
    db.session.expire_all()
    booking = db.session.get(Booking, world["past"].id)
    assert booking.status == BookingStatus.DELIVERED and booking.note == "Démonstrations faites"
    assert db.session.get(InterventionRequest, world["req"].id).status == RequestStatus.IN_PROGRESS
    assert booking.sequence == 1
    html = client.get("/agenda/interventions").text
    assert "Rien à renseigner." in html and "Réalisée" in html


def test_a_future_half_day_or_missing_answer_is_refused(world, login, db):
    client = login(world["user"])
    future = client.post(f"/agenda/creneaux/{world['coming'].id}/realisation", data={"outcome": "delivered"})
    assert future.status_code == 400 and "à venir ne peut pas encore" in future.text
    missing = client.post(f"/agenda/creneaux/{world['past'].id}/realisation", data={"note": "?"})
    assert missing.status_code == 400 and "Choisissez « Réalisée » ou « Non réalisée »." in missing.text
    too_long = client.post(
        f"/agenda/creneaux/{world['past'].id}/realisation", data={"outcome": "delivered", "note": "x" * 2001}
    )
    assert too_long.status_code == 400
    db.session.expire_all()
    assert db.session.get(Booking, world["past"].id).status == BookingStatus.PLANNED
    assert db.session.get(Booking, world["coming"].id).status == BookingStatus.PLANNED
    assert client.get("/agenda/creneaux/999999/realisation").status_code == 404


def test_not_delivered_then_corrected(world, login, db):
    client = login(world["user"])
    url = f"/agenda/creneaux/{world['past'].id}/realisation"
    assert client.post(url, data={"outcome": "not_delivered", "note": "Absent"}).status_code == 302
    assert "Non réalisée" in client.get(url).text
    assert client.post(url, data={"outcome": "delivered"}).status_code == 302
    db.session.expire_all()
    booking = db.session.get(Booking, world["past"].id)
    assert booking.status == BookingStatus.DELIVERED and booking.sequence == 2
    actions = db.session.scalars(
        select(AuditLog.action).where(AuditLog.entity_id == booking.id, AuditLog.entity_type == "bookings")
    ).all()
    assert actions == ["booking.not_delivered", "booking.delivered"]


def test_report_per_request(world, login, db):
    client = login(world["user"])
    url = f"/agenda/demandes/{world['req'].id}/rapport"
    assert "Rapport d'intervention" in client.get(url).text
    assert client.post(url, data={"report": "x" * 20001}).status_code == 400
    assert client.post(url, data={"report": "Trois offres comparées ; devis joints."}).status_code == 302
    db.session.expire_all()
    req = db.session.get(InterventionRequest, world["req"].id)
    assert req.report == "Trois offres comparées ; devis joints." and req.report_by_id == world["user"].id
    assert "Trois offres comparées" in client.get(url).text


def test_coordinator_records_for_an_expert(world, factory, login, db):
    coordinator = factory.user(role=UserRole.COORDINATOR)
    client = login(coordinator)
    page = client.get(f"/agenda/experts/{world['expert'].id}/interventions")
    assert page.status_code == 200 and "Emma Cheffe de projet" in page.text
    response = client.post(f"/agenda/creneaux/{world['past'].id}/realisation", data={"outcome": "delivered"})
    assert response.headers["Location"].endswith(f"/agenda/experts/{world['expert'].id}/interventions")


def test_week_pattern_read_only_for_the_expert_and_edited_by_a_coordinator(world, factory, login, db):
    expert = world["expert"]
    url = f"/agenda/experts/{expert.id}/semaine-type"
    client = login(world["user"])
    page = client.get(url)
    assert page.status_code == 200 and 'type="checkbox"' not in page.text
    assert client.post(url, data={"mon_am": "y"}).status_code == 403
    db.session.expire_all()
    assert expert.week_mask == FULL_TIME_WEEK_MASK

    coordinator = factory.user(role=UserRole.COORDINATOR)
    client = login(coordinator)
    assert client.get(url).text.count('type="checkbox"') == 14
    chosen = {f"{d}_{h}": "y" for d in ("mon", "tue", "thu") for h in ("am", "pm")}
    assert client.post(url, data=chosen).status_code == 302
    db.session.expire_all()
    expert = db.session.get(type(expert), expert.id)
    assert expert.works(0, "am") and expert.works(3, "pm") and not expert.works(2, "am")
    assert expert.week_mask == sum(week_bit(d, h) for d in (0, 1, 3) for h in ("am", "pm"))
    row = db.session.scalars(select(AuditLog).where(AuditLog.action == "expert.week_pattern")).one()
    assert row.actor_id == coordinator.id and row.before["week_mask"] == FULL_TIME_WEEK_MASK
    assert client.post(url, data=chosen).status_code == 302  # unchanged: no second audit row
    rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "expert.week_pattern")).all()
    assert len(rows) == 1
