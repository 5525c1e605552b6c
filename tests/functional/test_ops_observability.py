"""Observability: the probes, request ids, JSON log lines, the scheduler's job lines, and the optional
Sentry client that sends no personal data."""

import io
import json
import logging
import re

import pytest
import sentry_sdk
from sqlalchemy import text

from expertpool import error_reporting, request_log
from expertpool.request_log import JsonFormatter, RequestContextFilter


def test_healthz_answers_without_login_or_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_readyz_checks_the_database_and_the_migrations(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "database": "ok", "migrations": "at_head"}
    assert "Set-Cookie" not in response.headers
    db.session.execute(text("UPDATE alembic_version SET version_num = 'an_older_one'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "ok", "migrations": "behind"}


def test_every_response_carries_a_request_id_and_a_sane_incoming_one_is_kept(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second
    assert client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c01"}).headers["X-Request-ID"] == "lb-7f3a9c01"
    forged = client.get("/healthz", headers={"X-Request-ID": "<script>x</script>"}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", forged)


@pytest.fixture
def json_lines(app):
    """What the root logger writes as JSON lines during the test (the app configured for json)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    app.config["LOG_FORMAT"] = "json"
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        app.config["LOG_FORMAT"] = "text"
        root.removeHandler(handler)
        root.setLevel(level)


def test_an_error_is_logged_as_json_with_the_id_shown_on_its_page(app, client, login, factory, json_lines, monkeypatch):
    from expertpool.main import views

    user = factory.user(email="mairie@plouzane.example")
    login(user)
    app.config["PROPAGATE_UNEXPECTED"] = False

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "redirect", broken)
    try:
        response = client.get("/")
    finally:
        app.config["PROPAGATE_UNEXPECTED"] = True
    assert response.status_code == 500
    rid = response.headers["X-Request-ID"]
    page = response.get_data(as_text=True)
    assert f"Référence de l'erreur : {rid}" in page
    lines = json_lines()
    error = next(line for line in lines if line["level"] == "ERROR")
    assert error["request_id"] == rid
    assert error["user_id"] == user.id
    assert error["route"] == "/" and error["method"] == "GET"
    assert "RuntimeError: boom" in error["exc"]
    access = next(line for line in lines if line["logger"] == "expertpool.access")
    assert (access["request_id"], access["status"], access["route"]) == (rid, 500, "/")
    assert isinstance(access["duration_ms"], float)


def test_the_route_is_logged_as_its_pattern_never_the_secret_path(client, json_lines):
    client.get("/feeds/expert/a-secret-token-1234.ics")
    lines = json_lines()
    assert lines and all("a-secret-token" not in json.dumps(line) for line in lines)


def test_configure_logging_writes_json_lines(app):
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        request_log.configure_logging("json", stream=stream)
        with app.test_request_context("/healthz", headers={"X-Request-ID": "probe-0001"}):
            logging.getLogger("expertpool.test").warning("plain %s", "message")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
    [line] = [json.loads(raw) for raw in stream.getvalue().splitlines()]
    assert line["message"] == "plain message" and line["level"] == "WARNING"
    assert line["request_id"] == "probe-0001" and line["route"] == "/healthz"


def test_the_scheduler_logs_each_job_start_end_and_figures(app, db, json_lines, monkeypatch):
    from expertpool import jobs
    from expertpool.planning import reminders

    monkeypatch.setattr(reminders, "send_day_before_reminders", lambda now: 3)
    monkeypatch.setattr(db.session, "remove", lambda: None)  # keep the test's session
    jobs.reminder_job(app)
    lines = [line for line in json_lines() if line.get("job") == "reminders"]
    assert [line["event"] for line in lines] == ["start", "end"]
    assert lines[1]["figures"] == {"outcome": "done", "notifications": 3}
    assert lines[1]["duration_ms"] >= 0


def test_sentry_is_not_started_without_a_dsn(app, monkeypatch):
    def must_not_run(**kwargs):
        raise AssertionError("sentry_sdk.init called without a DSN")

    monkeypatch.setattr(sentry_sdk, "init", must_not_run)
    assert not app.config.get("SENTRY_DSN")
    assert error_reporting.init_sentry(app) is False


def test_the_dsn_and_the_log_format_come_from_the_environment(tmp_path):
    from expertpool.config import from_environment

    base = {"EXPERTPOOL_ENV": "development"}
    settings = from_environment(str(tmp_path), env=base)
    assert (settings["SENTRY_DSN"], settings["LOG_FORMAT"]) == ("", "text")
    settings = from_environment(
        str(tmp_path), env={**base, "EXPERTPOOL_SENTRY_DSN": "https://k@s.example/1", "EXPERTPOOL_LOG_FORMAT": "JSON"}
    )
    assert (settings["SENTRY_DSN"], settings["LOG_FORMAT"]) == ("https://k@s.example/1", "json")


def test_sentry_is_configured_without_personal_data(app, monkeypatch):
    calls = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setitem(app.config, "SENTRY_DSN", "https://key@sentry.example/42")
    assert error_reporting.init_sentry(app) is True
    [options] = calls
    assert options["dsn"] == "https://key@sentry.example/42"
    assert options["send_default_pii"] is False
    assert options["include_local_variables"] is False
    assert options["max_request_body_size"] == "never"
    assert options["before_send"] is error_reporting.strip_personal_data


def test_before_send_strips_personal_data(app):
    event = {
        "user": {"id": 12, "email": "anne.legall@example.org", "ip_address": "203.0.113.9"},
        "server_name": "web-1.internal",
        "request": {
            "method": "POST",
            "url": "https://pool.example/feeds/expert/secret-token.ics",
            "query_string": "email=anne.legall@example.org",
            "cookies": {"session": "abc"},
            "headers": {"Cookie": "session=abc", "X-Forwarded-For": "203.0.113.9"},
            "data": {"password": "hunter2hunter2"},
            "env": {"REMOTE_ADDR": "203.0.113.9"},
        },
        "breadcrumbs": {"values": [{"message": "login failed for anne.legall@example.org"}]},
        "exception": {
            "values": [{"type": "RuntimeError", "stacktrace": {"frames": [{"function": "f", "vars": {"email": "x"}}]}}]
        },
    }
    with app.test_request_context("/compte/connexion", method="POST", headers={"X-Request-ID": "req-12345678"}):
        app.preprocess_request()
        cleaned = error_reporting.strip_personal_data(event)
    text_of_it = json.dumps(cleaned)
    for secret in ("anne.legall", "203.0.113.9", "abc", "hunter2", "secret-token", "web-1.internal"):
        assert secret not in text_of_it
    assert cleaned["request"] == {"method": "POST", "url": "/compte/connexion"}
    assert cleaned["tags"]["request_id"] == "req-12345678"
    assert cleaned["exception"]["values"][0]["stacktrace"]["frames"] == [{"function": "f"}]


def test_the_user_id_is_read_from_the_session_without_the_database(app):
    with app.test_request_context("/"):
        from flask import session

        session["_user_id"] = "12:a-session-token"
        assert request_log.user_id() == 12  # no user loaded, no query
        session["_user_id"] = "not-an-id"
        assert request_log.user_id() is None
