"""The benchmark behind `python -m expertpool.allocation bench`: every method against the max-flow bounds."""

from __future__ import annotations

import resource
import tracemalloc
from time import perf_counter, process_time

from .bounds import bounds
from .check import check_plan
from .generate import generate
from .solver import solve

CONFIGURATIONS = (
    # scale, horizon weeks, in --quick
    ("small", 12, True),
    ("regional", 12, True),
    ("regional", 52, False),
    ("national", 12, False),
)
COLUMNS = (
    ("scale", 8), ("weeks", 5), ("method", 16), ("served", 7), ("bound", 7), ("total", 7),
    ("entitled", 8), ("e_bound", 7), ("e_sat", 7), ("min_lvl", 7), ("opt_lvl", 7), ("time_s", 7),
    ("cpu_s", 7), ("peak_MB", 7), ("bnd_s", 6), ("check", 9),
)  # fmt: skip
LEGEND = """\
time_s: wall clock of solve(); cpu_s: its CPU time (robust to a loaded machine); peak_MB: tracemalloc
peak of a second run; bnd_s: both max-flow bounds, network build included; total: served / bound;
e_sat: served within quota / bound_entitled; min_lvl: lowest level (used + x) / quota among members
left below quota with servable demand; opt_lvl: the checker's max-min optimum of that level (1: all
within-quota demand servable at once); check: OK, or the rules violated (count)."""


def _row(values: dict) -> str:
    return " ".join(str(values.get(name, "")).rjust(width) for name, width in COLUMNS)


def _fmt(value, digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def run_bench(scales: list[str], methods: list[str], *, quick: bool = False, seed: int = 1) -> int:
    """Print one table; return 0 when every plan of the fair method passes the checker."""
    print(_row({name: name for name, _ in COLUMNS}))
    all_fair_ok = True
    for scale, weeks, in_quick in CONFIGURATIONS:
        if scale not in scales or (quick and not in_quick):
            continue
        problem = generate(scale, seed, demand_ratio=1.4, horizon_weeks=weeks)
        bound = bounds(problem)
        for method in methods:
            started, cpu_started = perf_counter(), process_time()
            plan = solve(problem, method=method)
            elapsed, cpu = perf_counter() - started, process_time() - cpu_started
            # A second run under tracemalloc measures the peak memory without slowing the timed one.
            tracemalloc.start()
            solve(problem, method=method)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            report = check_plan(problem, plan)
            metrics = report.metrics
            rules = sorted({v.split(":")[0].replace("rule ", "") for v in report.violations})
            if method == "fair" and not report.ok:
                all_fair_ok = False
            print(
                _row(
                    {
                        "scale": scale,
                        "weeks": weeks,
                        "method": method,
                        "served": metrics["served_half_days"],
                        "bound": bound["bound_total"],
                        "total": _fmt(metrics["total_satisfaction"]),
                        "entitled": metrics["served_within_quota"],
                        "e_bound": bound["bound_entitled"],
                        "e_sat": _fmt(metrics["entitled_satisfaction"]),
                        "min_lvl": _fmt(metrics["min_level_unmet"], 3),
                        "opt_lvl": _fmt(metrics.get("max_min_level_optimum"), 3),
                        "time_s": _fmt(elapsed, 3),
                        "cpu_s": _fmt(cpu, 3),
                        "peak_MB": _fmt(peak / 2**20, 1),
                        "bnd_s": _fmt(bound["bounds_seconds"], 3),
                        "check": "OK" if report.ok else "r" + ",".join(rules) + f"({len(report.violations)})",
                    }
                ),
                flush=True,
            )
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS: {max_rss:.0f} MB")
    print(LEGEND)
    return 0 if all_fair_ok else 1
