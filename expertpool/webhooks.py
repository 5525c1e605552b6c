"""Webhooks: what changed, told to the coordinators' endpoints, signed (Standard Webhooks) and delivered
through the task queue with retries.

Events come from the audit trail: every state change already writes one audit row in its transaction, so
a hook on those rows enqueues the event in the same transaction (a rolled-back action sends nothing, and
nothing is sent before the commit: the scheduler process drains the queue afterwards). No service has to
remember to emit anything.
"""

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from expertpool.models import AuditLog, WebhookDelivery, WebhookEndpoint
from expertpool.tasks import enqueue, task_handler

FANOUT, DELIVER = "webhook.fanout", "webhook.deliver"

# Audit actions → the events they are. `request.schedule` is a planning run's: it books half-days, and
# schedules the request once all of them are booked.
EVENTS_BY_ACTION = {
    "request.submit": ("request.sent",),
    "request.approve": ("request.decided",),
    "request.auto_approve": ("request.decided",),
    "request.reject": ("request.decided",),
    "request.schedule": ("booking.planned",),
    "request.scheduled": ("request.scheduled",),
    "request.cancel": ("request.cancelled",),
    "request.completed": ("request.completed",),
    "request.rate": ("request.rated",),
    "booking.assigned": ("booking.planned",),
    "booking.planned": ("booking.planned",),
    "booking.move": ("booking.moved",),
    "booking.moved": ("booking.moved",),
    "booking.to_reschedule": ("booking.to_reschedule",),
    "booking.delivered": ("booking.delivered",),
}
EVENTS = (
    "request.sent",
    "request.decided",
    "request.scheduled",
    "request.cancelled",
    "request.completed",
    "request.rated",
    "booking.planned",
    "booking.moved",
    "booking.to_reschedule",
    "booking.delivered",
)
# What of an audit row goes out: ids and states, never free text (messages, reasons, notes).
PUBLIC_AFTER = ("status", "approved_half_days", "over_quota_half_days", "booked", "rating", "date", "half")
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)
DISABLE_AFTER = timedelta(days=1)
TIMEOUT_SECONDS = 10


# --- events ---------------------------------------------------------------------------------------


def events_of(row: dict) -> list[tuple[str, dict]]:
    """The events an audit row (its column values) stands for, with their public data."""
    names = list(EVENTS_BY_ACTION.get(row.get("action"), ()))
    after = row.get("after") or {}
    if row.get("action") == "request.schedule" and after.get("status") == "scheduled":
        names.append("request.scheduled")
    data = {
        "action": row.get("action"),
        "entity_type": row.get("entity_type"),
        "entity_id": row.get("entity_id"),
        "request_id": row.get("request_id"),
        "member_id": row.get("member_id"),
        "expert_id": row.get("expert_id"),
        **{key: after[key] for key in PUBLIC_AFTER if key in after},
    }
    return [(name, data) for name in names]


def _enqueue_events(session: Session, rows: list[dict], now: datetime) -> None:
    if not any(EVENTS_BY_ACTION.get(row.get("action")) for row in rows):
        return
    with session.no_autoflush:
        # Nothing to enqueue while no endpoint listens (the common case): one indexed look-up.
        listening = session.scalar(select(WebhookEndpoint.id).where(WebhookEndpoint.active.is_(True)).limit(1))
    if listening is None:
        return
    for row in rows:
        for name, data in events_of(row):
            session.add(_fanout_task(name, data, row.get("at") or now))


def _fanout_task(name: str, data: dict, at: datetime):
    from expertpool.models import Task, TaskStatus

    payload = {"type": name, "timestamp": at.isoformat(), "data": data}
    return Task(kind=FANOUT, payload=payload, status=TaskStatus.PENDING, attempts=0, run_after=at, last_error="")


@event.listens_for(Session, "before_flush")
def _audit_rows_added(session, _flush_context, _instances):
    rows = [obj for obj in session.new if isinstance(obj, AuditLog)]
    if rows:
        values = [{column: getattr(row, column) for column in _COLUMNS} for row in rows]
        _enqueue_events(session, [v for v in values if v["entity_id"] is not None], _now())


@event.listens_for(Session, "do_orm_execute")
def _audit_rows_inserted(state):
    """Writers that insert many audit rows in one statement (a planning run) bypass the flush."""
    if not state.is_insert or getattr(state.statement, "table", None) is not AuditLog.__table__:
        return
    params = state.parameters
    rows = params if isinstance(params, list) else [params] if isinstance(params, dict) else []
    _enqueue_events(state.session, rows, _now())


