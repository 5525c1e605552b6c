"""Managing user accounts: invite, change role, deactivate/reactivate, resend the invitation.

Who may act on which account and grant which role is decided in `expertpool/permissions.py`
(coordinators: members' and experts' accounts; admins: every account and the staff roles).
"""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from expertpool import feed_tokens
from expertpool.accounts import find_user_by_email, invite_user, send_invitation
from expertpool.audit import record, snapshot
from expertpool.extensions import db
from expertpool.models import User, UserRole
from expertpool.permissions import can_grant_role, can_manage_user
from expertpool.text_search import Field, search


class UserAdminError(ValueError):
    """A refused change; `field` names the form field the French message belongs next to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def search_users(q: str = "", role: str = "") -> Select:
    query = select(User).options(selectinload(User.member)).order_by(User.name, User.id)
    found = search([Field(User.search_name, 10), Field(func.lower(User.email), 1)], q, db.engine.dialect.name)
    if found is not None:
        query = query.where(found.where).order_by(None).order_by(found.rank.desc(), User.name, User.id)
    if role:
        query = query.where(User.role == role)
    return query


def invite(*, email: str, name: str, role: str, member_id: int | None, locale: str, actor: User, now: datetime) -> User:
    if not can_grant_role(actor, role):
        raise UserAdminError("role", _("Vous ne pouvez pas attribuer ce rôle."))
    if find_user_by_email(email) is not None:
        raise UserAdminError("email", _("Un compte existe déjà avec cette adresse."))
    return invite_user(
        email=email,
        name=name.strip(),
        role=role,
        member_id=member_id if role == UserRole.MEMBER else None,
        actor=actor,
        now=now,
        locale=locale,
    )


def change_role(user: User, *, role: str, member_id: int | None, actor: User, now: datetime) -> bool:
    if not can_manage_user(actor, user) or not can_grant_role(actor, role):
        raise UserAdminError("role", _("Vous ne pouvez pas attribuer ce rôle à ce compte."))
    member_id = member_id if role == UserRole.MEMBER else None
    before = snapshot(user, "role", "member_id")
    if before == {"role": role, "member_id": member_id}:
        return False
    if user.member is not None and user.member_id != member_id:
        feed_tokens.rotate_shared_feed(user.member, actor=actor, now=now)  # leaving the structure
    user.role = role
    user.member_id = member_id
    # A new role must not keep the powers of the old one in an open session.
    user.rotate_session_token()
    db.session.flush()
    record(
        actor,
        "user.role",
        user,
        now=now,
        before=before,
        after=snapshot(user, "role", "member_id"),
        member_id=member_id or before["member_id"],
    )
    return True


def set_user_active(user: User, active: bool, *, actor: User, now: datetime) -> bool:
    if not can_manage_user(actor, user):
        raise UserAdminError("active", _("Vous ne pouvez pas modifier ce compte."))
    if active and user.anonymised_at is not None:
        raise UserAdminError("active", _("Ce compte a été anonymisé : il ne peut pas être réactivé."))
    if user.active == active:
        return False
    user.active = active
    if not active:
        user.rotate_session_token()  # ends every open session of the account at once
        feed_tokens.after_deactivation(user, actor=actor, now=now)
    db.session.flush()
    record(
        actor,
        "user.reactivate" if active else "user.deactivate",
        user,
        now=now,
        before={"active": not active},
        after={"active": active},
        member_id=user.member_id,
    )
    return True


def resend_invitation(user: User, *, actor: User, now: datetime) -> None:
    if not can_manage_user(actor, user):
        raise UserAdminError("invite", _("Vous ne pouvez pas modifier ce compte."))
    if user.has_password or not user.active:
        raise UserAdminError("invite", _("Ce compte a déjà choisi son mot de passe ou est désactivé."))
    before = snapshot(user, "invited_at")
    send_invitation(user, now=now)
    db.session.flush()
    record(
        actor,
        "user.resend_invitation",
        user,
        now=now,
        before=before,
        after=snapshot(user, "invited_at"),
        member_id=user.member_id,
    )
