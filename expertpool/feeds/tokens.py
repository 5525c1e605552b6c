"""Secret feed tokens: calendar apps fetch feeds with the token alone; a new token revokes the old URL."""

import secrets
from datetime import datetime

from expertpool.audit import record
from expertpool.extensions import db
from expertpool.models import Expert, Member

TOKEN_BYTES = 32  # 43 URL-safe characters; the columns hold 64


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def regenerate(owner: Expert | Member, *, actor, now: datetime) -> str:
    """Give `owner` a new token (the old one stops working at once); audited without the secret itself."""
    had_token = owner.feed_token is not None
    owner.feed_token = new_token()
    db.session.flush()
    ids = {"expert_id": owner.id} if isinstance(owner, Expert) else {"member_id": owner.id}
    record(
        actor,
        "feed_token.regenerate" if had_token else "feed_token.create",
        owner,
        now=now,
        before={"had_token": had_token},
        after={"has_token": True},
        **ids,
    )
    return owner.feed_token


def is_plausible(token: str) -> bool:
    """Cheap check before touching the database: the shape secrets.token_urlsafe produces."""
    return 20 <= len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)
