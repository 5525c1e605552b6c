"""Quota periods, each member's drawing right for a period, and manual adjustments."""

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expertpool.models.base import Base
from expertpool.models.enums import PeriodStatus, QuotaKind, QuotaPolicy, sql_in
from expertpool.timeutil import now_utc


class QuotaPeriod(Base):
    """A period of drawing rights (the calendar year by default) and the policy that computes them."""

    __tablename__ = "quota_periods"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_ordered"),
        CheckConstraint(f"policy IN {sql_in(QuotaPolicy)}", name="policy_known"),
        CheckConstraint(f"status IN {sql_in(PeriodStatus)}", name="status_known"),
        CheckConstraint("carry_over_cap_half_days >= 0", name="carry_over_cap_not_negative"),
        CheckConstraint("fixed_half_days >= 0", name="fixed_not_negative"),
        CheckConstraint("unit_price_cents > 0", name="unit_price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[date] = mapped_column(Date, unique=True)
    end_date: Mapped[date] = mapped_column(Date)
    policy: Mapped[str] = mapped_column(String(20), default=QuotaPolicy.FIXED)
    # Policy 'fixed': every member gets this many half-days.
    fixed_half_days: Mapped[int] = mapped_column(default=0)
    # Policy 'proportional': contribution / unit price, in half-days.
    unit_price_cents: Mapped[int] = mapped_column(default=18000)
    # Policy 'population': [{"max_population": 500, "half_days": 8}, …, {"max_population": null, …}].
    population_bands: Mapped[list] = mapped_column(JSON, default=list)
    # Unused half-days carried to the next period, at most this many (0 = no carry-over).
    carry_over_cap_half_days: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default=PeriodStatus.OPEN)
    opened_at: Mapped[datetime] = mapped_column(default=now_utc)

    quotas: Mapped[list["Quota"]] = relationship(back_populates="period", cascade="all, delete-orphan")

    def contains(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


class Quota(Base):
    """A member's drawing right for one period, in half-days."""

    __tablename__ = "quotas"
    __table_args__ = (
        UniqueConstraint("period_id", "member_id", "kind", name="uq_quotas_period_member_kind"),
        CheckConstraint("entitled_half_days >= 0", name="entitled_not_negative"),
        CheckConstraint("carried_over_half_days >= 0", name="carried_over_not_negative"),
        CheckConstraint(f"kind IN {sql_in(QuotaKind)}", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("quota_periods.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default=QuotaKind.OWN)
    entitled_half_days: Mapped[int] = mapped_column(default=0)
    carried_over_half_days: Mapped[int] = mapped_column(default=0)
    # Sum of the adjustments, kept with them in the same transaction so a balance is one read.
    adjusted_half_days: Mapped[int] = mapped_column(default=0)

    period: Mapped[QuotaPeriod] = relationship(back_populates="quotas")
    member: Mapped["Member"] = relationship()  # noqa: F821
    adjustments: Mapped[list["QuotaAdjustment"]] = relationship(
        back_populates="quota", cascade="all, delete-orphan", order_by="QuotaAdjustment.created_at"
    )

    @property
    def total_half_days(self) -> int:
        """The drawing right: entitled + carried over + adjustments, never below zero."""
        return max(0, self.entitled_half_days + self.carried_over_half_days + self.adjusted_half_days)


class QuotaAdjustment(Base):
    __tablename__ = "quota_adjustments"
    __table_args__ = (CheckConstraint("delta_half_days <> 0", name="delta_not_zero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quota_id: Mapped[int] = mapped_column(ForeignKey("quotas.id", ondelete="CASCADE"), index=True)
    delta_half_days: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    quota: Mapped[Quota] = relationship(back_populates="adjustments")


class EnvelopeDraw(Base):
    """A commune's draw on its EPCI's envelope for one period: the cap the EPCI set (None: no cap other
    than the envelope itself), and when the commune first drew on it (its EPCI was told then)."""

    __tablename__ = "envelope_draws"
    __table_args__ = (
        UniqueConstraint("period_id", "member_id", name="uq_envelope_draws_period_member"),
        CheckConstraint("cap_half_days IS NULL OR cap_half_days >= 0", name="cap_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("quota_periods.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    cap_half_days: Mapped[int | None]
    first_drawn_at: Mapped[datetime | None]


class StoredPosition(Base):
    """An account's drawing-right position for a period, as `quotas.compute()` gave it, kept by
    `expertpool.position_store` in the transaction that changed what it depends on.

    One row per (member, period, kind): kind 'own' is the member's own right, 'envelope' the envelope an
    EPCI shares with its communes. Half-days only (money is the pool's price at read time). The first
    columns are the Position's own fields; the last ones its figures that pages sum, count and sort in SQL
    (written from the Position's properties, never computed in SQL).
    """

    __tablename__ = "stored_positions"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("quota_periods.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    entitled: Mapped[int] = mapped_column(default=0)
    carried_over: Mapped[int] = mapped_column(default=0)
    adjusted: Mapped[int] = mapped_column(default=0)
    delivered_own: Mapped[int] = mapped_column(default=0)
    delivered_envelope: Mapped[int] = mapped_column(default=0)
    delivered_over: Mapped[int] = mapped_column(default=0)
    planned_own: Mapped[int] = mapped_column(default=0)
    planned_envelope: Mapped[int] = mapped_column(default=0)
    planned_over: Mapped[int] = mapped_column(default=0)
    approved_own: Mapped[int] = mapped_column(default=0)
    approved_envelope: Mapped[int] = mapped_column(default=0)
    approved_over: Mapped[int] = mapped_column(default=0)
    requested_own: Mapped[int] = mapped_column(default=0)
    requested_envelope: Mapped[int] = mapped_column(default=0)
    requested_over: Mapped[int] = mapped_column(default=0)
    envelope_available: Mapped[int] = mapped_column(default=0)
    has_envelope: Mapped[bool] = mapped_column(Boolean, default=False)
    envelope_after_booked: Mapped[int] = mapped_column(default=0)
    envelope_cap: Mapped[int | None] = mapped_column()
    envelope_pool_after_booked: Mapped[int] = mapped_column(default=0)
    # Figures of the position, for SQL sums, counts and sorts.
    total: Mapped[int] = mapped_column(default=0)
    planned: Mapped[int] = mapped_column(default=0)
    delivered: Mapped[int] = mapped_column(default=0)
    remaining: Mapped[int] = mapped_column(default=0)
    used: Mapped[int] = mapped_column(default=0)
    level: Mapped[float | None] = mapped_column(Float)
    over_quota: Mapped[int] = mapped_column(default=0)
    # An own right: quotas.is_over_quota and quotas.billable_half_days with the member's envelope.
    is_over_quota: Mapped[bool] = mapped_column(Boolean, default=False)
    billable: Mapped[int] = mapped_column(default=0)
