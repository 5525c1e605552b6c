"""The one task queue: enqueued in the caller's transaction, drained with retries, backoff and a last
error, never run twice by two drainers."""

import threading
from datetime import timedelta

import pytest
from factories import FIXED_NOW
from sqlalchemy import delete, select
from sqlalchemy.orm import sessionmaker

from expertpool import jobs, tasks
from expertpool.extensions import db as _db
from expertpool.models import Task, TaskStatus
from expertpool.timeutil import now_utc


@pytest.fixture
def calls():
    """A `test.echo` handler that records its payloads, and a `test.fail` one that always raises."""
    seen = []

    @tasks.task_handler("test.echo")
    def _echo(payload, *, now):
        seen.append(payload["n"])

    @tasks.task_handler("test.fail")
    def _fail(payload, *, now):
        raise ConnectionRefusedError(111, "Connection refused")

    yield seen
    tasks._HANDLERS.pop("test.echo")
    tasks._HANDLERS.pop("test.fail")


def test_enqueue_joins_the_callers_transaction_and_a_rollback_enqueues_nothing(db, calls):
    savepoint = db.session.begin_nested()
    tasks.enqueue("test.echo", {"n": 1}, now=FIXED_NOW)
    savepoint.rollback()
    assert db.session.scalar(select(Task)) is None
    assert tasks.drain(now=FIXED_NOW) == 0 and calls == []


def test_drain_runs_due_tasks_once_and_leaves_later_ones(db, calls):
    tasks.enqueue("test.echo", {"n": 1}, now=FIXED_NOW)
    later = tasks.enqueue("test.echo", {"n": 2}, now=FIXED_NOW, run_after=FIXED_NOW + timedelta(hours=1))
    assert tasks.drain(now=FIXED_NOW) == 1
    assert tasks.drain(now=FIXED_NOW) == 0
    assert calls == [1]
    assert later.status == TaskStatus.PENDING
    assert tasks.drain(now=FIXED_NOW + timedelta(hours=1)) == 1
    assert calls == [1, 2]
    done = db.session.scalars(select(Task).order_by(Task.id)).all()
    assert [(t.status, t.attempts, t.last_error) for t in done] == [(TaskStatus.DONE, 1, "")] * 2


def test_a_failing_task_is_retried_with_exponential_backoff_then_failed_with_its_error(db, calls):
    task = tasks.enqueue("test.fail", {}, now=FIXED_NOW)
    now = FIXED_NOW
    waits = []
    for attempt in range(1, tasks.MAX_ATTEMPTS + 1):
        assert tasks.drain(now=now) == 1
        assert task.attempts == attempt
        assert task.last_error == "ConnectionRefusedError: [Errno 111] Connection refused"
        if attempt < tasks.MAX_ATTEMPTS:
            assert task.status == TaskStatus.PENDING
            waits.append(task.run_after - now)
            assert tasks.drain(now=task.run_after - timedelta(seconds=1)) == 0  # not before its time
            now = task.run_after
    assert waits == [timedelta(seconds=s) for s in (30, 60, 120, 240, 480)]
    assert task.status == TaskStatus.FAILED and task.finished_at == now
    assert tasks.drain(now=now + timedelta(days=1)) == 0  # failed is final


def test_an_unknown_kind_is_retried_then_failed_with_its_name(db):
    task = tasks.enqueue("nobody.handles.this", {}, now=FIXED_NOW)
    assert tasks.drain(now=FIXED_NOW) == 1
    assert task.status == TaskStatus.PENDING and task.last_error == "UnknownTaskKind: nobody.handles.this"
    task.attempts = tasks.MAX_ATTEMPTS - 1
    assert tasks.drain(now=task.run_after) == 1
    assert task.status == TaskStatus.FAILED


