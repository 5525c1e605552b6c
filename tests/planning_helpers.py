"""A small pool for the planning tests: two member structures, one DBA, approved requests."""

from dataclasses import dataclass
from datetime import date, timedelta

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


def load_generated_problem(session, problem, *, year: int = 2027) -> None:
    """Write a generated engine problem into the database (for scale measurements). The quota period
    opens six months before the year so that each member's prior usage becomes delivered bookings;
    booked half-days become planned bookings of one internal request."""
    from expertpool.models import (
        Expert,
        InterventionRequest,
        Member,
        PoolSettings,
        Quota,
        QuotaPeriod,
        Role,
        Skill,
        Unavailability,
    )
    from expertpool.models.expert import week_bit

    settings = PoolSettings.load(session)
    settings.horizon_weeks = (problem.n_days + 6) // 7
    role_codes = {c for e in problem.experts for c in e.roles} | {r.role for r in problem.requests}
    roles = {code: Role(code=code, label=code.upper()) for code in sorted(role_codes)}
    skill_names = {s for e in problem.experts for s in e.skills} | {s for r in problem.requests for s in r.skills}
    skills = {name: Skill(name=name) for name in sorted(skill_names)}
    session.add_all([*roles.values(), *skills.values()])
    experts = {}
    for e in problem.experts:
        mask = sum(week_bit(day, half) for day, halves in e.week.items() for half in halves)
        expert = Expert(
            display_name=e.id,
            week_mask=mask,
            roles=[roles[c] for c in sorted(e.roles)],
            skills=[skills[s] for s in sorted(e.skills)],
        )
        expert.unavailabilities = [
            Unavailability(start_date=a.start, end_date=a.end, half=a.half) for a in e.unavailable
        ]
        experts[e.id] = expert
    session.add_all(experts.values())
    period = QuotaPeriod(name=str(year), start_date=date(year - 1, 7, 1), end_date=date(year, 12, 31))
    members = {m.id: Member(name=m.id) for m in problem.members}
    internal = Member(name="pool-internal")
    session.add_all([period, *members.values(), internal])
    session.flush()
    session.add_all(
        [Quota(member_id=members[m.id].id, period_id=period.id, entitled_half_days=m.quota) for m in problem.members]
    )
    requests = []
    for r in problem.requests:
        req = InterventionRequest(
            member_id=members[r.member].id,
            title=r.id,
            role_id=roles[r.role].id,
            half_days=r.half_days,
            earliest=r.earliest,
            deadline=r.deadline,
            urgency=r.urgency,
            status=RequestStatus.APPROVED,
            preferred_expert_id=experts[r.preferred_expert].id if r.preferred_expert else None,
            submitted_at=r.submitted_at,
        )
        req.skills = [skills[s] for s in sorted(r.skills)]
        requests.append(req)
    any_role = next(iter(roles.values())).id
    other_work = InterventionRequest(
        member_id=internal.id,
        title="autre travail",
        role_id=any_role,
        half_days=1,
        earliest=problem.horizon_start,
        deadline=problem.horizon_end,
        status=RequestStatus.SCHEDULED,
    )
    session.add_all([*requests, other_work])
    session.flush()
    session.add_all(
        [
            Booking(request_id=other_work.id, expert_id=experts[e.id].id, date=day, half=half)
            for e in problem.experts
            for day, half in e.booked
        ]
    )
    # Prior usage: delivered half-days spread over the experts' weekdays of the second half of last year.
    slots = (
        (e, date(year - 1, 7, 1) + timedelta(days=d), h)
        for d in range(180)
        for h in ("am", "pm")
        for e in experts.values()
        if (date(year - 1, 7, 1) + timedelta(days=d)).weekday() < 5
    )
    for m in problem.members:
        if m.used == 0:
            continue
        past = InterventionRequest(
            member_id=members[m.id].id,
            title="passé",
            role_id=any_role,
            half_days=min(120, m.used),
            earliest=date(year - 1, 7, 1),
            deadline=date(year - 1, 12, 31),
            status=RequestStatus.COMPLETED,
        )
        session.add(past)
        session.flush()
        for _ in range(m.used):
            expert, day, half = next(slots)
            session.add(Booking(request_id=past.id, expert_id=expert.id, date=day, half=half, status="delivered"))
    session.flush()


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
