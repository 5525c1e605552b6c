"""The coordinator's home page: what needs attention today, in a fixed number of queries."""

from datetime import date

from flask import render_template
from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from expertpool import schedule
from expertpool.booking_conflicts import needs_moving, overlaps_unavailability
from expertpool.coordination.queue import waiting_requests
from expertpool.extensions import db
from expertpool.models import (
    Booking,
    BookingStatus,
    InterventionRequest,
    Member,
    PoolSettings,
    RequestStatus,
)
from expertpool.periods import period_warning
from expertpool.quotas import beyond_own_right, period_for, positions
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
    (quotas.is_over_quota). Only the members booked beyond their own right can be over quota (and only
    their EPCIs' envelopes overdrawn), so only their positions (with their EPCI families) are read.
    """
    period = period_for(today)
    if period is None:
        return [], None
    candidates = beyond_own_right(period)
    if not candidates:
        return [], period
    result = positions(candidates, period)
    over_ids = {m for m, p in result.members.items() if p.over_quota > 0}
    over_ids |= {m for m, p in result.envelopes.items() if p.over_quota > 0}
    members = db.session.scalars(
        select(Member).where(Member.id.in_(over_ids), Member.active.is_(True)).order_by(Member.name, Member.id)
    )
    over = []
    for m in members:
        if m.id in result.members and result.members[m.id].over_quota > 0:
            over.append((m, result.members[m.id], False))
        if m.id in result.envelopes and result.envelopes[m.id].over_quota > 0:
            over.append((m, result.envelopes[m.id], True))
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
