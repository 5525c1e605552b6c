"""The scheduler at regional scale: a full replan of a generated pool, then a daily run, timed.

`flask bench` (`make bench`) prints both figures; `tests/integration/test_planning_scale.py` runs the same
steps on the test database. The pool is the engine's generator's (`expertpool.allocation.generate`),
written into a fresh PostgreSQL database when one answers (SQLite otherwise): a full replan books every
approved request of the horizon; the daily run then plans the requests approved since (20 by default),
the pool's bookings held as they are.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from expertpool import week_patterns
from expertpool.bench_database import fresh_postgres_url
from expertpool.extensions import db
from expertpool.models import (
    Booking,
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
)
from expertpool.models.enums import RunMode
from expertpool.models.expert import expert_roles, week_bit

FULL_REPLAN_AT = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)  # the generated horizon starts Monday 4 January 2027
DAILY_RUN_AT = FULL_REPLAN_AT + timedelta(days=3)  # the next working morning
DAILY_REQUESTS = 20
POSTGRES_ADMIN_URL = os.environ.get(
    "EXPERTPOOL_BENCH_POSTGRES_ADMIN_URL", "postgresql+psycopg://root@127.0.0.1:5432/postgres"
)


def load_generated_problem(session, problem, *, year: int = 2027) -> None:
    """Write a generated engine problem into the database (for scale measurements). The quota period
    opens six months before the year so that each member's prior usage becomes delivered bookings;
    booked half-days become planned bookings of one internal request."""
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
    session.flush()
    for expert in experts.values():  # in the pool since before the measured horizon
        week_patterns.join(expert, since=date(year - 2, 1, 1), session=session)
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


def add_approved_requests(session, *, now: datetime, count: int = DAILY_REQUESTS, seed: int = 20) -> list[int]:
    """`count` requests approved at `now` by members holding a quota, for roles some expert holds, each
    for 2 to 8 half-days within the next six weeks: what a coordinator approves in a day."""
    rng = random.Random(seed)  # noqa: S311 - reproducible bench data, not secrets
    members = list(session.scalars(select(Quota.member_id).order_by(Quota.member_id).distinct()))
    roles = list(
        session.scalars(
            select(expert_roles.c.role_id)
            .join(Expert, Expert.id == expert_roles.c.expert_id)
            .where(Expert.active.is_(True))
            .distinct()
            .order_by(expert_roles.c.role_id)
        )
    )
    today = now.date()
    requests = []
    for index in range(count):
        half_days = rng.randint(2, 8)
        requests.append(
            InterventionRequest(
                member_id=rng.choice(members),
                title=f"Demande du jour {index + 1}",
                role_id=rng.choice(roles),
                half_days=half_days,
                approved_half_days=half_days,
                earliest=today + timedelta(days=3),
                deadline=today + timedelta(weeks=6),
                status=RequestStatus.APPROVED,
                submitted_at=now - timedelta(days=1),
                decided_at=now,
            )
        )
    session.add_all(requests)
    session.flush()
    return [r.id for r in requests]


def replan_and_daily_run(session, *, count: int = DAILY_REQUESTS) -> dict:
    """On a loaded pool: a full replan, then `count` newly approved requests planned by the daily run.
    Returns the wall times (and this process's CPU time) and what each run booked."""
    from expertpool.planning.service import run_allocation

    clock, cpu = time.perf_counter(), time.process_time()
    full = run_allocation(actor=None, now=FULL_REPLAN_AT, mode=RunMode.COMMIT)
    full_seconds, full_cpu = time.perf_counter() - clock, time.process_time() - cpu
    new_ids = add_approved_requests(session, now=DAILY_RUN_AT, count=count)
    session.commit()
    clock, cpu = time.perf_counter(), time.process_time()
    daily = run_allocation(actor=None, now=DAILY_RUN_AT, mode=RunMode.COMMIT)
    daily_seconds, daily_cpu = time.perf_counter() - clock, time.process_time() - cpu
    new_booked = session.scalar(select(func.count(Booking.id)).where(Booking.request_id.in_(new_ids)))
    return {
        "full_replan_seconds": round(full_seconds, 2),
        # The app process's own CPU: on a busy machine the wall time also counts the wait for a core.
        "full_replan_cpu_seconds": round(full_cpu, 2),
        "full_booked_half_days": full.booked_half_days,
        "daily_run_seconds": round(daily_seconds, 2),
        "daily_run_cpu_seconds": round(daily_cpu, 2),
        "daily_new_requests": count,
        "daily_booked_half_days": daily.booked_half_days,
        "daily_new_requests_booked_half_days": new_booked,
    }


def _database_url(folder: str) -> str:
    suffix = os.environ.get("EXPERTPOOL_TEST_POSTGRES_SUFFIX", "")
    url = fresh_postgres_url(POSTGRES_ADMIN_URL, f"expertpool_bench_replan{suffix}")
    return url or "sqlite:///" + str(Path(folder) / "replan.sqlite3")


def bench_replan(scale: str = "regional", seed: int = 1) -> dict:
    """The full replan and the daily run on a fresh database (PostgreSQL when reachable); the figures."""
    from expertpool import create_app
    from expertpool.allocation import generate

    with tempfile.TemporaryDirectory(prefix="expertpool-replan-") as folder:
        url = _database_url(folder)
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            db.create_all()
            problem = generate(scale, seed)
            load_generated_problem(db.session, problem)
            db.session.commit()
            if url.startswith("postgresql"):
                # A pool that grew over time has planner statistics (autovacuum keeps them); a pool
                # bulk-loaded a second ago has none, and PostgreSQL would plan its reads blind.
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("ANALYZE"))
            figures = replan_and_daily_run(db.session)
            db.session.remove()
            db.engine.dispose()
    return {
        "database": url.split(":", 1)[0].split("+", 1)[0],
        "requests": len(problem.requests),
        **figures,
        "target": "full < 3 s, daily < 1.5 s",
        "ok": figures["full_replan_seconds"] < 3 and figures["daily_run_seconds"] < 1.5,
    }
