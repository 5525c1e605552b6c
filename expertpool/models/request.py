"""Intervention requests (a member asks for half-days of an expert's time) and their message thread."""

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Column, Date, ForeignKey, Index, String, Table, Text, func
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expertpool.models.base import Base
from expertpool.models.enums import EnvelopeReview, RequestStatus, Urgency, sql_in
from expertpool.models.expert import Skill
from expertpool.timeutil import now_utc

MIN_HALF_DAYS = 1
MAX_HALF_DAYS = 120

request_skills = Table(
    "request_skills",
    Base.metadata,
    Column("request_id", ForeignKey("intervention_requests.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True),
)


class InterventionRequest(Base):
    __tablename__ = "intervention_requests"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_in(RequestStatus)}", name="status_known"),
        CheckConstraint(f"urgency IN {sql_in(Urgency)}", name="urgency_known"),
        CheckConstraint(f"half_days BETWEEN {MIN_HALF_DAYS} AND {MAX_HALF_DAYS}", name="half_days_range"),
        CheckConstraint(
            f"approved_half_days IS NULL OR approved_half_days BETWEEN {MIN_HALF_DAYS} AND {MAX_HALF_DAYS}",
            name="approved_half_days_range",
        ),
        CheckConstraint("deadline >= earliest", name="window_ordered"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
        CheckConstraint("quote_half_days IS NULL OR quote_half_days >= 0", name="quote_half_days_not_negative"),
        CheckConstraint(
            f"envelope_review IS NULL OR envelope_review IN {sql_in(EnvelopeReview)}", name="envelope_review_known"
        ),
        Index("ix_intervention_requests_status_urgency", "status", "urgency"),
        # The reports' lead time reads the requests submitted in a period.
        Index("ix_intervention_requests_submitted_at", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"))
    preferred_expert_id: Mapped[int | None] = mapped_column(ForeignKey("experts.id"))
    half_days: Mapped[int]  # what the member asked for
    approved_half_days: Mapped[int | None]  # what the coordinator granted (may differ)
    earliest: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    urgency: Mapped[str] = mapped_column(String(10), default=Urgency.NORMAL)
    on_site: Mapped[bool] = mapped_column(Boolean, default=True)
    address: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.DRAFT)
    # Half-days of the approved amount beyond the remaining drawing right (billable), fixed at approval.
    over_quota_half_days: Mapped[int] = mapped_column(default=0)
    # The quote the member's user accepted when sending (price frozen): half-days beyond the drawing right
    # at that moment and the unit price HT. None when nothing was billable (or a critical request).
    quote_half_days: Mapped[int | None]
    quote_unit_price_cents: Mapped[int | None]
    quote_accepted_at: Mapped[datetime | None]
    quote_accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The EPCI's decision on the part drawn on its envelope, when it approves draws (None: not asked).
    # Refused: that part is over quota for the commune (quotas.py reads it).
    envelope_review: Mapped[str | None] = mapped_column(String(10))
    envelope_review_reason: Mapped[str] = mapped_column(Text, default="")
    envelope_reviewed_at: Mapped[datetime | None]
    envelope_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Half-days the scheduler booked beyond the drawing right for this request (each run adds what its
    # plan gave beyond the right, allocation.billable_half_days): what is left of the accepted quote.
    billable_booked_half_days: Mapped[int] = mapped_column(default=0, server_default="0")
    approval_note: Mapped[str] = mapped_column(Text, default="")
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    cancellation_reason: Mapped[str] = mapped_column(Text, default="")
    # The engine's explanation for what is still unserved: its reason code, and that code's parameters
    # (expertpool-plan/2) with `half_days` (the amount unserved), turned into the reader's sentence at
    # display (expertpool/unserved_reasons.py).
    # Rows written before carry a French `unserved_message` and no parameters: shown as stored.
    unserved_reason: Mapped[str] = mapped_column(String(60), default="")
    unserved_params: Mapped[dict | None] = mapped_column(JSON)
    unserved_message: Mapped[str] = mapped_column(Text, default="")
    report: Mapped[str] = mapped_column(Text, default="")  # the expert's intervention report
    report_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rating: Mapped[int | None]
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None]
    rated_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    # Optimistic lock: two coordinators deciding at once cannot both win.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    member: Mapped["Member"] = relationship()  # noqa: F821
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    quote_accepted_by: Mapped["User | None"] = relationship(foreign_keys=[quote_accepted_by_id])  # noqa: F821
    role: Mapped["Role"] = relationship()  # noqa: F821
    preferred_expert: Mapped["Expert | None"] = relationship()  # noqa: F821
    skills: Mapped[list[Skill]] = relationship(secondary=request_skills, order_by=Skill.name)
    bookings: Mapped[list["Booking"]] = relationship(  # noqa: F821
        back_populates="request", order_by="(Booking.date, Booking.half)"
    )
    messages: Mapped[list["RequestMessage"]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestMessage.created_at"
    )
    preferred_half_days: Mapped[list["PreferredHalfDay"]] = relationship(
        back_populates="request",
        cascade="all, delete-orphan",
        order_by="(PreferredHalfDay.date, PreferredHalfDay.half)",
    )

    @property
    def quote_amount_cents(self) -> int:
        """The accepted quote's amount HT: its half-days at its frozen unit price."""
        return (self.quote_half_days or 0) * (self.quote_unit_price_cents or 0)

    @hybrid_property
    def granted_half_days(self) -> int:
        """What the scheduler must book: the approved amount, else what was asked (in Python and in SQL)."""
        return self.approved_half_days if self.approved_half_days is not None else self.half_days

    @granted_half_days.inplace.expression
    @classmethod
    def _granted_half_days_expression(cls):
        return func.coalesce(cls.approved_half_days, cls.half_days)

    def __repr__(self) -> str:
        return f"<InterventionRequest {self.id} {self.status}>"


class PreferredHalfDay(Base):
    """A half-day the member marked as preferred when asking: the scheduler tries it first, never at the
    cost of fairness (see allocation/placement.py)."""

    __tablename__ = "preferred_half_days"
    __table_args__ = (CheckConstraint("half IN ('am', 'pm')", name="half_known"),)

    request_id: Mapped[int] = mapped_column(
        ForeignKey("intervention_requests.id", ondelete="CASCADE"), primary_key=True
    )
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    half: Mapped[str] = mapped_column(String(2), primary_key=True)

    request: Mapped[InterventionRequest] = relationship(back_populates="preferred_half_days")

    @property
    def slot(self) -> tuple[date, str]:
        return (self.date, self.half)


class RequestMessage(Base):
    __tablename__ = "request_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("intervention_requests.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    request: Mapped[InterventionRequest] = relationship(back_populates="messages")
    author: Mapped["User | None"] = relationship()  # noqa: F821
