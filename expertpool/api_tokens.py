"""Personal access tokens of the JSON API: create (the secret is shown once), revoke, and find the token
an API call carries.

Shared by the profile page (auth), the `api-token` command and the API itself. A token acts as its user:
it adds no right, its scopes only narrow what the user may do through it.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from expertpool.audit import record
from expertpool.extensions import db
from expertpool.models import ApiToken, User

READ = "read"
REQUESTS_WRITE = "requests:write"
AGENDA_WRITE = "agenda:write"
COORDINATION_WRITE = "coordination:write"
ADMIN = "admin"
SCOPES = (READ, REQUESTS_WRITE, AGENDA_WRITE, COORDINATION_WRITE, ADMIN)

PREFIX = "ep_"  # tells a leaked string for an expertpool token (secret scanners look for such prefixes)
NAME_MAX = 100
MAX_DAYS = 366
DEFAULT_DAYS = 90


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def create(user: User, *, name: str, scopes: list[str], days: int | None, actor: User, now: datetime):
    """A new token of `user`; returns (token row, secret). The secret is not stored: show it once."""
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown or not scopes:
        raise ValueError("scopes")
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise ValueError("days")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip()[:NAME_MAX],
        token_hash=digest(secret),
        prefix=secret[:10],
        scopes=[scope for scope in SCOPES if scope in scopes],
        created_at=now,
        expires_at=now + timedelta(days=days) if days else None,
    )
    db.session.add(token)
    db.session.flush()
    record(
        actor,
        "api_token.create",
        token,
        now=now,
        after={"name": token.name, "scopes": token.scopes, "expires_at": token.expires_at, "user_id": user.id},
        member_id=user.member_id,
    )
    return token, secret


def revoke(token: ApiToken, *, actor: User, now: datetime) -> bool:
    if token.revoked_at is not None:
        return False
    token.revoked_at = now
    db.session.flush()
    record(actor, "api_token.revoke", token, now=now, before={"revoked": False}, after={"revoked": True})
    return True


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def is_plausible(secret: str) -> bool:
    """The shape `create` produces, checked before touching the database."""
    body = secret[len(PREFIX) :]
    return secret.startswith(PREFIX) and 40 <= len(body) <= 64 and all(c.isalnum() or c in "-_" for c in body)


def find(secret: str) -> ApiToken | None:
    """The token of this secret, whatever its state (the caller checks `is_usable`)."""
    if not is_plausible(secret):
        return None
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
