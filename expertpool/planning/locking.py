"""Run guards: a job-run row claimed before the work, whose holder is known to be alive, and a
PostgreSQL advisory lock inside the writing transaction.

The `job_runs` row (a unique run key, committed before the work starts) is seen by every process on
SQLite and PostgreSQL alike and names its holder (host and pid). A holder killed with the row held is
recognised within seconds, not after a timeout: on PostgreSQL the holder also keeps a session-level
advisory lock on a connection of its own, which the server drops with that connection when the process
dies; on SQLite (one machine by nature) a holder whose pid no longer exists on this host is dead. The
staleness timeout stays as the last resort (a holder on another host, a reused pid). The
transaction-level advisory lock (PostgreSQL only) is released by the server itself when the writing
transaction ends or its connection dies.
"""

import hashlib
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import has_request_context
from flask_babel import gettext
from sqlalchemy import Connection, delete, select, text, update
from sqlalchemy.exc import IntegrityError

from expertpool.extensions import db
from expertpool.models import JobRun

# A commit run takes seconds; a row older than this belongs to a process that died (last resort only:
# a dead holder is normally recognised at once, see `holder_is_alive`).
STALE_AFTER = timedelta(minutes=15)
HOLDER_PREFIX = "holder="


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
# Held for the whole run on a connection of its own: it dies with the holder's process.
HOLDER_LOCK_KEY = advisory_key("expertpool:allocation:holder")


@dataclass
class Claim:
    """What `release_single_flight` needs: the row's timestamp and, on PostgreSQL, the lock connection."""

    started_at: datetime
    lock_connection: Connection | None = None


def holder_name() -> str:
    return f"{HOLDER_PREFIX}{socket.gethostname()}:{os.getpid()}"


def holder_is_alive(detail: str | None, started_at: datetime, *, now: datetime, stale_after: timedelta) -> bool:
    """Whether the process named in a row's detail still runs; a row without a holder on this host is
    judged by its age."""
    if detail and detail.startswith(HOLDER_PREFIX):
        host, _, pid = detail[len(HOLDER_PREFIX) :].rpartition(":")
        if host == socket.gethostname() and pid.isdigit():
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                return False
            except PermissionError:  # exists, owned by someone else
                return True
            return True
    return started_at > now - stale_after


def _hold_session_lock() -> Connection | None:
    """On PostgreSQL, take the holder lock on a dedicated connection (None elsewhere); AllocationBusy
    when a live process holds it."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    connection = db.engine.connect()
    try:
        acquired = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": HOLDER_LOCK_KEY}).scalar()
        connection.commit()
    except BaseException:
        connection.close()
        raise
    if not acquired:
        connection.close()
        raise AllocationBusy()
    return connection


def _drop_session_lock(connection: Connection | None) -> None:
    if connection is None:
        return
    try:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": HOLDER_LOCK_KEY})
        connection.commit()
    finally:
        # Closing returns it to the pool; if the unlock failed, invalidate it so the server drops the lock.
        if connection.in_transaction() or connection.invalidated:
            connection.invalidate()
        connection.close()


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


def acquire_single_flight(run_key: str, job: str, *, now: datetime, stale_after: timedelta = STALE_AFTER) -> Claim:
    """Claim the single-flight row and COMMIT it, so that every other process sees it at once.

    Returns the claim (what `release_single_flight` needs). Raises AllocationBusy when a live run holds
    it; a row whose holder is dead (see the module docstring) is taken over (compare-and-set on its
    timestamp, so two processes taking over the same row cannot both win).
    """
    lock_connection = _hold_session_lock()
    try:
        _claim_row(run_key, job, now=now, stale_after=stale_after, sole_live_holder=lock_connection is not None)
    except BaseException:
        _drop_session_lock(lock_connection)
        raise
    return Claim(now, lock_connection)


def _claim_row(run_key: str, job: str, *, now: datetime, stale_after: timedelta, sole_live_holder: bool) -> None:
    holder = holder_name()
    if try_claim(run_key, job, now=now, detail=holder) is not None:
        db.session.commit()
        return
    held = db.session.execute(
        select(JobRun.id, JobRun.started_at, JobRun.detail).where(JobRun.run_key == run_key)
    ).first()
    if held is None:  # released between our insert and this read: one more try, no loop
        if try_claim(run_key, job, now=now, detail=holder) is not None:
            db.session.commit()
            return
        raise AllocationBusy()
    # With the PostgreSQL holder lock in hand, no live process holds the row: every live holder keeps
    # that lock for as long as it holds the row.
    if not sole_live_holder and holder_is_alive(held.detail, held.started_at, now=now, stale_after=stale_after):
        raise AllocationBusy()
    taken = db.session.execute(
        update(JobRun)
        .where(JobRun.id == held.id, JobRun.started_at == held.started_at)
        .values(started_at=now, status="running", finished_at=None, detail=holder)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if taken != 1:
        raise AllocationBusy()


def release_single_flight(run_key: str, claim: Claim) -> None:
    """Delete our single-flight row (only ours: a takeover changed its timestamp), commit, and drop the
    PostgreSQL holder lock."""
    try:
        db.session.execute(
            delete(JobRun)
            .where(JobRun.run_key == run_key, JobRun.started_at == claim.started_at)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    finally:
        _drop_session_lock(claim.lock_connection)


def take_advisory_lock(key: int = ALLOCATION_LOCK_KEY) -> None:
    """On PostgreSQL, lock `key` for the current transaction or raise AllocationBusy; a no-op elsewhere
    (SQLite's BEGIN IMMEDIATE already lets one writer at a time in)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    acquired = db.session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}).scalar()
    if not acquired:
        raise AllocationBusy()
