"""Declaring, editing and removing unavailability; colliding planned bookings are flagged, never deleted.

A flagged booking keeps its `planned` status, so the member's consumption does not move until a
coordinator reschedules or cancels it. Saving locks the expert's row first, as the plan writer does for
the experts it books: a leave saved during a scheduler commit waits for it and flags its new bookings.
"""

from datetime import date, datetime

from sqlalchemy import select

from expertpool.agenda.grid import bookings_between
from expertpool.audit import record, snapshot
from expertpool.extensions import db
from expertpool.links import expert_week_link
from expertpool.models import Booking, BookingStatus, Expert, Unavailability
from expertpool.notifications import notify_staff
from expertpool.rescheduling import tell_members_to_reschedule

FIELDS = ("expert_id", "start_date", "end_date", "half", "kind", "reason")


def colliding_bookings(expert_id: int, start: date, end: date, half: str | None) -> list[Booking]:
    """The expert's planned bookings that the period (whole days, or one half of one day) covers."""
    return bookings_between(expert_id, start, end, statuses=(BookingStatus.PLANNED,), half=half)


def lock_expert(expert_id: int) -> None:
    """Lock the expert's row until commit (PostgreSQL: SELECT … FOR UPDATE; SQLite's write transaction
    already excludes every other writer): whichever of this and a plan commit comes second sees the
    first, so a leave never lands silently under bookings written at the same time."""
    db.session.execute(select(Expert.id).where(Expert.id == expert_id).with_for_update())


def declare(
    expert: Expert, *, start: date, end: date, half: str | None, kind: str, reason: str, actor, now: datetime
) -> tuple[Unavailability, list[Booking]]:
    """Save a new unavailability and flag the planned bookings it covers (the caller has confirmed them)."""
    lock_expert(expert.id)
    item = Unavailability(
        expert_id=expert.id,
        start_date=start,
        end_date=end,
        half=half,
        kind=kind,
        reason=reason,
        created_by_id=getattr(actor, "id", None),
        created_at=now,
    )
    db.session.add(item)
    db.session.flush()
    flagged = _flag_collisions(expert, item, actor=actor, now=now)
    record(
        actor,
        "unavailability.create",
        item,
        now=now,
        after={**snapshot(item, *FIELDS), "flagged_booking_ids": [b.id for b in flagged]},
        expert_id=expert.id,
    )
    return item, flagged


def update(
    item: Unavailability, *, start: date, end: date, half: str | None, kind: str, reason: str, actor, now: datetime
) -> list[Booking]:
    lock_expert(item.expert_id)
    before = snapshot(item, *FIELDS)
    item.start_date, item.end_date, item.half, item.kind, item.reason = start, end, half, kind, reason
    db.session.flush()
    flagged = _flag_collisions(item.expert, item, actor=actor, now=now)
    record(
        actor,
        "unavailability.update",
        item,
        now=now,
        before=before,
        after={**snapshot(item, *FIELDS), "flagged_booking_ids": [b.id for b in flagged]},
        expert_id=item.expert_id,
    )
    return flagged


def remove(item: Unavailability, *, actor, now: datetime) -> None:
    """Remove it; bookings flagged earlier stay flagged: only the coordinator clears what they moved."""
    record(actor, "unavailability.delete", item, now=now, before=snapshot(item, *FIELDS), expert_id=item.expert_id)
    db.session.delete(item)
    db.session.flush()


def _flag_collisions(expert: Expert, item: Unavailability, *, actor, now: datetime) -> list[Booking]:
    """Flag the planned bookings the unavailability covers, audit each, and tell the coordinators once."""
    newly_flagged = []
    for booking in colliding_bookings(expert.id, item.start_date, item.end_date, item.half):
        if booking.to_reschedule:
            continue
        before = snapshot(booking, "status", "to_reschedule")
        booking.to_reschedule = True
        booking.sequence += 1  # its calendar event now says "to reschedule"
        record(
            actor,
            "booking.to_reschedule",
            booking,
            now=now,
            before=before,
            after={**snapshot(booking, "status", "to_reschedule"), "unavailability_id": item.id},
            member_id=booking.request.member_id,
            expert_id=expert.id,
            request_id=booking.request_id,
        )
        newly_flagged.append(booking)
    if newly_flagged:
        tell_members_to_reschedule(newly_flagged, now=now)
        notify_staff(
            "booking.to_reschedule",
            {"expert": expert.display_name, "count": len(newly_flagged)},
            now=now,
            link=expert_week_link(expert.id, item.start_date),
        )
    db.session.flush()
    return newly_flagged
