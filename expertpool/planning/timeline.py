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

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from expertpool.calendars import days, public_holidays
from expertpool.extensions import db
from expertpool.i18n import half_day_label
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


@dataclass(frozen=True, slots=True)
class TimelineBooking:
    """What a cell shows of a booking: read as plain columns (thousands of ORM objects would cost more than
    the whole page)."""

    id: int
    member_id: int
    movable: bool  # planned and not started: drag and drop and the keyboard may move it
    flagged: bool  # to reschedule
    label: str  # the accessible label: request, member, expert, half-day


@dataclass
class Cell:
    # The cell's attributes, written once here from trusted values (a class, an ISO date, am/pm): thousands
    # of cells escaped attribute by attribute cost more than the rest of the page.
    attributes: Markup  # class (holiday, unavailable, outside the weekly pattern), data-day, data-half
    mark: str  # the text of an empty cell that is not free: "F", "I" or "–" (explained by the legend)
    bookings: list[TimelineBooking] = field(default_factory=list)


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
    member: str
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


def build(period: Period, today: date, *, role_id: int | None = None, skill_id: int | None = None) -> Timeline:
    """The timeline of `period`; bookings after `today` that are still planned may be moved."""
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

    labels = {(day, half): half_day_label(day, half) for day in shown_days for half in HALVES}
    names = {e.id: e.display_name for e in experts}
    by_slot: dict[tuple[int, date, str], list[TimelineBooking]] = defaultdict(list)
    members: dict[int, str] = {}
    to_reschedule = _(" (à replanifier)")
    if ids:
        rows = db.session.execute(
            select(
                Booking.id,
                Booking.expert_id,
                Booking.date,
                Booking.half,
                Booking.status,
                Booking.to_reschedule,
                InterventionRequest.title,
                Member.id,
                Member.name,
            )
            .join(InterventionRequest, InterventionRequest.id == Booking.request_id)
            .join(Member, Member.id == InterventionRequest.member_id)
            .where(
                Booking.expert_id.in_(ids),
                Booking.date >= period.start,
                Booking.date <= period.end,
                Booking.status.in_(BookingStatus.SHOWN),
            )
            .order_by(Booking.date, Booking.half, Booking.id)
        )
        for id_, expert_id, day, half, status, flagged, title, member_id, member in rows:
            members[member_id] = member
            flagged = bool(flagged) and status == BookingStatus.PLANNED
            label = f"{title} — {member} — {names[expert_id]}, {labels.get((day, half), day.isoformat())}"
            movable = status == BookingStatus.PLANNED and day > today
            booking = TimelineBooking(id_, member_id, movable, flagged, label + (to_reschedule if flagged else ""))
            by_slot[(expert_id, day, half)].append(booking)
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

    ordered = sorted(members.items(), key=lambda item: (item[1], item[0]))
    colours = {member_id: index % PALETTE_SIZE for index, (member_id, _name) in enumerate(ordered)}
    initials: dict[int, str] = {}
    taken: dict[str, int] = defaultdict(int)
    for member_id, name in ordered:  # two members never share a cell text: PLO, PLO2…
        short = initials_of(name)
        taken[short] += 1
        initials[member_id] = short if taken[short] == 1 else f"{short}{taken[short]}"
    legend = [LegendEntry(name, colours[member_id], initials[member_id]) for member_id, name in ordered]

    week_booked: dict[date, int] = defaultdict(int)
    week_working: dict[date, int] = defaultdict(int)
    rows = []
    iso = {day: day.isoformat() for day in shown_days}
    for expert in experts:
        row = Row(expert, [])
        for day in shown_days:
            holiday = holidays.get(day)
            for half in HALVES:
                works = expert.works(day.weekday(), half)
                leave = holiday is None and any(u.covers(day, half) for u in away.get(expert.id, ()))
                if holiday:
                    css, mark = "tl-cell tl-holiday", _("F")
                elif leave:
                    css, mark = "tl-cell tl-away", _("I")
                elif not works:
                    css, mark = "tl-cell tl-off", "–"
                else:
                    css, mark = "tl-cell", ""
                    row.working += 1
                    week_working[monday_of(day)] += 1
                attributes = Markup(f'class="{css}" data-day="{iso[day]}" data-half="{half}"')  # noqa: S704 (no user data)
                cell = Cell(attributes, mark, by_slot.get((expert.id, day, half), []))
                row.cells.append(cell)
                if cell.bookings:
                    row.booked += 1
                    week_booked[monday_of(day)] += 1
        rows.append(row)
    columns: dict[date, int] = defaultdict(int)
    for day in shown_days:
        columns[monday_of(day)] += len(HALVES)
    weeks = [Week(monday, count, week_booked[monday], week_working[monday]) for monday, count in columns.items()]
    return Timeline(period, shown_days, holidays, rows, weeks, legend, colours, initials, roles, skills)
