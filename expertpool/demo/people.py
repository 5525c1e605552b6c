"""The demo's staff, structures, member users and experts, and the experts' leave."""

import random
from datetime import timedelta

from sqlalchemy import select

from expertpool import audit, week_patterns
from expertpool.agenda import unavailability
from expertpool.demo.context import Ctx, ago
from expertpool.demo.data import (
    ABERS,
    ADMIN_EMAIL,
    COMMUNES,
    COORDINATOR_EMAIL,
    DEMO_DOMAIN,
    EPCI_EMAIL,
    EPCIS,
    EXPERTS,
    MAYOR_COMMUNE,
    MAYOR_EMAIL,
    OTHER_MEMBER_USERS,
    OTHER_MEMBERS,
    ROLES,
)
from expertpool.extensions import db
from expertpool.models import (
    Expert,
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
from expertpool.timeutil import today_paris


def _user(
    ctx: Ctx,
    email: str,
    name: str,
    role: str,
    password_hash: str,
    member: Member | None = None,
    created_days_ago: int = 400,
) -> User:
    user = User(
        email=email,
        name=name,
        role=role,
        member_id=member.id if member else None,
        password_hash=password_hash,
        created_at=ago(ctx, created_days_ago),
        password_changed_at=ago(ctx, created_days_ago),
        locale="fr",
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        ctx.coordinator,
        "user.create",
        user,
        now=user.created_at,
        after=audit.snapshot(user, "email", "role", "member_id"),
        member_id=user.member_id,
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


def seed_members(ctx: Ctx) -> None:
    created = ago(ctx, 700)
    for name, siren in EPCIS.items():
        epci = Member(
            name=name,
            kind=MemberKind.EPCI,
            siren=siren if is_valid_siren(siren) else None,
            holds_envelope=(name == ABERS),
            population=None,
            contribution_cents=(9_000_00 if name == ABERS else 5_400_00),
            email=f"contact@{_slug(name)}.example",
            created_at=created,
        )
        ctx.members[name] = epci
    db.session.add_all(ctx.members.values())
    db.session.flush()
    for name, insee, population, epci in COMMUNES:
        ctx.members[name] = Member(
            name=name,
            kind=MemberKind.COMMUNE,
            insee_code=insee,
            population=population,
            parent_id=ctx.members[epci].id if epci else None,
            contribution_cents=_contribution_cents(population, ctx.rng),
            address=f"Mairie, {name}",
            email=f"mairie@{_slug(name)}.example",
            created_at=created,
        )
    for name, kind, town, euros in OTHER_MEMBERS:
        ctx.members[name] = Member(
            name=name,
            kind=kind,
            contribution_cents=euros * 100,
            address=town,
            email=f"contact@{_slug(name)}.example",
            created_at=created,
        )
    # A commune that left the pool last year: still listed, no longer active.
    ctx.members["Lanneuffret"].active = False
    db.session.add_all(ctx.members.values())
    db.session.flush()
    admin = ctx.users[ADMIN_EMAIL]
    for member in ctx.members.values():
        audit.record(
            admin,
            "member.create",
            member,
            now=created,
            member_id=member.id,
            after=audit.snapshot(member, "name", "kind", "insee_code", "siren", "contribution_cents"),
        )


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


def seed_experts(ctx: Ctx, password_hash: str) -> None:
    for code, label, description in ROLES:
        role = db.session.scalar(select(Role).where(Role.code == code))
        if role is None:
            role = Role(code=code, label=label, description=description)
            db.session.add(role)
        ctx.roles[code] = role
    names = sorted({s for e in EXPERTS for s in e[3]} | {"gouvernance", "PostGIS"})
    existing = {s.name: s for s in db.session.scalars(select(Skill).where(Skill.name.in_(names)))}
    for name in names:
        ctx.skills[name] = existing.get(name) or Skill(name=name)
    db.session.add_all(ctx.skills.values())
    db.session.flush()
    for name, local, roles, skills, rate, pattern, bio in EXPERTS:
        user = _user(
            ctx,
            f"{local}@{DEMO_DOMAIN}",
            name,
            UserRole.EXPERT,
            password_hash,
            created_days_ago=ctx.rng.randint(300, 700),
        )
        mask = sum(week_bit(day, half) for day, halves in pattern.items() for half in halves)
        expert = Expert(
            user_id=user.id,
            display_name=name,
            bio=bio,
            day_rate_cents=rate * 100,
            week_mask=mask,
            works_remote=True,
            works_on_site=True,
            created_at=user.created_at,
        )
        expert.roles = [ctx.roles[code] for code in roles]
        expert.skills = [ctx.skills[s] for s in skills]
        ctx.experts.append(expert)
    db.session.add_all(ctx.experts)
    db.session.flush()
    for expert in ctx.experts:
        week_patterns.join(expert, since=today_paris(expert.created_at))
        audit.record(
            ctx.coordinator,
            "expert.create",
            expert,
            now=expert.created_at,
            expert_id=expert.id,
            after=audit.snapshot(expert, "display_name", "day_rate_cents", "week_mask"),
        )
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
        row, _flagged = unavailability.declare(
            expert,
            start=start,
            end=end,
            half=half,
            kind=kind,
            reason=reason,
            actor=expert.user,
            now=ago(ctx, max(1, (t - start).days + 30)),
        )
        ctx.unavailable.setdefault(expert.id, []).append(row)
