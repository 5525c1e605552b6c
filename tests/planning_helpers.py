"""A small pool for the planning tests: two member structures, one DBA, approved requests."""

from dataclasses import dataclass
from datetime import date

from factories import FIXED_NOW
from sqlalchemy import func, select

from expertpool.models import (
    AllocationRun,
    AuditLog,
    Booking,
    InterventionRequest,
    JobRun,
    Notification,
    OutboxMail,
    RequestStatus,
    UserRole,
)


@dataclass
class Pool:
    member_a: object
    member_b: object
    user_a: object
    user_b: object
    expert: object
    expert_user: object
    coordinator: object
    period: object
    request_a: object
    request_b: object


def small_pool(
    factory,
    *,
    half_days=(8, 8),
    quotas=(20, 20),
    weeks=1,
    year=2027,
    earliest=date(2027, 1, 12),
    deadline=date(2027, 3, 31),
) -> Pool:
    """FIXED_NOW is Monday 11 January 2027: the horizon starts Tuesday 12; one week holds 10 half-days
    of the only expert (Tuesday 12 to Monday 18), so two requests of 8 compete for them."""
    factory.settings(horizon_weeks=weeks, holidays_region="metropole")
    member_a, member_b = factory.member("Plouzané"), factory.member("Locmaria")
    period = factory.period(year, half_days=0)
    factory.quota(member_a, period, quotas[0])
    factory.quota(member_b, period, quotas[1])
    user_a = factory.user(member=member_a, email="mairie@plouzane.example")
    user_b = factory.user(member=member_b, email="mairie@locmaria.example")
    expert_user, expert = factory.expert_user("Anne Le Gall", roles=("dba",), skills=("postgresql",))
    coordinator = factory.user(role=UserRole.COORDINATOR, email="coord@pool.example")
    request_a = factory.request(
        member_a,
        status=RequestStatus.APPROVED,
        half_days=half_days[0],
        earliest=earliest,
        deadline=deadline,
        skills=("postgresql",),
        title="Migration PostgreSQL",
    )
    request_b = factory.request(
        member_b,
        status=RequestStatus.APPROVED,
        half_days=half_days[1],
        earliest=earliest,
        deadline=deadline,
        skills=("postgresql",),
        title="Sauvegardes",
    )
    return Pool(member_a, member_b, user_a, user_b, expert, expert_user, coordinator, period, request_a, request_b)


def table_counts(session) -> dict[str, int]:
    """Row counts of every table an allocation run may write."""
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in (AllocationRun, AuditLog, Booking, JobRun, Notification, OutboxMail)
    }


def request_states(session) -> dict[int, tuple]:
    return {
        r.id: (r.status, r.unserved_reason, r.unserved_message, r.version)
        for r in session.scalars(select(InterventionRequest))
    }


def held_slots(session) -> set[tuple]:
    return {(b.id, b.request_id, b.expert_id, b.date, b.half, b.status) for b in session.scalars(select(Booking))}


def book_request_a(factory, pool: Pool, day=date(2027, 1, 13), half="am"):
    """One half-day of request A booked by hand (the request then counts as scheduled)."""
    booking = factory.booking(pool.request_a, pool.expert, day, half)
    pool.request_a.status = RequestStatus.SCHEDULED
    factory.session.flush()
    return booking


def accept_quote(req, billable: int, *, at=FIXED_NOW, unit_price_cents: int = 18000):
    """The request was approved with `billable` half-days beyond the drawing right, and its member's
    user accepted their quote: the scheduler may book them (rule 8)."""
    req.over_quota_half_days = req.quote_half_days = billable
    req.quote_unit_price_cents, req.quote_accepted_at = unit_price_cents, at
    return req
