"""Quota periods: the policy that computes drawing rights, opening a period (preview, then confirm) with
carry-over, and manual adjustments with a reason."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from expertpool.audit import record, snapshot
from expertpool.extensions import db
from expertpool.models import Member, Quota, QuotaAdjustment, QuotaKind, QuotaPeriod, QuotaPolicy
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


def preview_period(policy: dict) -> list[QuotaLine]:
    """Every active member's quota for a new period (and the EPCI envelopes renewed), without writing.

    Carry-over: what a member left unused in the previous period, at most that period's cap.
    """
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
        lines.append(QuotaLine(member, QuotaKind.OWN, entitlement(policy, member), carried.get(member.id, 0)))
        if member.id in envelopes:
            lines.append(QuotaLine(member, QuotaKind.ENVELOPE, envelopes[member.id], 0))
    return lines


def open_period(policy: dict, *, actor, now: datetime) -> QuotaPeriod:
    """Create the period and every member's quota in the caller's transaction (one audit row)."""
    clash = check_overlap(policy["start_date"], policy["end_date"])
    if clash is not None:
        raise PeriodOverlap(clash.name)
    period = QuotaPeriod(opened_at=now, **{k: policy[k] for k in PERIOD_FIELDS})
    db.session.add(period)
    db.session.flush()
    lines = preview_period(policy)
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
        },
    )
    return period


def update_period(period: QuotaPeriod, policy: dict, *, actor, now: datetime) -> bool:
    """Change a period's name, policy or cap (quotas already computed stay: adjust them one by one)."""
    clash = check_overlap(policy["start_date"], policy["end_date"], exclude_id=period.id)
    if clash is not None:
        raise PeriodOverlap(clash.name)
    before = snapshot(period, *PERIOD_FIELDS)
    for key in PERIOD_FIELDS:
        setattr(period, key, policy[key])
    after = snapshot(period, *PERIOD_FIELDS)
    if before == after:
        return False
    db.session.flush()
    record(actor, "quota_period.update", period, now=now, before=before, after=after)
    return True


class AdjustmentWouldBeNegative(ValueError):
    """The drawing right would fall below zero."""


def adjust_quota(
    member: Member, period: QuotaPeriod, *, kind: str, delta: int, reason: str, actor, now: datetime
) -> QuotaAdjustment:
    """Add (or remove) half-days with a mandatory reason; the quota's sum moves in the same transaction."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("reason")
    if delta == 0:
        raise ValueError("delta")
    quota = db.session.scalar(
        select(Quota).where(Quota.period_id == period.id, Quota.member_id == member.id, Quota.kind == kind)
    )
    base = (quota.entitled_half_days + quota.carried_over_half_days) if quota else 0
    before = quota.adjusted_half_days if quota else 0
    if base + before + delta < 0:
        raise AdjustmentWouldBeNegative(base + before)  # checked before anything is added to the session
    if quota is None:
        quota = Quota(
            period_id=period.id,
            member_id=member.id,
            kind=kind,
            entitled_half_days=0,
            carried_over_half_days=0,
            adjusted_half_days=0,
        )
        db.session.add(quota)
    quota.adjusted_half_days = before + delta
    adjustment = QuotaAdjustment(
        quota=quota, delta_half_days=delta, reason=reason, created_by_id=getattr(actor, "id", None), created_at=now
    )
    db.session.add(adjustment)
    db.session.flush()
    record(
        actor,
        "quota.adjust",
        quota,
        now=now,
        before={"adjusted_half_days": before, "total_half_days": base + before},
        after={
            "adjusted_half_days": quota.adjusted_half_days,
            "total_half_days": quota.total_half_days,
            "delta_half_days": delta,
            "reason": reason,
            "kind": kind,
            "period": period.name,
        },
        member_id=member.id,
    )
    return adjustment


def periods_overview() -> list[tuple[QuotaPeriod, int, int]]:
    """(period, number of quotas, total half-days) for the list of periods, in two queries."""
    periods = list(db.session.scalars(select(QuotaPeriod).order_by(QuotaPeriod.start_date.desc())))
    sums = {
        pid: (n, total)
        for pid, n, total in db.session.execute(
            select(
                Quota.period_id,
                func.count(Quota.id),
                func.sum(Quota.entitled_half_days + Quota.carried_over_half_days + Quota.adjusted_half_days),
            ).group_by(Quota.period_id)
        )
    }
    return [(p, *sums.get(p.id, (0, 0))) for p in periods]
