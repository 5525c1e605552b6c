"""Run guards: a job-run row claimed before the work, and a PostgreSQL advisory lock inside it.

Two layers, because each alone has a hole. The `job_runs` row (a unique run key, committed before the
work starts) is seen by every process on SQLite and PostgreSQL alike, and carries a staleness timeout
so that a process killed with the row held does not block the scheduler forever. The transaction-level
advisory lock (PostgreSQL only) is released by the server itself when the writing transaction ends or
its connection dies, so it also covers a stale row taken over while its first owner was still alive.
"""

import hashlib
from datetime import datetime, timedelta

from flask import has_request_context
from flask_babel import gettext
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError

from expertpool.extensions import db
from expertpool.models import JobRun

# A commit run takes seconds; a row older than this belongs to a process that died.
STALE_AFTER = timedelta(minutes=15)


def message(msgid: str, **params) -> str:
    """`msgid` translated within a web request; outside one (scheduler, CLI) the French text itself,
    since there is no user whose language to pick."""
    if has_request_context():
        return gettext(msgid, **params)
    return msgid % params if params else msgid


_ = message  # so that message catalog extraction finds the msgids below


class AllocationBusy(RuntimeError):
    """Another allocation run holds the lock: nothing was done."""

    def __init__(self, text: str | None = None):
        super().__init__(text or _("Une planification est déjà en cours. Réessayez dans quelques minutes."))


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_xact_lock (the same in every process)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


ALLOCATION_LOCK_KEY = advisory_key("expertpool:allocation")


def try_claim(run_key: str, job: str, *, now: datetime, detail: str = "") -> JobRun | None:
    """Insert the job-run row for `run_key` inside a savepoint; None when it exists already.

    The caller's transaction survives a refusal (only the savepoint rolls back), so a job can claim
    its occurrence and do its work in one transaction.
    """
    try:
        with db.session.begin_nested():
            row = JobRun(run_key=run_key, job=job, started_at=now, status="running", detail=detail)
            db.session.add(row)
    except IntegrityError:
        return None
    return row


def finish(row: JobRun, *, now: datetime, status: str = "done", detail: str | None = None) -> None:
    row.status = status
    row.finished_at = now
    if detail is not None:
        row.detail = detail[:2000]
    db.session.flush()


def acquire_single_flight(run_key: str, job: str, *, now: datetime, stale_after: timedelta = STALE_AFTER) -> datetime:
    """Claim the single-flight row and COMMIT it, so that every other process sees it at once.

    Returns the claim's timestamp (the token `release_single_flight` needs). Raises AllocationBusy when
    a live run holds the row; a row older than `stale_after` is taken over (compare-and-set on its
    timestamp, so two processes taking over the same stale row cannot both win).
    """
    if try_claim(run_key, job, now=now) is not None:
        db.session.commit()
        return now
    held = db.session.execute(select(JobRun.id, JobRun.started_at).where(JobRun.run_key == run_key)).first()
    if held is None:  # released between our insert and this read: one more try, no loop
        if try_claim(run_key, job, now=now) is not None:
            db.session.commit()
            return now
        raise AllocationBusy()
    if held.started_at > now - stale_after:
        raise AllocationBusy()
    taken = db.session.execute(
        update(JobRun)
        .where(JobRun.id == held.id, JobRun.started_at == held.started_at)
        .values(started_at=now, status="running", finished_at=None, detail="taken over a stale run")
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if taken != 1:
        raise AllocationBusy()
    return now


def release_single_flight(run_key: str, token: datetime) -> None:
    """Delete our single-flight row (only ours: a stale takeover changed its timestamp) and commit."""
    db.session.execute(
        delete(JobRun)
        .where(JobRun.run_key == run_key, JobRun.started_at == token)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def take_advisory_lock(key: int = ALLOCATION_LOCK_KEY) -> None:
    """On PostgreSQL, lock `key` for the current transaction or raise AllocationBusy; a no-op elsewhere
    (SQLite's BEGIN IMMEDIATE already lets one writer at a time in)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    acquired = db.session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}).scalar()
    if not acquired:
        raise AllocationBusy()
