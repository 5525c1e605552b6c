"""Deciding on requests: approve (with adjusted days), reject, ask for information, auto-approve.

A shared domain module, not a feature's: the coordinators' queue decides through it and the member's
request flow calls `auto_approve_if_eligible` and `answer_information` (a feature never imports another);
where a request stands against the drawing right is `quotas.judge_request` / `quotas.request_splits`.
Services flush and never commit; the optimistic `version` column of InterventionRequest makes a
second concurrent decision fail at flush with StaleDataError, which the view turns into a French message.
"""

from datetime import datetime

from sqlalchemy import select

from expertpool import envelopes, quotas, quotes
from expertpool.audit import record, snapshot
from expertpool.extensions import db
from expertpool.links import epci_envelope_link, member_request_link, staff_request_link
from expertpool.models import (
    EnvelopeReview,
    InterventionRequest,
    Member,
    PoolSettings,
    RequestMessage,
    RequestStatus,
    User,
)
from expertpool.models.request import MAX_HALF_DAYS, MIN_HALF_DAYS
from expertpool.notifications import notify, notify_staff

_AUDITED_FIELDS = (
    "status",
    "half_days",
    "approved_half_days",
    "over_quota_half_days",
    "approval_note",
    "rejection_reason",
)


class DecisionConflict(Exception):
    """The request is no longer waiting for a decision (someone else decided, or it was cancelled)."""


class AwaitingEpci(DecisionConflict):
    """Its draw on the EPCI's envelope waits for the EPCI: the coordinator approves after the EPCI."""


# --- quota position -------------------------------------------------------------------------------

# The position and the split of a request are the drawing-right module's (one definition).
period_of_request = quotas.period_of_request


# --- decisions ------------------------------------------------------------------------------------


def _ensure_decidable(req: InterventionRequest) -> None:
    if req.status not in RequestStatus.AWAITING_DECISION:
        raise DecisionConflict(req.status)


def approve_request(
    req: InterventionRequest, *, actor: User | None, now: datetime, half_days: int | None = None, note: str = ""
) -> None:
    """Approve `req` (optionally for another number of half-days), fixing the over-quota part."""
    _approve(
        req,
        actor=actor,
        now=now,
        half_days=half_days,
        note=note,
        action="request.approve" if actor is not None else "request.auto_approve",
    )


def _approve(req, *, actor, now, half_days, note, action) -> None:
    _ensure_decidable(req)
    if req.envelope_review == EnvelopeReview.PENDING:
        raise AwaitingEpci(req.id)
    _lock_drawing_rights(req)
    granted = req.half_days if half_days is None else int(half_days)
    if not MIN_HALF_DAYS <= granted <= MAX_HALF_DAYS:
        raise ValueError(granted)
    note = (note or "").strip()
    more_than_asked = granted > req.half_days
    if more_than_asked and not note:
        raise ValueError("reason")  # granting more than asked always says why (the form asks first)
    before = snapshot(req, *_AUDITED_FIELDS)
    split = quotas.judge_request(req, now=now, half_days=granted, approving=True)
    req.status = RequestStatus.APPROVED
    req.approved_half_days = granted
    req.over_quota_half_days = split.over
    req.approval_note = note
    _record_decision(req, actor=actor, now=now, action=action, before=before)
    # More than asked: the member reads the figure they asked for beside the one granted, and why.
    adjusted = {"asked": req.half_days, "reason": note} if more_than_asked else {}
    _notify_member(req, now, "request_approved", days=granted, over=split.over, **adjusted)
    if split.envelope:
        envelopes.notify_first_draws([req.member_id], split.period, now=now, link=epci_envelope_link())
    # More billable half-days than the quote accepted at sending: they wait for a new quote's acceptance.
    due = quotes.quote_due(req, split, split.unit_price_cents)
    if due is not None:
        _notify_member(req, now, "quote.to_accept", over=due.half_days, amount=due.amount_cents)


def _lock_drawing_rights(req: InterventionRequest) -> None:
    """Serialise approvals that draw on the same drawing right (the member's, and its EPCI's envelope).

    Each approval reads the remaining balance and then writes: without a lock, two coordinators
    approving requests of one member at the same moment both see the same balance and together grant
    more than the quota as "within the drawing right". Locking the member rows (in id order, so two
    approvals never wait on each other crosswise) makes the second approval read after the first
    commits. SQLite needs nothing: it admits one writer at a time.
    """
    ids = sorted({req.member_id, req.member.parent_id or req.member_id})
    db.session.execute(select(Member.id).where(Member.id.in_(ids)).order_by(Member.id).with_for_update())


