"""Secret calendar-feed tokens: calendar apps fetch feeds with the token alone; a new token revokes the old URL.

Shared by the feeds (create, check) and coordination (revoke, rotate when an account is deactivated)."""

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


def revoke(owner: Expert | Member, *, actor, now: datetime) -> bool:
    """The feed stops working, and nobody has a token until its owner asks for a new one."""
    if owner.feed_token is None:
        return False
    owner.feed_token = None
    db.session.flush()
    ids = {"expert_id": owner.id} if isinstance(owner, Expert) else {"member_id": owner.id}
    record(actor, "feed_token.revoke", owner, now=now, before={"had_token": True}, after={"has_token": False}, **ids)
    return True


def after_deactivation(user, *, actor, now: datetime) -> None:
    """A deactivated account takes its feeds with it: the expert's feed dies; its structure's shared feed
    is rotated."""
    if user.expert is not None:
        revoke(user.expert, actor=actor, now=now)
    rotate_shared_feed(user.member, actor=actor, now=now)


def rotate_shared_feed(member: Member | None, *, actor, now: datetime) -> None:
    """A member structure's feed is shared by its users: when one leaves (deactivated, moved elsewhere), the
    address changes, and the others find the new one on their calendar page."""
    if member is not None and member.feed_token is not None:
        regenerate(member, actor=actor, now=now)


def feed_owner_is_active(owner: Expert | Member) -> bool:
    """A feed answers only while its owner is active, and an expert's only while the expert's account is."""
    if not owner.active:
        return False
    return not isinstance(owner, Expert) or (owner.user is not None and owner.user.active)


def is_plausible(token: str) -> bool:
    """Cheap check before touching the database: the shape secrets.token_urlsafe produces."""
    return 20 <= len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)
