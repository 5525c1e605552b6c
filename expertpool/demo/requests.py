"""The demo's requests in every state, their threads, bookings, deliveries, reports and ratings."""

from dataclasses import replace
from datetime import date, datetime, timedelta

from expertpool import audit, quotas
from expertpool.demo.context import Ctx, ago
from expertpool.demo.data import REQUESTS, S, Spec
from expertpool.demo.runs import explain_unserved, run_for
from expertpool.extensions import db
from expertpool.models import (
    Booking,
    BookingStatus,
    Expert,
    InterventionRequest,
    MemberKind,
    RequestMessage,
    Urgency,
    User,
    UserRole,
)
from expertpool.models.expert import HALVES
from expertpool.timeutil import monday_of


def _free_slots(ctx: Ctx, expert: Expert, start: date, count: int, *, before: date | None = None):
    """The next `count` working, free half-days of `expert` from `start` (not past `before`)."""
    slots, day = [], start
    limit = start + timedelta(days=400)
    off = ctx.unavailable.get(expert.id, [])
    while len(slots) < count and day < limit and (before is None or day < before):
        if day not in ctx.holidays:
            for half in HALVES:
                key = (expert.id, day, half)
                if (
                    expert.works(day.weekday(), half)
                    and key not in ctx.taken
                    and not any(u.covers(day, half) for u in off)
                    and len(slots) < count
                ):
                    slots.append((day, half))
        day += timedelta(days=1)
    return slots


def _book(ctx: Ctx, req: InterventionRequest, expert: Expert, slots, status: str, created: datetime):
    rows = []
    for day, half in slots:
        ctx.taken.add((expert.id, day, half))
        rows.append(
            Booking(
                request_id=req.id,
                expert_id=expert.id,
                date=day,
                half=half,
                status=status,
                created_at=created,
                updated_at=created,
            )
        )
    db.session.add_all(rows)
    return rows


# Past runs of the scheduler (days ago): every week or two, and the coordinator's run two days ago.


def seed_requests(ctx: Ctx) -> None:
    authors = {m.member_id: m for m in ctx.users.values() if m.role == UserRole.MEMBER}
    for spec in REQUESTS:
        _request(ctx, spec, authors)


def _request(ctx: Ctx, spec: Spec, authors: dict[int, User]) -> InterventionRequest:
    if spec.this_week:
        spec = replace(spec, start=spec.start + (monday_of(ctx.today) - ctx.today).days)
    member = ctx.members[spec.member]
    author = authors.get(member.id)
    created = ago(ctx, spec.created, hour=8 + ctx.rng.randint(0, 8))
    expert = ctx.experts[spec.expert] if spec.expert is not None else None
    granted = spec.approved if spec.approved is not None else spec.half_days
    window_start = (
        min(ctx.today + timedelta(days=spec.start), ctx.today + timedelta(days=1))
        if spec.start < 0
        else ctx.today + timedelta(days=max(1, spec.start - 3))
    )
    if spec.start < 0 or spec.status in S.FINISHED:
        window_start = ctx.today + timedelta(days=min(spec.start, -1) - 5)
    req = InterventionRequest(
        member_id=member.id,
        created_by_id=author.id if author else None,
        title=spec.title,
        description=spec.description or f"Demande de {member.name}.",
        role_id=ctx.roles[spec.role].id,
        preferred_expert_id=expert.id if expert and spec.status in (S.SUBMITTED, S.DRAFT) else None,
        half_days=spec.half_days,
        earliest=window_start,
        deadline=window_start + timedelta(days=90),
        urgency=spec.urgency,
        on_site=spec.role != "dba",
        address=f"Mairie, {member.name}" if member.kind == MemberKind.COMMUNE else member.address,
        status=spec.status,
        created_at=created,
        updated_at=created,
    )
    req.skills = [ctx.skills[s] for s in spec.skills]
    db.session.add(req)
    db.session.flush()
    ids = {"member_id": member.id, "request_id": req.id}
    audit.record(author, "request.create", req, now=created, after={"status": S.DRAFT}, **ids)
    if spec.status == S.DRAFT:
        return req
    submitted = created + timedelta(minutes=20)
    req.submitted_at = submitted
    audit.record(
        author, "request.submit", req, now=submitted, before={"status": S.DRAFT}, after={"status": S.SUBMITTED}, **ids
    )
    if spec.status == S.NEEDS_INFO:
        _thread(ctx, req, author, submitted)
        return req
    if spec.status == S.SUBMITTED:
        return req
    decided = submitted + timedelta(days=min(2, spec.created / 3), hours=2)
    req.decided_at, req.decided_by_id = decided, ctx.coordinator.id
    if spec.status == S.REJECTED:
        req.rejection_reason = spec.note
        audit.record(
            ctx.coordinator,
            "request.reject",
            req,
            now=decided,
            before={"status": S.SUBMITTED},
            after={"status": S.REJECTED, "rejection_reason": spec.note},
            **ids,
        )
        return req
    req.approved_half_days = spec.approved
    # The over-quota part is the rule's (quotas.judge_request), as the coordinator's approval fixes it.
    req.over_quota_half_days = quotas.judge_request(req, now=decided, half_days=granted, approving=True).over
    if req.over_quota_half_days:
        # Billable work is quoted first (issue 19): the mayor accepted this quote before the half-days
        # were booked; a critical request was served first and its price is still to acknowledge.
        req.quote_half_days, req.quote_unit_price_cents = req.over_quota_half_days, quotas.unit_price_cents()
        if req.urgency != Urgency.CRITICAL:
            req.quote_accepted_at, req.quote_accepted_by_id = submitted, author.id if author else None
    if spec.approved is not None or spec.status == S.APPROVED and spec.over_quota:
        req.approval_note = spec.note
    audit.record(
        ctx.coordinator,
        "request.approve",
        req,
        now=decided,
        before={"status": S.SUBMITTED},
        after={"status": S.APPROVED, "approved_half_days": spec.approved, "over_quota_half_days": spec.over_quota},
        **ids,
    )
    if spec.status == S.CANCELLED:
        return _cancel(ctx, req, spec, expert, author, decided, ids)
    booked = granted if spec.booked is None else spec.booked
    # Its part within the right is booked first: the rest of what is booked is billable.
    req.billable_booked_half_days = max(0, booked - (granted - req.over_quota_half_days))
    if expert is None or booked == 0:
        if spec.status == S.APPROVED and spec.note and not req.approval_note:
            explain_unserved(req, spec, "capacity_shared_fairly", granted)  # nothing booked
        return req
    _deliver(ctx, req, spec, expert, booked, decided, ids)
    return req


