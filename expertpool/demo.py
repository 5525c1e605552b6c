"""Demo data: a pool in Finistère with real communes, eight experts and a year of requests.

Everything is placed relative to `now`, so the app looks alive whenever the demo is loaded: past
weeks hold delivered half-days with reports and ratings, coming weeks hold planned ones. The seed is
idempotent (a second run changes nothing) and deterministic (a fixed random seed).

Commune names, INSEE codes and municipal populations are the real ones (INSEE legal populations of
2018 to 2021, checked against public sources); the two EPCI SIREN numbers are real and pass the check
digit; communes, associations and the school get no SIREN. People, associations and the school are
invented.
"""

import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from expertpool import audit, quotas
from expertpool.allocation.exchange import PLAN_FORMAT
from expertpool.allocation.explain import REASON_PARAMS
from expertpool.calendars import public_holidays
from expertpool.extensions import db
from expertpool.models import (
    AllocationRun,
    Booking,
    BookingStatus,
    Expert,
    InterventionRequest,
    Member,
    MemberKind,
    Notification,
    PeriodStatus,
    PoolSettings,
    Quota,
    QuotaAdjustment,
    QuotaKind,
    QuotaPeriod,
    QuotaPolicy,
    RequestMessage,
    RequestStatus,
    Role,
    RunMode,
    Skill,
    Unavailability,
    UnavailabilityKind,
    Urgency,
    User,
    UserRole,
    is_valid_siren,
)
from expertpool.models.expert import HALVES, week_bit
from expertpool.notifications import slot_params
from expertpool.timeutil import monday_of, today_paris

DEMO_PASSWORD = "demo-pool-bretagne-2027"  # noqa: S105 - the published demo password, printed by seed-demo
DEMO_DOMAIN = "demo.expertpool.fr"
POOL_NAME = "Finistère Numérique Partagé"
UNIT_PRICE_CENTS = 18_000  # 180 € HT per half-day

ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
COORDINATOR_EMAIL = f"coordination@{DEMO_DOMAIN}"
EXPERT_EMAIL = f"expert@{DEMO_DOMAIN}"
MAYOR_EMAIL = f"mairie@{DEMO_DOMAIN}"
EPCI_EMAIL = f"epci@{DEMO_DOMAIN}"

# One login per role (the EPCI's user is a member user too); `seed-demo` and the README print these.
DEMO_LOGINS = [
    ("admin", ADMIN_EMAIL, DEMO_PASSWORD),
    ("coordinator", COORDINATOR_EMAIL, DEMO_PASSWORD),
    ("expert", EXPERT_EMAIL, DEMO_PASSWORD),
    ("member", MAYOR_EMAIL, DEMO_PASSWORD),
    ("member", EPCI_EMAIL, DEMO_PASSWORD),
]

IROISE = "Pays d'Iroise Communauté"
ABERS = "Communauté de communes du Pays des Abers"

# (name, SIREN) — real SIREN numbers of the two EPCI.
EPCIS = {IROISE: "242900074", ABERS: "242900553"}

# (name, INSEE code, municipal population, EPCI or None)
COMMUNES = [
    # Brest métropole
    ("Brest", "29019", 139_619, None),
    ("Bohars", "29011", 3_615, None),
    ("Gouesnou", "29061", 6_347, None),
    ("Guilers", "29069", 8_170, None),
    ("Guipavas", "29075", 15_460, None),
    ("Le Relecq-Kerhuon", "29235", 11_791, None),
    ("Plougastel-Daoulas", "29189", 13_445, None),
    ("Plouzané", "29212", 13_473, None),
    # Pays des Abers (holds an envelope shared with its communes)
    ("Plabennec", "29160", 8_589, ABERS),
    ("Bourg-Blanc", "29015", 3_542, ABERS),
    ("Coat-Méal", "29035", 1_107, ABERS),
    ("Le Drennec", "29047", 1_855, ABERS),
    ("Kersaint-Plabennec", "29095", 1_474, ABERS),
    ("Landéda", "29101", 3_572, ABERS),
    ("Lannilis", "29117", 5_708, ABERS),
    ("Loc-Brévalaire", "29126", 206, ABERS),
    ("Plouguerneau", "29195", 6_719, ABERS),
    ("Plouguin", "29196", 2_204, ABERS),
    ("Plouvien", "29209", 3_892, ABERS),
    ("Saint-Pabu", "29257", 2_067, ABERS),
    ("Tréglonou", "29290", 691, ABERS),
    # Pays d'Iroise
    ("Saint-Renan", "29260", 8_358, IROISE),
    ("Ploudalmézeau", "29178", 6_312, IROISE),
    ("Plouarzel", "29177", 3_854, IROISE),
    ("Locmaria-Plouzané", "29130", 5_138, IROISE),
    ("Milizac-Guipronvel", "29149", 4_606, IROISE),
    ("Le Conquet", "29040", 2_731, IROISE),
    ("Brélès", "29017", 868, IROISE),
    ("Lanrivoaré", "29119", 1_460, IROISE),
    # elsewhere in Finistère
    ("Quimper", "29232", 63_401, None),
    ("Morlaix", "29151", 14_729, None),
    ("Landerneau", "29103", 16_206, None),
    ("Ouessant", "29155", 838, None),
    ("Daoulas", "29043", 1_802, None),
    ("Dirinon", "29045", 2_228, None),
    ("Plouzévédé", "29213", 1_761, None),
    ("Plougasnou", "29188", 2_737, None),
    ("Plouigneau", "29199", 5_084, None),
    ("Pencran", "29156", 2_146, None),
    ("Saint-Divy", "29245", 1_587, None),
    ("Trémaouézan", "29295", 502, None),
    ("Lanneuffret", "29116", 150, None),
]

# (name, kind, town, yearly contribution in euros) — invented structures.
OTHER_MEMBERS = [
    ("Association Iroise Solidarités Numériques", MemberKind.ASSOCIATION, "Saint-Renan", 1_800),
    ("Association Les Amis de la Médiathèque des Abers", MemberKind.ASSOCIATION, "Lannilis", 900),
    ("Centre social Ti an Oll", MemberKind.ASSOCIATION, "Plouzané", 2_700),
    ("École publique de Kerzouar", MemberKind.SCHOOL, "Landéda", 1_080),
]

MAYOR_COMMUNE = "Tréglonou"

ROLES = [
    (
        "dsi",
        "DSI mutualisé",
        "Directeur ou directrice des systèmes d'information à temps partagé : stratégie, sécurité, achats, conformité.",
    ),
    (
        "dba",
        "Administrateur de bases de données (DBA)",
        "Bases de données des logiciels métier : installation, sauvegarde, migration, performance.",
    ),
    (
        "chef_projet",
        "Chef de projet numérique",
        "Conduite de projets : cahier des charges, marchés publics, déploiement, accompagnement des agents.",
    ),
]

