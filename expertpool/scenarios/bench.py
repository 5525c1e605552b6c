"""Benchmark of a scenario run at regional scale (1,500 members, 62 experts, a year of demand) against
the scheduler's own run on the same data.

The pool is the shared benchmark pool (`expertpool.bench_pool.build_database`, a temporary SQLite file).
Timed, best of `repeats`: the scheduler's preview (`solve_horizon`, what its job runs before writing),
and a scenario with one more half-time DBA, its figures included, on the backlog and on the 12 months
replayed; the replay is compared with its own baseline (the same year replayed without change, what the
scheduler would solve on that data). `*_task_*` is the whole queued task: the baseline and the
scenario, their figures and exchange files. `flask bench` (`make bench`) prints them.
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

NOW = datetime(2027, 9, 1, 7, 0, tzinfo=UTC)  # the benchmark pool's "today" (bench_pool.TODAY)
ADDED_DBA = {"role": "dba", "skills": [], "week": None, "start": "2027-09-02"}


def _best(function, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def bench_scenario(seed: int = 2027, repeats: int = 2, scale: str = "regional") -> dict:
    from expertpool import create_app
    from expertpool.bench_pool import build_database
    from expertpool.models import Scenario
    from expertpool.scenarios.changes import WEEK_PRESETS, Changes, read_changes
    from expertpool.scenarios.figures import figures
    from expertpool.scenarios.runner import BACKLOG, REPLAY, solve_base
    from expertpool.scenarios.services import compute_result
    from expertpool.scheduling.solving import solve_horizon

    raw = {"experts_added": [{**ADDED_DBA, "week": WEEK_PRESETS["half"]}]}
    changes = read_changes(raw)
    with tempfile.TemporaryDirectory(prefix="expertpool-bench-") as folder:
        url = "sqlite:///" + str(Path(folder) / "bench.sqlite3")
        built = build_database(url, seed, scale)
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            scheduler = _best(lambda: solve_horizon(now=NOW), repeats)
            backlog = _best(lambda: figures(solve_base(BACKLOG, changes, now=NOW)), repeats)
            # The whole task: the baseline (the scheduler's preview, its figures) and the scenario.
            task = _best(lambda: compute_result(Scenario(base=BACKLOG, changes=raw), now=NOW), repeats)
            replay_scheduler = _best(lambda: solve_base(REPLAY, Changes(), now=NOW), repeats)
            replay = _best(lambda: figures(solve_base(REPLAY, changes, now=NOW)), repeats)
            year_task = _best(lambda: compute_result(Scenario(base=REPLAY, changes=raw), now=NOW), repeats)
            served = figures(solve_base(REPLAY, changes, now=NOW))["totals"]["served"]
    return {
        "scale": scale,
        "members": built.get("members"),
        "experts": built.get("experts"),
        "scheduler_backlog_seconds": round(scheduler, 3),
        "scenario_backlog_seconds": round(backlog, 3),
        "backlog_ratio": round(backlog / scheduler, 2) if scheduler else None,
        "scenario_task_backlog_seconds": round(task, 3),
        "task_ratio": round(task / scheduler, 2) if scheduler else None,
        "scheduler_year_seconds": round(replay_scheduler, 3),
        "scenario_year_seconds": round(replay, 3),
        "year_ratio": round(replay / replay_scheduler, 2) if replay_scheduler else None,
        "scenario_task_year_seconds": round(year_task, 3),
        "year_task_ratio": round(year_task / replay_scheduler, 2) if replay_scheduler else None,
        "year_served_half_days": served,
    }


if __name__ == "__main__":
    print(json.dumps(bench_scenario(), indent=2))  # noqa: T201
