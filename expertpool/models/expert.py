"""Experts, their roles and skills (data, not code), weekly pattern and unavailability."""

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expertpool.models.base import Base
from expertpool.models.enums import ContactShown, UnavailabilityKind, sql_in
from expertpool.timeutil import now_utc

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HALVES = ("am", "pm")
# Monday to Friday, both halves: the full-time pattern.
FULL_TIME_WEEK_MASK = (1 << 10) - 1


def week_bit(weekday: int, half: str) -> int:
    """The bit of (weekday 0=Monday, 'am'|'pm') in a weekly pattern mask."""
    return 1 << (2 * weekday + (0 if half == "am" else 1))


expert_roles = Table(
    "expert_roles",
    Base.metadata,
    Column("expert_id", ForeignKey("experts.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)

expert_skills = Table(
    "expert_skills",
    Base.metadata,
    Column("expert_id", ForeignKey("experts.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True),
)


class Role(Base):
    """An expert role such as DSI, DBA or chef de projet."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")


class Skill(Base):
    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)


class Expert(Base):
    __tablename__ = "experts"
    __table_args__ = (
        CheckConstraint("day_rate_cents >= 0", name="day_rate_not_negative"),
        CheckConstraint("week_mask >= 0 AND week_mask < 16384", name="week_mask_range"),
        CheckConstraint(f"contact_shown IN {sql_in(ContactShown)}", name="contact_shown_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    bio: Mapped[str] = mapped_column(Text, default="")
    # Reference market day rate (HT, euro cents), used to estimate what the pool saves its members.
    day_rate_cents: Mapped[int] = mapped_column(default=0)
    # Two bits per weekday (AM, PM), Monday first: which half-days the expert gives to the pool.
    week_mask: Mapped[int] = mapped_column(default=FULL_TIME_WEEK_MASK)
    works_on_site: Mapped[bool] = mapped_column(Boolean, default=True)
    works_remote: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    feed_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # How members with a planned intervention reach the expert: the expert chooses what is shown.
    work_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_shown: Mapped[str] = mapped_column(String(10), default=ContactShown.EMAIL)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    # Any change to the row (a rename first): calendar feeds date their Last-Modified by it (feeds/freshness.py).
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)
    # Folded copies of the name, the roles and skills, and the bio, kept by models/search_columns.py for
    # the forgiving search (text_search.py).
    search_name: Mapped[str] = mapped_column(String(2000), default="")
    search_profile: Mapped[str] = mapped_column(String(2000), default="")
    search_bio: Mapped[str] = mapped_column(String(2000), default="")

    user: Mapped["User | None"] = relationship(back_populates="expert")  # noqa: F821
    roles: Mapped[list[Role]] = relationship(secondary=expert_roles, order_by=Role.code)
    skills: Mapped[list[Skill]] = relationship(secondary=expert_skills, order_by=Skill.name)
    unavailabilities: Mapped[list["Unavailability"]] = relationship(
        back_populates="expert", cascade="all, delete-orphan", order_by="Unavailability.start_date"
    )

    def works(self, weekday: int, half: str) -> bool:
        return bool(self.week_mask & week_bit(weekday, half))

    def week_pattern(self) -> dict[str, list[str]]:
        """{'mon': ['am', 'pm'], …} as the allocation problem format writes it."""
        return {
            day: [h for h in HALVES if self.works(i, h)]
            for i, day in enumerate(WEEKDAYS)
            if any(self.works(i, h) for h in HALVES)
        }

    @property
    def half_days_per_week(self) -> int:
        return bin(self.week_mask).count("1")

    @property
    def initials(self) -> str:
        parts = [p for p in self.display_name.replace("-", " ").split() if p]
        return "".join(p[0].upper() for p in parts[:2]) or "?"

    def __repr__(self) -> str:
        return f"<Expert {self.id} {self.display_name!r}>"


class Unavailability(Base):
    """Leave, training or other work: whole days (start..end) or one half of one day."""

    __tablename__ = "unavailabilities"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_ordered"),
        CheckConstraint("half IS NULL OR (half IN ('am', 'pm') AND start_date = end_date)", name="half_single_day"),
        CheckConstraint(f"kind IN {sql_in(UnavailabilityKind)}", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    half: Mapped[str | None] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(20), default=UnavailabilityKind.LEAVE)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    expert: Mapped[Expert] = relationship(back_populates="unavailabilities")

    def covers(self, day: date, half: str) -> bool:
        return self.start_date <= day <= self.end_date and (self.half is None or self.half == half)


class WeekPatternVersion(Base):
    """The weekly pattern an expert gave to the pool from `valid_from` to `valid_until` (inclusive; None:
    still in force). The days no version covers are days the expert was not in the pool (before joining,
    after leaving). Written only by `expertpool.week_patterns`, in the transaction of the change, so
    that a replay of the past plans each day on the pattern of that day."""

    __tablename__ = "week_pattern_versions"
    __table_args__ = (
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="dates_ordered"),
        CheckConstraint("week_mask >= 0 AND week_mask < 16384", name="week_mask_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id", ondelete="CASCADE"), index=True)
    week_mask: Mapped[int]
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
