"""Two allocation runs at once commit one plan; a dead holder's lock is taken over at once; an advisory
lock held elsewhere makes a run give up cleanly."""

import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from factories import FIXED_NOW, Factory
from planning_helpers import small_pool
from sqlalchemy import func, select
from sqlalchemy.orm import scoped_session, sessionmaker

from expertpool.extensions import db as _db
from expertpool.models import AllocationRun, Base, Booking, JobRun, PoolSettings
from expertpool.planning import locking, plan_writer
from expertpool.planning.service import COMMIT_LOCK_KEY, AllocationBusy, run_allocation


@pytest.fixture
def committed_db(app, database_url, db_kind):
    """Committed data seen by separate sessions (one per thread), removed again after the test."""
    if db_kind != "postgresql":
        pytest.skip("concurrency of committed runs is tested on PostgreSQL")
    engine = sa.create_engine(database_url)
    session = scoped_session(sessionmaker(bind=engine))  # thread-local: one session per thread
    tables = [t for t in Base.metadata.sorted_tables if "id" in t.c]
    with app.app_context():
        original = _db.session
        _db.session = session
        with engine.connect() as conn:
            high_water = {t.name: conn.execute(select(func.coalesce(func.max(t.c.id), 0))).scalar() for t in tables}
            settings_before = conn.execute(select(PoolSettings.__table__)).mappings().first()
        try:
            yield session
        finally:
            session.remove()
            _db.session = original
            with engine.begin() as conn:
                for table in reversed(Base.metadata.sorted_tables):
                    if table.name == "pool_settings":
                        continue
                    if "id" in table.c:
                        conn.execute(table.delete().where(table.c.id > high_water[table.name]))
                    else:  # association tables: rows of the parents created here
                        for column in table.c:
                            for fk in column.foreign_keys:
                                parent = fk.column.table.name
                                conn.execute(table.delete().where(column > high_water.get(parent, 0)))
                settings = PoolSettings.__table__
                if settings_before is None:
                    conn.execute(settings.delete())
                else:
                    conn.execute(settings.update().values(**dict(settings_before)))
            engine.dispose()


def test_two_runs_at_once_commit_one_plan(app, committed_db, monkeypatch):
    small_pool(Factory(committed_db()))
    committed_db.commit()
    committed_db.remove()

    original_write = plan_writer.write_run

    def slow_write(*args, **kwargs):  # widen the window so that both runs truly overlap
        time.sleep(0.5)
        return original_write(*args, **kwargs)

    monkeypatch.setattr(plan_writer, "write_run", slow_write)
    barrier = threading.Barrier(2)
    outcomes = []

    def worker():
        with app.app_context():
            barrier.wait()
            try:
                run = run_allocation(actor=None, now=FIXED_NOW, mode="commit")
                outcomes.append(("done", run.id, run.booked_half_days))
            except AllocationBusy as exc:
                outcomes.append(("busy", str(exc), 0))
            finally:
                committed_db.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(o[0] for o in outcomes) == ["busy", "done"]
    assert any("déjà en cours" in o[1] for o in outcomes if o[0] == "busy")
    with app.app_context():
        session = committed_db()
        runs = session.scalars(select(AllocationRun).where(AllocationRun.mode == "commit")).all()
        assert len(runs) == 1
        bookings = session.scalars(select(Booking)).all()
        assert len(bookings) == runs[0].booked_half_days == 10
        assert {b.allocation_run_id for b in bookings} == {runs[0].id}
        assert session.scalar(select(JobRun).where(JobRun.run_key == COMMIT_LOCK_KEY)) is None


