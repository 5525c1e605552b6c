"""The pool's own settings: one row, edited by the administrator."""

from datetime import date, time

from sqlalchemy import CheckConstraint, Date, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from expertpool.models.base import Base


class PoolSettings(Base):
    __tablename__ = "pool_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("unit_price_cents >= 0", name="unit_price_not_negative"),
        CheckConstraint("auto_approve_max_half_days >= 0", name="auto_approve_not_negative"),
        CheckConstraint("instant_booking_max_half_days >= 0", name="instant_booking_not_negative"),
        CheckConstraint("horizon_weeks BETWEEN 1 AND 60", name="horizon_weeks_range"),
        CheckConstraint("next_period_warning_weeks BETWEEN 0 AND 52", name="next_period_warning_weeks_range"),
        CheckConstraint("holidays_region IN ('metropole', 'alsace-moselle')", name="holidays_region_known"),
        CheckConstraint(
            "retention_sign_in_months BETWEEN 1 AND 240 AND retention_notifications_months BETWEEN 1 AND 240 "
            "AND retention_outbox_months BETWEEN 1 AND 240 AND retention_closed_requests_months BETWEEN 1 AND 240 "
            "AND retention_audit_months BETWEEN 1 AND 240",
            name="retention_months_range",
        ),
        CheckConstraint(
            "accessibility_rate IS NULL OR accessibility_rate BETWEEN 0 AND 100", name="accessibility_rate_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    name: Mapped[str] = mapped_column(String(200), default="Pool d'experts numériques")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    # Price of one half-day, excluding VAT, in euro cents (150–210 € is typical).
    unit_price_cents: Mapped[int] = mapped_column(default=18000)
    holidays_region: Mapped[str] = mapped_column(String(20), default="metropole")
    am_start: Mapped[time] = mapped_column(Time, default=time(8, 30))
    am_end: Mapped[time] = mapped_column(Time, default=time(12, 0))
    pm_start: Mapped[time] = mapped_column(Time, default=time(13, 30))
    pm_end: Mapped[time] = mapped_column(Time, default=time(17, 0))
    # Requests of at most this many half-days that fit the remaining quota are approved on
    # submission; 0 turns auto-approval off.
    auto_approve_max_half_days: Mapped[int] = mapped_column(default=0)
    # Requests of at most this many half-days that fit the remaining quota are approved on submission and
    # booked at once (the engine solves that one request under the scheduler's lock); 0 turns it off.
    instant_booking_max_half_days: Mapped[int] = mapped_column(default=0)
    horizon_weeks: Mapped[int] = mapped_column(default=12)
    # From this many weeks before the current period ends, coordinators are warned while the next
    # period is not open (no half-day can be booked after the end of the open periods); 0 = never.
    next_period_warning_weeks: Mapped[int] = mapped_column(default=6, server_default="6")
    # Crontab fields (minute hour day month day_of_week), Europe/Paris.
    scheduler_cron: Mapped[str] = mapped_column(String(100), default="0 6 * * mon-fri")

    # RGPD retention periods, in months (the French defaults, stated on the privacy page).
    retention_sign_in_months: Mapped[int] = mapped_column(default=6)
    retention_notifications_months: Mapped[int] = mapped_column(default=12)
    retention_outbox_months: Mapped[int] = mapped_column(default=12)
    retention_closed_requests_months: Mapped[int] = mapped_column(default=60)
    retention_audit_months: Mapped[int] = mapped_column(default=120)

    # Legal notice (mentions légales) and privacy policy: who publishes, who hosts, whom to ask.
    publisher: Mapped[str] = mapped_column(Text, default="")  # name, address, SIREN of the publishing body
    publication_director: Mapped[str] = mapped_column(String(200), default="")
    host: Mapped[str] = mapped_column(Text, default="")  # name, address and phone of the host
    dpo_contact: Mapped[str] = mapped_column(Text, default="")
    # RFC 9116 contact (mailto: or https:) published in /.well-known/security.txt.
    security_contact: Mapped[str] = mapped_column(String(254), default="")

    # Accessibility statement (RGAA): no rate until an audit is entered, hence "non conforme".
    accessibility_rate: Mapped[int | None]
    accessibility_audit_date: Mapped[date | None] = mapped_column(Date)
    accessibility_audit_method: Mapped[str] = mapped_column(Text, default="")  # who audited, how, which pages
    accessibility_exceptions: Mapped[str] = mapped_column(Text, default="")  # non-accessible content, derogations
    accessibility_contact: Mapped[str] = mapped_column(String(254), default="")
    accessibility_plan_url: Mapped[str] = mapped_column(String(500), default="")

    @classmethod
    def load(cls, session) -> "PoolSettings":
        """The settings row; a fresh database gets the defaults (flushed, committed by the caller)."""
        settings = session.get(cls, 1)
        if settings is None:
            settings = cls(id=1)
            session.add(settings)
            session.flush()
        return settings
