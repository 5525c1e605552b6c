"""The app as the load harness serves it: the real app, plus a bare route and per-request figures.

gunicorn loads `expertpool.loadbench.app:bench_app()`. The bench pool's dates are in 2027, so the clock
of each worker is set to the bench's "today" (time-machine, ticking) for the pages to show a live period.
"""

import time
from datetime import UTC, datetime

from flask import Flask, g, has_app_context

BENCH_TODAY = datetime(2027, 9, 1, 8, 0, tzinfo=UTC)  # the day `expertpool.bench_pool` builds its pool for


def bench_app() -> Flask:
    import time_machine
    from sqlalchemy import event

    from expertpool import create_app
    from expertpool.extensions import db

    time_machine.travel(BENCH_TODAY, tick=True).start()
    app = create_app()

    @app.get("/__bench/bare")
    def bare():
        return "ok"

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args):
        if has_app_context() and "bench_sql" in g:
            g.bench_sql += 1

    @app.before_request
    def _start():
        g.bench_sql = 0
        g.bench_cpu = time.thread_time()

    @app.after_request
    def _figures(response):
        response.headers["X-Bench-SQL"] = str(g.get("bench_sql", 0))
        response.headers["X-Bench-CPU-ms"] = f"{(time.thread_time() - g.get('bench_cpu', 0)) * 1000:.2f}"
        return response

    return app
