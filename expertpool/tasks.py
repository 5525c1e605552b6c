"""The one task queue: rows written in the caller's transaction, run later by `drain` with retries.

A web request never waits on slow or failing work (SMTP, webhooks, purges): it enqueues a task in the
transaction of the change that causes it (a rollback enqueues nothing) and the scheduler process
drains the queue every few seconds. Two drainers never run the same task: PostgreSQL claims rows with
FOR UPDATE SKIP LOCKED, SQLite with a conditional UPDATE (status still pending) whose row count says
who won. A handler that raises is retried with exponential backoff, then the task is `failed` with
the error kept.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import or_, select, update

from expertpool.extensions import db
from expertpool.models import Task, TaskStatus
from expertpool.timeutil import now_utc

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(seconds=30)  # 30 s, 1 min, 2 min, 4 min, 8 min: about a quarter of an hour
LEASE = timedelta(minutes=10)  # a running task older than this lost its drainer and is taken again
DRAIN_SECONDS = 5  # how often the scheduler process drains


@dataclass(frozen=True)
class _Handler:
    run: Callable[..., None]
    on_failure: Callable[..., None] | None


_HANDLERS: dict[str, _Handler] = {}


class UnknownTaskKind(LookupError):
    pass


def task_handler(kind: str, *, on_failure: Callable[..., None] | None = None):
    """Register `fn(payload, *, now)` for `kind`.

    `on_failure(payload, *, error, final, now)`, optional, runs in the transaction that records a
    failed attempt (the handler's own writes were rolled back), e.g. to show the error elsewhere.
    """

    def register(fn):
        _HANDLERS[kind] = _Handler(fn, on_failure)
        return fn

    return register


def enqueue(kind: str, payload: dict, *, now: datetime, run_after: datetime | None = None) -> Task:
    """Add a task to the caller's session (same transaction as the change that causes it); never commits."""
    task = Task(
        kind=kind,
        payload=dict(payload),
        status=TaskStatus.PENDING,
        attempts=0,
        run_after=run_after or now,
        last_error="",
        created_at=now,
    )
    db.session.add(task)
    return task


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt."""
    return BACKOFF_BASE * (2 ** max(attempts - 1, 0))


def drain(*, now: datetime, limit: int = 50) -> int:
    """Claim the due tasks (at most `limit`) and run each in its own transaction; returns how many ran."""
    _load_handlers()
    claimed = _claim(now=now, limit=limit)
    for task_id in claimed:
        _run_one(task_id, now=now)
    return len(claimed)


def _due(now: datetime):
    return or_(
        (Task.status == TaskStatus.PENDING) & (Task.run_after <= now),
        (Task.status == TaskStatus.RUNNING) & (Task.run_after <= now),  # its drainer died
    )


def _claim(*, now: datetime, limit: int) -> list[int]:
    """Mark due tasks running (attempt counted, lease set) and commit, so no other drainer takes them."""
    query = select(Task.id).where(_due(now)).order_by(Task.run_after, Task.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        ids = list(db.session.scalars(query.with_for_update(skip_locked=True)))
        if ids:
            db.session.execute(
                update(Task)
                .where(Task.id.in_(ids))
                .values(status=TaskStatus.RUNNING, attempts=Task.attempts + 1, run_after=now + LEASE)
            )
    else:
        ids = [task_id for task_id in list(db.session.scalars(query)) if _take(db.session, task_id, now=now)]
    db.session.commit()
    return ids


def _take(session, task_id: int, *, now: datetime) -> bool:
    """Claim one task by a conditional UPDATE: whoever changes the row first wins, the other drainer's
    UPDATE matches no row (it read the task as due, but it is not any more)."""
    won = session.execute(
        update(Task)
        .where(Task.id == task_id, _due(now))
        .values(status=TaskStatus.RUNNING, attempts=Task.attempts + 1, run_after=now + LEASE)
    ).rowcount
    return won == 1


def _run_one(task_id: int, *, now: datetime) -> None:
    task = db.session.get(Task, task_id)
    handler = _HANDLERS.get(task.kind)
    try:
        if handler is None:
            raise UnknownTaskKind(task.kind)
        handler.run(dict(task.payload), now=now)
        task = db.session.get(Task, task_id)
        task.status, task.finished_at, task.last_error = TaskStatus.DONE, now, ""
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        _record_failure(task_id, handler, f"{type(exc).__name__}: {exc}", now=now)


def _record_failure(task_id: int, handler: _Handler | None, error: str, *, now: datetime) -> None:
    task = db.session.get(Task, task_id)
    # An unknown kind is retried too: a scheduler process older than the web workers may not know it yet.
    final = task.attempts >= MAX_ATTEMPTS
    task.last_error = error
    if final:
        task.status, task.finished_at = TaskStatus.FAILED, now
        log.error("task %s (%s) failed after %s attempts: %s", task.id, task.kind, task.attempts, error)
    else:
        task.status, task.run_after = TaskStatus.PENDING, now + backoff(task.attempts)
        log.warning("task %s (%s) attempt %s failed, retried later: %s", task.id, task.kind, task.attempts, error)
    if handler is not None and handler.on_failure is not None:
        handler.on_failure(dict(task.payload), error=error, final=final, now=now)
    db.session.commit()


# Modules that register handlers: imported before draining so that every kind is known (add yours).
HANDLER_MODULES = [
    "expertpool.mail",
    "expertpool.privacy.retention",
    "expertpool.scenarios.services",
    "expertpool.webhooks",
]


def _load_handlers() -> None:
    import importlib

    for name in HANDLER_MODULES:
        importlib.import_module(name)


@click.group("tasks")
def tasks_group():
    """The task queue (mail delivery and other background work)."""


@tasks_group.command("drain")
@click.option("--limit", default=50, show_default=True, help="At most this many tasks.")
@with_appcontext
def drain_command(limit):
    """Run the due tasks now (the scheduler process does it every few seconds)."""
    ran = drain(now=now_utc(), limit=limit)
    click.echo(f"{ran} task(s) run")


COMMANDS = [tasks_group]
