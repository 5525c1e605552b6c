"""What an expert records after the fact: each half-day delivered or not, and one report per request.

Consumption is derived from booking statuses (`expertpool.quotas`), so marking a half-day delivered
moves it from planned to delivered, and not delivered releases it back to the member's drawing right.
"""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from expertpool.audit import record, snapshot
from expertpool.extensions import db
from expertpool.links import member_request_link
from expertpool.models import Booking, BookingStatus, InterventionRequest, RequestStatus, User, UserRole
from expertpool.notifications import notify

MAX_NOTE_LENGTH = 2000
MAX_REPORT_LENGTH = 20000
# A request moves to "in progress" on its first delivered half-day from these statuses.


class DeliveryError(ValueError):
    """A delivery that cannot be recorded (the message is shown to the user)."""


def can_be_marked(booking: Booking, today: date) -> bool:
    return booking.status in BookingStatus.MARKABLE and booking.date <= today


def record_delivery(booking: Booking, *, delivered: bool, note: str, actor, now: datetime, today: date) -> None:
    """Mark one half-day delivered or not delivered, then move its request along its lifecycle."""
    if booking.status not in BookingStatus.MARKABLE:
        raise DeliveryError(_l("Cette demi-journée a été annulée : elle ne peut plus être renseignée."))
    if booking.date > today:
        raise DeliveryError(_l("Une demi-journée à venir ne peut pas encore être renseignée."))
    before = snapshot(booking, "status", "note", "to_reschedule")
    booking.status = BookingStatus.DELIVERED if delivered else BookingStatus.NOT_DELIVERED
    booking.note = note
    booking.to_reschedule = False  # it happened (or not): there is nothing left to move
    booking.sequence += 1
    req = booking.request
    record(
        actor,
        "booking.delivered" if delivered else "booking.not_delivered",
        booking,
        now=now,
        before=before,
        after=snapshot(booking, "status", "note", "to_reschedule"),
        member_id=req.member_id,
        expert_id=booking.expert_id,
        request_id=req.id,
    )
    db.session.flush()
    _advance_request(req, actor=actor, now=now)


def _advance_request(req: InterventionRequest, *, actor, now: datetime) -> None:
    statuses = [b.status for b in req.bookings]
    any_delivered = BookingStatus.DELIVERED in statuses
    held = sum(status in BookingStatus.HOLDING for status in statuses)
    if req.status == RequestStatus.SCHEDULED and not any_delivered and held < req.granted_half_days:
        # Nobody came: the half-day went back to the member's drawing right, and the request, no longer
        # fully booked, returns to the scheduler (approved), which plans a replacement half-day.
        _set_status(req, RequestStatus.APPROVED, actor=actor, now=now)
        return
    if any_delivered and req.status in RequestStatus.STARTABLE:
        _set_status(req, RequestStatus.IN_PROGRESS, actor=actor, now=now)
    if any_delivered and BookingStatus.PLANNED not in statuses and req.status == RequestStatus.IN_PROGRESS:
        req.completed_at = now
        _set_status(req, RequestStatus.COMPLETED, actor=actor, now=now)
        _ask_for_rating(req, now=now)


def _set_status(req: InterventionRequest, status: str, *, actor, now: datetime) -> None:
    before = snapshot(req, "status")
    req.status = status
    db.session.flush()
    record(
        actor,
        f"request.{status}",
        req,
        now=now,
        before=before,
        after=snapshot(req, "status"),
        member_id=req.member_id,
        request_id=req.id,
    )


def _ask_for_rating(req: InterventionRequest, *, now: datetime) -> None:
    link = member_request_link(req.id)
    users = db.session.query(User).filter(
        User.member_id == req.member_id, User.role == UserRole.MEMBER, User.active.is_(True)
    )
    for user in users:
        notify(user, "request.rate", {"title": req.title}, now=now, link=link)


def save_report(req: InterventionRequest, text: str, *, actor, now: datetime) -> None:
    before = snapshot(req, "report", "report_by_id")
    req.report = text
    req.report_by_id = getattr(actor, "id", None)
    db.session.flush()
    record(
        actor,
        "request.report",
        req,
        now=now,
        before=before,
        after=snapshot(req, "report", "report_by_id"),
        member_id=req.member_id,
        request_id=req.id,
    )
