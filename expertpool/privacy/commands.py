"""`flask retention purge [--dry-run]`: the retention purge by hand (the scheduler runs it daily)."""

import click
from flask.cli import AppGroup

from expertpool.extensions import db
from expertpool.privacy.retention import purge_expired
from expertpool.timeutil import now_utc

retention = AppGroup("retention", help="RGPD retention periods.")


@retention.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be purged; change nothing.")
def purge_command(dry_run):
    """Purge or anonymise what outlived its retention period (audited with counts)."""
    counts = purge_expired(now=now_utc(), dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo("dry run: nothing changed" if dry_run else "retention purge done")
    for category, rows in counts.items():
        click.echo(f"  {category:<26} {rows}")


COMMANDS = [retention]
