"""The register of a person's data: which rows of which table are theirs, what the export shows and what
erasure does to them. Export and erasure read only this register, so a new table of personal data (API
tokens, webhook endpoints…) is one more `PersonalData` entry here (provider identities and join requests are).

Erasure (`on_erase`):
- DELETE: the rows go (notifications, mails, sign-in failures; tokens and identities when they exist);
- SCRUB: the rows stay for the records the pool must keep, with the listed columns replaced;
- KEEP: the rows stay untouched (they are the structure's, not the person's).

`MENTIONS` lists the other columns where someone else's text, or a snapshot, may quote the person:
erasure replaces their name and email there, and any text of theirs, wherever it is quoted.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, false, func, or_

from expertpool.models import (
    AllocationRun,
    AuditLog,
    Booking,
    Expert,
    InterventionRequest,
    JoinRequest,
    LoginFailure,
    Member,
    Notification,
    OutboxMail,
    ProviderIdentity,
    QuotaAdjustment,
    RequestMessage,
    Unavailability,
    User,
    WeekPatternVersion,
)
from expertpool.models.user import new_session_token

DELETE, SCRUB, KEEP = "delete", "scrub", "keep"
# What replaces a free text of the person (an empty text stays empty).
ERASED_TEXT = "—"


@dataclass(frozen=True, slots=True)
class Subject:
    """The person whose data is exported or erased, read once before anything changes."""

    user_id: int
    email: str
    name: str
    member_id: int | None
    expert_id: int | None

    @property
    def pseudonym(self) -> str:
        return f"Ancien utilisateur n°{self.user_id}"

    @property
    def pseudonym_email(self) -> str:
        # .invalid never resolves (RFC 2606): nothing can be mailed to an erased person.
        return f"ancien-utilisateur-{self.user_id}@anonyme.invalid"


# A replacement: a constant, FREE_TEXT (their text replaced by ERASED_TEXT), or fn(row, subject, now).
FREE_TEXT = object()
Replacement = object | Callable[[object, Subject, datetime], object]


@dataclass(frozen=True, slots=True)
class PersonalData:
    key: str  # its file in the export (key.csv) and its key in the JSON
    model: type
    rows: Callable[[Subject], ColumnElement]  # the WHERE clause selecting the person's rows
    columns: tuple[str, ...]  # what the export shows
    on_erase: str = KEEP
    scrub: dict[str, Replacement] = field(default_factory=dict)  # SCRUB: column -> replacement
    quoted: tuple[str, ...] = ()  # other columns whose text, when quoted elsewhere, is replaced there too

    def free_text_columns(self) -> list[str]:
        """The texts the person wrote: searched for, and replaced, wherever they are quoted."""
        return [name for name, replacement in self.scrub.items() if replacement is FREE_TEXT] + list(self.quoted)


def _expert_rows(column) -> Callable[[Subject], ColumnElement]:
    return lambda s: column == s.expert_id if s.expert_id is not None else false()


PERSONAL_DATA: tuple[PersonalData, ...] = (
    PersonalData(
        "sign_in_failures",
        LoginFailure,
        lambda s: LoginFailure.email == s.email,
        ("at", "ip"),
        on_erase=DELETE,
    ),
    PersonalData(
        "notifications",
        Notification,
        lambda s: Notification.user_id == s.user_id,
        ("id", "kind", "params", "message", "link", "created_at", "read_at"),
        on_erase=DELETE,
    ),
    PersonalData(
        "provider_identities",
        ProviderIdentity,
        lambda s: ProviderIdentity.user_id == s.user_id,
        ("id", "issuer", "subject", "email", "created_at", "last_used"),
        on_erase=DELETE,  # ProConnect can no longer sign the person in as this account
    ),
    PersonalData(
        "join_requests",
        JoinRequest,
        lambda s: or_(JoinRequest.user_id == s.user_id, func.lower(JoinRequest.email) == s.email.lower()),
        ("id", "member_id", "name", "email", "siret", "issuer", "status", "created_at", "decided_at"),
        on_erase=DELETE,  # the decision itself stays in the audit log, its snapshots scrubbed
    ),
    PersonalData(
        "mails",
        OutboxMail,
        lambda s: OutboxMail.recipient == s.email,
        ("id", "kind", "subject", "body", "created_at", "status", "sent_at"),
        on_erase=DELETE,
    ),
    PersonalData(
        "membership",
        Member,
        lambda s: Member.id == s.member_id if s.member_id is not None else false(),
        ("id", "name", "kind"),
    ),
    PersonalData(
        "requests",
        InterventionRequest,
        lambda s: InterventionRequest.created_by_id == s.user_id,
        (
            "id",
            "member_id",
            "title",
            "description",
            "half_days",
            "approved_half_days",
            "earliest",
            "deadline",
            "urgency",
            "on_site",
            "address",
            "status",
            "created_at",
            "submitted_at",
            "cancellation_reason",
        ),
        on_erase=SCRUB,
        scrub={
            "title": lambda row, _s, _now: f"Demande n°{row.id}",
            "description": FREE_TEXT,
            "cancellation_reason": FREE_TEXT,
        },
        quoted=("title",),
    ),
    # The rating is given by the structure's user who wrote the request (the app records no other rater).
    PersonalData(
        "ratings",
        InterventionRequest,
        lambda s: (InterventionRequest.created_by_id == s.user_id) & InterventionRequest.rating.is_not(None),
        ("id", "rating", "rating_comment", "rated_at"),
        on_erase=SCRUB,
        scrub={"rating_comment": FREE_TEXT},
    ),
    PersonalData(
        "decisions",
        InterventionRequest,
        lambda s: InterventionRequest.decided_by_id == s.user_id,
        ("id", "status", "approval_note", "rejection_reason", "decided_at"),
        on_erase=SCRUB,
        scrub={"approval_note": FREE_TEXT, "rejection_reason": FREE_TEXT},
    ),
    PersonalData(
        "messages",
        RequestMessage,
        lambda s: RequestMessage.author_id == s.user_id,
        ("id", "request_id", "body", "created_at"),
        on_erase=SCRUB,
        scrub={"body": FREE_TEXT},
    ),
    PersonalData(
        "quota_adjustments",
        QuotaAdjustment,
        lambda s: QuotaAdjustment.created_by_id == s.user_id,
        ("id", "quota_id", "delta_half_days", "reason", "created_at"),
        on_erase=SCRUB,
        scrub={"reason": FREE_TEXT},
    ),
    PersonalData(
        "expert_profile",
        Expert,
        lambda s: Expert.user_id == s.user_id,
        (
            "id",
            "display_name",
            "bio",
            "work_phone",
            "contact_shown",
            "week_mask",
            "works_on_site",
            "works_remote",
            "active",
            "created_at",
        ),
        on_erase=SCRUB,
        scrub={
            "display_name": lambda _row, s, _now: s.pseudonym,
            "bio": FREE_TEXT,
            "work_phone": "",
            "feed_token": None,  # the calendar feed dies
            "active": False,
        },
    ),
    PersonalData(
        "agenda",
        Booking,
        _expert_rows(Booking.expert_id),
        ("id", "request_id", "date", "half", "status", "to_reschedule", "note"),
        on_erase=SCRUB,
        scrub={"note": FREE_TEXT},
    ),
    PersonalData(
        "unavailability",
        Unavailability,
        _expert_rows(Unavailability.expert_id),
        ("id", "start_date", "end_date", "half", "kind", "reason", "created_at"),
        on_erase=SCRUB,
        scrub={"reason": FREE_TEXT},
    ),
    # The weekly patterns the expert gave over time (kept on erasure, like the profile's pattern: the
    # pool's records of what it could plan; nothing in it names the person).
    PersonalData(
        "week_pattern_history",
        WeekPatternVersion,
        _expert_rows(WeekPatternVersion.expert_id),
        ("id", "week_mask", "valid_from", "valid_until"),
    ),
    PersonalData(
        "reports",
        InterventionRequest,
        lambda s: InterventionRequest.report_by_id == s.user_id,
        ("id", "title", "report", "completed_at"),
        on_erase=SCRUB,
        scrub={"report": FREE_TEXT},
    ),
    # The account last: the entries above find the person's rows by the email it still holds.
    PersonalData(
        "account",
        User,
        lambda s: User.id == s.user_id,
        (
            "id",
            "email",
            "name",
            "role",
            "member_id",
            "locale",
            "active",
            "created_at",
            "invited_at",
            "last_login_at",
            "password_changed_at",
        ),
        on_erase=SCRUB,
        scrub={
            "name": lambda _row, s, _now: s.pseudonym,
            "email": lambda _row, s, _now: s.pseudonym_email,
            "password_hash": None,
            "active": False,
            "last_login_at": None,
            # A new token ends every open session of the account.
            "session_token": lambda _row, _s, _now: new_session_token(),
            "anonymised_at": lambda _row, _s, now: now,
        },
    ),
)

# (model, column): other people's texts and the snapshots that may quote the person. The audit log's
# snapshots are the one documented exception to its append-only rule (see privacy.erasure).
MENTIONS: tuple[tuple[type, str], ...] = (
    (AuditLog, "before"),
    (AuditLog, "after"),
    (AllocationRun, "plan"),
    (AllocationRun, "metrics"),
    (Notification, "message"),
    (Notification, "params"),  # other people's notifications name the person in their parameters
    (OutboxMail, "subject"),
    (OutboxMail, "body"),
    (RequestMessage, "body"),
    (InterventionRequest, "title"),
    (InterventionRequest, "description"),
    (InterventionRequest, "approval_note"),
    (InterventionRequest, "rejection_reason"),
    (InterventionRequest, "cancellation_reason"),
    (InterventionRequest, "unserved_message"),
    (InterventionRequest, "report"),
    (InterventionRequest, "rating_comment"),
    (Booking, "note"),
    (Unavailability, "reason"),
    (QuotaAdjustment, "reason"),
)
