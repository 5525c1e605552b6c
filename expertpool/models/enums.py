"""The closed vocabularies of the data model, stored as short strings (portable across databases)."""

from enum import StrEnum


class MemberKind(StrEnum):
    COMMUNE = "commune"
    EPCI = "epci"
    ASSOCIATION = "association"
    SCHOOL = "school"
    HOSPITAL = "hospital"
    COMPANY = "company"
    OTHER = "other"


class UserRole(StrEnum):
    MEMBER = "member"
    EXPERT = "expert"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class Half(StrEnum):
    AM = "am"
    PM = "pm"


class Urgency(StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


URGENCY_RANK = {Urgency.CRITICAL: 0, Urgency.HIGH: 1, Urgency.NORMAL: 2}


class RequestStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    NEEDS_INFO = "needs_info"
    APPROVED = "approved"
    REJECTED = "rejected"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    RATED = "rated"
    CANCELLED = "cancelled"


# Requests whose half-days the scheduler may still book.
SCHEDULABLE_STATUSES = (RequestStatus.APPROVED,)
# Requests a member can still cancel (before completion; the view also checks no half-day has started).
OPEN_STATUSES = (
    RequestStatus.DRAFT,
    RequestStatus.SUBMITTED,
    RequestStatus.NEEDS_INFO,
    RequestStatus.APPROVED,
    RequestStatus.SCHEDULED,
)


class BookingStatus(StrEnum):
    PLANNED = "planned"
    DELIVERED = "delivered"
    NOT_DELIVERED = "not_delivered"
    CANCELLED = "cancelled"


# Bookings that hold the expert's half-day (the partial unique index covers exactly these).
HOLDING_BOOKING_STATUSES = (BookingStatus.PLANNED, BookingStatus.DELIVERED)


class UnavailabilityKind(StrEnum):
    LEAVE = "leave"
    TRAINING = "training"
    OTHER_WORK = "other_work"
    OTHER = "other"


class QuotaPolicy(StrEnum):
    FIXED = "fixed"
    PROPORTIONAL = "proportional"
    POPULATION = "population"


class QuotaKind(StrEnum):
    OWN = "own"
    ENVELOPE = "envelope"  # an EPCI's envelope shared with its member communes


class EnvelopeReview(StrEnum):
    """An EPCI's decision on a request's draw on its envelope (when the EPCI asks to approve draws)."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"  # the part beyond the commune's own right is over quota (billable)


class PeriodStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class RunMode(StrEnum):
    PREVIEW = "preview"
    COMMIT = "commit"


class TaskStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class MailStatus(StrEnum):
    PENDING = "pending"  # a `mail.send` task will hand it to SMTP
    SENT = "sent"
    FAILED = "failed"  # every attempt failed: an admin can resend it
    LOCAL = "local"  # no SMTP server configured: the outbox page is where it is read


class JoinRequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


def sql_in(values) -> str:
    """A SQL IN list of enum values, for partial-index and check-constraint text."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"
