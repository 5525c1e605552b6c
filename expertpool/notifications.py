"""In-app notifications, with the same text mailed when the event matters enough to interrupt."""

from datetime import datetime

from sqlalchemy import func, select

from expertpool.extensions import db
from expertpool.i18n import translate_for
from expertpool.mail import send_mail
from expertpool.models import Notification, User, UserRole


def notify(
    user: User, kind: str, message: str, *, now: datetime, link: str = "", mail_subject: str | None = None
) -> Notification:
    """Add a notification for `user` (and mail it when `mail_subject` is given).

    `message` and `mail_subject` should already be in the user's language (see `translate_for`).
    """
    note = Notification(user_id=user.id, kind=kind, message=message, link=link, created_at=now)
    db.session.add(note)
    if mail_subject and user.active:
        body = message + (f"\n\n{absolute(link)}" if link else "")
        send_mail(user.email, mail_subject, body)
    return note


def absolute(link: str) -> str:
    from flask import current_app

    return current_app.config["EXPERTPOOL_BASE_URL"].rstrip("/") + link if link.startswith("/") else link


def notify_staff(kind: str, message_fr: str, *, now: datetime, link: str = "", **params) -> None:
    """Tell every active coordinator and administrator (in-app only: they see it on their home page)."""
    staff = db.session.scalars(
        select(User).where(User.role.in_((UserRole.COORDINATOR, UserRole.ADMIN)), User.active.is_(True))
    )
    for user in staff:
        notify(user, kind, translate_for(user, message_fr, **params), now=now, link=link)


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )
