"""The database goes away under a running app: pages answer a French 503 with Retry-After (English when
the browser asks), rendered without the database, the probes say so, and the app recovers by itself
when the database comes back: no restart.

The outage is real: the app's database refuses connections and its sessions are terminated on the
PostgreSQL server (what a restart does to them); a second app points at a closed port.
"""

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter

import pytest
import sqlalchemy as sa
from conftest import POSTGRES_ADMIN_URL, ensure_postgres_database
from factories import Factory

from expertpool import create_app
from expertpool.extensions import db as _db

pytestmark = pytest.mark.slow
FRENCH = "Service momentanément indisponible"
ENGLISH = "Service temporarily unavailable"


def make_app(url: str):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "PROPAGATE_UNEXPECTED": False})


@pytest.fixture
def outage_app(db_kind):
    if db_kind != "postgresql":
        pytest.skip("the outage drill runs against PostgreSQL")
    url = ensure_postgres_database("expertpool_outage")
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    app = make_app(url)
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        user = Factory(_db.session).user(email="mairie@plouzane.example")
        _db.session.commit()
        app.config["USER_SESSION_ID"] = user.get_id()
        _db.session.remove()

    def set_down(down: bool):
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"false" if down else "true"}'))
            if down:
                conn.execute(
                    sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
                )

    app.config["SET_DOWN"] = set_down
    try:
        yield app
    finally:
        set_down(False)
        with app.app_context():
            _db.session.remove()
            _db.drop_all()
            _db.engine.dispose()
        admin.dispose()


def logged_in_client(app):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = app.config["USER_SESSION_ID"]
        session["_fresh"] = True
    return client


def assert_unavailable_page(response, title: str):
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert f"<title>{title}</title>" in page
    assert f"Référence de l'erreur : {response.headers['X-Request-ID']}" in page or (
        f"Error reference: {response.headers['X-Request-ID']}" in page
    )
    assert "Internal Server Error" not in page and "Traceback" not in page


def test_a_lost_database_gives_french_503_pages_and_the_app_recovers_by_itself(outage_app):
    app = outage_app
    client = logged_in_client(app)
    assert client.get("/").status_code in (200, 302)
    assert client.get("/readyz").status_code in (200, 503)  # create_all: no migration stamp here

    app.config["SET_DOWN"](True)
    response = client.get("/")
    assert_unavailable_page(response, FRENCH)
    assert 'lang="fr"' in response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    assert "Le service est momentanément indisponible." in page
    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"})
    assert_unavailable_page(english, ENGLISH)
    assert 'lang="en"' in english.get_data(as_text=True)
    # A visitor, a form page, and a page that does not exist: none needs the database to say so.
    assert_unavailable_page(app.test_client().get("/"), FRENCH)
    missing = client.get("/nulle-part")
    assert missing.status_code == 404 and "Page introuvable" in missing.get_data(as_text=True)
    # The probes: the process lives, it is not ready, and nothing secret is said.
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json() == {"status": "unavailable", "database": "unreachable", "migrations": "unknown"}
    assert not re.search(r"postgres|127\.0\.0\.1|root", ready.get_data(as_text=True))

    app.config["SET_DOWN"](False)
    # Back: the very next request works, on the same app and its (pre-pinged) pool.
    assert client.get("/").status_code in (200, 302)
    assert client.get("/healthz").status_code == 200


def test_an_unreachable_database_server_gives_503_not_a_bare_500(db_kind):
    if db_kind != "postgresql":
        pytest.skip("the outage drill runs against PostgreSQL")
    # A port nobody listens on: the connection is refused at once.
    app = make_app("postgresql+psycopg://root@127.0.0.1:9/nowhere")
    response = app.test_client().get("/")
    assert_unavailable_page(response, FRENCH)
    with app.app_context():
        _db.engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def test_under_gunicorn_a_database_outage_gives_french_503_pages_only(outage_app, tmp_path):
    """Two gunicorn workers, a bounded loop of requests on loopback; the database goes away for two
    seconds in the middle and comes back."""
    url = outage_app.config["SQLALCHEMY_DATABASE_URI"]
    port = _free_port()
    env = {
        **os.environ,
        "EXPERTPOOL_DATABASE_URL": url,
        "SECRET_KEY": "an-outage-drill-secret-key-of-more-than-32-bytes",
        "EXPERTPOOL_HTTPS": "0",
        "EXPERTPOOL_LOG_FORMAT": "json",
    }
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log_file:
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "expertpool:create_app()"],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if _get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        answers = []
        stop = threading.Event()

        def client():
            while not stop.is_set() and len(answers) < 2000:
                started = time.monotonic()
                status, body, headers = _get(base + "/")
                answers.append(((started, time.monotonic()), status, body, headers))
                time.sleep(0.02)

        threads = [threading.Thread(target=client) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        went_down = time.monotonic()
        outage_app.config["SET_DOWN"](True)
        time.sleep(2)
        outage_app.config["SET_DOWN"](False)
        came_back = time.monotonic()
        time.sleep(2)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        server.terminate()
        server.wait(timeout=30)
    statuses = Counter(status for _at, status, _body, _headers in answers)
    assert set(statuses) <= {200, 503}, statuses
    assert statuses[503] > 0 and statuses[200] > 0
    for _at, status, body, headers in answers:
        if status == 503:
            assert "<title>Service momentanément indisponible</title>" in body
            assert headers["Retry-After"] == "30"
            assert f"Référence de l'erreur : {headers['X-Request-ID']}" in body
    # Answered before the outage, or asked a second after its end: every page is served.
    assert all(s == 200 for (asked, answered), s, _b, _h in answers if answered < went_down or asked > came_back + 1)
    # The workers logged the outage as JSON lines carrying the request id shown on the page.
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    logged_ids = {line.get("request_id") for line in lines if line.get("logger") == "expertpool.errors"}
    shown_ids = {headers["X-Request-ID"] for _at, status, _b, headers in answers if status == 503}
    assert shown_ids and shown_ids <= logged_ids
