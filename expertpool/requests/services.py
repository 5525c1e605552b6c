"""What a member does to a request: create or edit a draft, submit, cancel, rate, write to the coordinator.

Each function takes the acting user and `now`, writes one audit row for its state change, notifies
whoever must know, flushes and never commits (the view commits once).
"""

from datetime import datetime

from sqlalchemy import select

from expertpool import envelopes, quotas, quotes
from expertpool.approval import answer_information, auto_approve_if_eligible
from expertpool.audit import record, snapshot
from expertpool.extensions import db
from expertpool.links import expert_assignments_link, page_link, staff_request_link
from expertpool.models import (
    BookingStatus,
    InterventionRequest,
    PreferredHalfDay,
    RequestMessage,
    RequestStatus,
    Skill,
    User,
)
from expertpool.notifications import notify, notify_staff, slot_params
from expertpool.permissions import can_cancel_request, can_edit_request, can_rate_request
from expertpool.timeutil import today_paris

_FIELDS = (
    "title",
    "description",
    "role_id",
    "preferred_expert_id",
    "half_days",
    "earliest",
    "deadline",
    "urgency",
    "on_site",
    "address",
)
_AUDITED = (*_FIELDS, "status", "quote_half_days", "quote_unit_price_cents")


class RequestStateError(Exception):
    """The request is not (or no longer) in a state that allows this action."""


def _apply(req: InterventionRequest, data: dict) -> None:
    for name in _FIELDS:
        setattr(req, name, data[name])
    skill_ids = data.get("skill_ids") or []
    skills = db.session.scalars(select(Skill).where(Skill.id.in_(skill_ids)).order_by(Skill.name)) if skill_ids else []
    req.skills = list(skills)
    if "preferred_half_days" in data:
        wanted = set(data["preferred_half_days"])
        # Keep the rows still wanted (same primary key), add the new ones: no delete-and-insert clash.
        req.preferred_half_days = [p for p in req.preferred_half_days if p.slot in wanted] + [
            PreferredHalfDay(date=day, half=half)
            for day, half in sorted(wanted - {p.slot for p in req.preferred_half_days})
        ]


def _audit_snapshot(req: InterventionRequest) -> dict:
    return {
        **snapshot(req, *_AUDITED),
        "skills": sorted(s.id for s in req.skills),
        "preferred_half_days": [f"{p.date.isoformat()} {p.half}" for p in req.preferred_half_days],
    }


def create_request(
    member_id: int,
    *,
    actor: User,
    now: datetime,
    data: dict,
    submit: bool,
    quote: quotas.RequestSplit | None = None,
    quote_accepted: bool = True,
) -> InterventionRequest:
    """A new request of `member_id`, kept as a draft or submitted at once (with the quote the user accepted
    when part of it is billable)."""
    req = InterventionRequest(
        member_id=member_id, created_by_id=actor.id, status=RequestStatus.DRAFT, created_at=now, updated_at=now
    )
    _apply(req, data)
    db.session.add(req)
    if submit:
        _mark_submitted(req, now, actor, quote, quote_accepted)
    db.session.flush()
    record(
        actor,
        "request.submit" if submit else "request.create_draft",
        req,
        now=now,
        before=None,
        after=_audit_snapshot(req),
        member_id=member_id,
        request_id=req.id,
    )
    if submit:
        _after_submit(req, now)
    return req


def update_request(
    req: InterventionRequest,
    *,
    actor: User,
    now: datetime,
    data: dict,
    submit: bool = False,
    quote: quotas.RequestSplit | None = None,
    quote_accepted: bool = True,
) -> None:
    """Edit a request not yet decided; `submit` also sends a draft (with the quote the user accepted)."""
    if not can_edit_request(actor, req):
        raise RequestStateError(req.status)
    if submit and req.status != RequestStatus.DRAFT:
        raise RequestStateError(req.status)
    before = _audit_snapshot(req)
    _apply(req, data)
    req.updated_at = now
    if submit:
        _mark_submitted(req, now, actor, quote, quote_accepted)
    db.session.flush()  # a concurrent change of the same request fails here (optimistic version)
    record(
        actor,
        "request.submit" if submit else "request.update",
        req,
        now=now,
        before=before,
        after=_audit_snapshot(req),
        member_id=req.member_id,
        request_id=req.id,
    )
    if submit:
        _after_submit(req, now)


