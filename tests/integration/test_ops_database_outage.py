"""The database goes away under a running app: pages answer a French 503 with Retry-After (English when
the browser asks), rendered without the database, the probes say so, and the app recovers by itself
when the database comes back: no restart.

The outage is real: the app's database refuses connections and its sessions are terminated on the
PostgreSQL server (what a restart does to them); a second app points at a closed port.
"""

import re

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