def test_advisory_lock_held_elsewhere_makes_the_run_give_up(app, committed_db, database_url):
    small_pool(Factory(committed_db()))
    committed_db.commit()
    other = sa.create_engine(database_url)
    try:
        with other.connect() as conn, conn.begin():
            assert conn.execute(
                sa.text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": locking.ALLOCATION_LOCK_KEY}
            ).scalar()
            with pytest.raises(AllocationBusy):
                run_allocation(actor=None, now=FIXED_NOW, mode="commit")
        session = committed_db()
        assert session.scalar(select(func.count(Booking.id))) == 0
        assert session.scalar(select(JobRun).where(JobRun.run_key == COMMIT_LOCK_KEY)) is None
        # Lock released by the other transaction's end: the next run goes through.
        assert run_allocation(actor=None, now=FIXED_NOW, mode="commit").booked_half_days == 10
    finally:
        other.dispose()


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_live_holder_refuses_and_a_dead_one_is_taken_over_at_once(db, factory, db_kind, database_url):
    small_pool(factory)
    lock = factory._add(
        JobRun(run_key=COMMIT_LOCK_KEY, job="allocate", started_at=FIXED_NOW, detail=locking.holder_name())
    )
    db.session.commit()
    other = sa.create_engine(database_url)
    try:
        with other.connect() as conn:
            if db_kind == "postgresql":  # the live holder keeps the session lock on its own connection
                assert conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": locking.HOLDER_LOCK_KEY}).scalar()
            with pytest.raises(AllocationBusy, match="déjà en cours"):  # this very process: alive
                run_allocation(actor=None, now=FIXED_NOW, mode="commit")
            assert db.session.scalar(select(func.count(Booking.id))) == 0
            if db_kind == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": locking.HOLDER_LOCK_KEY})
    finally:
        other.dispose()
    # The holder is gone (its pid no longer exists; on PostgreSQL its lock went with its connection):
    # taken over one second later, not after the 15-minute timeout.
    lock.detail = f"holder={socket.gethostname()}:{_dead_pid()}"
    db.session.commit()
    run = run_allocation(actor=None, now=FIXED_NOW + timedelta(seconds=1), mode="commit")
    assert run.booked_half_days == 10
    assert db.session.scalar(select(JobRun).where(JobRun.run_key == COMMIT_LOCK_KEY)) is None


def test_a_row_without_a_known_holder_waits_for_the_staleness_timeout(db, factory, db_kind):
    if db_kind == "postgresql":
        pytest.skip("on PostgreSQL the holder's session lock decides, whatever the row says")
    small_pool(factory)
    lock = factory._add(JobRun(run_key=COMMIT_LOCK_KEY, job="allocate", started_at=FIXED_NOW - timedelta(minutes=2)))
    db.session.commit()
    with pytest.raises(AllocationBusy, match="déjà en cours"):
        run_allocation(actor=None, now=FIXED_NOW, mode="commit")
    lock.started_at = FIXED_NOW - locking.STALE_AFTER - timedelta(minutes=1)
    db.session.commit()
    assert run_allocation(actor=None, now=FIXED_NOW, mode="commit").booked_half_days == 10


def _take_first_slot(factory, pool, outcome):
    first = outcome.plan.assignments[0]
    factory.booking(pool.request_b, pool.expert, first.date, first.half, note="posée à la main pendant le calcul")
    return first


def test_a_half_day_booked_during_the_solve_makes_the_run_solve_again(db, factory, monkeypatch):
    from expertpool.planning import service

    pool = small_pool(factory)
    original = service.solve_horizon
    calls = []

    def solve_then_someone_books(**kwargs):
        outcome = original(**kwargs)
        calls.append(outcome)
        if len(calls) == 1:
            _take_first_slot(factory, pool, outcome)
        return outcome

    monkeypatch.setattr(service, "solve_horizon", solve_then_someone_books)
    run = run_allocation(actor=None, now=FIXED_NOW, mode="commit")
    assert len(calls) == 2  # read again, solved again
    assert run.booked_half_days == 9  # the week has one free half-day less
    assert db.session.scalar(select(func.count(Booking.id))) == 10


def test_the_unique_index_is_the_last_guard_and_nothing_is_half_written(db, factory, monkeypatch):
    from planning_helpers import held_slots, request_states, table_counts

    from expertpool.planning import service

    pool = small_pool(factory)
    db.session.commit()
    before = (table_counts(db.session), request_states(db.session), held_slots(db.session))
    original = service.solve_horizon

    def solve_then_someone_books(**kwargs):
        outcome = original(**kwargs)
        _take_first_slot(factory, pool, outcome)
        return outcome

    monkeypatch.setattr(service, "solve_horizon", solve_then_someone_books)
    monkeypatch.setattr(plan_writer, "conflicting_slots", lambda outcome: set())  # the re-read misses it
    with pytest.raises(AllocationBusy, match="Le planning a changé pendant le calcul"):
        run_allocation(actor=None, now=FIXED_NOW, mode="commit")
    db.session.expire_all()
    assert (table_counts(db.session), request_states(db.session), held_slots(db.session)) == before