# (display name, email local part, roles, skills, day rate €, week pattern, bio)
FULL = dict.fromkeys(range(5), ("am", "pm"))
EXPERTS = [
    (
        "Gwenaëlle Le Bihan",
        "gwenaelle.lebihan",
        ("dsi",),
        ("cybersécurité", "RGPD", "marchés publics", "Microsoft 365", "schéma directeur"),
        1_100,
        FULL,
        "Ancienne DSI d'une ville moyenne, accompagne les communes sur leur stratégie numérique et leur sécurité.",
    ),
    (
        "Yann Kerouédan",
        "yann.kerouedan",
        ("dsi", "chef_projet"),
        ("cybersécurité", "réseau", "sauvegarde", "GLPI", "téléphonie"),
        950,
        {0: HALVES, 1: HALVES, 3: HALVES, 4: HALVES},
        "Réseaux, sécurité et exploitation : audits, plans de sauvegarde et gestion d'incidents.",
    ),
    (
        "Soizic Guéguen",
        "expert",
        ("dba",),
        ("postgresql", "oracle", "sauvegarde", "SIG", "performance"),
        850,
        FULL,
        "DBA PostgreSQL et Oracle, spécialiste des logiciels de gestion des collectivités et de PostGIS.",
    ),
    (
        "Erwan Tanguy",
        "erwan.tanguy",
        ("dba",),
        ("postgresql", "mariadb", "sauvegarde", "Linux"),
        700,
        dict.fromkeys(range(5), ("am",)),
        "Administrateur de bases MariaDB et PostgreSQL, le matin uniquement (temps partiel).",
    ),
    (
        "Nolwenn Cariou",
        "nolwenn.cariou",
        ("dba",),
        ("oracle", "sql server", "sauvegarde", "RGPD"),
        800,
        dict.fromkeys(range(4), HALVES),
        "Oracle et SQL Server : montées de version, purges RGPD, reprise de données.",
    ),
    (
        "Ronan Le Gall",
        "ronan.legall",
        ("chef_projet",),
        ("marchés publics", "dématérialisation", "Microsoft 365", "conduite du changement"),
        750,
        FULL,
        "Chef de projet : du cahier des charges au déploiement, avec les agents.",
    ),
    (
        "Maëlle Quéré",
        "maelle.quere",
        ("chef_projet",),
        ("SIG", "RGPD", "site web", "dématérialisation"),
        650,
        {0: HALVES, 1: HALVES, 3: HALVES},
        "Projets SIG et sites web des petites communes, trois jours par semaine.",
    ),
    (
        "Loïc Abgrall",
        "loic.abgrall",
        ("chef_projet",),
        ("GLPI", "téléphonie", "réseau", "Microsoft 365"),
        600,
        FULL,
        "Déploiements de parc, téléphonie IP et outils collaboratifs.",
    ),
]

# Member users besides the two demo logins: (member name, name, email local part).
OTHER_MEMBER_USERS = [
    ("Plouzané", "Céline Jézéquel", "dgs.plouzane"),
    ("Saint-Renan", "Hervé Le Roux", "informatique.saintrenan"),
    ("Lannilis", "Anne Bodénès", "secretariat.lannilis"),
    ("Loc-Brévalaire", "Jean-Yves Le Lann", "mairie.locbrevalaire"),
    ("Quimper", "Thomas Kerhervé", "dsi.quimper"),
    (IROISE, "Sophie Le Goff", "numerique.iroise"),
    ("Association Iroise Solidarités Numériques", "Martine Calvez", "iroise.solidarites"),
    ("École publique de Kerzouar", "Fabienne Pellen", "ecole.kerzouar"),
]


@dataclass
class _Ctx:
    """What the builders share: the clock, lookups by name, and the half-days already booked."""

    now: datetime
    today: date
    region: str
    rng: random.Random
    members: dict[str, Member] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    skills: dict[str, Skill] = field(default_factory=dict)
    experts: list[Expert] = field(default_factory=list)
    unavailable: dict[int, list[Unavailability]] = field(default_factory=dict)
    taken: set[tuple[int, date, str]] = field(default_factory=set)
    holidays: dict[date, str] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    coordinator: User | None = None
    runs: list[AllocationRun] = field(default_factory=list)
    assignments: dict[int, list[dict]] = field(default_factory=dict)  # run id -> plan assignments
    unserved: dict[int, list[dict]] = field(default_factory=dict)  # run id -> plan unserved


def demo_exists() -> bool:
    return db.session.scalar(select(func.count(User.id)).where(User.email == ADMIN_EMAIL)) > 0


def seed(*, now: datetime, force: bool = False) -> bool:
    """Load the demo pool once. Returns False (changing nothing) when it is there already, or when the
    database holds other accounts and `force` is not given (never mix demo data into a real pool)."""
    if demo_exists():
        return False
    if not force and db.session.scalar(select(func.count(User.id))) > 0:
        return False
    from expertpool.auth.services import hash_password

    settings = PoolSettings.load(db.session)
    settings.name = POOL_NAME
    settings.contact_email = f"contact@{DEMO_DOMAIN}"
    settings.unit_price_cents = UNIT_PRICE_CENTS
    settings.auto_approve_max_half_days = 2
    today = today_paris(now)
    rng = random.Random(29)  # noqa: S311 - a reproducible demo, nothing secret
    ctx = _Ctx(now=now, today=today, region=settings.holidays_region, rng=rng)
    ctx.holidays = public_holidays(ctx.region, today - timedelta(days=400), today + timedelta(days=400))
    password_hash = hash_password(DEMO_PASSWORD)  # argon2 is slow on purpose: hash once, share it

    _staff(ctx, password_hash)
    _members(ctx)
    _member_users(ctx, password_hash)
    _experts(ctx, password_hash)
    period = _quotas(ctx)
    _runs(ctx)
    _requests(ctx)
    _finish_runs(ctx)
    _notifications(ctx)
    db.session.flush()
    audit.record(
        ctx.users[ADMIN_EMAIL],
        "demo.seed",
        settings,
        now=now,
        after={"pool": POOL_NAME, "period": period.name, "members": len(ctx.members), "experts": len(ctx.experts)},
    )
    db.session.flush()
    return True


# --- people and structures -------------------------------------------------------------------------


def _ago(ctx: _Ctx, days: float, hour: int = 9) -> datetime:
    """A moment `days` before now, at a plausible office hour (UTC)."""
    moment = (ctx.now - timedelta(days=days)).replace(
        hour=hour, minute=ctx.rng.randrange(0, 60, 5), second=0, microsecond=0
    )
    return min(moment, ctx.now - timedelta(minutes=5))