def submit_request(req: InterventionRequest, *, actor: User, now: datetime) -> bool:
    """Send a draft to the coordinators; True when the pool's rule approved it at once."""
    if req.status != RequestStatus.DRAFT or not can_edit_request(actor, req):
        raise RequestStateError(req.status)
    before = snapshot(req, "status")
    _mark_submitted(req, now)
    db.session.flush()
    record(
        actor,
        "request.submit",
        req,
        now=now,
        before=before,
        after=snapshot(req, "status"),
        member_id=req.member_id,
        request_id=req.id,
    )
    return _after_submit(req, now)


def _mark_submitted(
    req: InterventionRequest,
    now: datetime,
    actor: User | None = None,
    quote: quotas.RequestSplit | None = None,
    quote_accepted: bool = True,
) -> None:
    req.status = RequestStatus.SUBMITTED
    req.submitted_at = now
    if quote is not None and quote.over:
        # The price is frozen as quoted: later changes of the pool's price do not apply. A critical request
        # is sent without waiting for the acceptance (quote_accepted_at stays empty until acknowledged).
        req.quote_half_days, req.quote_unit_price_cents = quote.over, quote.unit_price_cents
        if quote_accepted:
            req.quote_accepted_at, req.quote_accepted_by_id = now, getattr(actor, "id", None)


def _after_submit(req: InterventionRequest, now: datetime) -> bool:
    # A draw on the EPCI's envelope that the EPCI approves first: never approved automatically meanwhile.
    waits_for_epci = envelopes.ask_review_if_needed(req, now=now, link=_epci_queue_link())
    if not waits_for_epci and auto_approve_if_eligible(req, now=now):
        return True
    notify_staff(
        "request_submitted", {"member": req.member.name, "title": req.title}, now=now, link=staff_request_link(req.id)
    )
    return False


def _epci_queue_link() -> str:
    return page_link("envelope.queue")


def cancel_request(req: InterventionRequest, *, actor: User, now: datetime, reason: str = "") -> list:
    """Cancel before the first booked half-day: planned bookings are released (their iCal sequence
    bumped so calendar apps drop them), which gives the half-days back to the drawing right since
    consumption is derived from bookings; the experts concerned are told. Returns the released bookings."""
    if not can_cancel_request(actor, req, today_paris(now)):
        raise RequestStateError(req.status)
    before = snapshot(req, "status", "cancellation_reason")
    released = [b for b in req.bookings if b.status == BookingStatus.PLANNED]
    for booking in released:
        booking.status = BookingStatus.CANCELLED
        booking.sequence += 1
        booking.updated_at = now
    req.status = RequestStatus.CANCELLED
    req.cancellation_reason = (reason or "").strip()
    req.cancelled_at = now
    db.session.flush()
    record(
        actor,
        "request.cancel",
        req,
        now=now,
        before=before,
        after={**snapshot(req, "status", "cancellation_reason"), "released_bookings": [b.id for b in released]},
        member_id=req.member_id,
        request_id=req.id,
    )
    _tell_experts_of_cancellation(req, released, now)
    notify_staff(
        "request_cancelled", {"member": req.member.name, "title": req.title}, now=now, link=staff_request_link(req.id)
    )
    return released


def _tell_experts_of_cancellation(req, released, now) -> None:
    by_expert: dict[int, list] = {}
    for booking in released:
        by_expert.setdefault(booking.expert_id, []).append(booking)
    link = expert_assignments_link()
    for bookings in by_expert.values():
        user = bookings[0].expert.user
        if user is None or not user.active:
            continue
        params = {"member": req.member.name, "title": req.title, "slots": slot_params(bookings, with_expert=False)}
        notify(user, "booking_cancelled", params, now=now, link=link)


