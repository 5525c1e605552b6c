"""The member's services: one audit row per state change, notifications, quota restored on cancel."""

from datetime import date, timedelta

import pytest
from factories import FIXED_NOW
from member_support import make_pool
from notes import note_text
from sqlalchemy import func, select, update
from sqlalchemy.orm.exc import StaleDataError

from expertpool import quotas
from expertpool.models import (
    AuditLog,
    BookingStatus,
    InterventionRequest,
    Notification,
    OutboxMail,
    RequestMessage,
    RequestStatus,
)
from expertpool.requests import services


def _data(pool, **overrides) -> dict:
    data = {
        "title": "Sauvegardes",
        "description": "À vérifier",
        "role_id": pool.dba.roles[0].id,
        "preferred_expert_id": pool.dba.id,
        "skill_ids": [pool.dba.skills[0].id],
        "half_days": 4,
        "earliest": date(2027, 1, 18),
        "deadline": date(2027, 3, 31),
        "urgency": "normal",
        "on_site": True,
        "address": "Mairie",
    }
    data.update(overrides)
    return data


def _audit(db, req) -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).where(AuditLog.request_id == req.id).order_by(AuditLog.id)))


@pytest.fixture
def pool(app, db, factory):
    with app.test_request_context():  # services build links with url_for, as in a view
        yield make_pool(factory)


def test_draft_then_submit_audits_each_change_once_and_tells_the_coordinators(db, pool):
    req = services.create_request(pool.member.id, actor=pool.user, now=FIXED_NOW, data=_data(pool), submit=False)
    assert req.status == RequestStatus.DRAFT and [s.name for s in req.skills] == ["PostgreSQL"]
    assert _audit(db, req) == ["request.create_draft"]
    services.update_request(req, actor=pool.user, now=FIXED_NOW, data=_data(pool, half_days=6), submit=False)
    assert _audit(db, req) == ["request.create_draft", "request.update"]
    assert services.submit_request(req, actor=pool.user, now=FIXED_NOW) is False
    assert req.status == RequestStatus.SUBMITTED and req.submitted_at == FIXED_NOW
    assert _audit(db, req) == ["request.create_draft", "request.update", "request.submit"]
    note = db.session.scalar(select(Notification).where(Notification.user_id == pool.coordinator.id))
    assert "Saint-Malo-de-Phily" in note_text(note) and note.kind == "request_submitted"
    with pytest.raises(services.RequestStateError):
        services.submit_request(req, actor=pool.user, now=FIXED_NOW)


def test_small_request_within_quota_is_auto_approved_when_the_pool_says_so(db, factory, pool):
    factory.settings(auto_approve_max_half_days=4)
    req = services.create_request(pool.member.id, actor=pool.user, now=FIXED_NOW, data=_data(pool), submit=True)
    assert req.status == RequestStatus.APPROVED and req.approved_half_days == 4
    assert _audit(db, req) == ["request.submit", "request.auto_approve"]
    big = services.create_request(
        pool.member.id, actor=pool.user, now=FIXED_NOW, data=_data(pool, half_days=6), submit=True
    )
    assert big.status == RequestStatus.SUBMITTED


def test_another_member_cannot_edit_and_decided_requests_are_frozen(db, factory, pool):
    req = factory.request(member=pool.member, status=RequestStatus.APPROVED)
    with pytest.raises(services.RequestStateError):
        services.update_request(req, actor=pool.user, now=FIXED_NOW, data=_data(pool))
    theirs = factory.request(member=pool.other_member, status=RequestStatus.DRAFT)
    with pytest.raises(services.RequestStateError):
        services.update_request(theirs, actor=pool.user, now=FIXED_NOW, data=_data(pool))


