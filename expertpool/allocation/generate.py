"""Random but realistic allocation problems for tests, what-if runs and the benchmark."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import holidays as holidays_package
import numpy as np

from .calendar import free_masks
from .model import Expert, Member, Problem, Request, Unavailability

SCALES = {
    # members, experts
    "small": (30, 5),
    "regional": (1_500, 60),
    "interregional": (3_000, 120),  # the largest pools (ADICO-size and beyond), for the speed benchmarks
    "national": (10_000, 400),
}
ROLE_SHARE = {"dsi": 0.40, "dba": 0.25, "chef_projet": 0.35}
SKILLS = {
    "dsi": ("securite", "reseau", "rgpd", "cloud", "m365", "telephonie"),
    "dba": ("postgresql", "oracle", "mysql", "sqlserver", "sauvegarde"),
    "chef_projet": ("marches_publics", "dematerialisation", "sig", "erp", "formation"),
}
FULL_WEEK = {day: frozenset({"am", "pm"}) for day in range(5)}
PART_TIME_WEEKS = (
    {day: frozenset({"am", "pm"}) for day in range(4)},  # 80 %
    {0: frozenset({"am", "pm"}), 1: frozenset({"am", "pm"}), 3: frozenset({"am", "pm"})},  # 60 %
    {day: frozenset({"am"}) for day in range(5)},  # mornings only
    {1: frozenset({"am", "pm"}), 2: frozenset({"pm"}), 4: frozenset({"am", "pm"})},
)
DEFAULT_START = date(2027, 1, 4)


def french_holidays(start: date, end: date, *, alsace_moselle: bool = False) -> frozenset[date]:
    """Public holidays between start and end; Alsace-Moselle adds Good Friday and 26 December."""
    years = range(start.year, end.year + 1)
    calendar = holidays_package.France(years=years, subdiv="57" if alsace_moselle else None)
    return frozenset(day for day in calendar if start <= day <= end)


def _pick_skills(rng: np.random.Generator, role: str, low: int, high: int) -> frozenset[str]:
    pool = SKILLS[role]
    # Earlier skills are more common: demand and supply concentrate on a few technologies.
    weights = np.array([1.0 / (k + 1) for k in range(len(pool))])
    count = int(rng.integers(low, high + 1))
    chosen = rng.choice(len(pool), size=min(count, len(pool)), replace=False, p=weights / weights.sum())
    return frozenset(pool[k] for k in chosen)


def _experts(rng: np.random.Generator, count: int, start: date, end: date) -> list[Expert]:
    roles = list(ROLE_SHARE)
    shares = np.array(list(ROLE_SHARE.values()))
    n_days = (end - start).days + 1
    experts = []
    for k in range(count):
        role = roles[int(rng.choice(len(roles), p=shares))]
        expert_roles = {role}
        skills = set(_pick_skills(rng, role, 2, 4))
        if rng.random() < 0.1:  # a few experts cover two roles
            other = roles[(roles.index(role) + 1) % len(roles)]
            expert_roles.add(other)
            skills |= _pick_skills(rng, other, 1, 2)
        week = FULL_WEEK if rng.random() < 0.7 else PART_TIME_WEEKS[int(rng.integers(len(PART_TIME_WEEKS)))]
        unavailable = []
        for _ in range(int(rng.integers(0, 2 + n_days // 60))):  # leave blocks
            first = start + timedelta(days=int(rng.integers(0, n_days)))
            unavailable.append(Unavailability(first, first + timedelta(days=int(rng.integers(1, 12))), None))
        for _ in range(int(rng.integers(0, 3))):  # a dentist, a training morning
            day = start + timedelta(days=int(rng.integers(0, n_days)))
            unavailable.append(Unavailability(day, day, "am" if rng.random() < 0.5 else "pm"))
        booked = set()
        booked_share = rng.uniform(0.0, 0.15)  # earlier plans already took part of the agenda
        for offset in np.nonzero(rng.random(n_days * 2) < booked_share)[0]:
            booked.add((start + timedelta(days=int(offset // 2)), "am" if offset % 2 == 0 else "pm"))
        experts.append(
            Expert(
                f"e-{k + 1:04d}",
                frozenset(expert_roles),
                frozenset(skills),
                dict(week),
                tuple(unavailable),
                frozenset(booked),
            )
        )
    return experts


def _request_size(rng: np.random.Generator) -> int:
    # Heavy-tailed: most requests are 1 to 4 half-days, a few are 20-day projects.
    return int(np.clip(round(float(np.exp(rng.normal(1.1, 0.95)))), 1, 40))


def generate(
    scale: str,
    seed: int,
    demand_ratio: float = 1.4,
    horizon_weeks: int = 12,
    start: date | None = None,
    traps: bool = True,
    *,
    alsace_moselle: bool = False,
) -> Problem:
    """A problem whose within-horizon demand is demand_ratio times the experts' free half-days."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: use one of {', '.join(SCALES)}")
    rng = np.random.default_rng(seed)
    n_members, n_experts = SCALES[scale]
    start = start or DEFAULT_START
    end = start + timedelta(days=7 * horizon_weeks - 1)
    n_days = (end - start).days + 1
    public_holidays = french_holidays(start, end, alsace_moselle=alsace_moselle)
    experts = _experts(rng, n_experts, start, end)
    skeleton = Problem(start, end, public_holidays, tuple(experts), (), ())
    supply = int(free_masks(skeleton).sum())

    # Contributions are lognormal. Drawing rights are sized so that what remains of them (quota − used)
    # slightly exceeds the horizon's supply: within-quota demand is then contested where the calendar
    # is tight, which is the case the fairness rules are about.
    contributions = rng.lognormal(0.0, 1.0, n_members)
    quotas = np.maximum(1, np.round(contributions / contributions.sum() * 4.0 * supply)).astype(int)
    elapsed = rng.uniform(0.0, 0.6, n_members)
    used = np.round(quotas * elapsed).astype(int)
    members = [
        Member(
            f"m-{k + 1:05d}",
            int(quotas[k]),
            int(used[k]),
            tuple(experts[int(i)].id for i in rng.choice(n_experts, size=int(rng.integers(0, 3)))),
        )
        for k in range(n_members)
    ]
    if traps:
        members[0] = Member(members[0].id, 0, 0, ())  # no drawing right at all
        members[1] = Member(members[1].id, members[1].quota, members[1].quota + 5, ())  # beyond its right

    # Who asks: proportional to the right, with noise, and some members asking well beyond it.
    appetite = quotas * rng.lognormal(0.0, 0.5, n_members)
    appetite[rng.random(n_members) < 0.1] *= 3
    appetite /= appetite.sum()
    roles = list(ROLE_SHARE)
    role_supply = dict.fromkeys(roles, 0.0)
    masks = free_masks(skeleton)
    for index, expert in enumerate(experts):
        for role in expert.roles:
            role_supply[role] += int(masks[index].sum()) / len(expert.roles)
    role_share = np.array([role_supply[r] for r in roles], dtype=float)
    role_share /= role_share.sum()
    target_demand = demand_ratio * supply
    experts_by_role = {role: [e for e in experts if role in e.roles] for role in roles}
    requests: list[Request] = []
    total = 0
    base_time = datetime(start.year, start.month, start.day, 8, tzinfo=UTC)
    while total < target_demand:
        member = members[int(rng.choice(n_members, p=appetite))]
        role = roles[int(rng.choice(len(roles), p=role_share))]
        size = _request_size(rng)
        skills = _pick_skills(rng, role, 0, 2)
        earliest = start + timedelta(days=int(rng.integers(0, max(1, n_days - 5))))
        span = max(int(size * 1.2) + 2, int(rng.integers(7, 50)))
        deadline = min(earliest + timedelta(days=span), end)
        urgency_draw = rng.random()
        urgency = "critical" if urgency_draw < 0.03 else "high" if urgency_draw < 0.10 else "normal"
        if urgency == "critical":
            size = min(size, 6)
            deadline = min(earliest + timedelta(days=10), end)
        eligible = [e for e in experts_by_role[role] if skills <= e.skills]
        preferred = eligible[int(rng.integers(len(eligible)))].id if eligible and rng.random() < 0.2 else None
        submitted = base_time - timedelta(minutes=int(rng.integers(0, 60 * 24 * 90)))
        requests.append(
            Request(
                f"r-{len(requests) + 1:06d}",
                member.id,
                role,
                skills,
                size,
                earliest,
                deadline,
                urgency,
                preferred,
                submitted,
            )
        )
        total += size
    if traps:
        requests.extend(_trap_requests(rng, members, start, end, base_time, len(requests)))
        experts.append(Expert("e-never", frozenset({"dsi"}), frozenset({"securite"}), {}, (), frozenset()))
        experts.append(
            Expert(
                "e-away",
                frozenset({"dba"}),
                frozenset({"postgresql"}),
                dict(FULL_WEEK),
                (Unavailability(start - timedelta(days=3), end + timedelta(days=3), None),),
                frozenset(),
            )
        )
    return Problem(start, end, public_holidays, tuple(experts), tuple(members), tuple(requests))