def rate_request(req: InterventionRequest, *, actor: User, now: datetime, rating: int, comment: str = "") -> None:
    """Rate a completed intervention 1–5 (it then counts in the experts' average on the marketplace)."""
    if not can_rate_request(actor, req):
        raise RequestStateError(req.status)
    if rating not in (1, 2, 3, 4, 5):
        raise ValueError(rating)
    before = snapshot(req, "status", "rating", "rating_comment")
    req.status = RequestStatus.RATED
    req.rating = rating
    req.rating_comment = (comment or "").strip()
    req.rated_at = now
    db.session.flush()
    record(
        actor,
        "request.rate",
        req,
        now=now,
        before=before,
        after=snapshot(req, "status", "rating", "rating_comment"),
        member_id=req.member_id,
        request_id=req.id,
    )


def post_message(req: InterventionRequest, *, actor: User, now: datetime, body: str) -> RequestMessage:
    """Write to the coordinator in the request's thread; an answer to "needs information" sends the
    request back to the coordinators' queue."""
    body = (body or "").strip()
    if not body:
        raise ValueError("body")
    if req.status == RequestStatus.NEEDS_INFO:
        return answer_information(req, actor=actor, now=now, body=body)
    message = RequestMessage(request_id=req.id, author_id=actor.id, body=body, created_at=now)
    db.session.add(message)
    db.session.flush()
    record(actor, "request.message", message, now=now, after={"body": body}, member_id=req.member_id, request_id=req.id)
    notify_staff(
        "request_message", {"member": req.member.name, "title": req.title}, now=now, link=staff_request_link(req.id)
    )
    return message


def draft_view(
    member_id: int, half_days: int, earliest, deadline=None, request_id: int | None = None
) -> InterventionRequest:
    """A request as the form describes it, never added to the session: what quotas.judge_request()
    measures (with the id of the request being edited, so that it is not counted twice)."""
    return InterventionRequest(
        id=request_id,
        member_id=member_id,
        half_days=half_days,
        earliest=earliest,
        deadline=deadline or earliest,
        status=RequestStatus.DRAFT,
    )


def quota_preview(
    member_id: int, half_days: int, earliest, *, now: datetime, deadline=None, request_id: int | None = None
) -> quotas.RequestSplit:
    """Where `half_days` more stand against the member's drawing right, after its requests already sent
    (a request being edited keeps its place in the submission order), and the over-quota price."""
    draft = draft_view(member_id, half_days, earliest, deadline, request_id)
    saved = db.session.get(InterventionRequest, request_id) if request_id is not None else None
    if saved is not None and saved.status in RequestStatus.AWAITING_DECISION:
        draft.status, draft.submitted_at = saved.status, saved.submitted_at
    return quotas.judge_request(draft, now=now, half_days=half_days)


def accept_quote(req: InterventionRequest, *, actor: User, now: datetime, quoted: int) -> quotes.QuoteDue:
    """The member's user accepts the new quote of the request's billable part (price frozen now), or, for a
    critical request served first, acknowledges its price. `quoted`: the billable half-days the page
    showed; a quote that changed meanwhile is refused (RequestStateError) so that nobody accepts unseen."""
    if req.member_id != actor.member_id:
        raise RequestStateError(req.status)
    due = quotes.quote_due_now(req, now)
    if due is None or due.half_days != quoted:
        raise RequestStateError(req.status)
    fields = ("quote_half_days", "quote_unit_price_cents", "quote_accepted_at")
    before = snapshot(req, *fields)
    req.quote_half_days, req.quote_unit_price_cents = due.half_days, due.unit_price_cents
    req.quote_accepted_at, req.quote_accepted_by_id = now, actor.id
    db.session.flush()
    critical = quotes.is_critical(req)
    record(
        actor,
        "request.acknowledge_quote" if critical else "request.accept_quote",
        req,
        now=now,
        before=before,
        after=snapshot(req, *fields),
        member_id=req.member_id,
        request_id=req.id,
    )
    params = {"member": req.member.name, "title": req.title, "over": due.half_days, "amount": due.amount_cents}
    notify_staff(
        "quote.acknowledged" if critical else "quote.accepted", params, now=now, link=staff_request_link(req.id)
    )
    return due
