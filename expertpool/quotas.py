"""Drawing rights: which period is current, and each member's balance (entitled, planned, delivered).

Consumption is derived from the bookings every time (planned + delivered half-days of the member's
requests within the period), never stored, so it cannot drift from the agenda.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select

from expertpool.extensions import db
from expertpool.models import (
    Booking,
    BookingStatus,
    InterventionRequest,
    Quota,
    QuotaKind,
    QuotaPeriod,
)


@dataclass(frozen=True, slots=True)
class Balance:
    """A member's drawing right for a period, in half-days."""

    entitled: int = 0
    carried_over: int = 0
    adjusted: int = 0
    planned: int = 0
    delivered: int = 0

    @property
    def total(self) -> int:
        return max(0, self.entitled + self.carried_over + self.adjusted)

    @property
    def used(self) -> int:
        return self.planned + self.delivered

    @property
    def remaining(self) -> int:
        return max(0, self.total - self.used)

    @property
    def over_quota(self) -> int:
        return max(0, self.used - self.total)

    def _pct(self, value: int) -> int:
        scale = max(self.total, self.used)
        return 0 if scale == 0 else min(100, round(100 * value / scale))

    @property
    def delivered_pct(self) -> int:
        return self._pct(self.delivered)

    @property
    def planned_pct(self) -> int:
        return min(100 - self.delivered_pct, self._pct(self.planned))

    @property
    def level(self) -> float | None:
        """Quota-usage level used/total (None when there is no drawing right)."""
        return None if self.total == 0 else self.used / self.total


def period_for(day: date) -> QuotaPeriod | None:
    return db.session.scalar(
        select(QuotaPeriod).where(QuotaPeriod.start_date <= day, QuotaPeriod.end_date >= day)
    )


def consumption(member_ids: Iterable[int], start: date, end: date) -> dict[int, tuple[int, int]]:
    """{member_id: (planned, delivered)} half-days booked for the members' requests in [start, end]."""
    ids = list(member_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            InterventionRequest.member_id,
            func.sum(case((Booking.status == BookingStatus.PLANNED, 1), else_=0)),
            func.sum(case((Booking.status == BookingStatus.DELIVERED, 1), else_=0)),
        )
        .join(Booking, Booking.request_id == InterventionRequest.id)
        .where(InterventionRequest.member_id.in_(ids), Booking.date >= start, Booking.date <= end,
               Booking.status.in_((BookingStatus.PLANNED, BookingStatus.DELIVERED)))
        .group_by(InterventionRequest.member_id)
    ).all()
    return {member_id: (int(planned or 0), int(delivered or 0)) for member_id, planned, delivered in rows}


def balances(member_ids: Iterable[int], period: QuotaPeriod | None,
             kind: str = QuotaKind.OWN) -> dict[int, Balance]:
    """Balances of many members in two queries, whatever their number."""
    ids = list(member_ids)
    if period is None or not ids:
        return {member_id: Balance() for member_id in ids}
    quotas = {
        q.member_id: q for q in db.session.scalars(
            select(Quota).where(Quota.period_id == period.id, Quota.member_id.in_(ids), Quota.kind == kind))
    }
    used = consumption(ids, period.start_date, period.end_date) if kind == QuotaKind.OWN else {}
    result = {}
    for member_id in ids:
        quota = quotas.get(member_id)
        planned, delivered = used.get(member_id, (0, 0))
        result[member_id] = Balance(
            entitled=quota.entitled_half_days if quota else 0,
            carried_over=quota.carried_over_half_days if quota else 0,
            adjusted=quota.adjusted_half_days if quota else 0,
            planned=planned, delivered=delivered,
        )
    return result


def balance(member_id: int, period: QuotaPeriod | None) -> Balance:
    return balances([member_id], period)[member_id]
