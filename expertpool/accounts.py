"""Accounts shared by the features: finding a user, the signed links mailed to users, inviting a user.

Signing in is the auth feature's, managing users the coordination feature's; both invite people and
read these links, so the invitation (and its mail) lives here, outside both (a feature never imports
another).
"""

from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from expertpool import audit
from expertpool.extensions import db
from expertpool.links import page_link
from expertpool.mail import send_template_mail
from expertpool.models import PoolSettings, User


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))


# --- signed links -------------------------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"expertpool-{purpose}")


def make_link_token(user: User, purpose: str) -> str:
    """A signed token bound to the user's current session token: once the password is set (which
    rotates it), the link stops working."""
    return _serializer(purpose).dumps({"u": user.id, "t": user.session_token})


class LinkError(Exception):
    def __init__(self, expired: bool):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def user_from_link_token(token: str, purpose: str, max_age: timedelta) -> User:
    try:
        data = _serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as exc:
        raise LinkError(expired=True) from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise LinkError(expired=False) from exc
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise LinkError(expired=False)
    user = db.session.get(User, data["u"])
    if user is None or not user.active or user.session_token != data.get("t"):
        raise LinkError(expired=False)
    return user


# --- invitations ---------------------------------------------------------------------------------


def send_invitation(user: User, *, now: datetime) -> None:
    # page_link, not url_for: an invitation also leaves from the CLI and the demo's seed (no request).
    link = page_link("auth.accept_invitation", token=make_link_token(user, "invite"))
    base = current_app.config["EXPERTPOOL_BASE_URL"].rstrip("/")
    send_template_mail(user, "invitation", now=now, pool=_pool_name(), link=base + link)
    user.invited_at = now


def invite_user(
    *, email: str, name: str, role: str, member_id: int | None, actor: User, now: datetime, locale: str = "fr"
) -> User:
    """Create an account without a password and mail a signed link to choose one."""
    user = User(email=email, name=name, role=role, member_id=member_id, locale=locale, created_at=now)
    db.session.add(user)
    db.session.flush()
    audit.record(
        actor,
        "user.invite",
        user,
        now=now,
        after=audit.snapshot(user, "email", "role", "member_id"),
        member_id=member_id,
    )
    send_invitation(user, now=now)
    return user


def _pool_name() -> str:
    return PoolSettings.load(db.session).name
