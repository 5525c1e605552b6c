"""Quota periods as the coordinator manages them: changing a period, manual adjustments with a reason,
the list of periods. The policy and the opening of a period are shared rules (`expertpool/quota_policies.py`)."""

from datetime import datetime

from sqlalchemy import func, select

from expertpool.audit import record, snapshot
from expertpool.extensions import db
from expertpool.models import Member, Quota, QuotaAdjustment, QuotaPeriod
from expertpool.quota_policies import PERIOD_FIELDS, PeriodOverlap, check_overlap


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
