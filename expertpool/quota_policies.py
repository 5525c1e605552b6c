"""Quota periods as the rules define them: the policy that computes each member's drawing right, and
opening a period (its preview, then the period and every member's quota written) with carry-over.

Shared: the coordinator opens a period through it (`coordination/quota_views.py`), and a scenario
opens the next period through it in memory to see what the members would draw (`scenarios/`).
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from expertpool.audit import record, snapshot
from expertpool.extensions import db
from expertpool.models import Member, Quota, QuotaKind, QuotaPeriod, QuotaPolicy
from expertpool.quotas import balances

PERIOD_FIELDS = (
    "name",
    "start_date",
    "end_date",
    "policy",
    "fixed_half_days",
    "unit_price_cents",
    "population_bands",
    "carry_over_cap_half_days",
)


class PeriodOverlap(ValueError):
    """The new period overlaps an existing one."""


@dataclass(frozen=True, slots=True)
class QuotaLine:
    member: Member
    kind: str
    entitled: int
    carried_over: int

    @property
    def total(self) -> int:
        return self.entitled + self.carried_over


def entitlement(policy: dict, member: Member) -> int:
    """Half-days a member is entitled to under `policy` (the period's fields as a dict)."""
    kind = policy["policy"]
    if kind == QuotaPolicy.FIXED:
        return int(policy["fixed_half_days"] or 0)
    if kind == QuotaPolicy.PROPORTIONAL:
        price = int(policy["unit_price_cents"] or 0)
        # Whole half-days only: the member is never given more than its contribution pays for.
        return (member.contribution_cents or 0) // price if price > 0 else 0
    if kind == QuotaPolicy.POPULATION:
        population = member.population
        if population is None:
            return 0
        for band in sorted(
            policy["population_bands"] or [],
            key=lambda b: (b.get("max_population") is None, b.get("max_population") or 0),
        ):
            limit = band.get("max_population")
            if limit is None or population <= limit:
                return int(band.get("half_days") or 0)
        return 0
    raise ValueError(kind)


def previous_period(start: date) -> QuotaPeriod | None:
    return db.session.scalar(
        select(QuotaPeriod).where(QuotaPeriod.end_date < start).order_by(QuotaPeriod.end_date.desc()).limit(1)
    )


def check_overlap(start: date, end: date, exclude_id: int | None = None) -> QuotaPeriod | None:
    query = select(QuotaPeriod).where(QuotaPeriod.start_date <= end, QuotaPeriod.end_date >= start)
    if exclude_id is not None:
        query = query.where(QuotaPeriod.id != exclude_id)
    return db.session.scalar(query.limit(1))


def preview_period(policy: dict, rights: dict[int, int] | None = None) -> list[QuotaLine]:
    """Every active member's quota for a new period (and the EPCI envelopes renewed), without writing.

    Carry-over: what a member left unused in the previous period, at most that period's cap.
    `rights` {member id: half-days}: members entitled to that instead of what the policy gives them
    (a right voted for one member, e.g. adopted from a scenario); their carry-over is kept.
    """
    rights = rights or {}
    members = list(db.session.scalars(select(Member).where(Member.active.is_(True)).order_by(Member.name)))
    previous = previous_period(policy["start_date"])
    carried = {}
    envelopes = {}
    if previous is not None:
        cap = previous.carry_over_cap_half_days
        if cap > 0:
            previous_balances = balances([m.id for m in members], previous)
            carried = {member_id: min(cap, b.remaining) for member_id, b in previous_balances.items()}
        # An EPCI keeps the envelope it had: the coordinator adjusts it afterwards if needed.
        envelopes = {
            q.member_id: q.entitled_half_days
            for q in db.session.scalars(
                select(Quota).where(Quota.period_id == previous.id, Quota.kind == QuotaKind.ENVELOPE)
            )
        }
    lines = []
    for member in members:
        entitled = rights[member.id] if member.id in rights else entitlement(policy, member)
        lines.append(QuotaLine(member, QuotaKind.OWN, entitled, carried.get(member.id, 0)))
        if member.id in envelopes:
            lines.append(QuotaLine(member, QuotaKind.ENVELOPE, envelopes[member.id], 0))
    return lines


def open_period(policy: dict, *, actor, now: datetime, rights: dict[int, int] | None = None) -> QuotaPeriod:
    """Create the period and every member's quota in the caller's transaction (one audit row).
    `rights`: members given their own right instead of the policy's (see `preview_period`)."""
    clash = check_overlap(policy["start_date"], policy["end_date"])
    if clash is not None:
        raise PeriodOverlap(clash.name)
    period = QuotaPeriod(opened_at=now, **{k: policy[k] for k in PERIOD_FIELDS})
    db.session.add(period)
    db.session.flush()
    lines = preview_period(policy, rights)
    db.session.add_all(
        Quota(
            period_id=period.id,
            member_id=line.member.id,
            kind=line.kind,
            entitled_half_days=line.entitled,
            carried_over_half_days=line.carried_over,
        )
        for line in lines
    )
    db.session.flush()
    record(
        actor,
        "quota_period.open",
        period,
        now=now,
        after={
            **snapshot(period, *PERIOD_FIELDS),
            "quotas": len(lines),
            "entitled_half_days": sum(line.entitled for line in lines),
            "carried_over_half_days": sum(line.carried_over for line in lines),
            **({"member_rights": {str(k): v for k, v in sorted(rights.items())}} if rights else {}),
        },
    )
    return period
