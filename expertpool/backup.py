"""Backups and restores: SQLite's online backup API, `pg_dump`/`psql` for PostgreSQL.

`flask --app expertpool backup [--output PATH]` copies the live database without stopping the app;
`flask --app expertpool restore PATH --yes` puts a backup back and checks the data invariants.
"""

import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump and psql are the documented PostgreSQL tools
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from expertpool.extensions import db
from expertpool.timeutil import now_utc


class BackupError(RuntimeError):
    """The backup or the restore could not be done (missing tool, bad file, failed command)."""


def _sqlite_path(url) -> Path:
    if url.database in (None, "", ":memory:"):
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _pg_command(tool: str, url) -> tuple[list[str], dict[str, str]]:
    """libpq arguments from a SQLAlchemy URL; the password goes through the environment, never argv."""
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(f"{tool} is not installed (Debian: apt-get install postgresql-client)")
    args = [executable, "--dbname", url.database or "postgres"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return args, env


def default_backup_path(database_url: str, directory: Path, now=None) -> Path:
    stamp = (now or now_utc()).strftime("%Y%m%dT%H%M%SZ")
    suffix = ".sql" if make_url(database_url).get_backend_name() == "postgresql" else ".sqlite3"
    return directory / f"expertpool-{stamp}{suffix}"


def backup_database(database_url: str, destination: Path) -> Path:
    """Write a consistent copy of the database to `destination` while the app keeps running."""
    url = make_url(database_url)
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        # The online backup API copies page by page under SQLite's own locking: readers and writers
        # of the live file may continue, and the copy is a consistent snapshot (WAL included).
        source = sqlite3.connect(_sqlite_path(url))
        target = sqlite3.connect(destination)
        try:
            source.backup(target)
            if target.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"the backup {destination} fails SQLite's integrity check")
        finally:
            target.close()
            source.close()
        return destination
    if url.get_backend_name() == "postgresql":
        args, env = _pg_command("pg_dump", url)
        # Plain SQL that drops and recreates every object: restorable with psql into an empty or
        # an existing database; no owners or grants, so another role can restore it.
        args += [
            "--format=plain",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(destination),
        ]
        result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        return destination
    raise BackupError(f"unsupported database {url.get_backend_name()}")


def restore_database(source: Path, database_url: str) -> None:
    """Replace the database's content by the backup `source`, in one go (all or nothing)."""
    url = make_url(database_url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    if url.get_backend_name() == "sqlite":
        backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            if backup.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source} is not a sound SQLite database")
            target = sqlite3.connect(_sqlite_path(url))
            try:
                backup.backup(target)  # atomic for readers of the target: they see old or new pages
            finally:
                target.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a SQLite database: {exc}") from exc
        finally:
            backup.close()
        return
    if url.get_backend_name() == "postgresql":
        args, env = _pg_command("psql", url)
        args += ["--quiet", "--no-psqlrc", "--single-transaction", "--set", "ON_ERROR_STOP=1", "--file", str(source)]
        result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise BackupError(f"psql failed (nothing was changed): {result.stderr.strip()}")
        return
    raise BackupError(f"unsupported database {url.get_backend_name()}")


def _database_url() -> str:
    return db.engine.url.render_as_string(hide_password=False)


@click.command("backup")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Backup file (default: instance/backups/expertpool-<UTC time>.sqlite3 or .sql).",
)
@with_appcontext
def backup_command(output):
    """Copy the live database to a backup file (SQLite online backup, or pg_dump)."""
    url = _database_url()
    output = output or default_backup_path(url, Path(current_app.instance_path) / "backups")
    try:
        path = backup_database(url, output)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written to {path}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Confirm that the current data is replaced.")
@with_appcontext
def restore_command(source, yes):
    """Replace the database by a backup, then check the data invariants."""
    from expertpool.invariants import check_invariants

    if not yes:
        click.confirm(f"Replace every row of {db.engine.url.render_as_string()} by {source}?", abort=True)
    url = _database_url()
    db.session.remove()
    db.engine.dispose()  # no pooled connection may keep a view of the old data
    try:
        restore_database(source, url)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    problems = check_invariants(db.session)
    db.session.remove()
    click.echo(f"restored {source}")
    if problems:
        raise click.ClickException("the restored data breaks invariants:\n  " + "\n  ".join(problems))
    click.echo("invariants hold")


COMMANDS = [backup_command, restore_command]
