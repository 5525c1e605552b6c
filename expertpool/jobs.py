"""The scheduler process (`flask --app expertpool scheduler`) and its jobs, thin wrappers over services.

It runs in ONE dedicated process, never inside `create_app`: web workers and the debug reloader would
each start their own scheduler and run every job several times. Each job occurrence also claims a
unique job-run row, so even two scheduler processes started by mistake run it once.
"""

import logging
import signal
import socket
from datetime import datetime

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask, current_app
from flask.cli import with_appcontext

from expertpool import schedule
from expertpool.extensions import db
from expertpool.models import PoolSettings
from expertpool.models.enums import RunMode
from expertpool.request_log import logged_job
from expertpool.tasks import DRAIN_SECONDS
from expertpool.timeutil import PARIS, now_utc

log = logging.getLogger(__name__)

TIMEZONE = schedule.TIMEZONE
REMINDER_HOUR = 17  # the day-before reminders leave at 17:00, Paris time
RETENTION_HOUR = 3  # the nightly RGPD retention purge, Paris time (a quiet hour)
SETTINGS_WATCH_MINUTES = 5
JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": 3600, "max_instances": 1}


def allocation_run_key(mode: str, horizon_start, now: datetime) -> str:
    return f"allocate:{mode}:{horizon_start.isoformat()}:{now.astimezone(PARIS):%Y-%m-%dT%H:%M}"


def allocation_job(app: Flask) -> None:
    """The scheduled commit run: claim this occurrence, run the service, record the outcome."""
    from expertpool.planning import locking
    from expertpool.planning.service import AllocationBusy, run_allocation
    from expertpool.scheduling.problem_builder import next_working_day

    with app.app_context(), logged_job("allocation") as figures:
        now = now_utc()
        try:
            settings = PoolSettings.load(db.session)
            start = next_working_day(now, settings.holidays_region)
            claim = locking.try_claim(allocation_run_key(RunMode.COMMIT, start, now), "allocate", now=now)
            db.session.commit()
            if claim is None:
                figures["outcome"] = "ran already"
                log.info("allocation: this occurrence ran already")
                return
            claim_id = claim.id
            try:
                run = run_allocation(actor=None, now=now, mode=RunMode.COMMIT, horizon_start=start)
            except AllocationBusy as exc:
                figures["outcome"] = "skipped"
                _finish_claim(claim_id, "skipped", str(exc))
                log.info("allocation skipped: %s", exc)
                return
            except Exception as exc:
                db.session.rollback()
                _finish_claim(claim_id, "failed", repr(exc))
                raise
            _finish_claim(
                claim_id, "done", f"run {run.id}: {run.booked_half_days} booked, {run.unserved_half_days} unserved"
            )
            figures.update(
                outcome="done",
                run_id=run.id,
                booked_half_days=run.booked_half_days,
                unserved_half_days=run.unserved_half_days,
                left_out=(run.metrics or {}).get("left_out", {}),
            )
            log.info(
                "allocation run %s: %s half-days booked, %s unserved",
                run.id,
                run.booked_half_days,
                run.unserved_half_days,
            )
        except Exception:
            figures["outcome"] = "failed"
            db.session.rollback()
            log.exception("allocation job failed")
        finally:
            db.session.remove()


def _finish_claim(claim_id: int, status: str, detail: str) -> None:
    from expertpool.models import JobRun
    from expertpool.planning import locking

    row = db.session.get(JobRun, claim_id)
    if row is not None:
        locking.finish(row, now=now_utc(), status=status, detail=detail)
        db.session.commit()


def reminder_job(app: Flask) -> None:
    """Tomorrow's reminders, sent once per day (the service claims the day's job-run row)."""
    from expertpool.planning.reminders import send_day_before_reminders

    with app.app_context(), logged_job("reminders") as figures:
        try:
            sent = send_day_before_reminders(now=now_utc())
            db.session.commit()
            figures.update(outcome="ran already" if sent is None else "done", notifications=sent or 0)
            log.info("reminders: %s", "sent already" if sent is None else f"{sent} notifications")
        except Exception:
            figures["outcome"] = "failed"
            db.session.rollback()
            log.exception("reminder job failed")
        finally:
            db.session.remove()


def retention_job(app: Flask) -> None:
    """The daily RGPD retention purge: claim the day (a job-run row), then queue the `retention.purge`
    task in the same transaction; the task queue runs it (`privacy.retention`), with its retries."""
    from expertpool.planning.locking import finish, try_claim
    from expertpool.tasks import enqueue
    from expertpool.timeutil import today_paris

    with app.app_context():
        now = now_utc()
        try:
            claim = try_claim(f"retention:{today_paris(now).isoformat()}", "retention", now=now)
            if claim is None:
                db.session.commit()
                log.info("retention: today's purge ran already")
                return
            enqueue("retention.purge", {}, now=now)
            finish(claim, now=now, detail="queued")
            db.session.commit()
            log.info("retention purge queued")
        except Exception:
            db.session.rollback()
            log.exception("retention job failed")
        finally:
            db.session.remove()


