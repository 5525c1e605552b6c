"""Request ids and log lines: every request gets an id (the caller's `X-Request-ID` when sane, else a
new one), sent back in the response header and shown on error pages; with `EXPERTPOOL_LOG_FORMAT=json`
every log record is one JSON line carrying that id, the user id and the route (its pattern, never the
path: feed paths hold secret tokens), and each request ends with one access line."""

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request, session

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
# Fields a record may carry (from the request context, or `extra=` in a job's log call).
CONTEXT_FIELDS = ("request_id", "user_id", "route", "method", "status", "duration_ms", "job", "event", "figures")

access_log = logging.getLogger("expertpool.access")
job_log = logging.getLogger("expertpool.jobs")


def request_id() -> str:
    """This request's id ("" outside a request)."""
    if not has_request_context():
        return ""
    if "request_id" not in g:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex
    return g.request_id


def user_id() -> int | None:
    """The user's id without loading the user (no database): the one Flask-Login loaded, else the
    session's."""
    user = g.get("_login_user")
    if user is not None:
        return getattr(user, "id", None)
    value = session.get("_user_id") if session else None  # "<id>:<session token>", signed
    head = value.split(":", 1)[0] if isinstance(value, str) else ""
    return int(head) if head.isdigit() else None


def route() -> str:
    return request.url_rule.rule if request.url_rule is not None else "(no route)"


class RequestContextFilter(logging.Filter):
    """Adds the request's id, user and route to every record logged during a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = request_id()
            record.user_id = user_id()
            record.route = route()
            record.method = request.method
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the context fields, the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(log_format: str, stream=None) -> None:
    """The root logger's one handler: JSON lines (`json`) or the plain text format."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestContextFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    @app.before_request
    def _start_clock():
        g.request_started = time.perf_counter()
        request_id()

    @app.after_request
    def _send_request_id(response):
        response.headers[REQUEST_ID_HEADER] = request_id()
        if app.config.get("LOG_FORMAT") == "json":
            started = g.get("request_started")
            access_log.info(
                "%s %s %s",
                request.method,
                route(),
                response.status_code,
                extra={
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                },
            )
        return response


@contextmanager
def logged_job(job: str) -> Iterator[dict]:
    """Log a scheduler job's start and end, with the figures the job puts in the dict it is given."""
    figures: dict = {}
    job_log.info("job %s started", job, extra={"job": job, "event": "start"})
    started = time.perf_counter()
    try:
        yield figures
    except BaseException:
        job_log.exception("job %s failed", job, extra={"job": job, "event": "failed", "figures": figures})
        raise
    job_log.info(
        "job %s finished %s",
        job,
        json.dumps(figures, default=str),
        extra={
            "job": job,
            "event": "end",
            "figures": figures,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
