"""Approval services: quota position (with EPCI envelope), approve/reject/ask/answer, auto-approval."""

from datetime import date

import pytest
from factories import FIXED_NOW
from notes import note_text
from sqlalchemy import func, select

from expertpool import schedule
from expertpool.approval import (
    DecisionConflict,
    answer_information,
    approve_request,
    auto_approve_if_eligible,
    reject_request,
    request_information,
)
from expertpool.models import AuditLog, Notification, OutboxMail, QuotaKind, RequestStatus, UserRole
from expertpool.quotas import balances, envelope_balance, judge_request, request_splits


def audit_count(db, action=None):
    query = select(func.count(AuditLog.id))
    if action:
        query = query.where(AuditLog.action == action)
    return db.session.scalar(query)


@pytest.fixture
def setup(factory):
    coordinator = factory.user(role=UserRole.COORDINATOR)
    member = factory.member()
    author = factory.user(member=member, locale="fr")
    period = factory.period(members=[member], half_days=10)
    factory.settings(unit_price_cents=18000)
    return coordinator, member, author, period


def test_quota_position_within_and_over(db, factory, setup):
    _coordinator, member, author, period = setup
    req = factory.request(member=member, half_days=4, created_by=author)
    position = judge_request(req, now=FIXED_NOW)
    assert (position.own_free_before, position.own, position.over) == (10, 4, 0)
    assert position.within_quota is True
    assert position.period == period
    # Sent after the first one, the big request is judged against what the first one leaves (issue 19).
    big = factory.request(member=member, half_days=14, created_by=author)
    position = judge_request(big, now=FIXED_NOW)
    assert (position.own_free_before, position.own, position.over) == (6, 6, 8)
    assert position.over_quota_price_cents == 8 * 18000
    assert position.within_quota is False


def test_approved_unbooked_requests_count_against_the_remaining(db, factory, setup):
    coordinator, member, author, period = setup
    first = factory.request(member=member, half_days=8, created_by=author)
    approve_request(first, actor=coordinator, now=FIXED_NOW)
    second = factory.request(member=member, half_days=4, created_by=author)
    assert judge_request(second, now=FIXED_NOW).over == 2
    assert request_splits([second], FIXED_NOW)[second.id].over == 2
    assert balances([member.id], period)[member.id].approved == 8


def test_approve_with_adjusted_days_writes_one_audit_row_and_notifies(db, factory, setup):
    coordinator, member, author, _period = setup
    req = factory.request(member=member, half_days=14, created_by=author)
    before = audit_count(db)
    approve_request(req, actor=coordinator, now=FIXED_NOW, half_days=12, note="ok")
    assert req.status == RequestStatus.APPROVED
    assert req.approved_half_days == 12
    assert req.over_quota_half_days == 2
    assert req.decided_by_id == coordinator.id
    assert audit_count(db) == before + 1
    assert audit_count(db, "request.approve") == 1
    # The decision, and the quote of the 2 billable half-days (none was accepted when it was sent).
    kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == author.id)).all()
    assert sorted(kinds) == ["quote.to_accept", "request_approved"]
    mail = db.session.scalar(
        select(OutboxMail).where(OutboxMail.recipient == author.email, OutboxMail.kind == "request_approved")
    )
    assert "6 jours" in mail.body


def test_notification_in_recipient_language(db, factory, setup):
    coordinator, member, _author, _period = setup
    english = factory.user(member=member, locale="en")
    req = factory.request(member=member, half_days=3, created_by=english)
    approve_request(req, actor=coordinator, now=FIXED_NOW)
    note = db.session.scalar(select(Notification).where(Notification.user_id == english.id))
    assert note_text(note, "en") == "Your request “Migration PostgreSQL” has been approved for 1.5 days."


def test_decisions_refuse_a_request_already_decided(db, factory, setup):
    coordinator, member, author, _period = setup
    req = factory.request(member=member, status=RequestStatus.APPROVED, created_by=author)
    before = audit_count(db)
    with pytest.raises(DecisionConflict):
        approve_request(req, actor=coordinator, now=FIXED_NOW)
    with pytest.raises(DecisionConflict):
        reject_request(req, actor=coordinator, now=FIXED_NOW, reason="non")
    assert audit_count(db) == before


