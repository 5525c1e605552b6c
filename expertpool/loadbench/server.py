"""gunicorn serving the bench app on a free loopback port, and signed session cookies for its users."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import time_machine

from expertpool.loadbench.app import BENCH_TODAY, bench_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "EXPERTPOOL_ENV": "production",
        "EXPERTPOOL_HTTPS": "0",  # plain HTTP on loopback: cookies must come back without TLS
        "EXPERTPOOL_DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(32),
    }


def session_cookies(env: dict[str, str], users: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The session cookie name and, per role, a cookie value signed as the served app signs it."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from expertpool import create_app

        app = create_app()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    serializer = app.session_interface.get_signing_serializer(app)
    with time_machine.travel(BENCH_TODAY):  # the served clock: a cookie signed today would be expired there
        cookies = {role: serializer.dumps({"_user_id": login_id, "_fresh": True}) for role, login_id in users.items()}
    return app.config["SESSION_COOKIE_NAME"], cookies


@contextmanager
def gunicorn(env: dict[str, str], log_path: Path, workers: int = 4, timeout: float = 120.0):
    """Yield (base URL, master process) while gunicorn serves the bench app with `workers` sync workers.

    The server's own log goes to `log_path`, so that the harness prints only its figures.
    """
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--timeout",
        "120",
        f"{bench_app.__module__}:bench_app()",
    ]
    log = log_path.open("w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 - our module
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(base + "/__bench/bare", timeout=2) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start: see {log_path}") from None
                time.sleep(0.2)
        yield base, process
    finally:
        # SIGINT is gunicorn's quick shutdown: SIGTERM's graceful one waits up to 30 s for the clients'
        # kept-alive connections, and the measures are over.
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