def _thread(ctx: Ctx, req: InterventionRequest, author: User | None, submitted: datetime) -> None:
    asked = submitted + timedelta(days=1, hours=3)
    messages = [
        (
            ctx.coordinator,
            asked,
            "Bonjour, pouvez-vous préciser le logiciel concerné, sa version et qui "
            "nous donnera les accès le jour de l'intervention ?",
        ),
        (
            author,
            asked + timedelta(hours=5),
            "Bonjour, il s'agit de la version fournie par l'éditeur en "
            "2019. Je me renseigne pour les accès auprès du prestataire.",
        ),
        (
            ctx.coordinator,
            asked + timedelta(days=1),
            "Merci. Il nous manque encore le nom du contact chez le prestataire : pouvez-vous le transmettre ?",
        ),
    ]
    for user, at, body in messages:
        if at >= ctx.now:
            at = ctx.now - timedelta(hours=1)
        req.messages.append(RequestMessage(author_id=user.id if user else None, body=body, created_at=at))
    ids = {"member_id": req.member_id, "request_id": req.id}
    audit.record(
        ctx.coordinator,
        "request.ask_information",
        req,
        now=messages[0][1],
        before={"status": S.SUBMITTED},
        after={"status": S.NEEDS_INFO},
        **ids,
    )
    audit.record(
        author,
        "request.answer_information",
        req,
        now=messages[1][1],
        before={"status": S.NEEDS_INFO},
        after={"status": S.SUBMITTED},
        **ids,
    )
    audit.record(
        ctx.coordinator,
        "request.ask_information",
        req,
        now=min(messages[2][1], ctx.now),
        before={"status": S.SUBMITTED},
        after={"status": S.NEEDS_INFO},
        **ids,
    )


def _cancel(ctx, req, spec, expert, author, decided, ids) -> InterventionRequest:
    """Cancelled after scheduling: the bookings stay, cancelled, as history (they free the half-days)."""
    before = S.APPROVED
    if expert is not None and spec.booked != 0:
        slots = _free_slots(ctx, expert, ctx.today + timedelta(days=spec.start), req.granted_half_days)
        for booking in _book(ctx, req, expert, slots, BookingStatus.CANCELLED, decided):
            booking.sequence = 1
        before = S.SCHEDULED
    cancelled = min(max(decided + timedelta(days=1), ctx.now - timedelta(days=2)), ctx.now)
    req.cancellation_reason, req.cancelled_at = spec.note, cancelled
    audit.record(
        author,
        "request.cancel",
        req,
        now=cancelled,
        before={"status": before},
        after={"status": S.CANCELLED, "cancellation_reason": spec.note},
        **ids,
    )
    return req