def test_reject_and_information_thread(db, factory, setup):
    coordinator, member, author, _period = setup
    req = factory.request(member=member, created_by=author)
    request_information(req, actor=coordinator, now=FIXED_NOW, message="Quel serveur ?")
    assert req.status == RequestStatus.NEEDS_INFO
    assert [m.body for m in req.messages] == ["Quel serveur ?"]
    answer_information(req, actor=author, now=FIXED_NOW, body="Le serveur de la mairie")
    assert req.status == RequestStatus.SUBMITTED
    assert audit_count(db, "request.answer_information") == 1
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == coordinator.id)) == 1
    with pytest.raises(ValueError, match="reason"):
        reject_request(req, actor=coordinator, now=FIXED_NOW, reason="  ")
    reject_request(req, actor=coordinator, now=FIXED_NOW, reason="Hors périmètre")
    assert req.status == RequestStatus.REJECTED
    assert audit_count(db, "request.reject") == 1


def test_auto_approval(db, factory, setup):
    _coordinator, member, author, _period = setup
    small = factory.request(member=member, half_days=2, created_by=author)
    assert auto_approve_if_eligible(small, now=FIXED_NOW) is False  # setting off
    factory.settings(auto_approve_max_half_days=4)
    assert auto_approve_if_eligible(small, now=FIXED_NOW) is True
    assert small.status == RequestStatus.APPROVED
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "request.auto_approve"))
    assert row.actor_id is None
    too_big = factory.request(member=member, half_days=6, created_by=author)
    assert auto_approve_if_eligible(too_big, now=FIXED_NOW) is False
    beyond = factory.request(member=member, half_days=4, created_by=author)
    factory.request(member=member, half_days=6, created_by=author, status=RequestStatus.APPROVED)
    # 10 entitled - 2 - 6 approved = 2 left: 4 does not fit.
    assert auto_approve_if_eligible(beyond, now=FIXED_NOW) is False


def test_envelope_is_drawn_after_the_commune_own_quota(db, factory):
    epci = factory.member(kind="epci", holds_envelope=True)
    commune = factory.member(parent_id=epci.id)
    other = factory.member(parent_id=epci.id)
    period = factory.period(members=[commune, other], half_days=2)
    factory.quota(epci, period, 6, kind=QuotaKind.ENVELOPE)
    _user, expert = factory.expert_user()
    req = factory.request(member=commune, half_days=4, status=RequestStatus.SCHEDULED)
    for n, half in enumerate(["am", "pm", "am", "pm"]):
        factory.booking(req, expert, date(2027, 2, 1 + n // 2), half)
    envelope = envelope_balance(epci, period)
    assert envelope.total == 6
    assert envelope.planned == 2
    assert envelope.remaining == 4
    result = balances([commune.id, other.id], period)
    assert result[commune.id].remaining == 0
    assert (result[commune.id].from_envelope, result[commune.id].over_quota) == (2, 0)
    assert result[commune.id].envelope_available == 4
    assert (result[other.id].remaining, result[other.id].envelope_available) == (2, 4)
    position = judge_request(factory.request(member=other, half_days=7), now=FIXED_NOW)
    assert (position.own, position.envelope, position.over) == (2, 4, 1)


def test_home_lists_members_beyond_own_quota_and_envelope(db, factory):
    from expertpool.coordination.home import members_over_quota

    epci = factory.member(name="CC", kind="epci", holds_envelope=True)
    covered = factory.member(name="Couverte", parent_id=epci.id)
    alone = factory.member(name="Seule")
    period = factory.period(year=2027, members=[covered, alone], half_days=1)
    envelope = factory.quota(epci, period, 2, kind=QuotaKind.ENVELOPE)
    _user, expert = factory.expert_user()
    for member, day in ((covered, 1), (alone, 2)):
        req = factory.request(member=member, status="scheduled")
        factory.booking(req, expert, date(2027, 3, day), "am")
        factory.booking(req, expert, date(2027, 3, day), "pm")
    over, _period = members_over_quota(date(2027, 3, 10))
    assert [(m.name, env) for m, _b, env in over] == [("Seule", False)]
    envelope.entitled_half_days = 0
    db.session.flush()
    over, _period = members_over_quota(date(2027, 3, 10))
    assert [(m.name, env) for m, _b, env in over] == [("CC", True), ("Couverte", False), ("Seule", False)]
    monday = schedule.effective("0 6 * * mon-fri").next_run(FIXED_NOW)
    assert monday.isoformat() == "2027-01-12T06:00:00+01:00"
    # An unreadable rule: the next run is the one of the rule the scheduler really follows.
    fallback = schedule.effective("not a cron")
    assert fallback.fallback and fallback.cron == schedule.DEFAULT_CRON
    assert fallback.next_run(FIXED_NOW) == monday
