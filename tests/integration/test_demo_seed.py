"""The Finistère demo: idempotent, fast, consistent with the calendar rules, and every login works."""

import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from factories import FIXED_NOW
from notes import note_text
from sqlalchemy import func, select

from expertpool import demo
from expertpool.calendars import public_holidays
from expertpool.models import (
    AuditLog,
    Booking,
    Expert,
    InterventionRequest,
    Member,
    MemberKind,
    Notification,
    PoolSettings,
    Quota,
    QuotaKind,
    QuotaPeriod,
    RequestStatus,
    Unavailability,
    User,
    is_valid_siren,
)
from expertpool.timeutil import today_paris

COUNTED = (
    AuditLog,
    Booking,
    Expert,
    InterventionRequest,
    Member,
    Notification,
    Quota,
    QuotaPeriod,
    Unavailability,
    User,
)
# A January Monday (bookings reach back into last year) and a summer day (holidays around 14 July).
NOWS = [FIXED_NOW, datetime(2026, 7, 10, 14, 30, tzinfo=UTC)]


def _counts(session) -> dict[str, int]:
    return {model.__name__: session.scalar(select(func.count()).select_from(model)) for model in COUNTED}


@pytest.fixture(params=NOWS, ids=["january", "july"])
def seeded(request, db):
    # CPU time of this process: the machine may be shared, what we bound is the seed's own work.
    started = time.process_time()
    assert demo.seed(now=request.param) is True
    db.session.flush()
    return request.param, time.process_time() - started


def _seed_is_fast_and_idempotent(seeded, db):
    now, seconds = seeded
    assert seconds < 5, f"seeding took {seconds:.1f} s of CPU"
    before = _counts(db.session)
    assert demo.seed(now=now + timedelta(days=3)) is False
    assert demo.seed(now=now, force=True) is False
    assert _counts(db.session) == before


def test_seed_refuses_a_database_with_other_accounts(db, factory):
    factory.user(role="admin", member=None)
    assert demo.seed(now=FIXED_NOW) is False
    assert db.session.scalar(select(func.count(Member.id))) == 0


def _pool_members_and_quotas_look_real(seeded, db):
    now, _ = seeded
    settings = PoolSettings.load(db.session)
    assert settings.name == demo.POOL_NAME and settings.unit_price_cents == 18_000
    communes = db.session.scalars(select(Member).where(Member.kind == MemberKind.COMMUNE)).all()
    assert len(communes) >= 40
    assert all(c.insee_code.startswith("29") and len(c.insee_code) == 5 for c in communes)
    assert {c.insee_code for c in communes} >= {"29019", "29232", "29212"}
    epcis = db.session.scalars(select(Member).where(Member.kind == MemberKind.EPCI)).all()
    assert len(epcis) == 2 and all(is_valid_siren(e.siren) for e in epcis)
    assert all(is_valid_siren(m.siren) for m in db.session.scalars(select(Member).where(Member.siren.is_not(None))))
    envelope_holder = next(e for e in epcis if e.holds_envelope)
    assert len([c for c in communes if c.parent_id == envelope_holder.id]) >= 10
    kinds = set(db.session.scalars(select(Member.kind)))
    assert {MemberKind.ASSOCIATION, MemberKind.SCHOOL} <= kinds
    period = db.session.scalar(
        select(QuotaPeriod).where(QuotaPeriod.start_date <= today_paris(now), QuotaPeriod.end_date >= today_paris(now))
    )
    assert period is not None and period.start_date.year == today_paris(now).year
    quotas = db.session.scalars(select(Quota).where(Quota.period_id == period.id)).all()
    assert any(q.kind == QuotaKind.ENVELOPE for q in quotas)
    assert any(q.carried_over_half_days > 0 for q in quotas)
    adjusted = [q for q in quotas if q.adjustments]
    assert len(adjusted) >= 3 and all(a.reason for q in adjusted for a in q.adjustments)
    assert all(q.adjusted_half_days == sum(a.delta_half_days for a in q.adjustments) for q in quotas)


