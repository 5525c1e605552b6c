"""Benchmark of the coordinator dashboard and of the drawing-right positions of every member at regional
scale (1,500 members, 60 experts, a year of bookings).

The pool is the shared benchmark pool (`expertpool.bench_pool`), written into a temporary SQLite file;
the dashboard is then rendered through the test client (warm, best of 3) while the SQL statements are
counted. `python -m expertpool.reports.bench` or `flask bench` (`make bench`) prints it.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, select

from expertpool.bench_pool import build_database
from expertpool.models import Member, QuotaPeriod, User, UserRole


def time_dashboard(url: str, repeats: int = 3) -> dict:
    """Render the dashboard through the test client: one warm-up, then the best of `repeats`."""
    from expertpool import create_app
    from expertpool.extensions import db

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.role == UserRole.COORDINATOR))
        period_id = db.session.scalar(select(QuotaPeriod.id))
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = user.get_id()
            flask_session["_fresh"] = True
        engine = db.engine
    results = {}
    for name, path in (
        ("dashboard", f"/rapports/?period={period_id}"),
        ("dashboard_sorted_page_5", f"/rapports/?period={period_id}&sort=level&dir=desc&page=5"),
        ("savings", f"/rapports/economies?period={period_id}"),
    ):
        statements: list[str] = []

        def count(*_args, _statements=statements):
            _statements.append("")

        response = client.get(path)  # warm-up: caches, first connection
        assert response.status_code == 200, response.status_code
        timings, cpu = [], []
        for _ in range(repeats):
            statements.clear()
            event.listen(engine, "before_cursor_execute", count)
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            timings.append(time.perf_counter() - started)
            # CPU time of this process (SQLite runs in it): less disturbed by other loads on the machine.
            cpu.append(time.process_time() - started_cpu)
            event.remove(engine, "before_cursor_execute", count)
            assert response.status_code == 200
        results[name] = {
            "best_seconds": round(min(timings), 3),
            "best_cpu_seconds": round(min(cpu), 3),
            "queries": len(statements),
            "bytes": len(response.data),
        }
    with app.app_context():
        db.engine.dispose()
    return results


def time_positions(url: str, repeats: int = 3) -> dict:
    """The drawing-right positions of every member (quotas.positions), warm, best of `repeats`."""
    from expertpool import create_app, quotas
    from expertpool.extensions import db

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        period = db.session.scalar(select(QuotaPeriod))
        member_ids = list(db.session.scalars(select(Member.id)))
        quotas.positions(member_ids, period)  # warm-up
        statements: list[str] = []

        def count(*_args):
            statements.append("")

        timings, cpu = [], []
        for _ in range(repeats):
            statements.clear()
            db.session.expire_all()
            event.listen(db.engine, "before_cursor_execute", count)
            started, started_cpu = time.perf_counter(), time.process_time()
            result = quotas.positions(member_ids, period)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            event.remove(db.engine, "before_cursor_execute", count)
        figures = {
            "positions_members": len(result.members),
            "positions_open_requests": len(result.requests),
            "positions_seconds": round(min(timings), 3),
            "positions_cpu_seconds": round(min(cpu), 3),
            "positions_queries": len(statements),
        }
        db.engine.dispose()
    return figures


def bench_dashboard(seed: int = 2027, repeats: int = 3, scale: str = "regional") -> dict:
    """Build the pool (regional by default) in a temporary SQLite file and time the dashboard: a dict of figures."""
    with tempfile.TemporaryDirectory(prefix="expertpool-bench-") as folder:
        url = "sqlite:///" + str(Path(folder) / "bench.sqlite3")
        built = build_database(url, seed, scale)
        timed = time_dashboard(url, repeats)
        positions = time_positions(url, repeats)
    return {
        "scale": scale,
        "seed": seed,
        **built,
        **timed,
        "dashboard_seconds": timed["dashboard"]["best_seconds"],
        "dashboard_cpu_seconds": timed["dashboard"]["best_cpu_seconds"],
        "dashboard_queries": timed["dashboard"]["queries"],
        **positions,
    }


if __name__ == "__main__":
    print(json.dumps(bench_dashboard(), indent=2))  # noqa: T201