def _trap_requests(
    rng: np.random.Generator, members: list[Member], start: date, end: date, now: datetime, offset: int
) -> list[Request]:
    """Requests that exercise every unserved reason and every edge of the calendar."""
    n_days = (end - start).days + 1
    pick = [members[int(i)].id for i in rng.choice(len(members), size=8)]
    one_day = start + timedelta(days=int(rng.integers(0, n_days)))
    specs = [
        (pick[0], "dba", {"cobol"}, 4, start, end, "normal"),  # a skill nobody has
        (pick[1], "dsi", set(), 2, one_day, one_day, "normal"),  # a one-day window
        (pick[2], "chef_projet", set(), 6, start - timedelta(days=20), start + timedelta(days=4), "high"),
        (pick[3], "dsi", {"reseau"}, 8, end - timedelta(days=5), end + timedelta(days=30), "normal"),
        (pick[4], "dba", set(), 4, end + timedelta(days=10), end + timedelta(days=40), "normal"),
        (members[0].id, "dsi", set(), 4, start, end, "normal"),  # quota 0
        (members[1].id, "dba", set(), 6, start, end, "normal"),  # used beyond quota
        (pick[5], "dsi", {"securite"}, 3, start, start + timedelta(days=6), "critical"),
    ]
    return [
        Request(
            f"r-trap-{offset + k + 1}",
            member,
            role,
            frozenset(skills),
            size,
            earliest,
            deadline,
            urgency,
            None,
            now - timedelta(hours=k + 1),
        )
        for k, (member, role, skills, size, earliest, deadline, urgency) in enumerate(specs)
    ]