def test_cancel_releases_bookings_restores_the_quota_and_tells_the_expert(db, factory, pool):
    req = factory.request(member=pool.member, status=RequestStatus.SCHEDULED, created_by=pool.user)
    booked = [factory.booking(req, pool.dba, date(2027, 1, 19), half) for half in ("am", "pm")]
    period = pool.period
    assert quotas.balance(pool.member.id, period).remaining == 18
    mails_before = db.session.scalar(select(func.count(OutboxMail.id)))
    released = services.cancel_request(req, actor=pool.user, now=FIXED_NOW, reason="Plus besoin")
    assert {b.id for b in released} == {b.id for b in booked}
    assert {(b.status, b.sequence) for b in booked} == {(BookingStatus.CANCELLED, 1)}
    assert req.status == RequestStatus.CANCELLED and req.cancellation_reason == "Plus besoin"
    assert quotas.balance(pool.member.id, period).remaining == 20
    assert _audit(db, req) == ["request.cancel"]
    note = db.session.scalar(select(Notification).where(Notification.user_id == pool.dba_user.id))
    assert note.kind == "booking_cancelled"
    assert note_text(note).endswith("Vos demi-journées sont libérées : 19 janv. 2027, 2 demi-journées.")
    assert db.session.scalar(select(func.count(OutboxMail.id))) == mails_before + 1
    # The half-days can be booked again (the unique index only covers planned and delivered).
    other = factory.request(member=pool.other_member, status=RequestStatus.SCHEDULED)
    factory.booking(other, pool.dba, date(2027, 1, 19), "am")


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (date(2027, 1, 11), BookingStatus.PLANNED),  # today: the half-day has started
        (date(2027, 1, 8), BookingStatus.PLANNED),
        (date(2027, 1, 20), BookingStatus.DELIVERED),
    ],
)
def test_cancel_is_refused_once_a_half_day_has_started(db, factory, pool, day, status):
    req = factory.request(member=pool.member, status=RequestStatus.SCHEDULED, earliest=date(2027, 1, 4))
    booking = factory.booking(req, pool.dba, day, "am", status=status)
    with pytest.raises(services.RequestStateError):
        services.cancel_request(req, actor=pool.user, now=FIXED_NOW)
    assert req.status == RequestStatus.SCHEDULED and booking.status == status and booking.sequence == 0
    assert _audit(db, req) == []


def test_rate_only_a_completed_request_of_ones_own(db, factory, pool):
    req = factory.request(member=pool.member, status=RequestStatus.SCHEDULED)
    with pytest.raises(services.RequestStateError):
        services.rate_request(req, actor=pool.user, now=FIXED_NOW, rating=4)
    req.status = RequestStatus.COMPLETED
    with pytest.raises(services.RequestStateError):
        services.rate_request(req, actor=pool.other_user, now=FIXED_NOW, rating=4)
    with pytest.raises(ValueError, match="9"):
        services.rate_request(req, actor=pool.user, now=FIXED_NOW, rating=9)
    services.rate_request(req, actor=pool.user, now=FIXED_NOW, rating=4, comment=" Bien ")
    assert (req.status, req.rating, req.rating_comment, req.rated_at) == (RequestStatus.RATED, 4, "Bien", FIXED_NOW)
    assert _audit(db, req) == ["request.rate"]


def test_answering_needs_info_sends_the_request_back(db, factory, pool):
    req = factory.request(member=pool.member, status=RequestStatus.NEEDS_INFO, created_by=pool.user)
    services.post_message(req, actor=pool.user, now=FIXED_NOW, body="Voici le détail.")
    assert req.status == RequestStatus.SUBMITTED
    assert _audit(db, req) == ["request.answer_information"]
    services.post_message(req, actor=pool.user, now=FIXED_NOW + timedelta(minutes=1), body="Autre chose")
    assert req.status == RequestStatus.SUBMITTED
    assert _audit(db, req) == ["request.answer_information", "request.message"]
    bodies = db.session.scalars(select(RequestMessage.body).where(RequestMessage.request_id == req.id)).all()
    assert sorted(bodies) == ["Autre chose", "Voici le détail."]
    with pytest.raises(ValueError, match="body"):
        services.post_message(req, actor=pool.user, now=FIXED_NOW, body="   ")


def test_quota_preview_within_and_over(db, factory, pool):
    factory.settings(unit_price_cents=20000)
    within = services.quota_preview(pool.member.id, 20, date(2027, 2, 1), now=FIXED_NOW)
    assert within.within_quota and within.over_quota_half_days == 0
    over = services.quota_preview(pool.member.id, 23, date(2027, 2, 1), now=FIXED_NOW)
    assert not over.within_quota
    assert (over.over_quota_half_days, over.over_quota_price_cents) == (3, 60000)
    # Approved, not yet booked requests already hold part of the drawing right.
    factory.request(member=pool.member, status=RequestStatus.APPROVED, half_days=6, approved_half_days=6)
    assert services.quota_preview(pool.member.id, 20, date(2027, 2, 1), now=FIXED_NOW).over_quota_half_days == 6


def test_a_concurrent_change_makes_the_edit_fail_cleanly(db, factory, pool):
    req = factory.request(member=pool.member, status=RequestStatus.SUBMITTED)
    db.session.execute(
        update(InterventionRequest)
        .where(InterventionRequest.id == req.id)
        .values(version=InterventionRequest.version + 1)
        .execution_options(synchronize_session=False)
    )  # another process did it
    with pytest.raises(StaleDataError):
        services.update_request(req, actor=pool.user, now=FIXED_NOW, data=_data(pool))
    db.session.rollback()