def _user(
    ctx: _Ctx,
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
        created_at=_ago(ctx, created_days_ago),
        password_changed_at=_ago(ctx, created_days_ago),
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


def _staff(ctx: _Ctx, password_hash: str) -> None:
    _user(ctx, ADMIN_EMAIL, "Annaïg Morvan", UserRole.ADMIN, password_hash, created_days_ago=720)
    ctx.coordinator = _user(
        ctx, COORDINATOR_EMAIL, "Pierre-Yves Le Roux", UserRole.COORDINATOR, password_hash, created_days_ago=700
    )


def _contribution_cents(population: int, rng: random.Random) -> int:
    """Lognormal-ish: grows slower than the population (small communes pay a floor), with noise."""
    euros = 24 * population**0.6 * rng.lognormvariate(0, 0.25)
    return max(500, round(euros / 10) * 10) * 100


def _members(ctx: _Ctx) -> None:
    created = _ago(ctx, 700)
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


def _member_users(ctx: _Ctx, password_hash: str) -> None:
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


def _experts(ctx: _Ctx, password_hash: str) -> None:
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
        audit.record(
            ctx.coordinator,
            "expert.create",
            expert,
            now=expert.created_at,
            expert_id=expert.id,
            after=audit.snapshot(expert, "display_name", "day_rate_cents", "week_mask"),
        )
    _leave(ctx)


def _leave(ctx: _Ctx) -> None:
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
        row = Unavailability(
            expert_id=expert.id,
            start_date=start,
            end_date=end,
            half=half,
            kind=kind,
            reason=reason,
            created_by_id=expert.user_id,
            created_at=_ago(ctx, max(1, (t - start).days + 30)),
        )
        db.session.add(row)
        ctx.unavailable.setdefault(expert.id, []).append(row)
        audit.record(
            expert.user,
            "unavailability.create",
            row,
            now=row.created_at,
            expert_id=expert.id,
            after=audit.snapshot(row, "start_date", "end_date", "half", "kind"),
        )


# --- drawing rights --------------------------------------------------------------------------------


# How far ahead the demo's bookings reach (the furthest request starts 45 days ahead, then takes
# its expert's free half-days): next year's period is open when they may reach it.
DEMO_BOOKING_REACH = timedelta(weeks=16)


def _quotas(ctx: _Ctx) -> QuotaPeriod:
    """Last year's closed period and this year's open one, proportional to the contributions."""
    year = ctx.today.year
    days_into_year = (ctx.today - date(year, 1, 1)).days
    previous = _period(year - 1, PeriodStatus.CLOSED, opened=_ago(ctx, days_into_year + 365))
    current = _period(year, PeriodStatus.OPEN, opened=_ago(ctx, days_into_year))
    upcoming = None
    if ctx.today + DEMO_BOOKING_REACH > current.end_date:
        # The demo books half-days up to a few months ahead, and a half-day is booked only inside an
        # open period: late in the year the coordinator has already prepared and opened next year's.
        upcoming = _period(year + 1, PeriodStatus.OPEN, opened=_ago(ctx, 7))
    payers = [m for m in ctx.members.values() if m.active]
    carried = {"Plouzané": 6, "Saint-Renan": 4, "Lannilis": 3, "Coat-Méal": 2}
    rows = []
    for member in payers:
        entitled = member.contribution_cents // UNIT_PRICE_CENTS
        rows.append(Quota(period=previous, member_id=member.id, entitled_half_days=entitled))
        rows.append(
            Quota(
                period=current,
                member_id=member.id,
                entitled_half_days=entitled,
                carried_over_half_days=carried.get(member.name, 0),
            )
        )
    abers = ctx.members[ABERS]
    rows.append(Quota(period=current, member_id=abers.id, kind=QuotaKind.ENVELOPE, entitled_half_days=40))
    rows.append(Quota(period=previous, member_id=abers.id, kind=QuotaKind.ENVELOPE, entitled_half_days=36))
    if upcoming is not None:
        rows.extend(
            Quota(period=upcoming, member_id=m.id, entitled_half_days=m.contribution_cents // UNIT_PRICE_CENTS)
            for m in payers
        )
        rows.append(Quota(period=upcoming, member_id=abers.id, kind=QuotaKind.ENVELOPE, entitled_half_days=40))
    db.session.add_all(rows)
    db.session.flush()
    by_member = {(q.member_id, q.kind): q for q in rows if q.period is current}
    adjustments = [
        ("Ouessant", 4, "Île : temps de trajet compté en plus (délibération du comité syndical)", 80),
        ("Brest", -10, "Transfert de 5 jours vers l'enveloppe du Pays des Abers (convention)", 60),
        ("Loc-Brévalaire", 2, "Commune de moins de 500 habitants : socle minimal", 75),
        ("Tréglonou", 2, "Commune de moins de 500 habitants : socle minimal", 75),
        ("Centre social Ti an Oll", 2, "Adhésion en cours d'année : prorata corrigé", 30),
    ]
    for name, delta, reason, days_ago in adjustments:
        quota = by_member[(ctx.members[name].id, QuotaKind.OWN)]
        at = _ago(ctx, min(days_ago, days_into_year))
        before = audit.snapshot(quota, "adjusted_half_days")
        quota.adjustments.append(
            QuotaAdjustment(delta_half_days=delta, reason=reason, created_by_id=ctx.coordinator.id, created_at=at)
        )
        quota.adjusted_half_days += delta
        audit.record(
            ctx.coordinator,
            "quota.adjust",
            quota,
            now=at,
            before=before,
            after={"adjusted_half_days": quota.adjusted_half_days, "reason": reason},
            member_id=quota.member_id,
        )
    return current


def _period(year: int, status: str, opened: datetime) -> QuotaPeriod:
    period = QuotaPeriod(
        name=str(year),
        start_date=date(year, 1, 1),
        end_date=date(year, 12, 31),
        policy=QuotaPolicy.PROPORTIONAL,
        unit_price_cents=UNIT_PRICE_CENTS,
        carry_over_cap_half_days=6,
        status=status,
        opened_at=opened,
    )
    db.session.add(period)
    db.session.flush()
    audit.record(
        None,
        "period.open",
        period,
        now=opened,
        after=audit.snapshot(period, "name", "start_date", "end_date", "policy", "unit_price_cents"),
    )
    return period


# --- requests, bookings, threads -------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    """One demo request: who asks what, in which state, and where its half-days sit (days from today)."""

    member: str
    role: str
    title: str
    status: str
    half_days: int
    skills: tuple[str, ...] = ()
    urgency: str = Urgency.NORMAL
    expert: int | None = None  # index into EXPERTS of the expert who comes (or is preferred)
    start: int = 0  # first booked day relative to today (negative: in the past)
    booked: int | None = None  # half-days booked (default: what the status implies)
    approved: int | None = None  # approved_half_days when the coordinator adjusted the request
    over_quota: int = 0
    created: int = 30  # days ago
    note: str = ""  # rejection / cancellation reason, approval note, or unserved explanation
    rating: int | None = None
    comment: str = ""
    report: str = ""
    description: str = ""
    this_week: bool = False  # `start` counts from this week's Monday, so the agenda's week is never empty


S = RequestStatus
GWEN, YANN, SOIZIC, ERWAN, NOLWENN, RONAN, MAELLE, LOIC = range(8)

REQUESTS = [
    # --- drafts
    _Spec(
        MAYOR_COMMUNE,
        "chef_projet",
        "Refonte du site internet de la commune",
        S.DRAFT,
        6,
        ("site web",),
        created=3,
        description="Le site actuel date de 2012 et n'est pas accessible.",
    ),
    _Spec("Plouzané", "dba", "Migration de la base du logiciel de cantine", S.DRAFT, 4, ("postgresql",), created=1),
    _Spec("Quimper", "dsi", "Revue de la politique de mots de passe", S.DRAFT, 2, ("cybersécurité",), created=2),
    _Spec(
        "École publique de Kerzouar", "chef_projet", "Équipement numérique des classes (ENI)", S.DRAFT, 3, (), created=5
    ),
    # --- submitted, waiting for the coordinator
    _Spec(
        MAYOR_COMMUNE,
        "dsi",
        "Mise en conformité RGPD : registre des traitements",
        S.SUBMITTED,
        4,
        ("RGPD",),
        expert=GWEN,
        created=4,
        description="Nous n'avons pas de registre ; la CNIL recommande d'en tenir un même pour 700 habitants.",
    ),
    _Spec(
        "Guipavas",
        "dba",
        "Audit des sauvegardes de la base Oracle de l'état civil",
        S.SUBMITTED,
        3,
        ("oracle", "sauvegarde"),
        created=6,
    ),
    _Spec(
        "Saint-Renan",
        "chef_projet",
        "Cahier des charges pour le portail famille",
        S.SUBMITTED,
        6,
        ("marchés publics",),
        created=2,
    ),
    _Spec(
        "Landerneau",
        "dsi",
        "Audit de cybersécurité (guide d'hygiène ANSSI)",
        S.SUBMITTED,
        8,
        ("cybersécurité",),
        urgency=Urgency.HIGH,
        created=1,
    ),
    _Spec(
        "Ouessant",
        "chef_projet",
        "Téléphonie IP de la mairie et de l'agence postale",
        S.SUBMITTED,
        4,
        ("téléphonie",),
        created=8,
        description="Intervention sur l'île : prévoir la traversée du matin.",
    ),
    _Spec(
        "Plouguerneau",
        "dba",
        "Optimisation des requêtes du SIG (PostGIS)",
        S.SUBMITTED,
        4,
        ("PostGIS", "SIG"),
        expert=SOIZIC,
        created=3,
    ),
    _Spec(
        ABERS,
        "chef_projet",
        "Mise en place du SIG intercommunal (phase 2)",
        S.SUBMITTED,
        16,
        ("SIG",),
        expert=MAELLE,
        created=5,
    ),
    # --- needs information (with a thread)
    _Spec(
        MAYOR_COMMUNE,
        "dba",
        "Récupération des données de l'ancien logiciel de facturation de l'eau",
        S.NEEDS_INFO,
        4,
        ("sauvegarde",),
        created=12,
    ),
    _Spec("Bohars", "dsi", "Choix d'une solution de messagerie", S.NEEDS_INFO, 3, ("Microsoft 365",), created=9),
    _Spec(
        "Centre social Ti an Oll",
        "chef_projet",
        "Accompagnement au changement de logiciel d'accueil",
        S.NEEDS_INFO,
        5,
        (),
        created=15,
    ),
    _Spec(
        "Morlaix",
        "dba",
        "Montée de version PostgreSQL du logiciel financier",
        S.NEEDS_INFO,
        6,
        ("postgresql",),
        created=7,
    ),
    # --- approved, not (fully) scheduled yet
    _Spec(
        "Plabennec",
        "dba",
        "Plan de reprise d'activité des bases de données",
        S.APPROVED,
        8,
        ("postgresql", "sauvegarde"),
        expert=SOIZIC,
        start=45,
        booked=4,
        created=20,
        note="Aucun DBA n'est disponible pour le reste avant le début de l'été.",
    ),
    _Spec(
        "Le Relecq-Kerhuon",
        "chef_projet",
        "Dématérialisation des actes (@ctes)",
        S.APPROVED,
        6,
        ("dématérialisation",),
        expert=RONAN,
        booked=0,
        created=10,
    ),
    _Spec(
        "Loc-Brévalaire",
        "dsi",
        "Sécurisation du poste de la secrétaire de mairie",
        S.SCHEDULED,
        6,
        ("cybersécurité",),
        approved=4,
        over_quota=2,
        expert=YANN,
        start=18,
        created=14,
        note="Ramené à 2 jours : la sauvegarde est traitée par l'EPCI.",
    ),
    _Spec(
        "Gouesnou",
        "dsi",
        "Schéma directeur numérique 2026-2028",
        S.APPROVED,
        12,
        ("schéma directeur", "gouvernance"),
        expert=GWEN,
        start=30,
        booked=6,
        created=25,
        note="Le reste sera planifié après la formation de l'experte.",
    ),
    _Spec(
        "Association Iroise Solidarités Numériques",
        "chef_projet",
        "Déploiement de postes reconditionnés pour l'atelier numérique",
        S.APPROVED,
        14,
        ("GLPI",),
        over_quota=4,
        booked=0,
        created=11,
        note="Votre droit de tirage est épuisé : servi seulement sur les créneaux libres.",
    ),
    _Spec(
        "Brélès",
        "dba",
        "Purge RGPD des données de l'ancien logiciel d'urbanisme",
        S.APPROVED,
        2,
        ("RGPD", "oracle"),
        expert=NOLWENN,
        booked=0,
        created=6,
    ),
    _Spec(
        "Daoulas",
        "chef_projet",
        "Inventaire du parc avec GLPI",
        S.SCHEDULED,
        4,
        ("GLPI",),
        expert=LOIC,
        start=9,
        created=4,
    ),
    _Spec(
        "Plouigneau",
        "dsi",
        "Analyse des besoins de vidéoprotection",
        S.APPROVED,
        4,
        (),
        urgency=Urgency.HIGH,
        booked=0,
        created=3,
    ),
    # --- rejected
    _Spec(
        "Guilers",
        "dba",
        "Développement d'une application de réservation de salles",
        S.REJECTED,
        20,
        (),
        created=40,
        note="Le développement d'applications sort des missions du pool ; "
        "le catalogue régional propose des solutions existantes.",
    ),
    _Spec(
        "Plouvien",
        "chef_projet",
        "Organisation de la fête du numérique",
        S.REJECTED,
        4,
        (),
        created=35,
        note="Hors du champ du pool (animation) ; nous vous orientons vers la médiathèque départementale.",
    ),
    _Spec(
        "Trémaouézan",
        "dsi",
        "Achat d'ordinateurs portables",
        S.REJECTED,
        2,
        (),
        created=60,
        note="Le pool n'achète pas de matériel ; la centrale d'achat du département peut vous aider.",
    ),
    _Spec(
        "Lanrivoaré",
        "dba",
        "Saisie des données du cimetière",
        S.REJECTED,
        10,
        (),
        created=50,
        note="Il s'agit de saisie et non d'administration de base de données.",
    ),
    # --- scheduled (every half-day booked, in the coming weeks)
    _Spec(
        MAYOR_COMMUNE,
        "dba",
        "Mise en place de sauvegardes externalisées",
        S.SCHEDULED,
        4,
        ("sauvegarde", "postgresql"),
        expert=SOIZIC,
        start=6,
        created=21,
    ),
    _Spec(
        "Plouzané", "dsi", "Rédaction de la PSSI", S.SCHEDULED, 6, ("cybersécurité",), expert=GWEN, start=2, created=18
    ),
    _Spec(
        "Lannilis",
        "dba",
        "Montée de version MariaDB du portail famille",
        S.SCHEDULED,
        3,
        ("mariadb",),
        expert=ERWAN,
        start=4,
        created=16,
    ),
    _Spec(
        "Quimper",
        "dba",
        "Réplication PostgreSQL du SIG",
        S.SCHEDULED,
        8,
        ("postgresql", "SIG"),
        expert=SOIZIC,
        start=10,
        created=22,
    ),
    _Spec(
        "Landéda",
        "chef_projet",
        "Migration vers le parapheur électronique",
        S.SCHEDULED,
        4,
        ("dématérialisation",),
        expert=RONAN,
        start=5,
        created=19,
    ),
    _Spec(
        "Saint-Pabu",
        "chef_projet",
        "Cartographie des réseaux d'eau pluviale (SIG)",
        S.SCHEDULED,
        6,
        ("SIG",),
        expert=MAELLE,
        start=8,
        created=24,
        over_quota=2,
    ),
    _Spec(
        "Le Conquet",
        "dsi",
        "Sécurisation du Wi-Fi public du port",
        S.SCHEDULED,
        2,
        ("réseau",),
        expert=YANN,
        start=12,
        created=14,
    ),
    _Spec(
        ABERS,
        "dba",
        "Consolidation des bases des 13 communes",
        S.SCHEDULED,
        10,
        ("postgresql", "sauvegarde"),
        expert=NOLWENN,
        start=7,
        created=30,
        approved=8,
        note="Ajusté à 4 jours après l'échange avec l'EPCI.",
    ),
    _Spec(
        "Ploudalmézeau",
        "chef_projet",
        "Déploiement de la téléphonie IP",
        S.SCHEDULED,
        6,
        ("téléphonie",),
        expert=LOIC,
        start=15,
        created=26,
    ),
    _Spec(
        "Trémaouézan",
        "chef_projet",
        "Remplacement du standard téléphonique",
        S.SCHEDULED,
        4,
        ("téléphonie",),
        expert=LOIC,
        start=11,
        created=12,
        over_quota=4,
        note="Droit de tirage épuisé : servi sur des créneaux libres, facturé au prix unitaire.",
    ),
    # --- in progress (some delivered, some planned)
    _Spec(
        "Guilers",
        "dba",
        "Migration PostgreSQL 16 du logiciel de gestion financière",
        S.IN_PROGRESS,
        6,
        ("postgresql",),
        expert=SOIZIC,
        start=0,
        this_week=True,
        created=28,
    ),
    _Spec(
        "Plougastel-Daoulas",
        "dsi",
        "Gestion de crise : suspicion de rançongiciel sur le serveur de fichiers",
        S.IN_PROGRESS,
        6,
        ("cybersécurité", "sauvegarde"),
        urgency=Urgency.CRITICAL,
        expert=YANN,
        start=-2,
        created=3,
        description="Fichiers chiffrés découverts lundi matin sur le partage des services techniques.",
    ),
    _Spec(
        "Brest",
        "dba",
        "Migration Oracle 19c du logiciel RH",
        S.IN_PROGRESS,
        20,
        ("oracle",),
        expert=NOLWENN,
        start=-8,
        created=45,
    ),
    _Spec(
        "Milizac-Guipronvel",
        "chef_projet",
        "Accompagnement au passage à Microsoft 365",
        S.IN_PROGRESS,
        8,
        ("Microsoft 365",),
        expert=RONAN,
        start=-6,
        created=35,
    ),
    _Spec(
        "Bourg-Blanc",
        "dba",
        "Restauration après panne disque du serveur de la mairie",
        S.IN_PROGRESS,
        3,
        ("sauvegarde",),
        urgency=Urgency.HIGH,
        expert=ERWAN,
        start=-1,
        created=4,
    ),
    _Spec(
        IROISE,
        "dsi",
        "Mutualisation de la sauvegarde des communes",
        S.IN_PROGRESS,
        16,
        ("sauvegarde", "réseau"),
        expert=GWEN,
        start=-10,
        created=50,
    ),
    # --- completed (delivered, report written)
    _Spec(
        MAYOR_COMMUNE,
        "chef_projet",
        "Choix d'un logiciel de gestion du cimetière",
        S.COMPLETED,
        2,
        ("marchés publics",),
        expert=RONAN,
        start=-20,
        created=60,
        report="Trois solutions comparées avec la secrétaire de mairie ; grille d'analyse remise. "
        "Recommandation : solution hébergée, 40 € HT/mois.",
    ),
    _Spec(
        "Kersaint-Plabennec",
        "dba",
        "Audit des sauvegardes",
        S.COMPLETED,
        2,
        ("sauvegarde",),
        expert=ERWAN,
        start=-30,
        created=70,
        report="Sauvegardes quotidiennes vérifiées ; la copie hors site n'était pas testée. "
        "Test de restauration réalisé avec l'agent.",
    ),
    _Spec(
        "Guipavas",
        "chef_projet",
        "Renouvellement du marché de téléphonie",
        S.COMPLETED,
        12,
        ("marchés publics", "téléphonie"),
        expert=LOIC,
        start=-45,
        created=90,
        report="DCE rédigé et publié ; analyse des 4 offres ; rapport présenté en commission.",
    ),
    _Spec(
        "Plouarzel",
        "dsi",
        "Plan de continuité informatique",
        S.COMPLETED,
        4,
        ("sauvegarde",),
        expert=YANN,
        start=-38,
        created=80,
        report="Plan rédigé, exercice de bascule fait le jeudi ; deux actions restent à mener.",
    ),
    _Spec(
        "Loc-Brévalaire",
        "chef_projet",
        "Aide au choix d'un copieur-imprimante",
        S.COMPLETED,
        2,
        ("marchés publics",),
        expert=RONAN,
        start=-40,
        created=70,
        report="Besoins recensés, deux devis comparés ; contrat de location conseillé sur 3 ans.",
    ),
    _Spec(
        "Trémaouézan",
        "dsi",
        "Sauvegarde et antivirus des postes de la mairie",
        S.RATED,
        4,
        ("sauvegarde", "cybersécurité"),
        expert=YANN,
        start=-48,
        created=85,
        rating=5,
        comment="Enfin des sauvegardes qui fonctionnent !",
        report="Antivirus déployé sur 4 postes ; sauvegarde hebdomadaire sur disque externe chiffré.",
    ),
    _Spec(
        "Coat-Méal",
        "dba",
        "Migration de la base de l'état civil",
        S.COMPLETED,
        4,
        ("postgresql",),
        expert=SOIZIC,
        start=-25,
        created=55,
        over_quota=2,
        report="Base migrée vers PostgreSQL 16, contrôles de cohérence passés, ancien serveur éteint.",
    ),
    _Spec(
        "Locmaria-Plouzané",
        "chef_projet",
        "Cartographie des arbres remarquables",
        S.COMPLETED,
        3,
        ("SIG",),
        expert=MAELLE,
        start=-15,
        created=40,
        report="Couche SIG créée et publiée sur le portail ; agents formés à la saisie sur tablette.",
    ),
    _Spec(
        "Morlaix",
        "dsi",
        "Audit de la sécurité de la messagerie",
        S.COMPLETED,
        8,
        ("cybersécurité", "Microsoft 365"),
        expert=GWEN,
        start=-50,
        created=95,
        report="SPF, DKIM et DMARC configurés ; authentification à deux facteurs activée pour les élus.",
    ),
    _Spec(
        "Plougasnou",
        "dba",
        "Reprise des données du logiciel de l'eau",
        S.COMPLETED,
        10,
        ("oracle",),
        expert=NOLWENN,
        start=-60,
        created=100,
        report="Données reprises, un écart de 12 abonnés corrigé avec le service ; export archivé.",
    ),
    # --- rated
    _Spec(
        MAYOR_COMMUNE,
        "dsi",
        "Diagnostic du réseau de la mairie et de l'école",
        S.RATED,
        2,
        ("réseau",),
        expert=YANN,
        start=-70,
        created=110,
        rating=5,
        comment="Très clair, et il a pris le temps d'expliquer à la secrétaire. Merci !",
        report="Réseau cartographié ; le commutateur de l'école remplacé ; mots de passe Wi-Fi changés.",
    ),
    _Spec(
        ABERS,
        "chef_projet",
        "Accompagnement au schéma de mutualisation",
        S.RATED,
        16,
        ("gouvernance",),
        expert=RONAN,
        start=-85,
        created=140,
        rating=4,
        comment="Bon travail de fond, un atelier de plus aurait été utile.",
        report="Quatre ateliers avec les DGS ; schéma adopté en conseil communautaire.",
    ),
    _Spec(
        "Plouzané",
        "dba",
        "Optimisation de la base du logiciel financier",
        S.RATED,
        8,
        ("postgresql", "performance"),
        expert=SOIZIC,
        start=-55,
        created=90,
        rating=5,
        comment="Les éditions de fin de mois passent de 40 à 4 minutes.",
        report="Index ajoutés, statistiques recalculées, paramètres mémoire ajustés.",
    ),
    _Spec(
        "Saint-Renan",
        "dsi",
        "Sensibilisation des agents au hameçonnage",
        S.RATED,
        2,
        ("cybersécurité",),
        expert=GWEN,
        start=-35,
        created=70,
        rating=4,
        comment="Session appréciée par les agents.",
        report="Deux sessions d'une heure ; faux courriel de test envoyé ; 9 % de clics.",
    ),
    _Spec(
        "Lannilis",
        "chef_projet",
        "Inventaire GLPI du parc de la mairie",
        S.RATED,
        6,
        ("GLPI",),
        expert=LOIC,
        start=-65,
        created=100,
        rating=3,
        comment="Travail fait, mais l'agent GLPI n'est pas installé sur deux postes.",
        report="GLPI installé, 38 postes inventoriés, procédure remise à l'agent.",
    ),
    _Spec(
        "Dirinon",
        "dba",
        "Sauvegarde de la base du logiciel de la médiathèque",
        S.RATED,
        2,
        ("mariadb", "sauvegarde"),
        expert=ERWAN,
        start=-28,
        created=50,
        rating=5,
        comment="Rapide et efficace.",
        report="Sauvegarde nocturne chiffrée vers le NAS de l'EPCI.",
    ),
    _Spec(
        "Centre social Ti an Oll",
        "dsi",
        "Conformité RGPD des fichiers d'adhérents",
        S.RATED,
        3,
        ("RGPD",),
        expert=NOLWENN,
        start=-42,
        created=75,
        rating=4,
        comment="Des modèles de documents très utiles.",
        report="Registre créé, durées de conservation fixées, mentions d'information rédigées.",
    ),
    # --- cancelled
    _Spec(
        MAYOR_COMMUNE,
        "dba",
        "Installation du module de recensement",
        S.CANCELLED,
        2,
        (),
        expert=ERWAN,
        start=9,
        created=20,
        note="L'éditeur installe finalement le module lui-même.",
    ),
    _Spec(
        "Plouguin",
        "chef_projet",
        "Projet de tiers-lieu numérique",
        S.CANCELLED,
        6,
        (),
        created=30,
        note="Projet reporté à l'an prochain par le conseil municipal.",
    ),
    _Spec(
        "Pencran",
        "dsi",
        "Audit du contrat de maintenance informatique",
        S.CANCELLED,
        2,
        (),
        created=16,
        note="Le prestataire a résilié le contrat.",
    ),
    _Spec(
        "Le Drennec",
        "dba",
        "Montée de version du logiciel d'urbanisme",
        S.CANCELLED,
        3,
        ("oracle",),
        expert=NOLWENN,
        start=-3,
        created=25,
        booked=0,
        note="Annulée par l'éditeur : la version n'est pas encore publiée.",
    ),
]


def _free_slots(ctx: _Ctx, expert: Expert, start: date, count: int, *, before: date | None = None):
    """The next `count` working, free half-days of `expert` from `start` (not past `before`)."""
    slots, day = [], start
    limit = start + timedelta(days=400)
    off = ctx.unavailable.get(expert.id, [])
    while len(slots) < count and day < limit and (before is None or day < before):
        if day not in ctx.holidays:
            for half in HALVES:
                key = (expert.id, day, half)
                if (
                    expert.works(day.weekday(), half)
                    and key not in ctx.taken
                    and not any(u.covers(day, half) for u in off)
                    and len(slots) < count
                ):
                    slots.append((day, half))
        day += timedelta(days=1)
    return slots


def _book(ctx: _Ctx, req: InterventionRequest, expert: Expert, slots, status: str, created: datetime):
    rows = []
    for day, half in slots:
        ctx.taken.add((expert.id, day, half))
        rows.append(
            Booking(
                request_id=req.id,
                expert_id=expert.id,
                date=day,
                half=half,
                status=status,
                created_at=created,
                updated_at=created,
            )
        )
    db.session.add_all(rows)
    return rows


# Past runs of the scheduler (days ago): every week or two, and the coordinator's run two days ago.
RUN_DAYS_AGO = (91, 77, 63, 49, 35, 21, 14, 7, 2)


def _runs(ctx: _Ctx) -> None:
    """The scheduler's committed runs: the bookings of the demo say which run made them."""
    for days_ago in RUN_DAYS_AGO:
        started = (ctx.now - timedelta(days=days_ago)).replace(hour=5, minute=0, second=0, microsecond=0)
        start = (started + timedelta(days=1)).date()
        ctx.runs.append(
            AllocationRun(
                mode=RunMode.COMMIT,
                status="done",
                started_at=started,
                finished_at=started + timedelta(seconds=3 + ctx.rng.random() * 4),
                triggered_by_id=ctx.coordinator.id if days_ago == RUN_DAYS_AGO[-1] else None,
                horizon_start=start,
                horizon_end=start + timedelta(weeks=12) - timedelta(days=1),
            )
        )
    db.session.add_all(ctx.runs)
    db.session.flush()


def _run_for(ctx: _Ctx, decided: datetime, first_day: date) -> AllocationRun | None:
    """The first run after the decision that could still book `first_day` (None: booked by hand)."""
    for run in ctx.runs:
        if run.started_at > decided and run.horizon_start <= first_day <= run.horizon_end:
            return run
    return None


def _explain_unserved(req: InterventionRequest, spec, reason: str, half_days: int) -> dict:
    """The engine's explanation as a run writes it (expertpool-plan/2): a reason code and its facts, stored
    on the request; pages write the sentence in their reader's language. Returns the plan's entry."""
    facts = {
        "role": spec.role,
        "skills": sorted(s.name for s in req.skills),
        "earliest": req.earliest.isoformat(),
        "deadline": req.deadline.isoformat(),
    }
    params = {name: facts[name] for name in REASON_PARAMS[reason]}
    req.unserved_reason, req.unserved_params, req.unserved_message = reason, {**params, "half_days": half_days}, ""
    return {"half_days": half_days, "reason": reason, "params": params}


def _finish_runs(ctx: _Ctx) -> None:
    for run in ctx.runs:
        assignments = ctx.assignments.get(run.id, [])
        unserved = ctx.unserved.get(run.id, [])
        missing = sum(u["half_days"] for u in unserved)
        run.booked_half_days, run.unserved_half_days = len(assignments), missing
        served = len(assignments)
        run.metrics = {
            "entitled_satisfaction": round(served / (served + missing), 3) if served + missing else 1.0,
            "served_half_days": len(assignments),
            "booked_half_days": len(assignments),
            "duration_s": round((run.finished_at - run.started_at).total_seconds(), 1),
        }
        run.plan = {
            "format": PLAN_FORMAT,
            "assignments": assignments,
            "unserved": unserved,
            "metrics": dict(run.metrics),
        }


def _requests(ctx: _Ctx) -> None:
    authors = {m.member_id: m for m in ctx.users.values() if m.role == UserRole.MEMBER}
    for spec in REQUESTS:
        _request(ctx, spec, authors)


def _request(ctx: _Ctx, spec: _Spec, authors: dict[int, User]) -> InterventionRequest:
    if spec.this_week:
        spec = replace(spec, start=spec.start + (monday_of(ctx.today) - ctx.today).days)
    member = ctx.members[spec.member]
    author = authors.get(member.id)
    created = _ago(ctx, spec.created, hour=8 + ctx.rng.randint(0, 8))
    expert = ctx.experts[spec.expert] if spec.expert is not None else None
    granted = spec.approved if spec.approved is not None else spec.half_days
    window_start = (
        min(ctx.today + timedelta(days=spec.start), ctx.today + timedelta(days=1))
        if spec.start < 0
        else ctx.today + timedelta(days=max(1, spec.start - 3))
    )
    if spec.start < 0 or spec.status in (S.COMPLETED, S.RATED):
        window_start = ctx.today + timedelta(days=min(spec.start, -1) - 5)
    req = InterventionRequest(
        member_id=member.id,
        created_by_id=author.id if author else None,
        title=spec.title,
        description=spec.description or f"Demande de {member.name}.",
        role_id=ctx.roles[spec.role].id,
        preferred_expert_id=expert.id if expert and spec.status in (S.SUBMITTED, S.DRAFT) else None,
        half_days=spec.half_days,
        earliest=window_start,
        deadline=window_start + timedelta(days=90),
        urgency=spec.urgency,
        on_site=spec.role != "dba",
        address=f"Mairie, {member.name}" if member.kind == MemberKind.COMMUNE else member.address,
        status=spec.status,
        created_at=created,
        updated_at=created,
    )
    req.skills = [ctx.skills[s] for s in spec.skills]
    db.session.add(req)
    db.session.flush()
    ids = {"member_id": member.id, "request_id": req.id}
    audit.record(author, "request.create", req, now=created, after={"status": S.DRAFT}, **ids)
    if spec.status == S.DRAFT:
        return req
    submitted = created + timedelta(minutes=20)
    req.submitted_at = submitted
    audit.record(
        author, "request.submit", req, now=submitted, before={"status": S.DRAFT}, after={"status": S.SUBMITTED}, **ids
    )
    if spec.status == S.NEEDS_INFO:
        _thread(ctx, req, author, submitted)
        return req
    if spec.status == S.SUBMITTED:
        return req
    decided = submitted + timedelta(days=min(2, spec.created / 3), hours=2)
    req.decided_at, req.decided_by_id = decided, ctx.coordinator.id
    if spec.status == S.REJECTED:
        req.rejection_reason = spec.note
        audit.record(
            ctx.coordinator,
            "request.reject",
            req,
            now=decided,
            before={"status": S.SUBMITTED},
            after={"status": S.REJECTED, "rejection_reason": spec.note},
            **ids,
        )
        return req
    req.approved_half_days = spec.approved
    # The over-quota part is the rule's (quotas.judge_request), as the coordinator's approval fixes it.
    req.over_quota_half_days = quotas.judge_request(req, now=decided, half_days=granted, approving=True).over
    if req.over_quota_half_days:
        # Billable work is quoted first (issue 19): the mayor accepted this quote before the half-days
        # were booked; a critical request was served first and its price is still to acknowledge.
        req.quote_half_days, req.quote_unit_price_cents = req.over_quota_half_days, quotas.unit_price_cents()
        if req.urgency != Urgency.CRITICAL:
            req.quote_accepted_at, req.quote_accepted_by_id = submitted, author.id if author else None
    if spec.approved is not None or spec.status == S.APPROVED and spec.over_quota:
        req.approval_note = spec.note
    audit.record(
        ctx.coordinator,
        "request.approve",
        req,
        now=decided,
        before={"status": S.SUBMITTED},
        after={"status": S.APPROVED, "approved_half_days": spec.approved, "over_quota_half_days": spec.over_quota},
        **ids,
    )
    if spec.status == S.CANCELLED:
        return _cancel(ctx, req, spec, expert, author, decided, ids)
    booked = granted if spec.booked is None else spec.booked
    # Its part within the right is booked first: the rest of what is booked is billable.
    req.billable_booked_half_days = max(0, booked - (granted - req.over_quota_half_days))
    if expert is None or booked == 0:
        if spec.status == S.APPROVED and spec.note and not req.approval_note:
            _explain_unserved(req, spec, "capacity_shared_fairly", granted)  # nothing booked
        return req
    _deliver(ctx, req, spec, expert, booked, decided, ids)
    return req


def _thread(ctx: _Ctx, req: InterventionRequest, author: User | None, submitted: datetime) -> None:
    asked = submitted + timedelta(days=1, hours=3)
    messages = [
        (
            ctx.coordinator,
            asked,
            "Bonjour, pouvez-vous préciser le logiciel concerné, sa version et qui "
            "nous donnera les accès le jour de l'intervention ?",
        ),
        (
            author,
            asked + timedelta(hours=5),
            "Bonjour, il s'agit de la version fournie par l'éditeur en "
            "2019. Je me renseigne pour les accès auprès du prestataire.",
        ),
        (
            ctx.coordinator,
            asked + timedelta(days=1),
            "Merci. Il nous manque encore le nom du contact chez le prestataire : pouvez-vous le transmettre ?",
        ),
    ]
    for user, at, body in messages:
        if at >= ctx.now:
            at = ctx.now - timedelta(hours=1)
        req.messages.append(RequestMessage(author_id=user.id if user else None, body=body, created_at=at))
    ids = {"member_id": req.member_id, "request_id": req.id}
    audit.record(
        ctx.coordinator,
        "request.ask_information",
        req,
        now=messages[0][1],
        before={"status": S.SUBMITTED},
        after={"status": S.NEEDS_INFO},
        **ids,
    )
    audit.record(
        author,
        "request.answer_information",
        req,
        now=messages[1][1],
        before={"status": S.NEEDS_INFO},
        after={"status": S.SUBMITTED},
        **ids,
    )
    audit.record(
        ctx.coordinator,
        "request.ask_information",
        req,
        now=min(messages[2][1], ctx.now),
        before={"status": S.SUBMITTED},
        after={"status": S.NEEDS_INFO},
        **ids,
    )


def _cancel(ctx, req, spec, expert, author, decided, ids) -> InterventionRequest:
    """Cancelled after scheduling: the bookings stay, cancelled, as history (they free the half-days)."""
    before = S.APPROVED
    if expert is not None and spec.booked != 0:
        slots = _free_slots(ctx, expert, ctx.today + timedelta(days=spec.start), req.granted_half_days)
        for booking in _book(ctx, req, expert, slots, BookingStatus.CANCELLED, decided):
            booking.sequence = 1
        before = S.SCHEDULED
    cancelled = min(max(decided + timedelta(days=1), ctx.now - timedelta(days=2)), ctx.now)
    req.cancellation_reason, req.cancelled_at = spec.note, cancelled
    audit.record(
        author,
        "request.cancel",
        req,
        now=cancelled,
        before={"status": before},
        after={"status": S.CANCELLED, "cancellation_reason": spec.note},
        **ids,
    )
    return req


def _deliver(ctx, req, spec, expert, booked, decided, ids) -> None:
    """Book the half-days from spec.start; those before today are delivered, the rest planned."""
    start = ctx.today + timedelta(days=spec.start)
    before = ctx.today if spec.status in (S.COMPLETED, S.RATED) else None
    if spec.status == S.IN_PROGRESS:  # some half-days done, at least one still to come
        slots = _free_slots(ctx, expert, start, booked - 1, before=ctx.today)
        while not slots and start > ctx.today - timedelta(days=30):  # a weekend or leave: go back a bit
            start -= timedelta(days=1)
            slots = _free_slots(ctx, expert, start, booked - 1, before=ctx.today)
        slots += _free_slots(ctx, expert, ctx.today, booked - len(slots))
    else:
        slots = _free_slots(ctx, expert, start, booked, before=before)
    if len(slots) < booked and before is not None:  # the past is full: look further back
        slots = _free_slots(ctx, expert, start - timedelta(days=21), booked, before=before)
    if slots:  # the window covers what was really booked (weekends and leave push dates around)
        req.earliest = min(req.earliest, min(day for day, _ in slots))
        req.deadline = max(req.deadline, max(day for day, _ in slots))
    past = [s for s in slots if s[0] < ctx.today]
    future = [s for s in slots if s[0] >= ctx.today]
    run = _run_for(ctx, decided, min(day for day, _ in slots)) if slots else None
    # Critical incidents, and requests decided after the last run, were booked by the coordinator.
    scheduled_at = run.started_at if run is not None else decided + timedelta(hours=1)
    rows = _book(ctx, req, expert, past, BookingStatus.DELIVERED, scheduled_at)
    rows += _book(ctx, req, expert, future, BookingStatus.PLANNED, scheduled_at)
    db.session.flush()
    status_after = S.SCHEDULED if len(slots) >= req.granted_half_days else S.APPROVED
    audit.record(
        None if run is not None else ctx.coordinator,
        "request.schedule",
        req,
        now=scheduled_at,
        before={"status": S.APPROVED},
        after={"status": status_after, "booked_half_days": len(slots), "allocation_run_id": run.id if run else None},
        **ids,
    )
    if run is not None:
        for row in rows:
            row.allocation_run_id = run.id
        ctx.assignments.setdefault(run.id, []).extend(
            {"request": f"r-{req.id}", "expert": f"e-{expert.id}", "date": day.isoformat(), "half": half}
            for day, half in past + future
        )
    if spec.status == S.APPROVED and spec.note:
        entry = _explain_unserved(req, spec, "no_eligible_expert_free_in_window", req.granted_half_days - len(slots))
        if run is not None:
            ctx.unserved.setdefault(run.id, []).append({"request": f"r-{req.id}", **entry})
    for row, (day, _half) in zip(rows, past + future, strict=True):
        if day < ctx.today:
            at = ctx.now - timedelta(days=(ctx.today - day).days) + timedelta(hours=8)
            row.updated_at = at
            audit.record(
                expert.user,
                "booking.delivered",
                row,
                now=at,
                before={"status": "planned"},
                after={"status": "delivered"},
                expert_id=expert.id,
                **ids,
            )
    if spec.status in (S.COMPLETED, S.RATED):
        last = max(day for day, _ in slots) if slots else ctx.today - timedelta(days=1)
        done = ctx.now - timedelta(days=max(0, (ctx.today - last).days - 1))
        req.report, req.report_by_id, req.completed_at = spec.report, expert.user_id, done
        audit.record(
            expert.user,
            "request.report",
            req,
            now=done,
            before={"status": S.IN_PROGRESS},
            after={"status": S.COMPLETED},
            **ids,
        )
    if spec.status == S.RATED:
        req.rating, req.rating_comment = spec.rating, spec.comment
        req.rated_at = min(req.completed_at + timedelta(days=2), ctx.now)
        audit.record(
            None if req.created_by_id is None else db.session.get(User, req.created_by_id),
            "request.rate",
            req,
            now=req.rated_at,
            before={"status": S.COMPLETED},
            after={"status": S.RATED, "rating": spec.rating},
            **ids,
        )


# --- notifications ---------------------------------------------------------------------------------


def _link(endpoint: str, **values) -> str:
    """A path to a page of another feature, or "" when that page does not exist (yet)."""
    from flask import current_app
    from werkzeug.routing import BuildError

    try:
        return current_app.url_map.bind("localhost").build(endpoint, values)
    except (BuildError, ValueError):
        return ""


def _notifications(ctx: _Ctx) -> None:
    """A realistic inbox for the demo mayor (and a few items for the other demo logins)."""
    mayor = ctx.users[MAYOR_EMAIL]
    mine = list(
        db.session.scalars(
            select(InterventionRequest)
            .where(InterventionRequest.member_id == mayor.member_id)
            .order_by(InterventionRequest.id)
        )
    )
    by_status = {r.status: r for r in mine}
    notes = []  # (user, kind, parameters, request, days ago, read days ago): see notifications.KINDS
    scheduled = by_status.get(S.SCHEDULED)
    if scheduled is not None:
        slots = slot_params(scheduled.bookings)
        notes.append((mayor, "request.scheduled", {"title": scheduled.title, "slots": slots}, scheduled, 5, None))
    asked = by_status.get(S.NEEDS_INFO)
    if asked is not None:
        question = asked.messages[-1].body if asked.messages else ""
        notes.append((mayor, "request_needs_info", {"title": asked.title, "message": question}, asked, 1, None))
    done = by_status.get(S.COMPLETED)
    if done is not None:
        notes.append((mayor, "request.rate", {"title": done.title}, done, 3, None))
    rated = by_status.get(S.RATED)
    if rated is not None:
        notes.append((mayor, "request.rate", {"title": rated.title}, rated, 60, 58))
    cancelled = by_status.get(S.CANCELLED)
    if cancelled is not None:
        params = {"member": MAYOR_COMMUNE, "title": cancelled.title}
        notes.append((mayor, "request_cancelled", params, cancelled, 2, 2))
    submitted = by_status.get(S.SUBMITTED)
    if submitted is not None:
        params = {"member": MAYOR_COMMUNE, "title": submitted.title}
        notes.append((ctx.coordinator, "request_submitted", params, submitted, 4, None))
    expert_user = ctx.users[EXPERT_EMAIL]
    if scheduled is not None:
        notes.append((expert_user, "booking.assigned", {"slots": slot_params(scheduled.bookings)}, scheduled, 5, None))
    rows = []
    for user, kind, params, req, days_ago, read_days_ago in notes:
        at = _ago(ctx, days_ago, hour=7)
        link = _link("requests.detail", request_id=req.id) or _link("requests.show", request_id=req.id)
        rows.append(
            Notification(
                user_id=user.id,
                kind=kind,
                params=params,
                link=link,
                created_at=at,
                read_at=None if read_days_ago is None else _ago(ctx, read_days_ago, 10),
            )
        )
    db.session.add_all(rows)
