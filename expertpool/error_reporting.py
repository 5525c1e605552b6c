"""Optional error reporting to Sentry (`pip install expertpool[sentry]`, `EXPERTPOOL_SENTRY_DSN`).

No personal data leaves: `send_default_pii` is off, local variables are not captured, and
`strip_personal_data` removes what the Flask integration still attaches (user, cookies, headers,
query string, form data, the path — feed paths hold secret tokens — and log breadcrumbs, whose messages
may quote an address), keeping the route's pattern and the request id to find the logs.
"""

import logging

from flask import Flask, has_request_context, request

from expertpool.request_log import request_id

log = logging.getLogger(__name__)


def strip_personal_data(event: dict, _hint=None) -> dict:
    event.pop("user", None)
    event.pop("server_name", None)  # the host name says nothing useful and may be internal
    original = event.get("request") or {}
    event["request"] = {"method": original.get("method", "")}
    if has_request_context():
        event["request"]["url"] = request.url_rule.rule if request.url_rule is not None else ""
        event.setdefault("tags", {})["request_id"] = request_id()
    event["breadcrumbs"] = {"values": []}
    for exception in (event.get("exception") or {}).get("values", ()):
        for frame in (exception.get("stacktrace") or {}).get("frames", ()):
            frame.pop("vars", None)
    return event


def init_sentry(app: Flask) -> bool:
    """Start the Sentry client when a DSN is configured; True when it was started."""
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return False
    try:
        import sentry_sdk
        from sentry_sdk.integrations.flask import FlaskIntegration
    except ImportError:
        log.warning("EXPERTPOOL_SENTRY_DSN is set but sentry-sdk is not installed: pip install 'expertpool[sentry]'")
        return False
    sentry_sdk.init(
        dsn=dsn,
        environment=app.config.get("EXPERTPOOL_ENV", "production"),
        integrations=[FlaskIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=strip_personal_data,
        traces_sample_rate=0.0,
    )
    return True