def test_a_task_claimed_by_another_drainer_is_left_alone_until_its_lease_ends(db, calls):
    task = tasks.enqueue("test.echo", {"n": 7}, now=FIXED_NOW)
    task.status, task.attempts, task.run_after = TaskStatus.RUNNING, 1, FIXED_NOW + tasks.LEASE
    db.session.flush()
    assert tasks.drain(now=FIXED_NOW + timedelta(minutes=1)) == 0
    # The other drainer died (its lease ran out): the task is taken again.
    assert tasks.drain(now=FIXED_NOW + tasks.LEASE) == 1
    assert calls == [7] and task.status == TaskStatus.DONE and task.attempts == 2


def test_two_drainers_at_once_run_each_task_exactly_once(app):
    """Real committed rows and two threads, each with its own session (SKIP LOCKED on PostgreSQL,
    the conditional UPDATE on SQLite)."""
    seen, lock = [], threading.Lock()

    @tasks.task_handler("test.count")
    def _count(payload, *, now):
        with lock:
            seen.append(payload["n"])

    with app.app_context():
        for n in range(40):
            tasks.enqueue("test.count", {"n": n}, now=FIXED_NOW)
        _db.session.commit()
        _db.session.remove()
    ran, errors = [], []
    start = threading.Barrier(2)

    def drainer():
        try:
            with app.app_context():
                start.wait()
                while count := tasks.drain(now=FIXED_NOW, limit=5):
                    ran.append(count)
                _db.session.remove()
        except Exception as exc:  # reported below: an exception in a thread would be lost
            errors.append(exc)

    threads = [threading.Thread(target=drainer) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        assert sorted(seen) == list(range(40)) and sum(ran) == 40
    finally:
        tasks._HANDLERS.pop("test.count")
        with app.app_context():
            _db.session.execute(delete(Task))
            _db.session.commit()
            _db.session.remove()


def test_a_second_drainer_never_takes_a_task_the_first_one_claimed(app, db_kind):
    """The race itself, made deterministic: drainer A has read the due tasks when drainer B claims and
    runs them; A then takes none (SQLite: its conditional UPDATE matches no row; PostgreSQL: B skips
    the rows A holds locked)."""
    seen = []
    tasks.task_handler("test.race")(lambda payload, *, now: seen.append(payload["n"]))
    with app.app_context():
        for n in range(3):
            tasks.enqueue("test.race", {"n": n}, now=FIXED_NOW)
        _db.session.commit()
        _db.session.remove()
        other = sessionmaker(bind=_db.engine)()
    try:
        due = select(Task.id).where(Task.kind == "test.race").order_by(Task.id)
        if db_kind == "postgresql":
            held = list(other.scalars(due.with_for_update(skip_locked=True)))  # A holds the rows
            with app.app_context():
                assert tasks.drain(now=FIXED_NOW) == 0  # B skips them
                _db.session.remove()
            assert all(tasks._take(other, task_id, now=FIXED_NOW) for task_id in held)
            other.commit()
            assert seen == []
        else:
            read_by_a = list(other.scalars(due))
            other.commit()  # SQLite begins every transaction IMMEDIATE: A lets B write, then tries
            with app.app_context():
                assert tasks.drain(now=FIXED_NOW) == 3  # B claims and runs them
                _db.session.remove()
            assert [tasks._take(other, task_id, now=FIXED_NOW) for task_id in read_by_a] == [False] * 3
            other.commit()
            assert sorted(seen) == [0, 1, 2]
    finally:
        other.close()
        tasks._HANDLERS.pop("test.race")
        with app.app_context():
            _db.session.execute(delete(Task))
            _db.session.commit()
            _db.session.remove()


def test_the_scheduler_process_drains_every_few_seconds(app):
    scheduler = jobs.build_scheduler(app)
    job = scheduler.get_job("tasks")
    assert job.func is jobs.task_queue_job
    assert job.trigger.interval == timedelta(seconds=tasks.DRAIN_SECONDS) <= timedelta(seconds=10)


def test_flask_tasks_drain_runs_the_due_tasks(app, db, calls):
    tasks.enqueue("test.echo", {"n": 3}, now=now_utc())
    result = app.test_cli_runner().invoke(args=["tasks", "drain"])
    assert result.exit_code == 0, result.output
    assert result.output == "1 task(s) run\n" and calls == [3]
