"""Bookings: one row per expert half-day given to a request; the unique index forbids double booking."""

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expertpool.models.base import Base
from expertpool.models.enums import BookingStatus, sql_in
from expertpool.timeutil import now_utc

_HOLDS_SLOT = f"status IN {sql_in(BookingStatus.HOLDING)}"


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("half IN ('am', 'pm')", name="half_known"),
        CheckConstraint(f"status IN {sql_in(BookingStatus)}", name="status_known"),
        # A cancelled (or not delivered) booking keeps its history without blocking the half-day;
        # a planned or delivered one holds it. SQLite and PostgreSQL both enforce partial indexes.
        Index(
            "uq_bookings_expert_slot_held",
            "expert_id",
            "date",
            "half",
            unique=True,
            sqlite_where=text(_HOLDS_SLOT),
            postgresql_where=text(_HOLDS_SLOT),
        ),
        Index("ix_bookings_date", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("intervention_requests.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    date: Mapped[date] = mapped_column(Date)
    half: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(20), default=BookingStatus.PLANNED)
    # Set when the expert became unavailable or was deactivated: the coordinator must move it.
    to_reschedule: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    allocation_run_id: Mapped[int | None] = mapped_column(ForeignKey("allocation_runs.id"))
    # iCalendar SEQUENCE: bumped on every change so calendar apps take the newest version.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    request: Mapped["InterventionRequest"] = relationship(back_populates="bookings")  # noqa: F821
    expert: Mapped["Expert"] = relationship()  # noqa: F821

    @property
    def holds_slot(self) -> bool:
        return self.status in BookingStatus.HOLDING

    def __repr__(self) -> str:
        return f"<Booking {self.id} e{self.expert_id} {self.date} {self.half} {self.status}>"
