"""The scheduler process: never inside create_app, configured jobs, once-only occurrences, SIGTERM."""

import os
import signal
import subprocess
import sys
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from factories import FIXED_NOW
from notes import note_text
from planning_helpers import small_pool
from sqlalchemy import func, select

from expertpool import create_app, jobs, schedule
from expertpool.extensions import db as _db
from expertpool.models import AllocationRun, Booking, BookingStatus, JobRun, Notification
from expertpool.planning.reminders import send_day_before_reminders


def _scheduler_threads():
    return [
        t
        for t in threading.enumerate()
        if "apscheduler" in type(t).__module__.lower()
        or "apscheduler" in t.name.lower()
        or "apscheduler" in getattr(getattr(t, "_target", None), "__module__", "").lower()
    ]


def test_create_app_under_the_debug_reloader_starts_no_scheduler(app, monkeypatch, database_url):
    # What `flask --app expertpool run --debug` does in its reloaded child process.
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    monkeypatch.setenv("EXPERTPOOL_ENV", "development")
    monkeypatch.setenv("SECRET_KEY", "test-only-secret-key-at-least-32-bytes-long")
    monkeypatch.setenv("EXPERTPOOL_DATABASE_URL", database_url)
    before = set(threading.enumerate())
    debug_app = create_app({"DEBUG": True})
    try:
        assert debug_app.debug and not debug_app.testing
        assert debug_app.test_client().get("/").status_code == 200  # serving a request starts nothing either
        assert _scheduler_threads() == []
        assert not [t for t in set(threading.enumerate()) - before if t.is_alive()]
        assert "scheduler" in debug_app.cli.commands  # the command exists; only that process runs jobs
    finally:
        with debug_app.app_context():
            _db.session.remove()
            _db.engine.dispose()


def test_scheduler_is_configured_from_the_pool_settings(app, db, factory):
    factory.settings(scheduler_cron="30 5 * * mon-fri")
    scheduler = jobs.build_scheduler(app)
    assert str(scheduler.timezone) == "Europe/Paris"
    assert scheduler._job_defaults == {"coalesce": True, "misfire_grace_time": 3600, "max_instances": 1}
    allocation = scheduler.get_job("allocation")
    fields = {f.name: str(f) for f in allocation.trigger.fields}
    assert (fields["hour"], fields["minute"], fields["day_of_week"]) == ("5", "30", "mon-fri")
    assert str(allocation.trigger.timezone) == "Europe/Paris"
    reminders = {f.name: str(f) for f in scheduler.get_job("reminders").trigger.fields}
    assert (reminders["hour"], reminders["minute"]) == ("17", "0")
    assert not scheduler.running


def test_a_changed_or_malformed_cron_setting_is_followed_safely(app, db, factory):
    factory.settings(scheduler_cron="not a cron")
    scheduler = jobs.build_scheduler(app)
    fields = {f.name: str(f) for f in scheduler.get_job("allocation").trigger.fields}
    assert (fields["hour"], fields["minute"]) == ("6", "0")  # the default, not a crash
    factory.settings(scheduler_cron="15 7 * * *")  # the admin edits the setting
    state = scheduler.get_job("settings-watch").args[2]
    jobs.settings_watch_job(app, scheduler, state)
    fields = {f.name: str(f) for f in scheduler.get_job("allocation").trigger.fields}
    assert (fields["hour"], fields["minute"]) == ("7", "15") and state["cron"] == "15 7 * * *"


def test_allocation_job_runs_each_occurrence_once(app, db, factory, frozen_clock):
    small_pool(factory)
    jobs.allocation_job(app)
    jobs.allocation_job(app)  # a second scheduler process at the same minute: nothing more
    runs = db.session.scalars(select(AllocationRun)).all()
    assert len(runs) == 1 and runs[0].mode == "commit" and runs[0].triggered_by_id is None
    claims = db.session.scalars(select(JobRun).where(JobRun.job == "allocate")).all()
    assert [(c.run_key, c.status) for c in claims] == [("allocate:commit:2027-01-12:2027-01-11T10:00", "done")]
    assert db.session.scalar(select(func.count(Booking.id))) == 10


