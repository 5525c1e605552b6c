"""The one French word for each booking state, shared by pages, exports, the audit log and feeds."""

from flask_babel import lazy_gettext as _l

from expertpool.models.enums import BookingStatus

# "à replanifier" is not a status of its own: a planned booking flagged `to_reschedule` (its expert
# became unavailable). It still holds the member's drawing right until moved or cancelled.
TO_RESCHEDULE = "to_reschedule"

BOOKING_STATUS_LABELS = {
    BookingStatus.PLANNED: _l("planifiée"),
    BookingStatus.DELIVERED: _l("réalisée"),
    BookingStatus.NOT_DELIVERED: _l("non réalisée"),
    BookingStatus.CANCELLED: _l("annulée"),
    TO_RESCHEDULE: _l("à replanifier"),
}


def booking_state(booking) -> str:
    """The state a reader should see: 'to_reschedule' for a flagged planned booking, else its status."""
    if booking.status == BookingStatus.PLANNED and booking.to_reschedule:
        return TO_RESCHEDULE
    return booking.status


def booking_status_label(booking) -> str:
    """'planifiée', 'réalisée', 'non réalisée', 'annulée' or 'à replanifier' (reader's language)."""
    state = booking_state(booking)
    return str(BOOKING_STATUS_LABELS.get(state, state))


def is_to_reschedule(booking) -> bool:
    return booking_state(booking) == TO_RESCHEDULE