def task_queue_job(app: Flask) -> None:
    """Drain the task queue (mail and other background work); each task commits on its own."""
    from expertpool.tasks import drain

    with app.app_context():
        try:
            ran = drain(now=now_utc())
            if ran:
                log.info("tasks: %s run", ran)
        except Exception:
            db.session.rollback()
            log.exception("task queue job failed")
        finally:
            db.session.remove()


def _current_cron(app: Flask) -> str:
    with app.app_context():
        try:
            cron = PoolSettings.load(db.session).scheduler_cron
            db.session.commit()
            return cron
        finally:
            db.session.remove()


def settings_watch_job(app: Flask, scheduler, state: dict) -> None:
    """Follow a change of the pool's cron setting without restarting the process."""
    try:
        cron = _current_cron(app)
    except Exception:
        log.exception("scheduler: could not read the settings")
        return
    if cron != state["cron"]:
        log.info("scheduler: allocation cron changed from %r to %r", state["cron"], cron)
        state["cron"] = cron
        scheduler.reschedule_job("allocation", trigger=schedule.trigger(cron))


def build_scheduler(app: Flask) -> BackgroundScheduler:
    """The configured scheduler, not started (tests inspect it)."""
    state = {"cron": _current_cron(app)}
    scheduler = BackgroundScheduler(timezone=TIMEZONE, job_defaults=JOB_DEFAULTS)
    scheduler.add_job(
        allocation_job,
        schedule.trigger(state["cron"]),
        args=[app],
        id="allocation",
        name="allocation (commit)",
        replace_existing=True,
    )
    scheduler.add_job(
        reminder_job,
        CronTrigger(hour=REMINDER_HOUR, minute=0, timezone=TIMEZONE),
        args=[app],
        id="reminders",
        name="day-before reminders",
        replace_existing=True,
    )
    scheduler.add_job(
        task_queue_job,
        "interval",
        seconds=DRAIN_SECONDS,
        args=[app],
        id="tasks",
        name="task queue (mail delivery)",
        replace_existing=True,
    )
    scheduler.add_job(
        retention_job,
        CronTrigger(hour=RETENTION_HOUR, minute=30, timezone=TIMEZONE),
        args=[app],
        id="retention",
        name="RGPD retention purge",
        replace_existing=True,
    )
    scheduler.add_job(
        settings_watch_job,
        "interval",
        minutes=SETTINGS_WATCH_MINUTES,
        args=[app, scheduler, state],
        id="settings-watch",
        name="follow the cron setting",
        replace_existing=True,
    )
    return scheduler


STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the scheduler process (allocation on the pool's cron, reminders at 17:00, retention purge at 03:30)
    until SIGTERM."""
    app = current_app._get_current_object()
    scheduler = build_scheduler(app)
    # Our jobs log their own start, end and figures; APScheduler's two lines per run of the 5-second
    # task-queue job would drown them.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    with StopSignals() as stop:  # listening before the scheduler starts: no signal is missed
        run_until_stopped(scheduler, wait_for_stop=stop.wait)


class StopSignals:
    """SIGTERM and SIGINT, received without a signal handler that does anything.

    A Python signal handler runs in the main thread between two bytecodes, possibly while that thread
    holds the lock of the very Event or Condition the handler would use to ask for the stop: the old
    shutdown() in a handler hung that way, and an Event.set() there could too. Here the handlers do
    nothing; Python's C-level handler writes the signal's number to a wake-up socket, which `wait` reads.
    """

    def __enter__(self) -> "StopSignals":
        self._receiver, self._sender = socket.socketpair()
        self._sender.setblocking(False)
        signal.set_wakeup_fd(self._sender.fileno())
        for number in STOP_SIGNALS:
            signal.signal(number, lambda *_: None)
        return self

    def wait(self) -> int:
        """Block until a stop signal arrives (also one that came before this call); return its number."""
        while True:
            data = self._receiver.recv(1)
            if data and data[0] in STOP_SIGNALS:
                return data[0]

    def __exit__(self, *_exc) -> None:
        signal.set_wakeup_fd(-1)
        self._receiver.close()
        self._sender.close()


def run_until_stopped(scheduler: BackgroundScheduler, wait_for_stop) -> None:
    """Run the jobs in the scheduler's threads until `wait_for_stop()` returns, then let running jobs
    finish their transaction and stop."""
    for job in scheduler.get_jobs():
        log.info("scheduler: job %r on %s", job.name, job.trigger)
    scheduler.start()
    click.echo("scheduler started (Europe/Paris); SIGTERM or Ctrl-C stops it")
    received = wait_for_stop()
    log.info("scheduler: signal %s received, waiting for running jobs to finish their transaction", received)
    scheduler.shutdown(wait=True)
    click.echo("scheduler stopped")


COMMANDS = [scheduler_command]
