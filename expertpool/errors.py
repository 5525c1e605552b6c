"""Friendly French error pages; nothing a user sends may end in a traceback page.

The pages must render while the database is down: the usual layout reads the pool's name and the
user's notifications, so when the database is the problem (or the layout fails on it) the page is the
standalone one, rendered without the context processors. A lost database answers 503 with
`Retry-After` and "service momentanément indisponible"; the engine's pre-ping reconnects by itself
once the database is back.
"""

import logging

from flask import Flask, current_app, g, render_template, request
from flask_babel import refresh
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from expertpool.extensions import db, login_manager
from expertpool.request_log import request_id

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
STANDALONE_TEMPLATE = "errors/standalone.html"
API_PREFIX = "/api/"  # answered in JSON problem documents, never HTML pages


def is_database_lost(error: BaseException) -> bool:
    """Whether `error` says the database cannot be reached (down, restarting, connection cut)."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def database_unavailable() -> bool:
    """Set once this request met a lost database: nothing more may ask the database for anything."""
    return bool(g.get("database_unavailable"))


def _forget_the_database() -> None:
    """From now on this request reads no user, no setting, no language from the database."""
    g.database_unavailable = True
    g._login_user = login_manager.anonymous_user()  # what Flask-Login returns without a lookup
    refresh()  # the language is chosen again, from the session and the browser
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: nothing to roll back
        log.debug("rollback on a lost connection failed", exc_info=True)


def standalone_page(code: int, **context) -> str:
    """The error page rendered straight from the template, without the context processors (which read
    the database)."""
    template = current_app.jinja_env.get_template(STANDALONE_TEMPLATE)
    return template.render(code=code, request_id=request_id(), **context)


def error_page(code: int, **context):
    """The usual error page, or the standalone one when the database is down or fails the layout."""
    if not database_unavailable():
        try:
            return render_template("errors/error.html", code=code, request_id=request_id(), **context)
        except Exception as exc:
            if not is_database_lost(exc):
                raise
            _forget_the_database()
    return standalone_page(code, **context)


def unavailable_response():
    _forget_the_database()
    return standalone_page(503), 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def init_app(app: Flask) -> None:
    @app.teardown_appcontext
    def _close_the_session_even_without_the_database(_error):
        # Runs before Flask-SQLAlchemy's own teardown (teardowns run in reverse order). A connection cut
        # after the response was built (a database restart) fails the session's closing rollback: the
        # answer is already right, so forget the session instead of turning it into a bare 500.
        try:
            db.session.remove()
        except Exception as exc:
            if not is_database_lost(exc):
                raise
            log.warning("database connection lost while closing the session: %s", type(exc).__name__)
            db.session.registry.clear()

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return error_page(400, csrf=True), 400

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if request.path.startswith(API_PREFIX):
            # Routing errors (no such address, wrong method) happen before the API's blueprint is known.
            from expertpool.api_problems import problem

            allow = error.get_response().headers.get("Allow")
            return problem(error.code or 500, headers={"Allow": allow} if allow else None)
        if request.path.startswith("/feeds/") and error.code == 404:
            return "Not found\n", 404, {"Content-Type": "text/plain; charset=utf-8"}
        response = error.get_response()
        return error_page(error.code), error.code, response.headers

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):  # pragma: no cover - handled above
            return _http_error(error)
        if is_database_lost(error):
            log.error("database unavailable on %s %s: %s", request.method, request.path, type(error).__name__)
            return unavailable_response()
        try:
            db.session.rollback()
        except Exception as exc:
            if not is_database_lost(exc):
                raise
            _forget_the_database()
        log.exception("unhandled error on %s %s", request.method, request.path)
        if app.testing and app.config.get("PROPAGATE_UNEXPECTED", True):
            raise error
        if request.path.startswith(API_PREFIX):
            from expertpool.api_problems import problem

            return problem(500)
        return error_page(500), 500