def _record_decision(req: InterventionRequest, *, actor: User | None, now: datetime, action: str, before: dict) -> None:
    """Stamp who decided and when, flush, and write the decision's audit row."""
    req.decided_at = now
    req.decided_by_id = actor.id if actor is not None else None
    # The version check happens here: a concurrent decision makes this flush raise StaleDataError.
    db.session.flush()
    record(
        actor,
        action,
        req,
        now=now,
        before=before,
        after=snapshot(req, *_AUDITED_FIELDS),
        member_id=req.member_id,
        request_id=req.id,
    )


def reject_request(req: InterventionRequest, *, actor: User, now: datetime, reason: str) -> None:
    """Reject `req`; the reason is mandatory and shown to the member."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("reason")
    _ensure_decidable(req)
    before = snapshot(req, *_AUDITED_FIELDS)
    req.status = RequestStatus.REJECTED
    req.rejection_reason = reason
    _record_decision(req, actor=actor, now=now, action="request.reject", before=before)
    _notify_member(req, now, "request_rejected", reason=reason)


def _post_to_thread(
    req: InterventionRequest, *, actor: User, now: datetime, body: str, status: str, action: str
) -> RequestMessage:
    """Add a message to the request's thread and move the request to `status`, with its audit row."""
    before = snapshot(req, "status")
    req.status = status
    message = RequestMessage(request_id=req.id, author_id=actor.id if actor else None, body=body, created_at=now)
    db.session.add(message)
    db.session.flush()
    record(
        actor,
        action,
        req,
        now=now,
        before=before,
        after={**snapshot(req, "status"), "message": body},
        member_id=req.member_id,
        request_id=req.id,
    )
    return message


def request_information(req: InterventionRequest, *, actor: User, now: datetime, message: str) -> RequestMessage:
    """Ask the member for more information: the message goes to the request's thread."""
    message = (message or "").strip()
    if not message:
        raise ValueError("message")
    _ensure_decidable(req)
    note = _post_to_thread(
        req, actor=actor, now=now, body=message, status=RequestStatus.NEEDS_INFO, action="request.ask_information"
    )
    _notify_member(req, now, "request_needs_info", message=message)
    return note


def answer_information(req: InterventionRequest, *, actor: User, now: datetime, body: str) -> RequestMessage:
    """The member answers in the thread; a request waiting for information goes back to the queue."""
    body = (body or "").strip()
    if not body:
        raise ValueError("body")
    if req.status != RequestStatus.NEEDS_INFO:
        raise DecisionConflict(req.status)
    answer = _post_to_thread(
        req, actor=actor, now=now, body=body, status=RequestStatus.SUBMITTED, action="request.answer_information"
    )
    notify_staff(
        "request_answered", {"member": req.member.name, "title": req.title}, now=now, link=staff_request_link(req.id)
    )
    return answer


def auto_approve_if_eligible(req: InterventionRequest, *, now: datetime) -> bool:
    """Approve a just-submitted small request that fits the remaining quota (the pool's settings: a
    request small enough to be booked at once is approved at once too)."""
    settings = PoolSettings.load(db.session)
    limit = max(settings.auto_approve_max_half_days, settings.instant_booking_max_half_days)
    if limit <= 0 or req.status != RequestStatus.SUBMITTED or req.half_days > limit:
        return False
    if not quotas.judge_request(req, now=now, half_days=req.half_days, approving=True).within_quota:
        return False
    _approve(req, actor=None, now=now, half_days=req.half_days, note="", action="request.auto_approve")
    return True


# --- notifications --------------------------------------------------------------------------------


def _recipients(req: InterventionRequest) -> list[User]:
    """The author when still active, else the structure's active users (someone must hear of it)."""
    author = req.created_by
    if author is not None and author.active:
        return [author]
    return list(
        db.session.scalars(select(User).where(User.member_id == req.member_id, User.active.is_(True)).order_by(User.id))
    )


def _notify_member(req, now, kind: str, **params) -> None:
    link = member_request_link(req.id)
    for user in _recipients(req):
        notify(user, kind, {"title": req.title, **params}, now=now, link=link)