def _every_request_state_is_present_with_its_details(seeded, db):
    requests = db.session.scalars(select(InterventionRequest)).all()
    assert 55 <= len(requests) <= 70
    by_status = Counter(r.status for r in requests)
    assert set(by_status) == set(RequestStatus)
    assert all(r.rejection_reason for r in requests if r.status == RequestStatus.REJECTED)
    assert all(r.cancellation_reason for r in requests if r.status == RequestStatus.CANCELLED)
    assert all(r.messages for r in requests if r.status == RequestStatus.NEEDS_INFO)
    assert all(r.report for r in requests if r.status in (RequestStatus.COMPLETED, RequestStatus.RATED))
    assert all(r.rating and r.rating_comment for r in requests if r.status == RequestStatus.RATED)
    assert {r.urgency for r in requests} == {"normal", "high", "critical"}
    assert any(r.over_quota_half_days > 0 for r in requests)
    for req in requests:
        held = [b for b in req.bookings if b.holds_slot]
        if req.status == RequestStatus.SCHEDULED:
            assert len(held) == req.granted_half_days and all(b.status == "planned" for b in held)
        if req.status in (RequestStatus.COMPLETED, RequestStatus.RATED):
            assert held and all(b.status == "delivered" for b in held)
        if req.status == RequestStatus.IN_PROGRESS:
            assert {b.status for b in held} == {"planned", "delivered"}
        assert req.earliest <= req.deadline
        assert all(req.earliest <= b.date <= req.deadline for b in req.bookings), req.title


def _bookings_respect_the_calendar(seeded, db):
    now, _ = seeded
    today = today_paris(now)
    bookings = db.session.scalars(select(Booking)).all()
    assert len(bookings) >= 100
    slots = Counter((b.expert_id, b.date, b.half) for b in bookings)
    assert max(slots.values()) == 1, "an expert half-day is booked twice"
    experts = {e.id: e for e in db.session.scalars(select(Expert))}
    dates = [b.date for b in bookings]
    holidays = public_holidays("metropole", min(dates), max(dates))
    for booking in bookings:
        expert = experts[booking.expert_id]
        assert booking.date not in holidays, booking
        assert expert.works(booking.date.weekday(), booking.half), booking
        assert not any(u.covers(booking.date, booking.half) for u in expert.unavailabilities), booking
        if booking.status == "delivered":
            assert booking.date < today
        if booking.status == "planned":
            assert booking.date >= today
    assert any(b.date < today for b in bookings) and any(b.date > today + timedelta(days=7) for b in bookings)
    from expertpool.invariants import check_invariants

    assert check_invariants(db.session, "metropole", today=today) == []


def _experts_have_roles_skills_patterns_and_leave(seeded, db):
    experts = db.session.scalars(select(Expert)).all()
    assert len(experts) == 8
    assert Counter(r.code for e in experts for r in e.roles) >= Counter({"dsi": 2, "dba": 3, "chef_projet": 3})
    assert all(e.skills and e.user_id and 60_000 <= e.day_rate_cents <= 110_000 for e in experts)
    assert any(e.half_days_per_week < 10 for e in experts)
    assert db.session.scalar(select(func.count(Unavailability.id))) >= 5


def _history_is_audited_and_the_mayor_has_notifications(seeded, db):
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"demo.seed", "request.submit", "request.approve", "request.reject", "quota.adjust"} <= actions
    now, _ = seeded
    assert db.session.scalar(select(func.max(AuditLog.at))) <= now
    mayor = db.session.scalar(select(User).where(User.email == demo.MAYOR_EMAIL))
    notes = db.session.scalars(select(Notification).where(Notification.user_id == mayor.id)).all()
    assert len(notes) >= 3 and any(n.read_at is None for n in notes)
    assert all(n.link.startswith("/") for n in notes)
    # Stored as kinds with parameters: the demo's English reader reads them in English.
    assert all(n.params is not None and note_text(n, "en") != note_text(n, "fr") for n in notes)


def _demo_logins_share_one_password_hash(seeded, db):
    hashes = set(db.session.scalars(select(User.password_hash)))
    assert len(hashes) == 1
    from expertpool.auth.services import verify_password

    user = db.session.scalar(select(User).where(User.email == demo.ADMIN_EMAIL))
    assert verify_password(user, demo.DEMO_PASSWORD)


