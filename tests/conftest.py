"""Shared fixtures: the app once per session on SQLite or PostgreSQL (--db), a rolled-back
transaction per test, a client, logins, and factories.

`pytest --db sqlite` (default) or `pytest --db postgresql`; with CI=true a PostgreSQL that cannot be
reached is a failure, not a skip.
"""

import os
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, request_started
from sqlalchemy.orm import scoped_session, sessionmaker

from expertpool import create_app
from expertpool.extensions import db as _db

POSTGRES_ADMIN_URL = os.environ.get(
    "EXPERTPOOL_TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://root@127.0.0.1:5432/postgres"
)
POSTGRES_TEST_DB = os.environ.get("EXPERTPOOL_TEST_POSTGRES_DB", "expertpool_test")
# Appended to every database the tests create, so that two test runs on one server never share one.
# pytest-xdist workers (gw0, gw1…) each get their own databases too.
POSTGRES_DB_SUFFIX = os.environ.get("EXPERTPOOL_TEST_POSTGRES_SUFFIX", "") + (
    f"_{os.environ['PYTEST_XDIST_WORKER']}" if os.environ.get("PYTEST_XDIST_WORKER") else ""
)


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=("sqlite", "postgresql"),
        default=os.environ.get("EXPERTPOOL_TEST_DB", "sqlite"),
        help="database the integration and functional tests run against",
    )


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def postgres_url(database: str = POSTGRES_TEST_DB) -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def ensure_postgres_database(database: str = POSTGRES_TEST_DB) -> str:
    """Create the test database if needed; skip (or fail under CI) when PostgreSQL is unreachable."""
    database += POSTGRES_DB_SUFFIX
    engine = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            query = sa.text("SELECT 1 FROM pg_database WHERE datname = :n")
            exists = conn.execute(query, {"n": database}).scalar()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
    except sa.exc.OperationalError as exc:
        message = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc.orig}"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    finally:
        engine.dispose()
    return postgres_url(database)


@pytest.fixture(scope="session")
def db_kind(request) -> str:
    return request.config.getoption("--db")


@pytest.fixture(scope="session")
def database_url(db_kind, tmp_path_factory) -> str:
    if db_kind == "postgresql":
        return ensure_postgres_database()
    # A file, not memory: threads and a second process must see the same database.
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "expertpool-test.sqlite3")


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "EXPERTPOOL_INSTANCE_DIR": tempfile.gettempdir()}
    )
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        stamp_migrations_head(app)
    # Tests keep an app context pushed (the `db` fixture), and Flask reuses it for every request made
    # inside the test: without this, `g` (and the user Flask-Login caches in it) would leak from one
    # request, or one client, to the next (flask-login #704).
    request_started.connect(_fresh_request_globals, app)
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def stamp_migrations_head(app) -> None:
    """Record the schema built by create_all as the migrations' head (as `flask db upgrade` would):
    /readyz reports a database at head."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with _db.engine.begin() as conn:
        MigrationContext.configure(conn).stamp(ScriptDirectory(app.config["MIGRATIONS_DIR"]), "heads")


def _fresh_request_globals(sender, **_extra):
    for name in list(vars(g)):
        delattr(g, name)


@pytest.fixture
def db(app):
    """The database inside a transaction rolled back after the test (views' commits become savepoints)."""
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        session = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"))
        original = _db.session
        _db.session = session
        try:
            yield _db
        finally:
            session.remove()
            if transaction.is_active:
                transaction.rollback()
            connection.close()
            _db.session = original


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def login(client):
    """login(user): the client is now that user (session set directly: argon2 is slow on purpose)."""

    def _login(user):
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return client

    return _login


@pytest.fixture
def travel_to():
    """travel_to(moment): the whole app (every now_utc, today_paris, signed link) sees `moment`, the
    clock standing still, until the test ends (time-machine); returns the traveller (`.move_to(other)`)."""
    import time_machine

    travellers = []

    def _travel(moment):
        traveller = time_machine.travel(moment, tick=False)
        travellers.append(traveller)
        return traveller.start()

    yield _travel
    for traveller in reversed(travellers):
        traveller.stop()


@pytest.fixture
def frozen_clock(travel_to):
    """Now is FIXED_NOW (Monday 11 January 2027, 10:00 in Paris) for the whole app, for the whole test."""
    from factories import FIXED_NOW

    travel_to(FIXED_NOW)
    return FIXED_NOW


@pytest.fixture
def count_queries(db):
    """count_queries() → a counter of SQL statements for a `with` block; count_queries.get(client, url)
    → (statements, response) of one GET. The one query counter of the tests (tests/query_counter.py)."""
    from query_counter import QueryCounting

    return QueryCounting(db)


@pytest.fixture
def factory(db):
    from factories import Factory

    return Factory(db.session)


@pytest.fixture
def artefacts_dir() -> Path:
    path = Path(os.environ.get("EXPERTPOOL_TEST_ARTEFACTS", "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path
