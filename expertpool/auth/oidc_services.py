"""Linking provider identities to users: sign-in, first link, invitations, join requests and unlinking."""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, url_for
from sqlalchemy import select

from expertpool import audit
from expertpool.accounts import find_user_by_email
from expertpool.auth.oidc import ProviderClaims
from expertpool.extensions import db
from expertpool.mail import send_template_mail
from expertpool.models import JoinRequest, JoinRequestStatus, Member, ProviderIdentity, User, UserRole, is_valid_siren
from expertpool.notifications import absolute, notify, notify_staff

# What happened at a provider sign-in; the view says it to the person.
SIGNED_IN = "signed_in"
LINKED = "linked"  # an existing account, linked at this first sign-in
INVITATION_ACCEPTED = "invitation_accepted"
INACTIVE = "inactive"
UNVERIFIED_EMAIL = "unverified_email"
JOIN_POSSIBLE = "join_possible"  # unknown person whose SIRET names a member
UNKNOWN = "unknown"


@dataclass
class Outcome:
    kind: str
    user: User | None = None
    identity: ProviderIdentity | None = None
    member: Member | None = None


def email_is_verified(claims: ProviderClaims) -> bool:
    """`email_verified: true`, or no such claim from an issuer that vouches for the emails it sends."""
    if not claims.email:
        return False
    if claims.email_verified is None:
        return claims.issuer in current_app.config["OIDC_TRUSTED_EMAIL_ISSUERS"]
    return claims.email_verified


def find_identity(issuer: str, subject: str) -> ProviderIdentity | None:
    return db.session.scalar(
        select(ProviderIdentity).where(ProviderIdentity.issuer == issuer, ProviderIdentity.subject == subject)
    )


def member_for_siret(siret: str) -> Member | None:
    """The active member whose SIREN starts the SIRET (a SIRET is the SIREN and a 5-digit establishment)."""
    if len(siret) != 14 or not siret.isdigit() or not is_valid_siren(siret[:9]):
        return None
    return db.session.scalar(select(Member).where(Member.siren == siret[:9], Member.active.is_(True)))


def sign_in(claims: ProviderClaims, *, now: datetime) -> Outcome:
    """Who this provider identity is here. Writes (and audits) only for LINKED and INVITATION_ACCEPTED,
    and the last use of a known identity; the view refuses the other outcomes without writing."""
    identity = find_identity(claims.issuer, claims.subject)
    if identity is not None:
        if not identity.user.active:
            return Outcome(INACTIVE, user=identity.user)
        identity.last_used = now
        return Outcome(SIGNED_IN, user=identity.user, identity=identity)
    if not email_is_verified(claims):
        return Outcome(UNVERIFIED_EMAIL)
    user = find_user_by_email(claims.email)
    if user is not None:
        if not user.active:
            return Outcome(INACTIVE, user=user)
        invited = not user.has_password
        identity = link_identity(user, claims, actor=user, now=now)
        if invited:
            # Accepting the invitation through the provider: the invitation link stops working, as after
            # choosing a password.
            user.rotate_session_token()
            audit.record(
                user,
                "user.accept_invitation_provider",
                user,
                now=now,
                before={"had_password": False},
                after={"issuer": claims.issuer},
                member_id=user.member_id,
            )
        return Outcome(INVITATION_ACCEPTED if invited else LINKED, user=user, identity=identity)
    member = member_for_siret(claims.siret)
    return Outcome(JOIN_POSSIBLE, member=member) if member is not None else Outcome(UNKNOWN)


def link_identity(user: User, claims: ProviderClaims, *, actor: User, now: datetime) -> ProviderIdentity:
    identity = ProviderIdentity(
        issuer=claims.issuer, subject=claims.subject, user_id=user.id, email=claims.email, created_at=now, last_used=now
    )
    db.session.add(identity)
    db.session.flush()
    audit.record(actor, "user.link_identity", identity, now=now, after=_picture(identity), member_id=user.member_id)
    return identity


