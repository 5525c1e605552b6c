"""SQL conditions for planned bookings that must move: flagged for rescheduling, or overlapping an
unavailability their expert declared (the planning pages and the coordinator's home list them)."""

from sqlalchemy import or_, select

from expertpool.models import Booking, Unavailability


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
