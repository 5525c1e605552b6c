"""The demo's staff, structures, member users and experts, and the experts' leave."""

import random
from datetime import timedelta

from sqlalchemy import select

from expertpool import accounts
from expertpool.agenda import unavailability
from expertpool.auth.services import set_password
from expertpool.coordination.experts_admin import create_expert, save_role, save_skill
from expertpool.coordination.members import create_member, set_member_active
from expertpool.demo.context import Ctx, ago
from expertpool.demo.data import (
    ABERS,
    ADMIN_EMAIL,
    COMMUNES,
    COORDINATOR_EMAIL,
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    EPCI_EMAIL,
    EPCIS,
    EXPERTS,
    MAYOR_COMMUNE,
    MAYOR_EMAIL,
    OTHER_MEMBER_USERS,
    OTHER_MEMBERS,
    REQUESTS,
    ROLES,
)
from expertpool.extensions import db
from expertpool.models import (
    Member,
    MemberKind,
    Role,
    Skill,
    UnavailabilityKind,
    User,
    UserRole,
    is_valid_siren,
)
from expertpool.models.expert import week_bit


def _user(
    ctx: Ctx,
    email: str,
    name: str,
    role: str,
    password_hash: str,
    member: Member | None = None,
    created_days_ago: int = 400,
) -> User:
    """Invited by the staff (accounts.invite_user: its audit row and its mail), then the invitation
    accepted: the password chosen the next hour (one hash for every demo login: argon2 is slow)."""
    invited = ago(ctx, created_days_ago)
    inviter = ctx.coordinator or ctx.users.get(ADMIN_EMAIL)
    user = accounts.invite_user(
        email=email, name=name, role=role, member_id=member.id if member else None, actor=inviter, now=invited
    )
    set_password(
        user,
        DEMO_PASSWORD,
        actor=user,
        now=invited + timedelta(hours=1),
        action="user.accept_invitation",
        password_hash=password_hash,
    )
    ctx.users[email] = user
    return user


def seed_staff(ctx: Ctx, password_hash: str) -> None:
    _user(ctx, ADMIN_EMAIL, "Annaïg Morvan", UserRole.ADMIN, password_hash, created_days_ago=720)
    ctx.coordinator = _user(
        ctx, COORDINATOR_EMAIL, "Pierre-Yves Le Roux", UserRole.COORDINATOR, password_hash, created_days_ago=700
    )


def _contribution_cents(population: int, rng: random.Random) -> int:
    """Lognormal-ish: grows slower than the population (small communes pay a floor), with noise."""
    euros = 24 * population**0.6 * rng.lognormvariate(0, 0.25)
    return max(500, round(euros / 10) * 10) * 100


def _member(ctx: Ctx, name: str, data: dict) -> Member:
    """A structure as the coordination's member form creates it (its audit row included)."""
    member = create_member({"name": name, **data}, actor=ctx.users[ADMIN_EMAIL], now=ago(ctx, 700))
    ctx.members[name] = member
    return member


def seed_members(ctx: Ctx) -> None:
    for name, siren in EPCIS.items():
        _member(
            ctx,
            name,
            {
                "kind": MemberKind.EPCI,
                "siren": siren if is_valid_siren(siren) else None,
                "holds_envelope": name == ABERS,
                "contribution_cents": 9_000_00 if name == ABERS else 5_400_00,
                "email": f"contact@{_slug(name)}.example",
            },
        )
    for name, insee, population, epci in COMMUNES:
        _member(
            ctx,
            name,
            {
                "kind": MemberKind.COMMUNE,
                "insee_code": insee,
                "population": population,
                "parent_id": ctx.members[epci].id if epci else None,
                "contribution_cents": _contribution_cents(population, ctx.rng),
                "address": f"Mairie, {name}",
                "email": f"mairie@{_slug(name)}.example",
            },
        )
    for name, kind, town, euros in OTHER_MEMBERS:
        _member(
            ctx,
            name,
            {
                "kind": kind,
                "contribution_cents": euros * 100,
                "address": town,
                "email": f"contact@{_slug(name)}.example",
            },
        )
    # A commune that left the pool last year: still listed, no longer active.
    set_member_active(ctx.members["Lanneuffret"], False, actor=ctx.users[ADMIN_EMAIL], now=ago(ctx, 300))


def _slug(name: str) -> str:
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() else "-" for c in ascii_name.lower()).strip("-")[:40]


