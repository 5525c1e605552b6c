"""Quotes for billable work: what a member accepted beyond its drawing right, and what is still to accept.

The billable part of a request is the drawing-right position's (`quotas.judge_request` /
`quotas.request_splits`), never recomputed here: the half-days it already holds beyond the right are
counted by the scheduler as it books them (`billable_booked_half_days`, from the engine's plan), and the
half-days it still waits for are split by the position in decision order (`split.over` are billable).

A non-critical request's billable half-days are booked only up to the quote its member's user accepted
(the scheduler hands the engine `accepted_billable_left`, rule 8). A critical request never waits: it is
served first, and its member acknowledges the price of its billable half-days afterwards (the same
columns, stamped at acknowledgement).
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import or_, select

from expertpool import quotas
from expertpool.extensions import db
from expertpool.i18n import date_long
from expertpool.models import InterventionRequest, RequestStatus, Urgency
from expertpool.quotas import RequestSplit
from expertpool.timeutil import today_paris

# Requests whose billable part may still grow (approval, others ahead): a new quote may be due.
QUOTABLE_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.NEEDS_INFO, RequestStatus.APPROVED)


def is_critical(req: InterventionRequest) -> bool:
    return req.urgency == Urgency.CRITICAL


def accepted_half_days(req: InterventionRequest) -> int:
    """Billable half-days covered by the quote the member's user accepted (or acknowledged)."""
    return (req.quote_half_days or 0) if req.quote_accepted_at is not None else 0


def accepted_billable_left(req: InterventionRequest) -> int | None:
    """What the scheduler may still book beyond the right for the request (None: no limit, critical)."""
    if is_critical(req):
        return None
    return max(0, accepted_half_days(req) - (req.billable_booked_half_days or 0))


def billable_part(req: InterventionRequest, split: RequestSplit | None) -> int:
    """Billable half-days of the whole request as the position judges it now: those it holds beyond the
    right, plus the billable part of what it still waits for."""
    booked = req.billable_booked_half_days or 0
    if split is None or req.status not in QUOTABLE_STATUSES:
        return booked
    return booked + split.over


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


def quote_due(req: InterventionRequest, split: RequestSplit | None, unit_price_cents: int) -> QuoteDue | None:
    """The new quote awaiting acceptance, or None.

    Non-critical: once approved, when the billable part outgrew the accepted quote. Critical: once
    half-days beyond the right are booked, until the member acknowledges their price.
    """
    if is_critical(req):
        charged = req.billable_booked_half_days or 0
        if not charged or (req.quote_accepted_at is not None and (req.quote_half_days or 0) >= charged):
            return None
        return QuoteDue(charged, 0, req.quote_unit_price_cents or unit_price_cents)
    if req.status != RequestStatus.APPROVED:
        return None
    part = billable_part(req, split)
    accepted = accepted_half_days(req)
    return QuoteDue(part, accepted, unit_price_cents) if part > accepted else None


def quote_due_now(req: InterventionRequest, now, *, judged: RequestSplit | None = None) -> QuoteDue | None:
    """The quote awaiting acceptance for one request, judged by the position now (`judged`: the request's
    `quotas.judge_request` at `now`, when the caller already has it: a page shows both)."""
    split = None
    if req.status in QUOTABLE_STATUSES:
        split = judged if judged is not None else quotas.judge_request(req, now=now)
    return quote_due(req, split, quotas.unit_price_cents())


def quotes_due(requests: list[InterventionRequest], now) -> list[tuple[InterventionRequest, QuoteDue | None]]:
    """Each request with its quote awaiting acceptance (or None), judged together: a constant number
    of queries per period however many requests."""
    if not requests:
        return []
    splits = quotas.request_splits([r for r in requests if r.status in QUOTABLE_STATUSES], now)
    price = quotas.unit_price_cents()
    return [(req, quote_due(req, splits.get(req.id), price)) for req in requests]


def quotes_due_for(member_id: int, now) -> list[tuple[InterventionRequest, QuoteDue]]:
    """The member's requests with a quote to accept or a critical price to acknowledge (its home's
    "à prendre en compte"), in a constant number of queries."""
    candidates = list(
        db.session.scalars(
            select(InterventionRequest)
            .where(
                InterventionRequest.member_id == member_id,
                or_(
                    InterventionRequest.status == RequestStatus.APPROVED,
                    (InterventionRequest.urgency == Urgency.CRITICAL)
                    & (InterventionRequest.billable_booked_half_days > 0),
                ),
            )
            .order_by(InterventionRequest.id)
        )
    )
    return [(req, due) for req, due in quotes_due(candidates, now) if due is not None]


@dataclass(frozen=True, slots=True)
class QuoteFigures:
    """What a printed quote shows: the quote due if there is one, else the one accepted."""

    half_days: int
    unit_price_cents: int
    status: str  # a sentence in the reader's language

    @property
    def amount_cents(self) -> int:
        return self.half_days * self.unit_price_cents


def printable_quote(req: InterventionRequest, now) -> QuoteFigures | None:
    """The quote of a request as printed (None: the request has none)."""
    due = quote_due_now(req, now)
    if due is not None:
        if is_critical(req):
            status = _("Urgence critique servie sans attendre : prix à prendre en compte par le membre.")
        else:
            status = _("Devis à accepter sur la page de la demande.")
        return QuoteFigures(due.half_days, due.unit_price_cents, status)
    if not req.quote_half_days:
        return None
    if req.quote_accepted_at is None:
        status = _("Devis à accepter sur la page de la demande.")
    else:
        status = _("Accepté le %(date)s.", date=date_long(today_paris(req.quote_accepted_at)))
    return QuoteFigures(req.quote_half_days, req.quote_unit_price_cents or 0, status)
