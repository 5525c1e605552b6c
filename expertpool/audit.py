"""The audit trail: one append-only row per state change, added to the caller's transaction."""

from datetime import date, datetime
from enum import Enum

from flask import g, has_app_context

from expertpool.extensions import db
from expertpool.models import AuditLog


def snapshot(obj, *fields: str) -> dict:
    """A JSON-safe picture of some attributes of `obj`, for the before/after columns."""
    return {name: _json_safe(getattr(obj, name)) for name in fields}


def _json_safe(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return value


def record(actor, action: str, entity, **fields) -> AuditLog:
    """Add the audit row for `action` on `entity` (a model instance, flushed so it has an id); `fields`
    are those of `values` (now, before, after, member_id, expert_id, request_id)."""
    row = AuditLog(**values(actor, action, entity, **fields))
    db.session.add(row)
    return row


def values(
    actor,
    action: str,
    entity,
    *,
    now: datetime,
    before: dict | None = None,
    after: dict | None = None,
    member_id: int | None = None,
    expert_id: int | None = None,
    request_id: int | None = None,
) -> dict:
    """The column values of an audit row, for writers that insert many rows in one statement."""
    if getattr(entity, "id", None) is None:
        db.session.flush()
    return {
        "at": now,
        "actor_id": getattr(actor, "id", None),
        "action": action,
        "entity_type": type(entity).__tablename__,
        "entity_id": entity.id,
        "member_id": member_id,
        "expert_id": expert_id,
        "request_id": request_id,
        "before": _json_safe(before) if before is not None else None,
        "after": _json_safe(after) if after is not None else None,
        # A change made through the API names the token it was made with (set by expertpool.api.auth).
        "api_token_id": g.get("api_token_id") if has_app_context() else None,
    }
