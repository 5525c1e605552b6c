"""`flask --app expertpool schedule [--commit] [--weeks N]`: one allocation run from the command line."""

import json

import click
from flask.cli import with_appcontext

from expertpool.models.enums import RunMode
from expertpool.timeutil import now_utc


@click.command("schedule")
@click.option("--commit", "commit", is_flag=True, help="Write the plan (default: a preview, nothing booked).")
@click.option("--weeks", type=click.IntRange(1, 60), help="Horizon in weeks (default: the pool's setting).")
@with_appcontext
def schedule_command(commit, weeks):
    """Run the allocation once (preview unless --commit) and print its metrics."""
    from expertpool.planning.service import AllocationBusy, run_allocation

    mode = RunMode.COMMIT if commit else RunMode.PREVIEW
    try:
        run = run_allocation(actor=None, now=now_utc(), mode=mode, weeks=weeks)
    except AllocationBusy as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"run {run.id} ({run.mode}) {run.horizon_start} .. {run.horizon_end}: "
        f"{run.booked_half_days} half-days booked, {run.unserved_half_days} unserved"
    )
    click.echo(json.dumps(run.metrics or {}, indent=2, ensure_ascii=False, sort_keys=True))


COMMANDS = [schedule_command]
