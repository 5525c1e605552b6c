"""The data model, one module per aggregate; importing this package registers every table."""

# Registers the listener that keeps the folded search columns (after every model it reads is defined).
from expertpool.models import search_columns  # noqa: E402, F401
from expertpool.models.api_token import ApiToken
from expertpool.models.base import Base
from expertpool.models.booking import Booking
from expertpool.models.enums import (
    BookingStatus,
    ContactShown,
    EnvelopeReview,
    Half,
    JoinRequestStatus,
    MailStatus,
    MemberKind,
    PeriodStatus,
    QuotaKind,
    QuotaPolicy,
    RequestStatus,
    RunMode,
    TaskStatus,
    UnavailabilityKind,
    Urgency,
    UserRole,
)
from expertpool.models.expert import Expert, Role, Skill, Unavailability, WeekPatternVersion
from expertpool.models.identity import JoinRequest, ProviderIdentity
from expertpool.models.member import Member, is_valid_siren
from expertpool.models.operations import (
    AllocationRun,
    AuditLog,
    AuditLogIsAppendOnly,
    JobRun,
    LoginFailure,
    Notification,
    OutboxMail,
    Task,
)
from expertpool.models.quota import EnvelopeDraw, Quota, QuotaAdjustment, QuotaPeriod, StoredPosition
from expertpool.models.request import InterventionRequest, PreferredHalfDay, RequestMessage
from expertpool.models.scenario import PlanCache, Scenario
from expertpool.models.settings import PoolSettings
from expertpool.models.user import User
from expertpool.models.webhook import WebhookDelivery, WebhookEndpoint

__all__ = [
    "AllocationRun",
    "ApiToken",
    "AuditLog",
    "AuditLogIsAppendOnly",
    "Base",
    "Booking",
    "BookingStatus",
    "ContactShown",
    "EnvelopeDraw",
    "EnvelopeReview",
    "Expert",
    "Half",
    "MailStatus",
    "InterventionRequest",
    "JobRun",
    "JoinRequest",
    "JoinRequestStatus",
    "LoginFailure",
    "Member",
    "MemberKind",
    "Notification",
    "PlanCache",
    "OutboxMail",
    "PeriodStatus",
    "PoolSettings",
    "PreferredHalfDay",
    "Scenario",
    "ProviderIdentity",
    "Quota",
    "QuotaAdjustment",
    "QuotaKind",
    "QuotaPeriod",
    "StoredPosition",
    "QuotaPolicy",
    "RequestMessage",
    "RequestStatus",
    "Role",
    "RunMode",
    "Skill",
    "Task",
    "TaskStatus",
    "Unavailability",
    "UnavailabilityKind",
    "Urgency",
    "User",
    "UserRole",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WeekPatternVersion",
    "is_valid_siren",
]
