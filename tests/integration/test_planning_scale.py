"""The service at regional scale: a generated pool (62 experts, 1,500 members, ~1,700 requests) loaded
into the database, previewed and committed; the times are printed (`-s`) and bounded loosely."""

import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from query_counter import QueryCounter
from sqlalchemy import func, select

from expertpool.allocation import check_plan, generate
from expertpool.extensions import db as _db
from expertpool.models import Booking, InterventionRequest, RequestStatus
from expertpool.planning.bench import load_generated_problem, replan_and_daily_run
from expertpool.planning.service import run_allocation, solve_horizon

NOW = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)  # the horizon starts Monday 4 January 2027


@pytest.mark.slow
def test_regional_pool_is_planned_within_seconds_then_a_daily_run_holds_it(db):
    """One regional pool (built once: it is the slow part): the engine's plan passes the checker, the
    preview books what the commit books, and then the figures `flask bench` prints — a full replan and the
    daily run that plans the 20 requests approved since, with everything booked before held in place."""
    problem = generate("regional", 1)
    load_generated_problem(db.session, problem)
    db.session.commit()
    booked_before = db.session.scalar(select(func.count(Booking.id)))
    held = {(b.id, b.request_id, b.date, b.half) for b in db.session.scalars(select(Booking))}

    clock = time.perf_counter()
    outcome = solve_horizon(now=NOW)
    solve_seconds = time.perf_counter() - clock
    [segment] = outcome.segments
    report = check_plan(segment.problem, segment.plan)
    assert report.ok, report.violations[:5]

    clock = time.perf_counter()
    preview = run_allocation(actor=None, now=NOW, mode="preview")
    preview_seconds = time.perf_counter() - clock
    with QueryCounter(_db.engine) as counter:
        figures = replan_and_daily_run(db.session)
    statements: Counter = counter.kinds

    f = figures
    assert f["full_booked_half_days"] == preview.booked_half_days > 1000
    scheduled = db.session.scalar(
        select(func.count(InterventionRequest.id)).where(InterventionRequest.status == RequestStatus.SCHEDULED)
    )
    print(
        f"\nregional: {len(segment.problem.requests)} requests, {preview.booked_half_days} half-days previewed, "
        f"{scheduled} requests scheduled; build+solve {solve_seconds:.2f} s, preview {preview_seconds:.2f} s; "
        f"full replan {f['full_replan_seconds']:.2f} s (CPU {f['full_replan_cpu_seconds']:.2f} s, "
        f"{f['full_booked_half_days']} half-days booked); daily run of {f['daily_new_requests']} newly approved "
        f"requests {f['daily_run_seconds']:.2f} s (CPU {f['daily_run_cpu_seconds']:.2f} s, "
        f"{f['daily_booked_half_days']} half-days booked, "
        f"{f['daily_new_requests_booked_half_days']} for the new ones); "
        f"{sum(statements.values())} SQL statements for both runs: {dict(statements)}"
    )
    # Both runs wrote in bulk: their statements do not grow with the ~3,000 half-days they booked.
    assert sum(statements.values()) < 0.1 * (f["full_booked_half_days"] + f["daily_booked_half_days"])
    # Nothing booked before either run moved; the daily run served the new requests.
    after = {(b.id, b.request_id, b.date, b.half) for b in db.session.scalars(select(Booking))}
    assert held <= after
    assert db.session.scalar(select(func.count(Booking.id))) >= booked_before + f["full_booked_half_days"]
    assert f["daily_new_requests_booked_half_days"] > 0
    assert f["full_replan_seconds"] < 60 and f["daily_run_seconds"] < 30
