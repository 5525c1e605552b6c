"""Fixtures of the trust suite: the fixture world, per-request isolation, and an app with CSRF on."""

from contextlib import contextmanager

import pytest
from trust.world import build_world

from expertpool import create_app
from expertpool.extensions import db as _db


@pytest.fixture
def world(db, factory):
    built = build_world(factory)
    # Released into the test's transaction: requests served by another app (CSRF on) and isolated
    # requests see it; the test's rollback still removes it.
    db.session.commit()
    return built


@pytest.fixture
def isolated(db):
    """`with isolated():` runs a request whose writes are undone afterwards (a savepoint on the test's
    connection), so that one role's POST cannot change what the next role sees."""
    connection = db.session.get_bind()

    @contextmanager
    def _isolated():
        # The session's own transaction is a savepoint too: release it (keeping the world), then
        # open ours around the request.
        db.session.commit()
        db.session.remove()
        savepoint = connection.begin_nested()
        try:
            yield
        finally:
            db.session.remove()
            if savepoint.is_active:
                savepoint.rollback()

    return _isolated


@pytest.fixture(scope="session")
def csrf_app(app):
    """The same database as `app`, with CSRF protection on as in production."""
    csrf_on = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "WTF_CSRF_ENABLED": True}
    )
    yield csrf_on
    with csrf_on.app_context():
        _db.engine.dispose()