def _picture(identity: ProviderIdentity) -> dict:
    return audit.snapshot(identity, "issuer", "subject", "user_id", "email")


def unlink_identity(identity: ProviderIdentity, *, actor: User, now: datetime) -> None:
    """Remove a link; the user's sessions end, since one may have been opened through it."""
    user = identity.user
    audit.record(actor, "user.unlink_identity", identity, now=now, before=_picture(identity), member_id=user.member_id)
    user.rotate_session_token()
    db.session.delete(identity)
    db.session.flush()


# --- join requests ------------------------------------------------------------------------------


def pending_join_request(issuer: str, subject: str) -> JoinRequest | None:
    return db.session.scalar(
        select(JoinRequest).where(
            JoinRequest.issuer == issuer,
            JoinRequest.subject == subject,
            JoinRequest.status == JoinRequestStatus.PENDING,
        )
    )


def request_to_join(claims: ProviderClaims, member: Member, *, now: datetime) -> JoinRequest:
    """Ask to join `member`: its users (or the coordinators, when it has none) are told."""
    join = JoinRequest(
        member_id=member.id,
        issuer=claims.issuer,
        subject=claims.subject,
        email=claims.email,
        name=claims.name[:200],
        siret=claims.siret,
        status=JoinRequestStatus.PENDING,
        created_at=now,
    )
    db.session.add(join)
    db.session.flush()
    audit.record(
        None,
        "user.join_request",
        join,
        now=now,
        after=audit.snapshot(join, "member_id", "email", "name", "siret", "issuer", "subject"),
        member_id=member.id,
    )
    link = url_for("oidc.join_requests")
    params = {"name": join.name, "email": join.email, "member": member.name}
    deciders = [user for user in member.users if user.active and user.role == UserRole.MEMBER]
    for user in deciders:
        notify(user, "join_request", params, now=now, link=link)
    notify_staff("join_request.staff", params, now=now, link=link)
    return join


def join_requests_for(user: User) -> list[JoinRequest]:
    """The pending requests `user` may decide: their member's, or all of them for the staff."""
    query = select(JoinRequest).where(JoinRequest.status == JoinRequestStatus.PENDING)
    if not user.is_staff:
        query = query.where(JoinRequest.member_id == user.member_id)
    return list(db.session.scalars(query.order_by(JoinRequest.created_at, JoinRequest.id)))


class JoinConflict(Exception):
    """The request can no longer be approved as is (someone already has the address or the identity)."""


def approve_join(join: JoinRequest, *, actor: User, now: datetime) -> User:
    """Create the member user, linked to the identity, and tell them they may sign in."""
    if find_user_by_email(join.email) is not None or find_identity(join.issuer, join.subject) is not None:
        raise JoinConflict(join.email)
    user = User(
        email=join.email, name=join.name, role=UserRole.MEMBER, member_id=join.member_id, locale="fr", created_at=now
    )
    db.session.add(user)
    db.session.flush()
    identity = ProviderIdentity(
        issuer=join.issuer, subject=join.subject, user_id=user.id, email=join.email, created_at=now
    )
    db.session.add(identity)
    before = audit.snapshot(join, "status")
    join.status = JoinRequestStatus.APPROVED
    join.decided_at, join.decided_by_id, join.user_id = now, actor.id, user.id
    db.session.flush()
    audit.record(
        actor,
        "user.join_approve",
        join,
        now=now,
        before=before,
        after={**audit.snapshot(join, "status", "user_id"), "identity_id": identity.id},
        member_id=join.member_id,
    )
    send_template_mail(user, "join_approved", now=now, member=join.member.name, link=absolute(url_for("auth.login")))
    return user


def refuse_join(join: JoinRequest, *, actor: User, now: datetime) -> None:
    before = audit.snapshot(join, "status")
    join.status = JoinRequestStatus.REFUSED
    join.decided_at, join.decided_by_id = now, actor.id
    audit.record(
        actor,
        "user.join_refuse",
        join,
        now=now,
        before=before,
        after=audit.snapshot(join, "status"),
        member_id=join.member_id,
    )
    db.session.flush()
