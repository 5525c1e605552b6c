"""The one registry of labels for statuses and kinds, shared by pages, exports, the audit log, mails and feeds."""

from flask_babel import lazy_gettext as _l

from expertpool.models.enums import BookingStatus, RequestStatus, UnavailabilityKind, Urgency

STATUS_LABELS = {
    RequestStatus.DRAFT: _l("Brouillon"),
    RequestStatus.SUBMITTED: _l("Envoyée"),
    RequestStatus.NEEDS_INFO: _l("Précisions demandées"),
    RequestStatus.APPROVED: _l("Acceptée"),
    RequestStatus.REJECTED: _l("Refusée"),
    RequestStatus.SCHEDULED: _l("Planifiée"),
    RequestStatus.IN_PROGRESS: _l("En cours"),
    RequestStatus.COMPLETED: _l("Terminée"),
    RequestStatus.RATED: _l("Évaluée"),
    RequestStatus.CANCELLED: _l("Annulée"),
}

URGENCY_LABELS = {
    Urgency.NORMAL: _l("Normale"),
    Urgency.HIGH: _l("Haute"),
    Urgency.CRITICAL: _l("Critique (incident de sécurité)"),
}

UNAVAILABILITY_KIND_LABELS = {
    UnavailabilityKind.LEAVE: _l("Congés"),
    UnavailabilityKind.TRAINING: _l("Formation"),
    UnavailabilityKind.OTHER_WORK: _l("Autre mission"),
    UnavailabilityKind.OTHER: _l("Autre"),
}

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
