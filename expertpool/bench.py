"""`flask --app expertpool bench`: the web-side benchmarks, printed as one table.

Each feature owns its benchmark function (it builds its own data in a temporary database and returns
a dict of figures); this command runs them in turn. The engine's own benchmark is
`python -m expertpool.allocation bench` (`make bench` runs both).
"""

import importlib
import time

import click

# (title, module, function, target as a sentence)
BENCHMARKS = (
    ("CSV import preview, 2,000 members", "expertpool.coordination.bench", "bench_import_preview", "< 2 s"),
    (
        "Dashboard and positions, regional scale",
        "expertpool.reports.bench",
        "bench_dashboard",
        "well under 1 s",
    ),
    (
        "What-if scenario vs the scheduler, regional",
        "expertpool.scenarios.bench",
        "bench_scenario",
        "≤ 2 × scheduler, < 10 s",
    ),
    (
        "Full replan, then a daily run of 20 requests",
        "expertpool.planning.bench",
        "bench_replan",
        "< 3 s, < 1.5 s",
    ),
)


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


@click.command("bench")
@click.option("--only", help="Run only the benchmarks whose title contains this text.")
def bench_command(only):
    """Run the web-side benchmarks and print their figures."""
    click.echo(f"{'benchmark':<42} {'target':<16} figures")
    click.echo("-" * 100)
    for title, module_name, function_name, target in BENCHMARKS:
        if only and only.lower() not in title.lower():
            continue
        function = getattr(importlib.import_module(module_name), function_name)
        started = time.perf_counter()
        figures = function()
        elapsed = time.perf_counter() - started
        shown = ", ".join(
            f"{key}={_format(value)}" for key, value in figures.items() if not isinstance(value, dict | list)
        )
        click.echo(f"{title:<42} {target:<16} {shown} (bench total {elapsed:.1f} s)")


COMMANDS = [bench_command]
