"""What keeps an expert's half-day from being booked: the half-days already held and the declared
unavailability (for the free half-days a member sees and the moves a coordinator is offered), and the SQL
conditions for planned bookings that must move (the planning pages and the coordinator's home list them)."""

from collections import defaultdict
from datetime import date

from sqlalchemy import or_, select

from expertpool.extensions import db
from expertpool.models import Booking, Unavailability
from expertpool.models.enums import BookingStatus


def held_half_days(expert_ids: list[int], start: date, end: date) -> set[tuple[int, date, str]]:
    """(expert id, date, half) of every half-day these experts hold between start and end, in one query."""
    query = select(Booking.expert_id, Booking.date, Booking.half).where(
        Booking.expert_id.in_(expert_ids),
        Booking.date >= start,
        Booking.date <= end,
        Booking.status.in_(BookingStatus.HOLDING),
    )
    return {(expert_id, day, half) for expert_id, day, half in db.session.execute(query)}


def unavailability_by_expert(expert_ids: list[int], start: date, end: date) -> dict[int, list[Unavailability]]:
    """The unavailability these experts declared that overlaps start..end, per expert, in one query."""
    away: dict[int, list[Unavailability]] = defaultdict(list)
    for item in db.session.scalars(
        select(Unavailability).where(
            Unavailability.expert_id.in_(expert_ids), Unavailability.start_date <= end, Unavailability.end_date >= start
        )
    ):
        away[item.expert_id].append(item)
    return away


def overlaps_unavailability():
    """SQL condition: the booking's half-day lies in an unavailability its expert declared."""
    return (
        select(Unavailability.id)
        .where(
            Unavailability.expert_id == Booking.expert_id,
            Unavailability.start_date <= Booking.date,
            Unavailability.end_date >= Booking.date,
            or_(Unavailability.half.is_(None), Unavailability.half == Booking.half),
        )
        .exists()
    )


def needs_moving():
    """SQL condition: a booking flagged for rescheduling or colliding with its expert's unavailability."""
    return or_(Booking.to_reschedule.is_(True), overlaps_unavailability())
