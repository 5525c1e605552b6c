"""The database lost under load: what users get while PostgreSQL is away, and that the workers recover.

While clients fetch pages, the database goes away for a few seconds, in one of two ways:
- `cut` (the default, safe on a shared server): the bench database's connections are killed and new ones
  refused, which is what a restart does to the app, without touching the server's other databases;
- `restart`: the PostgreSQL server itself is restarted (`pg_ctlcluster … restart`, as root on Debian):
  every database on it goes away, so only for a machine given to the benchmark.
Every answer is classified: 200, a French 503 page with Retry-After (what a user must get), or anything else.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from expertpool.loadbench.load import Client, Page

FRENCH_UNAVAILABLE = "momentanément indisponible"


@dataclass
class OutageReport:
    before: Counter = field(default_factory=Counter)
    during: Counter = field(default_factory=Counter)
    after: Counter = field(default_factory=Counter)

    @property
    def failures(self) -> int:
        return sum(
            count
            for phase in (self.before, self.during, self.after)
            for kind, count in phase.items()
            if kind not in ("200", "503 fr")
        )

    def lines(self) -> list[str]:
        return [
            f"{name:<7} " + ", ".join(f"{kind}: {count}" for kind, count in sorted(phase.items()))
            for name, phase in (("before", self.before), ("during", self.during), ("after", self.after))
        ]


def classify(status: int, headers: dict[str, str], body: bytes) -> str:
    if status == 200:
        return "200"
    if status == 503:
        french = FRENCH_UNAVAILABLE in body.decode("utf-8", "replace")
        return "503 fr" if french and "retry-after" in headers else "503 other"
    return str(status) if status else "no answer"


def cut_database(admin_url: str, database: str, *, allow: bool) -> None:
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {"true" if allow else "false"}'))
            if not allow:
                conn.execute(
                    sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"),
                    {"d": database},
                )
    finally:
        engine.dispose()


def restart_server() -> None:
    """Restart the machine's PostgreSQL cluster (Debian's pg_ctlcluster); it answers again when this returns."""
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(  # noqa: S603 - a fixed command, on the machine given to the benchmark
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],  # noqa: S607
        check=True,
        capture_output=True,
    )


def run_outage(
    base: str,
    pages: list[tuple[Page, str | None]],
    *,
    admin_url: str,
    database: str,
    clients: int = 4,
    before: float = 5.0,
    down: float = 5.0,
    after: float = 6.0,
    mode: str = "cut",
) -> OutageReport:
    """Load `pages` from `clients` threads; cut the database `before` s in, for `down` s; watch `after` s more."""
    report = OutageReport()
    lock = threading.Lock()
    phase = {"now": report.before}
    stop = threading.Event()

    def work(offset: int):
        client = Client(base, None)
        index = offset
        while not stop.is_set():
            page, cookie = pages[index % len(pages)]
            index += 1
            client.cookie = cookie
            _seconds, status, headers, body = client.get(page.path)
            with lock:
                phase["now"][classify(status, headers, body)] += 1
        client.close()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(before)
        with lock:
            phase["now"] = report.during
        if mode == "restart":
            restart_server()  # the server is away while it stops and starts again
        else:
            cut_database(admin_url, database, allow=False)
            time.sleep(down)
            cut_database(admin_url, database, allow=True)
        # Give the pools a moment to notice the database is back before judging recovery.
        time.sleep(1.0)
        with lock:
            phase["now"] = report.after
        time.sleep(after)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        if mode != "restart":
            cut_database(admin_url, database, allow=True)
    return report
