"""The coordinator's home page: what needs attention today, in a fixed number of queries."""

from datetime import date

from flask import render_template
from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from expertpool import position_store, schedule
from expertpool.booking_conflicts import needs_moving, overlaps_unavailability
from expertpool.coordination.queue import waiting_requests
from expertpool.extensions import db
from expertpool.models import (
    Booking,
    BookingStatus,
    InterventionRequest,
    Member,
    PoolSettings,
    QuotaKind,
    RequestStatus,
    StoredPosition,
)
from expertpool.periods import period_warning
from expertpool.quotas import period_for
from expertpool.timeutil import now_utc, today_paris

LIST_LIMIT = 20


def colliding_bookings(today: date, limit: int = LIST_LIMIT) -> list[tuple[Booking, bool]]:
    """Future planned bookings flagged for rescheduling or overlapping the expert's unavailability.

    Returns (booking, overlaps_unavailability) pairs, soonest first.
    """
    overlap = overlaps_unavailability()
    rows = db.session.execute(
        select(Booking, overlap)
        .options(selectinload(Booking.expert), selectinload(Booking.request).selectinload(InterventionRequest.member))
        .where(Booking.status == BookingStatus.PLANNED, Booking.date >= today, needs_moving())
        .order_by(Booking.date, Booking.half)
        .limit(limit)
    ).all()
    return [(booking, bool(overlaps)) for booking, overlaps in rows]


def members_over_quota(today: date) -> tuple[list[tuple[Member, object, bool]], object]:
    """Active members beyond their drawing right (own quota, then envelope), and overdrawn EPCI envelopes.

    Returns ([(member, position, is_envelope)], period), by name: the same rule as the reports
    (quotas.is_over_quota), read from the stored positions (one query for who, one for their figures).
    """
    period = period_for(today)
    if period is None:
        return [], None
    position_store.refresh(db.session)  # what this transaction wrote so far (a test's, a script's)
    stored = StoredPosition.__table__.c
    over_rows = db.session.execute(
        select(Member, stored.kind)
        .join(StoredPosition, (stored.member_id == Member.id) & (stored.period_id == period.id))
        .where(stored.over_quota > 0, Member.active.is_(True))
        .order_by(Member.name, Member.id, stored.kind.desc())  # 'own' before 'envelope'
    ).all()
    if not over_rows:
        return [], period
    figures = position_store.read(db.session, {m.id for m, _kind in over_rows}, period.id)
    over = [(m, figures[(m.id, kind)], kind == QuotaKind.ENVELOPE) for m, kind in over_rows]
    return over, period


def home_page():
    now = now_utc()
    today = today_paris(now)
    settings = PoolSettings.load(db.session)
    waiting_count = db.session.scalar(
        select(func.count(InterventionRequest.id)).where(
            InterventionRequest.status.in_(RequestStatus.AWAITING_DECISION)
        )
    )
    critical_count = db.session.scalar(
        select(func.count(InterventionRequest.id)).where(
            and_(
                InterventionRequest.status.in_(RequestStatus.AWAITING_DECISION),
                InterventionRequest.urgency == "critical",
            )
        )
    )
    over, period = members_over_quota(today)
    # What the scheduler really follows: the default rule when the stored one is unreadable.
    run_schedule = schedule.effective(settings.scheduler_cron)
    return render_template(
        "coordination/home.html",
        waiting=waiting_requests(limit=5),
        waiting_count=waiting_count,
        critical_count=critical_count,
        collisions=colliding_bookings(today),
        over_quota=over[:LIST_LIMIT],
        over_quota_count=len(over),
        period=period,
        next_run=run_schedule.next_run(now),
        schedule=run_schedule,
        next_period=period_warning(settings, today),
    )
