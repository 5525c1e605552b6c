"""Benchmark of a scenario run at regional scale (1,500 members, 62 experts, a year of demand) against
the scheduler's own run on the same data.

The pool is the shared benchmark pool (`expertpool.bench_pool.build_database`, a temporary SQLite file).
Timed `repeats` times (best and median printed), on the backlog and on the 12 months replayed:

- `scheduler_*`: the scheduler's own run on that data: its preview (`solve_horizon`, what its job
  runs before writing) for the backlog; for the replay, the same year replayed without change (what
  the scheduler would solve on that data, the engine called directly, no plan kept).
- `scenario_*`: the scenario alone (one more half-time DBA), its figures included.
- `task_cold_*`: the whole queued task (`compute_result`: the baseline and the scenario solved, their
  figures and exchange files) with no plan kept beforehand: the first scenario ever run on that data.
- `task_*`: the whole task for a scenario run after another one on the same data (its baseline's
  plan is then read back from the plan cache, `plan_cache.py`), the usual case when scenarios are
  compared; its own plan is never in the cache.

Every timing starts from an empty session (nothing read yet, as a task) and an empty plan cache (or
one holding only the baseline for `task_*`), so no figure is a cache hit of its own previous repeat.
`*_ratio` divides elapsed times (best of each), `*_cpu_ratio` this process's processor times.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

NOW = datetime(2027, 9, 1, 7, 0, tzinfo=UTC)  # the benchmark pool's "today" (bench_pool.TODAY)
ADDED_DBA = {"role": "dba", "skills": [], "week": None, "start": "2027-09-02"}


def _timed(function, repeats: int, setup) -> tuple[float, float, float]:
    """(best, median, best processor time) seconds of `function`, each run after `setup` (untimed). The
    processor time is this process's alone: on a shared machine it moves less than the elapsed time."""
    runs, cpu = [], []
    for _ in range(repeats):
        setup()
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        runs.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return min(runs), statistics.median(runs), min(cpu)


def bench_scenario(seed: int = 2027, repeats: int = 5, scale: str = "regional") -> dict:
    from sqlalchemy import delete

    from expertpool import create_app
    from expertpool.bench_pool import build_database
    from expertpool.extensions import db
    from expertpool.models import PlanCache, Scenario
    from expertpool.scenarios.changes import WEEK_PRESETS, Changes, read_changes
    from expertpool.scenarios.figures import figures
    from expertpool.scenarios.runner import BACKLOG, REPLAY, solve_base
    from expertpool.scenarios.services import compute_result
    from expertpool.scheduling.solving import solve_horizon

    raw = {"experts_added": [{**ADDED_DBA, "week": WEEK_PRESETS["half"]}]}
    changes = read_changes(raw)
    result: dict = {"scale": scale}
    with tempfile.TemporaryDirectory(prefix="expertpool-bench-") as folder:
        url = "sqlite:///" + str(Path(folder) / "bench.sqlite3")
        built = build_database(url, seed, scale)
        result.update(members=built.get("members"), experts=built.get("experts"))
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():

            def fresh_session():
                # Every run starts as a task does: nothing read yet (no row already in the session).
                db.session.commit()
                db.session.expunge_all()

            def empty_cache():
                db.session.execute(delete(PlanCache))
                fresh_session()

            def baseline_kept(base):
                # Another scenario ran on the same data before: its baseline's plan is kept.
                def setup():
                    db.session.execute(delete(PlanCache))
                    solve_base(base, Changes(), now=NOW)
                    fresh_session()

                return setup

            for name, base in (("backlog", BACKLOG), ("year", REPLAY)):
                if base == BACKLOG:
                    scheduler = _timed(lambda: solve_horizon(now=NOW), repeats, empty_cache)
                else:
                    scheduler = _timed(
                        lambda: solve_base(REPLAY, Changes(), now=NOW, keep_plans=False), repeats, empty_cache
                    )
                scenario = _timed(lambda b=base: figures(solve_base(b, changes, now=NOW)), repeats, empty_cache)
                task_cold = _timed(
                    lambda b=base: compute_result(Scenario(base=b, changes=raw), now=NOW), repeats, empty_cache
                )
                task = _timed(
                    lambda b=base: compute_result(Scenario(base=b, changes=raw), now=NOW),
                    repeats,
                    baseline_kept(base),
                )
                reference = scheduler[0]
                result.update(
                    {
                        f"scheduler_{name}_s": round(scheduler[0], 3),
                        f"scheduler_{name}_median_s": round(scheduler[1], 3),
                        f"scenario_{name}_s": round(scenario[0], 3),
                        f"scenario_{name}_ratio": round(scenario[0] / reference, 2),
                        f"task_cold_{name}_s": round(task_cold[0], 3),
                        f"task_cold_{name}_median_s": round(task_cold[1], 3),
                        f"task_cold_{name}_ratio": round(task_cold[0] / reference, 2),
                        f"task_cold_{name}_cpu_ratio": round(task_cold[2] / scheduler[2], 2),
                        f"task_{name}_s": round(task[0], 3),
                        f"task_{name}_median_s": round(task[1], 3),
                        f"task_{name}_ratio": round(task[0] / reference, 2),
                        f"task_{name}_cpu_ratio": round(task[2] / scheduler[2], 2),
                    }
                )
            empty_cache()
            result["year_served_half_days"] = figures(solve_base(REPLAY, changes, now=NOW))["totals"]["served"]
    return result


if __name__ == "__main__":
    print(json.dumps(bench_scenario(), indent=2))  # noqa: T201
