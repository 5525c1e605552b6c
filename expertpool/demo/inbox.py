"""A realistic inbox for the demo logins."""

from sqlalchemy import select

from expertpool.demo.context import Ctx, ago
from expertpool.demo.data import EXPERT_EMAIL, MAYOR_COMMUNE, MAYOR_EMAIL, S
from expertpool.extensions import db
from expertpool.links import member_request_link
from expertpool.models import (
    InterventionRequest,
    Notification,
)
from expertpool.notifications import slot_params

# --- notifications ---------------------------------------------------------------------------------


def seed_inbox(ctx: Ctx) -> None:
    """A realistic inbox for the demo mayor (and a few items for the other demo logins)."""
    mayor = ctx.users[MAYOR_EMAIL]
    mine = list(
        db.session.scalars(
            select(InterventionRequest)
            .where(InterventionRequest.member_id == mayor.member_id)
            .order_by(InterventionRequest.id)
        )
    )
    by_status = {r.status: r for r in mine}
    notes = []  # (user, kind, parameters, request, days ago, read days ago): see notifications.KINDS
    scheduled = by_status.get(S.SCHEDULED)
    if scheduled is not None:
        slots = slot_params(scheduled.bookings)
        notes.append((mayor, "request.scheduled", {"title": scheduled.title, "slots": slots}, scheduled, 5, None))
    asked = by_status.get(S.NEEDS_INFO)
    if asked is not None:
        question = asked.messages[-1].body if asked.messages else ""
        notes.append((mayor, "request_needs_info", {"title": asked.title, "message": question}, asked, 1, None))
    done = by_status.get(S.COMPLETED)
    if done is not None:
        notes.append((mayor, "request.rate", {"title": done.title}, done, 3, None))
    rated = by_status.get(S.RATED)
    if rated is not None:
        notes.append((mayor, "request.rate", {"title": rated.title}, rated, 60, 58))
    cancelled = by_status.get(S.CANCELLED)
    if cancelled is not None:
        params = {"member": MAYOR_COMMUNE, "title": cancelled.title}
        notes.append((mayor, "request_cancelled", params, cancelled, 2, 2))
    submitted = by_status.get(S.SUBMITTED)
    if submitted is not None:
        params = {"member": MAYOR_COMMUNE, "title": submitted.title}
        notes.append((ctx.coordinator, "request_submitted", params, submitted, 4, None))
    expert_user = ctx.users[EXPERT_EMAIL]
    if scheduled is not None:
        slots = slot_params(scheduled.bookings, with_expert=False)  # the reader is the expert
        notes.append((expert_user, "booking.assigned", {"slots": slots}, scheduled, 5, None))
    rows = []
    for user, kind, params, req, days_ago, read_days_ago in notes:
        at = ago(ctx, days_ago, hour=7)
        link = member_request_link(req.id)
        rows.append(
            Notification(
                user_id=user.id,
                kind=kind,
                params=params,
                link=link,
                created_at=at,
                read_at=None if read_days_ago is None else ago(ctx, read_days_ago, 10),
            )
        )
    db.session.add_all(rows)