def _each_demo_login_reaches_its_home_page(db, client, login):
    for role, email, password in demo.DEMO_LOGINS:
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None and user.role == role and password == demo.DEMO_PASSWORD, email
        login(user)
        response = client.get("/", follow_redirects=True)
        assert response.status_code == 200, (email, response.request.path)
        assert response.request.path != "/", email
        assert demo.POOL_NAME in response.text, email


def _scheduler_runs_account_for_their_bookings(seeded, db):
    from expertpool.models import AllocationRun

    runs = db.session.scalars(select(AllocationRun).order_by(AllocationRun.started_at)).all()
    assert len(runs) >= 5 and all(r.mode == "commit" and r.status == "done" for r in runs)
    now, _ = seeded
    assert all(r.started_at < now for r in runs)
    by_run = Counter(b.allocation_run_id for b in db.session.scalars(select(Booking)))
    assert None not in by_run, "every demo booking is made by a run of the scheduler, none written by hand"
    assert sum(by_run[r.id] for r in runs) > 50
    for run in runs:
        assert run.booked_half_days == by_run[run.id] == len(run.plan["assignments"])
        for a in run.plan["assignments"]:
            booking = db.session.scalar(
                select(Booking).where(
                    Booking.request_id == int(a["request"].split("-")[1]),
                    Booking.date == date.fromisoformat(a["date"]),
                    Booking.half == a["half"],
                )
            )
            assert booking is not None and booking.allocation_run_id == run.id
            assert booking.date >= run.horizon_start and booking.created_at == run.started_at
    assert any(run.plan["unserved"] for run in runs)


def _demo_over_quota_parts_follow_the_drawing_right_rules(seeded, db):
    """Each request's stored over-quota part is the rule's (quotas), and together they are exactly what
    each member will use beyond its own right and envelope once everything granted is booked."""
    from expertpool import quotas

    now, _ = seeded
    period = quotas.period_for(today_paris(now))
    members = db.session.scalars(select(Member)).all()
    result = quotas.positions([m.id for m in members], period, now=now)
    stored = Counter()
    for req in db.session.scalars(select(InterventionRequest)):
        if quotas.period_of_request(req, now) == period:
            stored[req.member_id] += req.over_quota_half_days
    assert any(stored.values())
    for member in members:
        assert stored[member.id] == result.members[member.id].over_after_pending, member.name
    # Half-days a commune drew on the envelope are never over quota while the envelope holds.
    assert all(p.over_quota == 0 for p in result.members.values() if p.has_envelope and p.envelope_available)


def test_demo_loaded_today_keeps_the_app_invariants_and_every_login_works(db, client, login):
    """Loaded at the real clock (as `make run` does), the demo breaks none of the app's invariants, and the
    history its services wrote reads in order: every audit row and notification is dated before now."""
    from expertpool.invariants import check_invariants

    now = datetime.now(UTC)
    assert demo.seed(now=now) is True
    db.session.flush()
    region = PoolSettings.load(db.session).holidays_region
    assert check_invariants(db.session, region, today=today_paris(now)) == []
    assert db.session.scalar(select(func.max(AuditLog.at))) <= now
    assert db.session.scalar(select(func.max(Notification.created_at))) <= now
    # The audit page names each of the history's actions (they are the services' own).
    from expertpool.coordination.audit_labels import ACTION_LABELS

    assert set(db.session.scalars(select(AuditLog.action).distinct())) - set(ACTION_LABELS) == set()
    _each_demo_login_reaches_its_home_page(db, client, login)


# Seeding is the slow part (the app's services book a year through the scheduler's runs): each pool is
# seeded once and every check reads it, instead of one seed per check.
CHECKS = (
    _seed_is_fast_and_idempotent,
    _pool_members_and_quotas_look_real,
    _every_request_state_is_present_with_its_details,
    _bookings_respect_the_calendar,
    _experts_have_roles_skills_patterns_and_leave,
    _history_is_audited_and_the_mayor_has_notifications,
    _demo_logins_share_one_password_hash,
    _scheduler_runs_account_for_their_bookings,
    _demo_over_quota_parts_follow_the_drawing_right_rules,
)


def test_the_demo_pool_seeded_on_that_day(seeded, db):
    for check in CHECKS:
        check(seeded, db)
