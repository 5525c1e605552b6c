"""The allocation service: solve the horizon (`expertpool.scheduling`), preview or commit the plan.

Unlike the other services, `run_allocation` owns its transactions: the single-flight row must be
committed (visible to every process) before the work starts and removed after it, and the work itself
is one transaction that either writes the whole plan or nothing.
"""

import gc
import logging
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from expertpool.extensions import db
from expertpool.models import AllocationRun
from expertpool.models.enums import RunMode
from expertpool.planning import locking, plan_writer
from expertpool.planning.locking import AllocationBusy
from expertpool.planning.locking import message as _
from expertpool.scheduling.outcome import Outcome
from expertpool.scheduling.solving import solve_horizon

log = logging.getLogger(__name__)

# One commit at a time, whoever starts it (the scheduler job, a coordinator, the CLI).
COMMIT_LOCK_KEY = "allocate:commit:running"

__all__ = ["AllocationBusy", "COMMIT_LOCK_KEY", "run_allocation"]


def run_allocation(
    *,
    actor,
    now: datetime,
    mode: str = RunMode.PREVIEW,
    horizon_start: date | None = None,
    weeks: int | None = None,
    request_ids: list[int] | None = None,
) -> AllocationRun:
    """Run the allocation once and return its (committed) AllocationRun row.

    preview: writes only the run row (the plan, for the coordinator to look at). commit: writes the
    bookings, request states, audit rows and notifications too, in one transaction. Raises
    AllocationBusy when another commit is running; on any failure nothing of the run is written.
    `request_ids` plans only those requests (an instant booking), under the same lock and checks.
    """
    if mode not in (RunMode.PREVIEW, RunMode.COMMIT):
        raise ValueError(f"unknown allocation mode {mode!r}")
    if mode == RunMode.PREVIEW:
        try:
            run = _run(
                actor=actor, now=now, mode=mode, horizon_start=horizon_start, weeks=weeks, request_ids=request_ids
            )
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        return run
    claim = locking.acquire_single_flight(COMMIT_LOCK_KEY, "allocate", now=now)
    try:
        try:
            return _commit(actor=actor, now=now, horizon_start=horizon_start, weeks=weeks, request_ids=request_ids)
        except StaleDataError:
            # A row changed between our refreshed read and our write (should not happen under the
            # locks, but never a 500): read everything again once.
            log.warning("allocation: data changed during the commit, running it again")
        try:
            return _commit(actor=actor, now=now, horizon_start=horizon_start, weeks=weeks, request_ids=request_ids)
        except StaleDataError as exc:
            raise AllocationBusy(_("Le planning a changé pendant le calcul : relancez la planification.")) from exc
    finally:
        _release(claim)


def _commit(
    *, actor, now: datetime, horizon_start: date | None, weeks: int | None, request_ids: list[int] | None
) -> AllocationRun:
    """One commit attempt in one transaction: all of it written, or nothing."""
    try:
        locking.take_advisory_lock()
        run = _run(
            actor=actor, now=now, mode=RunMode.COMMIT, horizon_start=horizon_start, weeks=weeks, request_ids=request_ids
        )
        db.session.commit()
    except IntegrityError as exc:
        # The partial unique index caught a half-day booked behind our back: nothing was written.
        db.session.rollback()
        raise AllocationBusy(_("Le planning a changé pendant le calcul : relancez la planification.")) from exc
    except BaseException:
        db.session.rollback()
        raise
    return run


def _release(claim: locking.Claim) -> None:
    try:
        locking.release_single_flight(COMMIT_LOCK_KEY, claim)
    except Exception:  # the staleness timeout frees the row if the database is gone right now
        db.session.rollback()
        log.exception("could not release the allocation lock")


def _settle(
    outcome: Outcome, *, now: datetime, horizon_start: date | None, weeks: int | None, request_ids: list[int] | None
) -> Outcome:
    """Lock the plan's experts, then make the plan agree with what was committed during the solve."""
    plan_writer.lock_experts(outcome)
    if plan_writer.conflicting_slots(outcome):
        # A half-day was booked between our read and now (a manual move): read again and solve again.
        outcome = solve_horizon(now=now, horizon_start=horizon_start, weeks=weeks, request_ids=request_ids)
        plan_writer.lock_experts(outcome)
        if plan_writer.conflicting_slots(outcome):
            raise AllocationBusy(_("Le planning a changé pendant le calcul : relancez la planification."))
    # A leave declared or a request cancelled during the solve: those half-days are left out.
    plan_writer.leave_out_changes(outcome)
    return outcome


@contextmanager
def _cyclic_gc_paused():
    """A run builds hundreds of thousands of short-lived objects (rows, the engine's network, the plan)
    that reference counting frees; the cyclic collector would rescan the whole growing heap again and
    again meanwhile (a quarter to a third of the run's CPU on a regional pool). It runs once at the end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run(
    *, actor, now: datetime, mode: str, horizon_start: date | None, weeks: int | None, request_ids: list[int] | None
) -> AllocationRun:
    with _cyclic_gc_paused():
        return _run_once(
            actor=actor, now=now, mode=mode, horizon_start=horizon_start, weeks=weeks, request_ids=request_ids
        )


def _run_once(
    *, actor, now: datetime, mode: str, horizon_start: date | None, weeks: int | None, request_ids: list[int] | None
) -> AllocationRun:
    clock = time.perf_counter()
    outcome = solve_horizon(now=now, horizon_start=horizon_start, weeks=weeks, request_ids=request_ids)
    if mode == RunMode.COMMIT:
        outcome = _settle(outcome, now=now, horizon_start=horizon_start, weeks=weeks, request_ids=request_ids)
    duration = time.perf_counter() - clock
    run = plan_writer.write_run(
        outcome, mode=mode, actor=actor, now=now, finished_at=now + timedelta(seconds=duration), duration_s=duration
    )
    if mode == RunMode.COMMIT:
        plan_writer.write_commit(outcome, run, actor=actor, now=now)
    return run