def seed_member_users(ctx: Ctx, password_hash: str) -> None:
    _user(
        ctx,
        MAYOR_EMAIL,
        "Marie-Annick Le Guen",
        UserRole.MEMBER,
        password_hash,
        member=ctx.members[MAYOR_COMMUNE],
        created_days_ago=380,
    )
    _user(
        ctx,
        EPCI_EMAIL,
        "Christophe Abiven",
        UserRole.MEMBER,
        password_hash,
        member=ctx.members[ABERS],
        created_days_ago=500,
    )
    for member_name, name, local in OTHER_MEMBER_USERS:
        _user(
            ctx,
            f"{local}@{DEMO_DOMAIN}",
            name,
            UserRole.MEMBER,
            password_hash,
            member=ctx.members[member_name],
            created_days_ago=ctx.rng.randint(60, 600),
        )
    # Every structure that sends a request does it through one of its users: the secretariat's
    # account for those without a named user in member_users.json.
    named = {ctx.members[MAYOR_COMMUNE].id, ctx.members[ABERS].id} | {
        ctx.members[member_name].id for member_name, _, _ in OTHER_MEMBER_USERS
    }
    for member_name in dict.fromkeys(spec.member for spec in REQUESTS):
        member = ctx.members[member_name]
        if member.id not in named:
            named.add(member.id)
            _user(
                ctx,
                f"secretariat.{_slug(member_name)}@{DEMO_DOMAIN}",
                f"Secrétariat – {member_name}",
                UserRole.MEMBER,
                password_hash,
                member=member,
                created_days_ago=ctx.rng.randint(200, 600),
            )


def seed_experts(ctx: Ctx, password_hash: str) -> None:
    admin = ctx.users[ADMIN_EMAIL]
    created = ago(ctx, 710)
    for code, label, description in ROLES:
        role = db.session.scalar(select(Role).where(Role.code == code))
        if role is None:
            role = save_role(None, {"code": code, "label": label, "description": description}, actor=admin, now=created)
        ctx.roles[code] = role
    names = sorted({s for e in EXPERTS for s in e[3]} | {"gouvernance", "PostGIS"})
    existing = {s.name: s for s in db.session.scalars(select(Skill).where(Skill.name.in_(names)))}
    for name in names:
        ctx.skills[name] = existing.get(name) or save_skill(None, name, actor=admin, now=created)
    for name, local, roles, skills, rate, pattern, bio in EXPERTS:
        user = _user(
            ctx,
            f"{local}@{DEMO_DOMAIN}",
            name,
            UserRole.EXPERT,
            password_hash,
            created_days_ago=ctx.rng.randint(300, 700),
        )
        data = {
            "display_name": name,
            "user_id": user.id,
            "bio": bio,
            "day_rate_cents": rate * 100,
            "week_mask": sum(week_bit(day, half) for day, halves in pattern.items() for half in halves),
            "works_remote": True,
            "works_on_site": True,
            "role_ids": [ctx.roles[code].id for code in roles],
            "skill_names": list(skills),
        }
        ctx.experts.append(create_expert(data, actor=ctx.coordinator, now=user.created_at + timedelta(hours=2)))
    _leave(ctx)


def _leave(ctx: Ctx) -> None:
    """Some leave in the past and the coming weeks, a training day, a half-day of other work."""
    t = ctx.today
    gwen, yann, soizic, erwan, nolwenn, ronan, maelle, loic = ctx.experts
    rows = [
        (soizic, t + timedelta(days=24), t + timedelta(days=35), None, UnavailabilityKind.LEAVE, "Congés annuels"),
        (soizic, t - timedelta(days=60), t - timedelta(days=56), None, UnavailabilityKind.LEAVE, "Congés"),
        (
            gwen,
            t + timedelta(days=9),
            t + timedelta(days=9),
            None,
            UnavailabilityKind.TRAINING,
            "Formation ANSSI : gestion de crise cyber",
        ),
        (ronan, t + timedelta(days=14), t + timedelta(days=20), None, UnavailabilityKind.LEAVE, "Congés"),
        (nolwenn, t - timedelta(days=20), t - timedelta(days=16), None, UnavailabilityKind.LEAVE, "Congés"),
        (
            loic,
            t + timedelta(days=3),
            t + timedelta(days=3),
            "pm",
            UnavailabilityKind.OTHER_WORK,
            "Astreinte au syndicat",
        ),
        (yann, t + timedelta(days=40), t + timedelta(days=44), None, UnavailabilityKind.LEAVE, "Congés"),
        (maelle, t - timedelta(days=7), t - timedelta(days=7), "am", UnavailabilityKind.OTHER, "Rendez-vous médical"),
    ]
    for expert, start, end, half, kind, reason in rows:
        # Declared by the expert through the agenda's own service (audited there); no booking exists
        # yet, so none is flagged and nobody is notified.
        unavailability.declare(
            expert,
            start=start,
            end=end,
            half=half,
            kind=kind,
            reason=reason,
            actor=expert.user,
            now=ago(ctx, max(1, (t - start).days + 30)),
        )
