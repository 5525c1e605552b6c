"""Solving the horizon as the scheduler does: read the database, build one problem per quota period the
horizon meets, solve each with the fair method. Writes nothing: the planning feature writes the plan it
returns (a run, a commit), a scenario reads it as its baseline.
"""

from datetime import date, datetime

from expertpool.allocation import solve
from expertpool.extensions import db
from expertpool.models import PoolSettings
from expertpool.scheduling.outcome import Outcome
from expertpool.scheduling.problem_builder import Snapshot, build_problems, horizon, split_by_period

METHOD = "fair"


def solve_horizon(
    *, now: datetime, horizon_start: date | None = None, weeks: int | None = None, request_ids: list[int] | None = None
) -> Outcome:
    """Read the database and solve the horizon (one problem per quota period it meets). Writes nothing.
    With `request_ids`, only those requests are planned (around every booking already held)."""
    settings = PoolSettings.load(db.session)
    start, end = horizon(now, settings, horizon_start, weeks)
    snapshot = Snapshot(start, end, settings.holidays_region, request_ids)
    segments = split_by_period(start, end)
    build_problems(snapshot, segments, solve_one=lambda problem: solve(problem, method=METHOD))
    return Outcome(start, end, segments, snapshot)
