"""The coordinator's timeline: experts as rows, half-days as columns over a week, a month or a quarter, with
bookings (coloured by member, and written: colour is never the only cue), leave, holidays and non-working
halves, the load of each expert and of each week.

A constant number of queries whatever the number of experts and bookings: roles, skills, the experts (with
their roles and skills), the bookings of the range (request and member joined in), the unavailabilities of
the range and the pool's settings. Holidays come from the `holidays` package.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from expertpool.calendars import days, public_holidays
from expertpool.extensions import db
from expertpool.models import (
    Booking,
    BookingStatus,
    Expert,
    InterventionRequest,
    Member,
    PoolSettings,
    Role,
    Skill,
    Unavailability,
)
from expertpool.models.expert import HALVES
from expertpool.timeutil import monday_of

VIEWS = ("week", "month", "quarter")
QUARTER_WEEKS = 13
# Light backgrounds that keep dark text above 4.5:1 (WCAG AA); members beyond the palette reuse it, their
# initials and accessible label tell them apart.
PALETTE_SIZE = 12
SHOWN_STATUSES = (BookingStatus.PLANNED, BookingStatus.DELIVERED, BookingStatus.NOT_DELIVERED)


@dataclass(frozen=True, slots=True)
class Period:
    view: str
    start: date
    end: date

    @property
    def previous_start(self) -> date:
        return shift(self.view, self.start, -1)

    @property
    def next_start(self) -> date:
        return shift(self.view, self.start, 1)


def period_for(view: str, anchor: date) -> Period:
    """The period of `view` holding `anchor`: its week (Monday to Sunday), its calendar month, or 13 weeks
    from its Monday."""
    if view == "month":
        first = anchor.replace(day=1)
        return Period(view, first, first.replace(day=calendar.monthrange(first.year, first.month)[1]))
    monday = monday_of(anchor)
    weeks = QUARTER_WEEKS if view == "quarter" else 1
    return Period(view, monday, monday + timedelta(days=7 * weeks - 1))


def shift(view: str, start: date, delta: int) -> date:
    if view == "month":
        index = start.year * 12 + start.month - 1 + delta
        return date(index // 12, index % 12 + 1, 1)
    return start + timedelta(days=7 * delta * (QUARTER_WEEKS if view == "quarter" else 1))


@dataclass
class Cell:
    day: date
    half: str
    works: bool
    holiday: str | None = None
    away: Unavailability | None = None
    bookings: list[Booking] = field(default_factory=list)

    @property
    def free(self) -> bool:
        return self.works and self.holiday is None and self.away is None and not self.bookings


@dataclass
class Row:
    expert: Expert
    cells: list[Cell]
    booked: int = 0  # planned, delivered or not delivered half-days in the period
    working: int = 0  # working half-days in the period (pattern, minus holidays and leave)

    @property
    def load(self) -> float | None:
        return self.booked / self.working if self.working else None


@dataclass(frozen=True, slots=True)
class Week:
    monday: date
    columns: int  # half-day columns of the week inside the period
    booked: int
    working: int

    @property
    def load(self) -> float | None:
        return self.booked / self.working if self.working else None


@dataclass(frozen=True, slots=True)
class LegendEntry:
    member: Member
    colour: int
    initials: str


@dataclass
class Timeline:
    period: Period
    days: list[date]  # the columns' days (weekends only when a shown expert works them)
    holidays: dict[date, str]
    rows: list[Row]
    weeks: list[Week]
    legend: list[LegendEntry]
    colours: dict[int, int]  # member id → palette index
    initials: dict[int, str]  # member id → short text in the cells
    roles: list[Role]
    skills: list[Skill]


def initials_of(name: str) -> str:
    """'Commune de Plouzané' → 'PLO': three letters of the name's last significant word, readable in a cell."""
    words = [w for w in name.replace("-", " ").replace("'", " ").split() if len(w) > 2 or w.isupper()]
    word = words[-1] if words else name
    return "".join(ch for ch in word if ch.isalnum())[:3].upper() or "?"


def build(period: Period, *, role_id: int | None = None, skill_id: int | None = None) -> Timeline:
    roles = list(db.session.scalars(select(Role).order_by(Role.label)))
    skills = list(db.session.scalars(select(Skill).order_by(Skill.name)))
    query = (
        select(Expert)
        .where(Expert.active.is_(True))
        .options(selectinload(Expert.roles), selectinload(Expert.skills))
        .order_by(Expert.display_name, Expert.id)
    )
    if role_id is not None:
        query = query.where(Expert.roles.any(Role.id == role_id))
    if skill_id is not None:
        query = query.where(Expert.skills.any(Skill.id == skill_id))
    experts = list(db.session.scalars(query))
    ids = [e.id for e in experts]
    region = PoolSettings.load(db.session).holidays_region
    holidays = public_holidays(region, period.start, period.end)
    weekend_worked = any(e.works(5, h) or e.works(6, h) for e in experts for h in HALVES)
    shown_days = [d for d in days(period.start, period.end) if weekend_worked or d.weekday() < 5]

    by_slot: dict[tuple[int, date, str], list[Booking]] = defaultdict(list)
    members: dict[int, Member] = {}
    if ids:
        bookings = db.session.scalars(
            select(Booking)
            .join(Booking.request)
            .join(InterventionRequest.member)
            .options(contains_eager(Booking.request).contains_eager(InterventionRequest.member))
            .where(
                Booking.expert_id.in_(ids),
                Booking.date >= period.start,
                Booking.date <= period.end,
                Booking.status.in_(SHOWN_STATUSES),
            )
            .order_by(Booking.date, Booking.half, Booking.id)
        ).unique()
        for booking in bookings:
            by_slot[(booking.expert_id, booking.date, booking.half)].append(booking)
            members[booking.request.member_id] = booking.request.member
    away: dict[int, list[Unavailability]] = defaultdict(list)
    if ids:
        for item in db.session.scalars(
            select(Unavailability).where(
                Unavailability.expert_id.in_(ids),
                Unavailability.start_date <= period.end,
                Unavailability.end_date >= period.start,
            )
        ):
            away[item.expert_id].append(item)

    ordered = sorted(members.values(), key=lambda m: (m.name, m.id))
    colours = {m.id: index % PALETTE_SIZE for index, m in enumerate(ordered)}
    initials = {m.id: initials_of(m.name) for m in ordered}
    legend = [LegendEntry(m, colours[m.id], initials[m.id]) for m in ordered]

    week_booked: dict[date, int] = defaultdict(int)
    week_working: dict[date, int] = defaultdict(int)
    rows = []
    for expert in experts:
        row = Row(expert, [])
        for day in shown_days:
            for half in HALVES:
                cell = Cell(day, half, expert.works(day.weekday(), half), holidays.get(day))
                cell.away = next((u for u in away.get(expert.id, ()) if u.covers(day, half)), None)
                cell.bookings = by_slot.get((expert.id, day, half), [])
                row.cells.append(cell)
                if cell.works and cell.holiday is None and cell.away is None:
                    row.working += 1
                    week_working[monday_of(day)] += 1
                if cell.bookings:
                    row.booked += 1
                    week_booked[monday_of(day)] += 1
        rows.append(row)
    columns: dict[date, int] = defaultdict(int)
    for day in shown_days:
        columns[monday_of(day)] += len(HALVES)
    weeks = [Week(monday, count, week_booked[monday], week_working[monday]) for monday, count in columns.items()]
    return Timeline(period, shown_days, holidays, rows, weeks, legend, colours, initials, roles, skills)
