"""Faults: a scheduler run or a member import killed (SIGKILL) in the middle of its transaction leaves
the database as it was, and a rerun completes; a backup taken while the app runs restores into a
database that passes the invariant checks (SQLite online backup; pg_dump + psql on PostgreSQL).

The victims are real processes killed by the kernel, not exceptions: nothing gets a chance to clean up.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date, timedelta

import pytest
from conftest import ensure_postgres_database
from factories import FIXED_NOW, Factory
from trust.forms import row_counts
from trust.world import build_world

from expertpool import create_app
from expertpool.backup import BackupError, backup_database, restore_database
from expertpool.extensions import db as _db
from expertpool.invariants import check_invariants
from expertpool.models import Base, Booking, JobRun, Member, RequestStatus, RunMode, UserRole

pytestmark = pytest.mark.slow
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_app(url: str):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "PROPAGATE_UNEXPECTED": False})


@pytest.fixture
def file_db(db_kind, tmp_path):
    """A database of its own with committed data: SQLite file, or a scratch PostgreSQL database."""
    if db_kind == "postgresql":
        url = ensure_postgres_database("expertpool_faults")
    else:
        url = "sqlite:///" + str(tmp_path / "faults.sqlite3")
    app = make_app(url)
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def seed_for_scheduler(app) -> None:
    with app.app_context(), app.test_request_context():
        factory = Factory(_db.session)
        factory.settings(horizon_weeks=8)
        members = [factory.member(f"Commune {n}") for n in range(3)]
        factory.period(2027, members=members, half_days=10)
        for n in range(2):
            factory.expert(f"Expert {n}", roles=("dba",))
        for member in members:
            factory.request(
                member,
                status=RequestStatus.APPROVED,
                half_days=4,
                approved_half_days=4,
                earliest=date(2027, 1, 12),
                deadline=date(2027, 2, 26),
            )
        factory.user(UserRole.COORDINATOR, email="coord@example.org")
        _db.session.commit()
        _db.session.remove()


def snapshot(app) -> dict:
    with app.app_context():
        counts = row_counts(_db.session, Base.metadata)
        statuses = sorted(_db.session.execute(_db.select(Booking.id, Booking.status)).all())
        _db.session.remove()
    return {"counts": counts, "bookings": statuses}


def run_victim(url: str, body: str) -> int:
    """Run `body` in a fresh Python process against `url`; it is expected to die by SIGKILL."""
    script = textwrap.dedent("""
        import os, signal, sys
        from datetime import datetime, timezone
        from expertpool import create_app
        from expertpool.extensions import db
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
        NOW = datetime(2027, 1, 11, 9, 0, tzinfo=timezone.utc)

        def die(*args, **kwargs):
            db.session.flush()  # everything written so far is in the open transaction
            os.kill(os.getpid(), signal.SIGKILL)

        with app.app_context(), app.test_request_context():
        """) + textwrap.indent(textwrap.dedent(body), " " * 4)
    result = subprocess.run(
        [sys.executable, "-c", script, url], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == -signal.SIGKILL, result.stderr[-3000:]
    return result.returncode


def test_scheduler_killed_mid_commit_changes_nothing_and_a_rerun_completes(file_db):
    seed_for_scheduler(file_db)
    before = snapshot(file_db)
    url = file_db.config["SQLALCHEMY_DATABASE_URI"]
    run_victim(
        url,
        """
        from expertpool.planning import plan_writer
        from expertpool.planning.service import run_allocation
        original = plan_writer.write_commit

        def write_then_die(*args, **kwargs):
            original(*args, **kwargs)
            die()

        plan_writer.write_commit = write_then_die
        run_allocation(actor=None, now=NOW, mode="commit")
    """,
    )
    after = snapshot(file_db)
    # Only the single-flight row (committed before the work, by design) survives the crash.
    changed = {t for t in after["counts"] if after["counts"][t] != before["counts"][t]}
    assert changed <= {"job_runs"}, changed
    assert after["bookings"] == before["bookings"] == []
    from expertpool.planning.service import run_allocation

    with file_db.app_context(), file_db.test_request_context():
        assert _db.session.scalar(_db.select(_db.func.count()).select_from(JobRun)) == 1
        # The killed holder is recognised as dead at once (its pid is gone; on PostgreSQL its session
        # lock died with its connection): the next run, a second later, does not wait 15 minutes.
        clock = time.monotonic()
        run = run_allocation(actor=None, now=FIXED_NOW + timedelta(seconds=1), mode=RunMode.COMMIT)
        assert time.monotonic() - clock < 10
        assert run.booked_half_days > 0
        assert check_invariants(_db.session) == []
        assert _db.session.scalar(_db.select(_db.func.count()).select_from(JobRun)) == 0
        _db.session.remove()


CSV = "nom;type;code insee;population;cotisation\n" + "\n".join(
    f"Commune {n};commune;{35000 + n:05d};{500 + n};{1000 + n},50" for n in range(1, 200)
)


def test_member_import_killed_mid_transaction_writes_nothing_and_a_rerun_completes(file_db):
    with file_db.app_context():
        Factory(_db.session).settings()
        _db.session.commit()
        _db.session.remove()
    before = snapshot(file_db)
    url = file_db.config["SQLALCHEMY_DATABASE_URI"]
    run_victim(
        url,
        f"""
        from expertpool.coordination import member_import
        preview = member_import.build_preview({CSV.encode("utf-8")!r})
        member_import.writing.record = die  # the members are flushed; the audit row would come next
        member_import.apply_import(preview, actor=None, now=NOW)
    """,
    )
    assert snapshot(file_db) == before
    from expertpool.coordination import member_import
    from expertpool.timeutil import now_utc

    with file_db.app_context(), file_db.test_request_context():
        counts = member_import.apply_import(member_import.build_preview(CSV.encode("utf-8")), actor=None, now=now_utc())
        _db.session.commit()
        assert counts["created"] == 199
        assert _db.session.scalar(_db.select(_db.func.count()).select_from(Member)) == 199
        _db.session.remove()


# --- backup and restore -------------------------------------------------------------------------------


def seed_world(app) -> None:
    with app.app_context(), app.test_request_context():
        build_world(Factory(_db.session))
        _db.session.commit()
        _db.session.remove()


def test_sqlite_backup_and_restore_drill(tmp_path):
    source_url = "sqlite:///" + str(tmp_path / "live.sqlite3")
    app = make_app(source_url)
    with app.app_context():
        _db.create_all()
    seed_world(app)
    expected = snapshot(app)
    backup = backup_database(source_url, tmp_path / "backups" / "b.sqlite3")
    # The live database goes on changing after the backup…
    with app.app_context():
        _db.session.execute(_db.delete(Booking))
        _db.session.commit()
        _db.session.remove()
    # …and the restore drill rebuilds it from the file, into a fresh database and over the live one.
    for target in ("sqlite:///" + str(tmp_path / "restored.sqlite3"), source_url):
        restore_database(backup, target)
        restored = make_app(target)
        assert snapshot(restored) == expected
        with restored.app_context():
            assert check_invariants(_db.session) == []
            _db.session.remove()
            _db.engine.dispose()
    with app.app_context():
        _db.engine.dispose()


def test_backup_and_restore_commands(tmp_path):
    url = "sqlite:///" + str(tmp_path / "cli.sqlite3")
    app = make_app(url)
    with app.app_context():
        _db.create_all()
    seed_world(app)
    expected = snapshot(app)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", "--output", str(tmp_path / "cli-backup.sqlite3")])
    assert result.exit_code == 0, result.output
    with app.app_context():
        _db.session.execute(_db.delete(Booking))
        _db.session.commit()
        _db.session.remove()
    result = runner.invoke(args=["restore", str(tmp_path / "cli-backup.sqlite3"), "--yes"])
    assert result.exit_code == 0, result.output
    assert "invariants hold" in result.output
    assert snapshot(app) == expected
    assert runner.invoke(args=["restore", str(tmp_path / "missing.sqlite3"), "--yes"]).exit_code != 0
    with app.app_context():
        _db.engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_database(tmp_path):
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError):
        restore_database(bogus, "sqlite:///" + str(tmp_path / "target.sqlite3"))


def test_postgresql_backup_and_restore_drill(db_kind, tmp_path):
    if db_kind != "postgresql":
        pytest.skip("the pg_dump/psql drill runs with --db postgresql")
    source_url = ensure_postgres_database("expertpool_backup_source")
    target_url = ensure_postgres_database("expertpool_restore_drill")
    source = make_app(source_url)
    with source.app_context():
        _db.drop_all()
        _db.create_all()
    seed_world(source)
    expected = snapshot(source)
    dump = backup_database(source_url, tmp_path / "pg.sql")
    assert "CREATE TABLE" in dump.read_text()
    target = make_app(target_url)
    with target.app_context():
        _db.drop_all()  # a scratch database: the dump recreates everything itself
        _db.session.remove()
        _db.engine.dispose()
    restore_database(dump, target_url)
    restore_database(dump, target_url)  # again over existing data: the dump drops and recreates
    assert snapshot(target) == expected
    with target.app_context():
        assert check_invariants(_db.session) == []
        report = json.dumps(row_counts(_db.session, Base.metadata))
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()
    with source.app_context():
        _db.drop_all()
        _db.engine.dispose()
    assert report


def test_sqlite_online_backup_while_the_app_writes(tmp_path):
    """The backup runs while another connection keeps committing: the copy is a consistent snapshot."""
    import threading

    from expertpool.models import Notification, User
    from expertpool.timeutil import now_utc

    url = "sqlite:///" + str(tmp_path / "busy.sqlite3")
    app = make_app(url)
    with app.app_context():
        _db.create_all()
    seed_world(app)
    stop = threading.Event()
    written = []

    def writer():
        with app.app_context():
            user_id = _db.session.scalar(_db.select(User.id).limit(1))
            while not stop.is_set():
                _db.session.add(Notification(user_id=user_id, kind="test", message="x" * 2000, created_at=now_utc()))
                _db.session.commit()
                written.append(1)
            _db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            threading.Event().wait(0.01)
        backups = [backup_database(url, tmp_path / f"busy-{n}.sqlite3") for n in range(3)]
    finally:
        stop.set()
        thread.join(timeout=60)
    for backup in backups:
        restored = make_app("sqlite:///" + str(backup))
        with restored.app_context():
            assert check_invariants(_db.session) == []
            assert _db.session.scalar(_db.select(_db.func.count()).select_from(Notification)) >= 20
            _db.session.remove()
            _db.engine.dispose()
    with app.app_context():
        _db.engine.dispose()
