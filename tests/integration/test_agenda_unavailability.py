"""Unavailability services: half-days, and the collision flow (flag, never delete, quota unchanged)."""

from datetime import date

import pytest
from factories import FIXED_NOW
from notes import note_text
from sqlalchemy import func, select

from expertpool.agenda import grid, unavailability
from expertpool.calendars import working_half_days
from expertpool.models import AuditLog, Booking, BookingStatus, Notification, RequestStatus, UserRole
from expertpool.quotas import balance


@pytest.fixture
def ctx(app, db):
    with app.test_request_context():
        yield


def test_half_day_unavailability_keeps_the_other_half(factory, db, ctx):
    _user, expert = factory.expert_user()
    day = date(2027, 1, 13)
    unavailability.declare(
        expert, start=day, end=day, half="am", kind="other_work", reason="Conseil syndical", actor=None, now=FIXED_NOW
    )
    db.session.refresh(expert)
    assert working_half_days(expert, day, day, "metropole") == [(day, "pm")]
    cells = grid.build_days(expert, day, day, "metropole")[0].halves
    assert cells["am"].unavailability is not None and not cells["am"].available
    assert cells["pm"].unavailability is None and cells["pm"].available


def _world(factory):
    coordinator = factory.user(role=UserRole.COORDINATOR)
    admin = factory.user(role=UserRole.ADMIN)
    user, expert = factory.expert_user(name="Claire DBA")
    member = factory.member(name="Commune de Lannilis")
    period = factory.period(2027, members=[member], half_days=20)
    req = factory.request(member=member, status=RequestStatus.SCHEDULED, title="Migration PostgreSQL")
    return coordinator, admin, user, expert, member, period, req


def test_collision_flags_planned_bookings_and_keeps_everything(factory, db, ctx):
    coordinator, admin, user, expert, member, period, req = _world(factory)
    hit_am = factory.booking(req, expert, date(2027, 2, 1), "am")
    hit_pm = factory.booking(req, expert, date(2027, 2, 2), "pm")
    delivered = factory.booking(req, expert, date(2027, 2, 3), "am", status=BookingStatus.DELIVERED)
    outside = factory.booking(req, expert, date(2027, 2, 8), "am")
    before = balance(member.id, period)
    count_before = db.session.scalar(select(func.count(Booking.id)))

    colliding = unavailability.colliding_bookings(expert.id, date(2027, 2, 1), date(2027, 2, 5), None)
    assert {b.id for b in colliding} == {hit_am.id, hit_pm.id}
    item, flagged = unavailability.declare(
        expert,
        start=date(2027, 2, 1),
        end=date(2027, 2, 5),
        half=None,
        kind="leave",
        reason="Congés d'hiver",
        actor=user,
        now=FIXED_NOW,
    )
    db.session.flush()

    assert {b.id for b in flagged} == {hit_am.id, hit_pm.id}
    assert hit_am.to_reschedule and hit_pm.to_reschedule
    assert hit_am.sequence == 1 and delivered.sequence == 0  # calendar apps refresh the flagged event
    assert not delivered.to_reschedule and not outside.to_reschedule
    assert hit_am.status == BookingStatus.PLANNED == hit_pm.status
    assert db.session.scalar(select(func.count(Booking.id))) == count_before  # nothing deleted
    assert balance(member.id, period) == before  # the member's drawing right did not move
    notes = db.session.scalars(select(Notification).where(Notification.kind == "booking.to_reschedule")).all()
    assert {n.user_id for n in notes} == {coordinator.id, admin.id}
    assert "Claire DBA" in note_text(notes[0]) and "2" in note_text(notes[0])
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "unavailability.create")).one()
    assert audit.actor_id == user.id and audit.entity_id == item.id
    assert sorted(audit.after["flagged_booking_ids"]) == sorted([hit_am.id, hit_pm.id])
    per_booking = db.session.scalars(select(AuditLog).where(AuditLog.action == "booking.to_reschedule")).all()
    assert {a.entity_id for a in per_booking} == {hit_am.id, hit_pm.id}
    assert all(a.member_id == member.id and a.request_id == req.id for a in per_booking)


def test_single_half_only_hits_that_half(factory, db, ctx):
    *_rest, user, expert, _member, _period, req = _world(factory)
    am = factory.booking(req, expert, date(2027, 2, 1), "am")
    pm = factory.booking(req, expert, date(2027, 2, 1), "pm")
    _item, flagged = unavailability.declare(
        expert,
        start=date(2027, 2, 1),
        end=date(2027, 2, 1),
        half="pm",
        kind="training",
        reason="",
        actor=user,
        now=FIXED_NOW,
    )
    assert flagged == [pm] and not am.to_reschedule


def test_update_flags_newly_covered_bookings_and_remove_keeps_flags(factory, db, ctx):
    *_rest, user, expert, _member, _period, req = _world(factory)
    first = factory.booking(req, expert, date(2027, 2, 1), "am")
    second = factory.booking(req, expert, date(2027, 2, 4), "am")
    item, flagged = unavailability.declare(
        expert,
        start=date(2027, 2, 1),
        end=date(2027, 2, 1),
        half=None,
        kind="leave",
        reason="",
        actor=user,
        now=FIXED_NOW,
    )
    assert flagged == [first]
    flagged = unavailability.update(
        item,
        start=date(2027, 2, 1),
        end=date(2027, 2, 5),
        half=None,
        kind="leave",
        reason="prolongé",
        actor=user,
        now=FIXED_NOW,
    )
    assert flagged == [second]  # the first one was already flagged: no second notification for it
    unavailability.remove(item, actor=user, now=FIXED_NOW)
    db.session.flush()
    assert first.to_reschedule and second.to_reschedule
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.expert_id == expert.id)).all()
    assert actions.count("unavailability.update") == 1 and actions.count("unavailability.delete") == 1
