"""The rules the stored data must always satisfy, checked by a pure read (tests, the restore drill, ops).

`check_invariants(session, region)` returns one readable line per violation and an empty list when the
database is consistent. It never writes and never flushes, so it can run after every step of a
state-machine test or against a freshly restored backup.
"""

from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from expertpool.calendars import public_holidays
from expertpool.models import (
    Booking,
    BookingStatus,
    Expert,
    InterventionRequest,
    PoolSettings,
    QuotaPeriod,
    RequestStatus,
)

# A request may hold an expert's half-day only once a coordinator has approved it.
# Once the work is over, nothing is left to come.


def check_invariants(session: Session, region: str | None = None, *, today: date | None = None) -> list[str]:
    """Every violation of the pool's data rules, as French-free technical lines (for tests and logs).

    `region` is the holiday region (defaults to the pool's setting); `today`, when given, also checks
    that nothing is recorded as delivered in the future.
    """
    if region is None:
        settings = session.get(PoolSettings, 1)
        region = settings.holidays_region if settings is not None else "metropole"
    problems: list[str] = []
    held = session.scalars(select(Booking).where(Booking.status.in_(BookingStatus.HOLDING)).order_by(Booking.id)).all()
    requests = {
        r.id: r
        for r in session.scalars(select(InterventionRequest).options(selectinload(InterventionRequest.bookings)))
    }
    experts = {
        e.id: e
        for e in session.scalars(
            select(Expert).options(selectinload(Expert.unavailabilities), selectinload(Expert.roles))
        )
    }
    problems += _double_bookings(held)
    problems += _calendar_violations(held, requests, experts, region, today)
    problems += _request_consistency(held, requests, today)
    problems += _consumption_matches_bookings(session, held, requests)
    return problems


def _double_bookings(held: list[Booking]) -> list[str]:
    slots = Counter((b.expert_id, b.date, b.half) for b in held)
    return [
        f"half-day booked twice: expert {e} {d.isoformat()} {h} ({n} bookings)"
        for (e, d, h), n in sorted(slots.items())
        if n > 1
    ]


def _calendar_violations(held, requests, experts, region, today) -> list[str]:
    """A planned booking must sit on a working, available half-day of an active expert with the role,
    inside the request's window (unless the staff moved it since). A booking flagged `to_reschedule` is
    the app saying "this one must move" (the expert became unavailable or left later): that is allowed
    until the coordinator acts."""
    planned = [b for b in held if b.status == BookingStatus.PLANNED and not b.to_reschedule]
    if not planned:
        return []
    holidays = public_holidays(region, min(b.date for b in planned), max(b.date for b in planned))
    problems = []
    for b in planned:
        where = f"booking {b.id} (expert {b.expert_id} {b.date.isoformat()} {b.half})"
        expert = experts.get(b.expert_id)
        req = requests.get(b.request_id)
        if b.date in holidays:
            problems.append(f"{where} is on a public holiday ({holidays[b.date]})")
        if expert is None:
            problems.append(f"{where} names an unknown expert")
            continue
        if not expert.active and today is not None and b.date >= today:
            # Deactivation flags the coming half-days; past ones are left for the delivery record.
            problems.append(f"{where} belongs to an inactive expert and is not flagged to_reschedule")
        if not expert.works(b.date.weekday(), b.half):
            problems.append(f"{where} is outside the expert's weekly pattern")
        if any(u.covers(b.date, b.half) for u in expert.unavailabilities):
            problems.append(f"{where} is on a half-day the expert declared unavailable")
        if req is not None:
            # Only as first written (sequence 0): the staff may move a half-day outside the window.
            if b.sequence == 0 and not req.earliest <= b.date <= req.deadline:
                problems.append(
                    f"{where} is outside request {req.id}'s window "
                    f"{req.earliest.isoformat()}..{req.deadline.isoformat()}"
                )
            if req.role_id not in {role.id for role in expert.roles}:
                problems.append(f"{where} gives request {req.id} an expert without its role")
    return problems


def _request_consistency(held, requests, today) -> list[str]:
    problems = []
    held_by_request: dict[int, list[Booking]] = defaultdict(list)
    for b in held:
        held_by_request[b.request_id].append(b)
        if today is not None and b.status == BookingStatus.DELIVERED and b.date > today:
            problems.append(f"booking {b.id} is delivered on a future date {b.date.isoformat()}")
    for request_id, bookings in sorted(held_by_request.items()):
        req = requests.get(request_id)
        if req is None:
            problems.append(f"{len(bookings)} bookings belong to an unknown request {request_id}")
            continue
        if req.status not in RequestStatus.MAY_HOLD_BOOKINGS:
            problems.append(f"request {req.id} is {req.status} but holds {len(bookings)} half-day(s)")
        if len(bookings) > req.granted_half_days:
            problems.append(
                f"request {req.id} holds {len(bookings)} half-days, more than the {req.granted_half_days} granted"
            )
        if req.status in RequestStatus.FINISHED and any(b.status == BookingStatus.PLANNED for b in bookings):
            problems.append(f"request {req.id} is {req.status} but still has planned half-days")
    for req in requests.values():
        count = len(held_by_request.get(req.id, ()))
        # Scheduled means fully booked: a half-day recorded as not delivered sends the request back to
        # approved (the scheduler then books a replacement), so it cannot stay scheduled short of one.
        if req.status == RequestStatus.SCHEDULED and count != req.granted_half_days:
            problems.append(f"request {req.id} is scheduled with {count} of {req.granted_half_days} half-days booked")
        if not 0 <= (req.over_quota_half_days or 0) <= req.granted_half_days:
            problems.append(
                f"request {req.id} has {req.over_quota_half_days} over-quota half-days "
                f"for {req.granted_half_days} granted"
            )
        if (req.rating is not None) != (req.status == RequestStatus.RATED):
            problems.append(f"request {req.id} is {req.status} with rating {req.rating}")
    return problems


def _consumption_matches_bookings(session, held, requests) -> list[str]:
    """The drawing-right consumption the app shows (`quotas.consumption`, an aggregate query per
    period) equals the bookings counted one by one here: a mismatch means a status or a join drifted."""
    from flask import has_app_context

    from expertpool import quotas

    if not has_app_context():  # quotas reads through the app's session
        return []
    problems = []
    for period in session.scalars(select(QuotaPeriod).order_by(QuotaPeriod.start_date)):
        counted: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for b in held:
            req = requests.get(b.request_id)
            if req is not None and period.start_date <= b.date <= period.end_date:
                counted[req.member_id][0 if b.status == BookingStatus.PLANNED else 1] += 1
        member_ids = {r.member_id for r in requests.values()}
        shown = quotas.consumption(member_ids, period.start_date, period.end_date)
        for member_id in sorted(set(counted) | set(shown)):
            expected = tuple(counted.get(member_id, (0, 0)))
            if tuple(shown.get(member_id, (0, 0))) != expected:
                problems.append(
                    f"member {member_id} in period {period.name}: consumption "
                    f"{shown.get(member_id, (0, 0))} (planned, delivered) differs from the "
                    f"bookings {expected}"
                )
    return problems
