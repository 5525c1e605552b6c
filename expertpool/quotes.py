"""Quotes for billable work: what a member accepted beyond its drawing right, and what is still to accept.

The billable part of a request is the drawing-right position's (`quotas.judge_request` /
`quotas.request_splits`), never recomputed here: a request approved for `granted` half-days holds
`over_quota_half_days` beyond the right, fixed at approval; the half-days it still waits for are split
by the position in decision order (`split.over` of them are billable). Within a request, its half-days
within the right are booked first, so its billable half-days already booked are those beyond
`granted − over_quota_half_days`.

A non-critical request's billable half-days are booked only up to the quote its member's user accepted
(the scheduler hands the engine `accepted_billable_left`, rule 8). A critical request never waits: it is
served first, and its member acknowledges the price afterwards (the same columns, stamped at
acknowledgement).
"""

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from expertpool import quotas
from expertpool.extensions import db
from expertpool.models import InterventionRequest, RequestStatus, Urgency
from expertpool.quotas import RequestSplit

# Requests whose billable part may still grow (approval, others ahead): a new quote may be due.
QUOTABLE_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.NEEDS_INFO, RequestStatus.APPROVED)


def is_critical(req: InterventionRequest) -> bool:
    return req.urgency == Urgency.CRITICAL


def accepted_half_days(req: InterventionRequest) -> int:
    """Billable half-days covered by the quote the member's user accepted (or acknowledged)."""
    return (req.quote_half_days or 0) if req.quote_accepted_at is not None else 0


def billable_booked(req: InterventionRequest, booked: int) -> int:
    """Of the request's `booked` half-days, those beyond the right (its within part is booked first)."""
    within = max(0, req.granted_half_days - (req.over_quota_half_days or 0))
    return max(0, booked - within)


def accepted_billable_left(req: InterventionRequest, booked: int) -> int | None:
    """What the scheduler may still book beyond the right for the request (None: no limit, critical)."""
    if is_critical(req):
        return None
    return max(0, accepted_half_days(req) - billable_booked(req, booked))


def billable_part(req: InterventionRequest, split: RequestSplit | None, booked: int) -> int:
    """Billable half-days of the whole request as the position judges it now: those already booked
    beyond the right, plus the billable part of what it still waits for (at least what approval fixed)."""
    if split is None or req.status not in QUOTABLE_STATUSES:
        return req.over_quota_half_days or 0
    if req.status == RequestStatus.APPROVED:
        return max(req.over_quota_half_days or 0, billable_booked(req, booked) + split.over)
    return split.over


@dataclass(frozen=True, slots=True)
class QuoteDue:
    """A quote the member's user must accept (or, critical, acknowledge): the whole billable part."""

    half_days: int  # billable half-days of the request, in all
    accepted: int  # of which already accepted
    unit_price_cents: int

    @property
    def extra(self) -> int:
        return self.half_days - self.accepted

    @property
    def amount_cents(self) -> int:
        return self.half_days * self.unit_price_cents


def quote_due(req: InterventionRequest, split: RequestSplit | None, booked: int, unit_price_cents: int):
    """The new quote awaiting acceptance, or None.

    Non-critical: once approved, when the billable part outgrew the accepted quote. Critical: once its
    billable half-days are booked, until the member acknowledges their price.
    """
    if is_critical(req):
        if req.quote_accepted_at is not None or req.status in (RequestStatus.CANCELLED, RequestStatus.REJECTED):
            return None
        charged = billable_booked(req, booked)
        return QuoteDue(charged, 0, req.quote_unit_price_cents or unit_price_cents) if charged else None
    if req.status != RequestStatus.APPROVED:
        return None
    part = billable_part(req, split, booked)
    accepted = accepted_half_days(req)
    return QuoteDue(part, accepted, unit_price_cents) if part > accepted else None


def quote_due_now(req: InterventionRequest, now) -> QuoteDue | None:
    """The quote awaiting acceptance for one request, judged by the position now."""
    booked = sum(1 for b in req.bookings if b.holds_slot)
    split = quotas.judge_request(req, now=now) if req.status in QUOTABLE_STATUSES else None
    return quote_due(req, split, booked, quotas.unit_price_cents())


def quotes_due_for(member_id: int, now) -> list[tuple[InterventionRequest, QuoteDue]]:
    """The member's requests with a quote to accept or a critical price to acknowledge (its home's
    "à prendre en compte"), in a constant number of queries."""
    closed = (RequestStatus.DRAFT, RequestStatus.CANCELLED, RequestStatus.REJECTED)
    candidates = list(
        db.session.scalars(
            select(InterventionRequest)
            .where(
                InterventionRequest.member_id == member_id,
                or_(
                    InterventionRequest.status == RequestStatus.APPROVED,
                    (InterventionRequest.urgency == Urgency.CRITICAL)
                    & InterventionRequest.quote_accepted_at.is_(None)
                    & (InterventionRequest.over_quota_half_days > 0)
                    & InterventionRequest.status.not_in(closed),
                ),
            )
            .options(selectinload(InterventionRequest.bookings))
            .order_by(InterventionRequest.id)
        )
    )
    if not candidates:
        return []
    splits = quotas.request_splits([r for r in candidates if r.status in QUOTABLE_STATUSES], now)
    price = quotas.unit_price_cents()
    result = []
    for req in candidates:
        booked = sum(1 for b in req.bookings if b.holds_slot)
        due = quote_due(req, splits.get(req.id), booked, price)
        if due is not None:
            result.append((req, due))
    return result