def _deliver(ctx, req, spec, expert, booked, decided, ids) -> None:
    """Book the half-days from spec.start; those before today are delivered, the rest planned."""
    start = ctx.today + timedelta(days=spec.start)
    before = ctx.today if spec.status in S.FINISHED else None
    if spec.status == S.IN_PROGRESS:  # some half-days done, at least one still to come
        slots = _free_slots(ctx, expert, start, booked - 1, before=ctx.today)
        while not slots and start > ctx.today - timedelta(days=30):  # a weekend or leave: go back a bit
            start -= timedelta(days=1)
            slots = _free_slots(ctx, expert, start, booked - 1, before=ctx.today)
        slots += _free_slots(ctx, expert, ctx.today, booked - len(slots))
    else:
        slots = _free_slots(ctx, expert, start, booked, before=before)
    if len(slots) < booked and before is not None:  # the past is full: look further back
        slots = _free_slots(ctx, expert, start - timedelta(days=21), booked, before=before)
    if slots:  # the window covers what was really booked (weekends and leave push dates around)
        req.earliest = min(req.earliest, min(day for day, _ in slots))
        req.deadline = max(req.deadline, max(day for day, _ in slots))
    past = [s for s in slots if s[0] < ctx.today]
    future = [s for s in slots if s[0] >= ctx.today]
    run = run_for(ctx, decided, min(day for day, _ in slots)) if slots else None
    # Critical incidents, and requests decided after the last run, were booked by the coordinator.
    scheduled_at = run.started_at if run is not None else decided + timedelta(hours=1)
    rows = _book(ctx, req, expert, past, BookingStatus.DELIVERED, scheduled_at)
    rows += _book(ctx, req, expert, future, BookingStatus.PLANNED, scheduled_at)
    db.session.flush()
    status_after = S.SCHEDULED if len(slots) >= req.granted_half_days else S.APPROVED
    audit.record(
        None if run is not None else ctx.coordinator,
        "request.schedule",
        req,
        now=scheduled_at,
        before={"status": S.APPROVED},
        after={"status": status_after, "booked_half_days": len(slots), "allocation_run_id": run.id if run else None},
        **ids,
    )
    if run is not None:
        for row in rows:
            row.allocation_run_id = run.id
        ctx.assignments.setdefault(run.id, []).extend(
            {"request": f"r-{req.id}", "expert": f"e-{expert.id}", "date": day.isoformat(), "half": half}
            for day, half in past + future
        )
    if spec.status == S.APPROVED and spec.note:
        entry = explain_unserved(req, spec, "no_eligible_expert_free_in_window", req.granted_half_days - len(slots))
        if run is not None:
            ctx.unserved.setdefault(run.id, []).append({"request": f"r-{req.id}", **entry})
    for row, (day, _half) in zip(rows, past + future, strict=True):
        if day < ctx.today:
            at = ctx.now - timedelta(days=(ctx.today - day).days) + timedelta(hours=8)
            row.updated_at = at
            audit.record(
                expert.user,
                "booking.delivered",
                row,
                now=at,
                before={"status": "planned"},
                after={"status": "delivered"},
                expert_id=expert.id,
                **ids,
            )
    if spec.status in S.FINISHED:
        last = max(day for day, _ in slots) if slots else ctx.today - timedelta(days=1)
        done = ctx.now - timedelta(days=max(0, (ctx.today - last).days - 1))
        req.report, req.report_by_id, req.completed_at = spec.report, expert.user_id, done
        audit.record(
            expert.user,
            "request.report",
            req,
            now=done,
            before={"status": S.IN_PROGRESS},
            after={"status": S.COMPLETED},
            **ids,
        )
    if spec.status == S.RATED:
        req.rating, req.rating_comment = spec.rating, spec.comment
        req.rated_at = min(req.completed_at + timedelta(days=2), ctx.now)
        audit.record(
            None if req.created_by_id is None else db.session.get(User, req.created_by_id),
            "request.rate",
            req,
            now=req.rated_at,
            before={"status": S.COMPLETED},
            after={"status": S.RATED, "rating": spec.rating},
            **ids,
        )
