"""Recording delivered / not delivered half-days: consumption, request lifecycle, rating request, audit."""

from datetime import date

import pytest
from factories import FIXED_NOW
from notes import note_text
from sqlalchemy import select

from expertpool.agenda import delivery
from expertpool.models import AuditLog, BookingStatus, Notification, OutboxMail, RequestStatus, UserRole
from expertpool.quotas import balance

TODAY = date(2027, 1, 11)


@pytest.fixture
def ctx(app, db):
    with app.test_request_context():
        yield


@pytest.fixture
def world(factory):
    user, expert = factory.expert_user()
    member = factory.member(name="Commune de Kerlouan")
    mayor = factory.user(role=UserRole.MEMBER, member=member, email="maire@kerlouan.example")
    period = factory.period(2027, members=[member], half_days=10)
    req = factory.request(member=member, status=RequestStatus.SCHEDULED, half_days=2, title="Pare-feu")
    first = factory.booking(req, expert, date(2027, 1, 7), "am")
    second = factory.booking(req, expert, date(2027, 1, 8), "pm")
    return {
        "user": user,
        "expert": expert,
        "member": member,
        "mayor": mayor,
        "period": period,
        "req": req,
        "first": first,
        "second": second,
    }


def _mark(world, booking, delivered, note=""):
    delivery.record_delivery(booking, delivered=delivered, note=note, actor=world["user"], now=FIXED_NOW, today=TODAY)


def test_delivered_moves_consumption_and_starts_the_request(world, db, ctx):
    member, period, req, first = world["member"], world["period"], world["req"], world["first"]
    assert balance(member.id, period).planned == 2
    _mark(world, first, True, "Règles revues")
    assert first.status == BookingStatus.DELIVERED and first.sequence == 1 and first.note == "Règles revues"
    after = balance(member.id, period)
    assert (after.planned, after.delivered, after.used) == (1, 1, 2)
    assert req.status == RequestStatus.IN_PROGRESS
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.request_id == req.id)).all()
    assert actions == ["booking.delivered", "request.in_progress"]


def test_not_delivered_is_released_to_the_quota(world, db, ctx):
    member, period, second = world["member"], world["period"], world["second"]
    _mark(world, second, False, "Mairie fermée")
    after = balance(member.id, period)
    # The half-day is no longer booked, but the request (approved again) still holds it until rebooked.
    assert (after.planned, after.delivered, after.approved, after.remaining) == (1, 0, 1, 8)
    assert second.status == BookingStatus.NOT_DELIVERED
    # Nothing delivered and no longer fully booked: back to the scheduler, which books a replacement.
    assert world["req"].status == RequestStatus.APPROVED
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.request_id == world["req"].id)).all()
    assert actions == ["booking.not_delivered", "request.approved"]


def test_last_half_day_completes_and_asks_the_member_for_a_rating(world, db, ctx):
    req = world["req"]
    _mark(world, world["first"], True)
    assert not db.session.scalars(select(Notification).where(Notification.kind == "request.rate")).all()
    _mark(world, world["second"], True)
    assert req.status == RequestStatus.COMPLETED and req.completed_at == FIXED_NOW
    notes = db.session.scalars(select(Notification).where(Notification.kind == "request.rate")).all()
    assert [n.user_id for n in notes] == [world["mayor"].id]
    assert "Pare-feu" in note_text(notes[0]) and "avis" in note_text(notes[0])
    mails = select(OutboxMail).where(OutboxMail.recipient == "maire@kerlouan.example")
    assert db.session.scalars(mails).all()
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.request_id == req.id)).all()
    assert actions.count("request.completed") == 1


def test_future_and_cancelled_half_days_cannot_be_marked(world, factory, db, ctx):
    future = factory.booking(world["req"], world["expert"], date(2027, 1, 12), "am")
    with pytest.raises(delivery.DeliveryError):
        _mark(world, future, True)
    cancelled = factory.booking(world["req"], world["expert"], date(2027, 1, 6), "am", status=BookingStatus.CANCELLED)
    with pytest.raises(delivery.DeliveryError):
        _mark(world, cancelled, True)
    assert future.status == BookingStatus.PLANNED and cancelled.status == BookingStatus.CANCELLED
    today = factory.booking(world["req"], world["expert"], TODAY, "pm")
    _mark(world, today, True)  # today's half-day can be marked
    assert today.status == BookingStatus.DELIVERED


def test_report_is_saved_and_audited(world, db, ctx):
    req = world["req"]
    delivery.save_report(req, "Pare-feu reconfiguré.", actor=world["user"], now=FIXED_NOW)
    assert req.report == "Pare-feu reconfiguré." and req.report_by_id == world["user"].id
    row = db.session.scalars(select(AuditLog).where(AuditLog.action == "request.report")).one()
    assert row.after["report"] == "Pare-feu reconfiguré." and row.member_id == world["member"].id
