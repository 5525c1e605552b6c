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
    Member,
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
    # What is left of the parent EPCI's envelope (communes only): shared with the sibling communes.
    envelope_remaining: int = 0

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

    @property
    def drawing_right_remaining(self) -> int:
        """The remaining drawing right: own quota left, then the parent EPCI's envelope left."""
        return self.remaining + self.envelope_remaining

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
    return db.session.scalar(select(QuotaPeriod).where(QuotaPeriod.start_date <= day, QuotaPeriod.end_date >= day))


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
        .where(
            InterventionRequest.member_id.in_(ids),
            Booking.date >= start,
            Booking.date <= end,
            Booking.status.in_((BookingStatus.PLANNED, BookingStatus.DELIVERED)),
        )
        .group_by(InterventionRequest.member_id)
    ).all()
    return {member_id: (int(planned or 0), int(delivered or 0)) for member_id, planned, delivered in rows}


def balances(member_ids: Iterable[int], period: QuotaPeriod | None, kind: str = QuotaKind.OWN) -> dict[int, Balance]:
    """Balances of many members in a constant number of queries (2, up to 6 with EPCI envelopes).

    For own quotas, each commune's `envelope_remaining` tells what its parent EPCI's envelope still
    holds, since a commune draws on its own quota first, then on the envelope.
    """
    ids = list(member_ids)
    if period is None or not ids:
        return {member_id: Balance() for member_id in ids}
    # The parent id comes with the quota so that members without an EPCI cost no extra query.
    rows = db.session.execute(
        select(Member.id, Member.parent_id, Quota)
        .outerjoin(Quota, (Quota.member_id == Member.id) & (Quota.period_id == period.id) & (Quota.kind == kind))
        .where(Member.id.in_(ids))
    ).all()
    quotas = {member_id: quota for member_id, _parent, quota in rows}
    parents = {member_id: parent for member_id, parent, _quota in rows if parent is not None}
    used = consumption(ids, period.start_date, period.end_date) if kind == QuotaKind.OWN else {}
    envelopes = envelope_balances(set(parents.values()), period) if kind == QuotaKind.OWN and parents else {}
    result = {}
    for member_id in ids:
        envelope = envelopes.get(parents.get(member_id))
        result[member_id] = _balance_of(
            quotas.get(member_id), used.get(member_id, (0, 0)), envelope.remaining if envelope else 0
        )
    return result


def _balance_of(quota: Quota | None, used: tuple[int, int], envelope_remaining: int = 0) -> Balance:
    planned, delivered = used
    return Balance(
        entitled=quota.entitled_half_days if quota else 0,
        carried_over=quota.carried_over_half_days if quota else 0,
        adjusted=quota.adjusted_half_days if quota else 0,
        planned=planned,
        delivered=delivered,
        envelope_remaining=envelope_remaining,
    )


def balance(member_id: int, period: QuotaPeriod | None) -> Balance:
    return balances([member_id], period)[member_id]


def envelope_balances(epci_ids: Iterable[int], period: QuotaPeriod | None) -> dict[int, Balance]:
    """{epci_id: Balance} of the EPCI envelopes (only EPCI holding one), in at most 4 queries.

    The envelope is consumed by what each member commune uses beyond its own quota (delivered
    half-days first, as they came first), so its planned/delivered are the communes' overflows.
    """
    ids = [epci_id for epci_id in epci_ids if epci_id is not None]
    if period is None or not ids:
        return {}
    envelopes = {
        q.member_id: q
        for q in db.session.scalars(
            select(Quota).where(
                Quota.period_id == period.id, Quota.member_id.in_(ids), Quota.kind == QuotaKind.ENVELOPE
            )
        )
    }
    if not envelopes:
        return {}
    children = db.session.execute(
        select(Member.id, Member.parent_id).where(Member.parent_id.in_(list(envelopes)))
    ).all()
    child_ids = [child_id for child_id, _parent in children]
    own = (
        {
            q.member_id: q
            for q in db.session.scalars(
                select(Quota).where(
                    Quota.period_id == period.id, Quota.member_id.in_(child_ids), Quota.kind == QuotaKind.OWN
                )
            )
        }
        if child_ids
        else {}
    )
    used = consumption(child_ids, period.start_date, period.end_date)
    overflow = {epci_id: [0, 0] for epci_id in envelopes}
    for child_id, parent_id in children:
        child = _balance_of(own.get(child_id), used.get(child_id, (0, 0)))
        delivered_beyond = max(0, child.delivered - child.total)
        planned_beyond = child.over_quota - delivered_beyond
        overflow[parent_id][0] += planned_beyond
        overflow[parent_id][1] += delivered_beyond
    return {
        epci_id: _balance_of(quota, (overflow[epci_id][0], overflow[epci_id][1]))
        for epci_id, quota in envelopes.items()
    }


def envelope_balance(epci, period: QuotaPeriod | None) -> Balance | None:
    """The envelope an EPCI shares with its communes for the period (None when it holds none)."""
    epci_id = getattr(epci, "id", epci)
    return envelope_balances([epci_id], period).get(epci_id)
