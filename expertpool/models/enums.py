"""The closed vocabularies of the data model, stored as short strings (portable across databases)."""

from enum import StrEnum, nonmember


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

    # The sets of statuses the rules name, each defined once (`nonmember`: class attributes, not
    # statuses; inside the class body the names above are still their string values, which compare
    # and hash equal to the members, so `req.status in RequestStatus.OPEN` and `.in_(...)` both work).
    # The member may still edit the request.
    EDITABLE = nonmember((DRAFT, SUBMITTED, NEEDS_INFO))
    # A coordinator has to decide (accept, refuse or ask for details).
    AWAITING_DECISION = nonmember((SUBMITTED, NEEDS_INFO))
    # Not over: the member may still cancel (the view also checks that no half-day has started).
    OPEN = nonmember((DRAFT, SUBMITTED, NEEDS_INFO, APPROVED, SCHEDULED))
    # The scheduler may still book its half-days.
    SCHEDULABLE = nonmember((APPROVED,))
    # Accepted and not started: a delivered half-day moves it to "in progress"; until then its page
    # may say why it is not (yet) planned.
    STARTABLE = nonmember((APPROVED, SCHEDULED))
    # Its page still waits for half-days to be booked.
    WAITING_FOR_BOOKINGS = nonmember((SUBMITTED, NEEDS_INFO, APPROVED))
    # The member has something to do: answer, send a draft, rate the work.
    NEEDS_MEMBER_ACTION = nonmember((NEEDS_INFO, DRAFT, COMPLETED))
    # It may hold an expert's half-day: only once a coordinator has approved it.
    MAY_HOLD_BOOKINGS = nonmember((APPROVED, SCHEDULED, IN_PROGRESS, COMPLETED, RATED))
    # The work is over: nothing is left to come.
    FINISHED = nonmember((COMPLETED, RATED))
    # Nothing drawn on the drawing right: never sent, cancelled or refused.
    OFF_THE_BOOKS = nonmember((DRAFT, CANCELLED, REJECTED))
    # Closed for good (the retention clock runs from here).
    CLOSED = nonmember((COMPLETED, RATED, CANCELLED, REJECTED))


class BookingStatus(StrEnum):
    PLANNED = "planned"
    DELIVERED = "delivered"
    NOT_DELIVERED = "not_delivered"
    CANCELLED = "cancelled"

    # Bookings that hold the expert's half-day (the partial unique index covers exactly these).
    HOLDING = nonmember((PLANNED, DELIVERED))
    # Not cancelled: its expert may record (or correct) whether it took place.
    MARKABLE = nonmember((PLANNED, DELIVERED, NOT_DELIVERED))
    # Its expert has recorded whether it took place.
    RECORDED = nonmember((DELIVERED, NOT_DELIVERED))
    # Not cancelled: shown on the expert's agenda and the planning timeline (a cancelled one is history).
    SHOWN = nonmember((PLANNED, DELIVERED, NOT_DELIVERED))


class UnavailabilityKind(StrEnum):
    LEAVE = "leave"
    TRAINING = "training"
    OTHER_WORK = "other_work"
    OTHER = "other"


class ContactShown(StrEnum):
    """What an expert shows members with a planned intervention: work email, work phone, or both."""

    EMAIL = "email"
    PHONE = "phone"
    BOTH = "both"


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