def _declare_leave_in_another_session(app, session_factory, expert_id: int, day) -> list[int]:
    """An expert saves a day of leave through the service, in its own session and transaction."""
    from expertpool.agenda import unavailability
    from expertpool.models import Expert, UnavailabilityKind

    with app.app_context(), app.test_request_context():
        session = session_factory()
        try:
            expert = session.get(Expert, expert_id)
            _item, flagged = unavailability.declare(
                expert,
                start=day,
                end=day,
                half=None,
                kind=UnavailabilityKind.LEAVE,
                reason="",
                actor=None,
                now=FIXED_NOW,
            )
            session.commit()
            return [b.id for b in flagged]
        finally:
            session_factory.remove()


def _leave_race(app, committed_db, monkeypatch, *, when: str):
    """Run a commit while the expert declares a day of the plan as leave, `when` = "solve" (before the
    plan writer locks) or "write" (after it locked, before it writes); return the run and the flags."""
    from expertpool.planning import service

    pool = small_pool(Factory(committed_db()))
    committed_db.commit()
    expert_id = pool.expert.id
    committed_db.remove()
    leave = {}

    def start_leave(outcome):
        day = min(a.date for a in outcome.plan.assignments)
        leave["day"] = day
        thread = threading.Thread(
            target=lambda: leave.setdefault(
                "flagged", _declare_leave_in_another_session(app, committed_db, expert_id, day)
            )
        )
        thread.start()
        return thread

    if when == "solve":
        original_solve = service.solve_horizon

        def solve_then_leave(**kwargs):
            outcome = original_solve(**kwargs)
            if "day" not in leave:
                start_leave(outcome).join(timeout=30)  # saved and committed before the writer locks
            return outcome

        monkeypatch.setattr(service, "solve_horizon", solve_then_leave)
    else:
        original_write = plan_writer.write_commit

        def leave_during_write(outcome, run, **kwargs):
            leave["thread"] = start_leave(outcome)
            time.sleep(1)  # the leave is now waiting on the expert's row
            return original_write(outcome, run, **kwargs)

        monkeypatch.setattr(plan_writer, "write_commit", leave_during_write)
    with app.app_context():
        run = run_allocation(actor=None, now=FIXED_NOW, mode="commit")
        run_id, metrics, booked = run.id, run.metrics, run.booked_half_days
        committed_db.remove()
    if "thread" in leave:
        leave["thread"].join(timeout=30)
    return run_id, metrics, booked, leave


def test_a_leave_saved_during_the_solve_is_left_out_of_the_plan(app, committed_db, monkeypatch):
    from expertpool.invariants import check_invariants

    _run_id, metrics, booked, leave = _leave_race(app, committed_db, monkeypatch, when="solve")
    assert leave["flagged"] == []  # nothing was booked yet
    assert booked == 8  # the day of leave (two half-days) is left out
    assert metrics["left_out"] == {"changed_requests": [], "changed_requests_half_days": 0, "unavailable_half_days": 2}
    with app.app_context():
        session = committed_db()
        assert session.scalars(select(Booking).where(Booking.date == leave["day"])).all() == []
        assert check_invariants(session) == []
        committed_db.remove()


def test_a_leave_saved_during_the_write_waits_and_flags_the_new_bookings(app, committed_db, monkeypatch):
    from expertpool.invariants import check_invariants

    run_id, _metrics, booked, leave = _leave_race(app, committed_db, monkeypatch, when="write")
    assert booked == 10
    with app.app_context():
        session = committed_db()
        on_leave = session.scalars(select(Booking).where(Booking.date == leave["day"])).all()
        assert len(on_leave) == 2 and {b.allocation_run_id for b in on_leave} == {run_id}
        assert sorted(leave["flagged"]) == sorted(b.id for b in on_leave)
        assert all(b.to_reschedule for b in on_leave)  # "à replanifier" for the coordinator
        assert check_invariants(session) == []
        committed_db.remove()
