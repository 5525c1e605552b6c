"""The benchmark pool: a regional pool (1,500 members, 60 experts) and a year of its bookings, written into
an empty database. One data set for every benchmark (the dashboard's in `reports/bench.py`, the
scenarios' in `scenarios/bench.py`, the load harness in `loadbench/`), so their figures are comparable.

The pool comes from the engine's generator and its fair plan (`expertpool.allocation`); the statuses
follow the app's own rules (`expertpool.invariants` finds nothing to report on it).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine, insert
from sqlalchemy.orm import Session

from expertpool import week_patterns
from expertpool.models import (
    Booking,
    BookingStatus,
    Expert,
    InterventionRequest,
    Member,
    PoolSettings,
    Quota,
    QuotaPeriod,
    RequestStatus,
    Role,
    Skill,
    Unavailability,
    User,
    UserRole,
)
from expertpool.models.expert import expert_roles, expert_skills, week_bit

YEAR_START = date(2027, 1, 4)  # the generator's horizon starts on a Monday
TODAY = date(2027, 9, 1)  # half-days before are delivered (mostly), after are planned
UNIT_PRICE_CENTS = 18_000
ROLE_LABELS = {"dsi": "DSI", "dba": "DBA", "chef_projet": "Chef de projet"}


def build_database(url: str, seed: int = 2027, scale: str = "regional") -> dict:
    """Fill an empty database at `url` with a regional pool and a year of its bookings."""
    from expertpool import position_store
    from expertpool.allocation.generate import generate
    from expertpool.allocation.solver import solve
    from expertpool.extensions import db

    started = time.perf_counter()
    problem = generate(scale=scale, seed=seed, horizon_weeks=52, start=YEAR_START)
    plan = solve(problem)
    solved = time.perf_counter() - started
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    # A plain engine and session, not the app: the pool is data, and building it needs none of the
    # features the app factory wires (so this shared module imports no feature, even indirectly).
    engine = create_engine(url)
    db.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(PoolSettings(id=1, name="Syndicat numérique de bench", unit_price_cents=UNIT_PRICE_CENTS))
        period = QuotaPeriod(
            name="2027", start_date=date(2027, 1, 1), end_date=date(2027, 12, 31), unit_price_cents=UNIT_PRICE_CENTS
        )
        session.add(period)
        session.flush()
        roles = {code: Role(code=code, label=ROLE_LABELS.get(code, code)) for code in ROLE_LABELS}
        skill_names = sorted(
            {s for e in problem.experts for s in e.skills} | {s for r in problem.requests for s in r.skills}
        )
        skills = {name: Skill(name=name) for name in skill_names}
        session.add_all([*roles.values(), *skills.values()])
        session.flush()

        expert_ids = {}
        for index, e in enumerate(problem.experts, start=1):
            mask = sum(week_bit(day, half) for day, halves in e.week.items() for half in halves)
            expert_ids[e.id] = index
            expert = Expert(
                id=index,
                display_name=f"Expert {e.id}",
                week_mask=mask,
                day_rate_cents=rng.randrange(45_000, 95_001, 5_000),
            )
            session.add(expert)
            # In the pool for a year before the benchmark's: a replay of any 12 months meets its pattern.
            week_patterns.join(expert, since=YEAR_START - timedelta(days=365), session=session)
        session.execute(
            insert(expert_roles),
            [{"expert_id": expert_ids[e.id], "role_id": roles[r].id} for e in problem.experts for r in e.roles],
        )
        session.execute(
            insert(expert_skills),
            [{"expert_id": expert_ids[e.id], "skill_id": skills[s].id} for e in problem.experts for s in e.skills],
        )
        unavailable = [
            {"expert_id": expert_ids[e.id], "start_date": u.start, "end_date": u.end, "half": u.half}
            for e in problem.experts
            for u in e.unavailable
        ]
        if unavailable:
            session.execute(insert(Unavailability), unavailable)

        member_ids = {m.id: k for k, m in enumerate(problem.members, start=1)}
        session.execute(
            insert(Member),
            [
                {
                    "id": member_ids[m.id],
                    "name": f"Commune {m.id}",
                    "insee_code": f"{k:05d}",
                    "contribution_cents": m.quota * UNIT_PRICE_CENTS * 8 // 10,
                }
                for k, m in enumerate(problem.members, start=1)
            ],
        )
        session.execute(
            insert(Quota),
            [
                {"period_id": period.id, "member_id": member_ids[m.id], "entitled_half_days": m.quota}
                for m in problem.members
            ],
        )

        assigned: dict[str, list] = {}
        for a in plan.assignments:
            assigned.setdefault(a.request, []).append(a)
        unserved = {u.request for u in plan.unserved}
        request_rows, booking_rows = [], []
        for k, r in enumerate(problem.requests, start=1):
            slots = assigned.get(r.id, [])
            # Past half-days are delivered, 2 % not delivered; future ones are planned.
            outcomes = [
                BookingStatus.PLANNED
                if a.date >= TODAY
                else BookingStatus.NOT_DELIVERED
                if rng.random() < 0.02
                else BookingStatus.DELIVERED
                for a in slots
            ]
            status, rated = _request_status(r.id in unserved, outcomes, rng)
            submitted = r.submitted_at or datetime(2027, 1, 1, 8, tzinfo=UTC)
            request_rows.append(
                {
                    "id": k,
                    "member_id": member_ids[r.member],
                    "title": f"Demande {r.id}",
                    "role_id": roles[r.role].id,
                    "half_days": min(120, r.half_days),
                    "approved_half_days": min(120, r.half_days),
                    "earliest": r.earliest,
                    "deadline": r.deadline,
                    "urgency": r.urgency,
                    "status": status,
                    "submitted_at": submitted,
                    "rating": rng.choice((3, 4, 4, 5, 5)) if rated else None,
                    "rated_at": datetime.combine(
                        TODAY - timedelta(days=rng.randrange(1, 200)), datetime.min.time(), tzinfo=UTC
                    )
                    if rated
                    else None,
                }
            )
            booking_rows += [
                {"request_id": k, "expert_id": expert_ids[a.expert], "date": a.date, "half": a.half, "status": outcome}
                for a, outcome in zip(slots, outcomes, strict=True)
            ]
        session.execute(insert(InterventionRequest), request_rows)
        session.execute(insert(Booking), booking_rows)
        session.add(User(email="coordination@bench.example", name="Coordination", role=UserRole.COORDINATOR))
        position_store.rebuild(session)  # what the migration does for a database filled before them
        session.commit()
        counts = {
            "members": len(problem.members),
            "experts": len(problem.experts),
            "requests": len(request_rows),
            "bookings": len(booking_rows),
        }
    engine.dispose()
    return {
        **counts,
        "generate_and_solve_seconds": round(solved, 2),
        "build_seconds": round(time.perf_counter() - started, 2),
    }


def _request_status(short: bool, outcomes: list[str], rng: random.Random) -> tuple[str, bool]:
    """The status the app itself would have given this request, and whether it is rated.

    The same rules as `expertpool.invariants`: a half-day not delivered sends the request back to the
    scheduler (approved, waiting for a replacement); scheduled means fully booked; completed means every
    half-day delivered; only a completed request can be rated (then its status is rated).
    """
    if not outcomes or short or BookingStatus.NOT_DELIVERED in outcomes:
        return RequestStatus.APPROVED, False
    if BookingStatus.PLANNED in outcomes:
        return RequestStatus.SCHEDULED, False
    rated = rng.random() < 0.6
    return (RequestStatus.RATED if rated else RequestStatus.COMPLETED), rated