_COLUMNS = ("action", "entity_type", "entity_id", "request_id", "member_id", "expert_id", "after", "at")


def _now() -> datetime:
    from expertpool.timeutil import now_utc

    return now_utc()


# --- endpoints ------------------------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def refused_address(url: str) -> bool:
    """A private, loopback, link-local or reserved address (or a name resolving to one), unless allowed:
    an endpoint must not make the server call into its own network."""
    if current_app.config.get("WEBHOOKS_ALLOW_PRIVATE"):
        return False
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return True
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast:
            return True
    return False


def is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and len(url) <= 500


# --- signing (Standard Webhooks) ------------------------------------------------------------------


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,` + base64 HMAC-SHA256 of "id.timestamp.body" with the secret's bytes (after "whsec_")."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def verify(secret: str, headers, body: bytes) -> bool:
    """What a receiver does (and the README shows): recompute, compare in constant time."""
    expected = signature(secret, headers["webhook-id"], int(headers["webhook-timestamp"]), body)
    return any(hmac.compare_digest(expected, sent) for sent in headers["webhook-signature"].split())


# --- delivery -------------------------------------------------------------------------------------


@task_handler(FANOUT)
def fan_out(payload: dict, *, now: datetime) -> None:
    """One delivery (logged) and one delivery task per active endpoint that subscribed to the event."""
    from expertpool.extensions import db

    endpoints = db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True)))
    for endpoint in endpoints:
        if payload["type"] not in endpoint.events:
            continue
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id,
            message_id="msg_" + secrets.token_hex(16),
            event=payload["type"],
            payload=payload,
            status="pending",
            attempts=0,
            created_at=now,
            last_error="",
        )
        db.session.add(delivery)
        db.session.flush()
        enqueue(DELIVER, {"delivery_id": delivery.id}, now=now)


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min… at most an hour between two attempts."""
    return min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_CAP)


@task_handler(DELIVER)
def deliver(payload: dict, *, now: datetime) -> None:
    """POST the event, signed; a failure is logged and tried again later (a new task, with a growing
    delay), until the endpoint has failed for a day: then it is disabled and the coordinators told.
    Nothing is lost: held deliveries stay in the log, and go out again when the endpoint is re-enabled."""
    import requests

    from expertpool.extensions import db

    delivery = db.session.get(WebhookDelivery, payload["delivery_id"])
    if delivery is None or delivery.status != "pending":
        return
    endpoint = delivery.endpoint
    if not endpoint.active:
        delivery.status = "held"
        return
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "expertpool-webhooks",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(endpoint.secret, delivery.message_id, timestamp, body),
    }
    delivery.attempts += 1
    delivery.last_attempt_at = now
    try:
        if refused_address(endpoint.url):
            raise ValueError("private or loopback address refused")
        response = requests.post(
            endpoint.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False
        )
        delivery.response_code = response.status_code
        ok = 200 <= response.status_code < 300
        delivery.last_error = "" if ok else f"HTTP {response.status_code}"
    except (requests.RequestException, ValueError) as exc:
        ok = False
        delivery.response_code = None
        delivery.last_error = type(exc).__name__
    if ok:
        delivery.status, delivery.delivered_at = "delivered", now
        endpoint.failing_since = None
        return
    endpoint.failing_since = endpoint.failing_since or now
    if now - endpoint.failing_since >= DISABLE_AFTER:
        _disable(endpoint, now)
        delivery.status = "held"
        return
    enqueue(DELIVER, {"delivery_id": delivery.id}, now=now, run_after=now + retry_delay(delivery.attempts))


def _disable(endpoint: WebhookEndpoint, now: datetime) -> None:
    from expertpool.notifications import notify_staff

    endpoint.active = False
    endpoint.disabled_at = now
    notify_staff("webhook_disabled", {"url": endpoint.url}, now=now)


def resend_held(endpoint: WebhookEndpoint, *, now: datetime) -> int:
    """Re-enabling an endpoint sends what was held while it was off."""
    from expertpool.extensions import db

    held = list(
        db.session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == "held")
        )
    )
    for delivery in held:
        delivery.status = "pending"
        enqueue(DELIVER, {"delivery_id": delivery.id}, now=now)
    return len(held)