def test_day_before_reminders_are_sent_once_per_booking_per_day(db, factory):
    pool = small_pool(factory)
    tomorrow = date(2027, 1, 12)
    factory.booking(pool.request_a, pool.expert, tomorrow, "am")
    factory.booking(pool.request_a, pool.expert, tomorrow, "pm")
    factory.booking(pool.request_b, pool.expert, tomorrow + timedelta(days=1), "am")
    factory.booking(pool.request_b, pool.expert, tomorrow + timedelta(days=2), "am", status=BookingStatus.CANCELLED)

    assert send_day_before_reminders(now=FIXED_NOW) == 2  # the member's user and the expert
    notes = db.session.scalars(
        select(Notification).where(Notification.kind.in_(("booking.reminder", "booking.reminder_expert")))
    ).all()
    assert sorted(n.user_id for n in notes) == sorted([pool.user_a.id, pool.expert_user.id])
    member_note = next(n for n in notes if n.user_id == pool.user_a.id)
    assert "demain" in note_text(member_note) and "Anne Le Gall" in note_text(member_note)
    assert note_text(member_note).endswith(", 12 janv. 2027, 2 demi-journées.")  # one intervention, both halves

    # Later the same day (or a second scheduler process): nothing sent twice.
    assert send_day_before_reminders(now=FIXED_NOW + timedelta(hours=8)) is None
    assert db.session.scalar(select(func.count(Notification.id))) == 2
    # The next day reminds the next day's booking, once.
    assert send_day_before_reminders(now=FIXED_NOW + timedelta(days=1)) == 2
    assert send_day_before_reminders(now=FIXED_NOW + timedelta(days=1)) is None
    user_b_notes = db.session.scalars(select(Notification).where(Notification.user_id == pool.user_b.id)).all()
    assert len(user_b_notes) == 1


def test_reminder_job_wrapper_commits_once(app, db, factory, frozen_clock):
    pool = small_pool(factory)
    factory.booking(pool.request_a, pool.expert, date(2027, 1, 12), "am")
    jobs.reminder_job(app)
    jobs.reminder_job(app)
    assert db.session.scalar(select(func.count(Notification.id))) == 2
    assert db.session.scalar(select(JobRun.status).where(JobRun.run_key == "reminders:2027-01-12")) == "done"


@pytest.mark.slow
def test_scheduler_process_stops_cleanly_on_sigterm(tmp_path, db_kind):
    if db_kind != "sqlite":
        pytest.skip("the process test uses its own SQLite file")
    url = "sqlite:///" + str(tmp_path / "scheduler.sqlite3")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        _db.create_all()
        _db.engine.dispose()
    repo = str(Path(__file__).resolve().parents[2])
    env = {
        **os.environ,
        "EXPERTPOOL_DATABASE_URL": url,
        "SECRET_KEY": "test-only-secret-key-at-least-32-bytes-long",
        "EXPERTPOOL_ENV": "production",
        "PYTHONPATH": os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")])),
    }
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "flask", "--app", "expertpool", "scheduler"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        while not any("scheduler started" in line for line in lines):  # log lines come first
            line = process.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        process.send_signal(signal.SIGTERM)
        # Generous: on a loaded 2-core machine the interpreter alone takes seconds to tear down scipy & co.
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()  # an unclosed pipe would fail a later test through filterwarnings = error
    assert process.returncode == 0, output
    assert "scheduler stopped" in output


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("0 6 * * mon-fri", "du lundi au vendredi à 06:00"),
        ("30 5 * * 1-5", "du lundi au vendredi à 05:30"),
        ("0 7 * * *", "tous les jours à 07:00"),
        ("15 6 * * mon,wed,fri", "le lundi, mercredi, vendredi à 06:15"),
        ("*/5 * * * *", "selon la règle « */5 * * * * »"),
        ("0 6 1 * *", "selon la règle « 0 6 1 * * »"),
        ("n'importe quoi", "selon la règle « n'importe quoi »"),
    ],
)
def test_the_scheduler_rule_is_put_in_words_for_coordinators(app, cron, words):
    with app.test_request_context():
        assert schedule.describe(cron) == words


STOP_WHILE_LOCKED = """
import os, signal, threading
from expertpool.jobs import StopSignals

event = threading.Event()
with StopSignals() as stop:
    # The main thread holds the lock of an Event, as it does for a moment inside every Event.wait(): a
    # handler that set() this Event (or shut a scheduler down, which sets one) would wait for itself.
    with event._cond:
        os.kill(os.getpid(), signal.SIGTERM)  # the handler runs here, between two bytecodes
    print("received", stop.wait())
"""


def test_a_stop_signal_arriving_while_the_main_thread_holds_a_lock_is_received(tmp_path):
    """The SIGTERM hang, made deterministic: a signal handler that takes a lock deadlocks when the
    signal lands while the interrupted thread holds it; the scheduler's handlers take none."""
    repo = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", STOP_WHILE_LOCKED], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"received {int(signal.SIGTERM)}"
