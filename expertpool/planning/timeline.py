"""The coordinator's timeline: experts as rows, half-days as columns over a week, a month or a quarter, with
bookings (coloured by member, and written: colour is never the only cue), leave, holidays and non-working
halves, the load of each expert and of each week.

Experts come by pages of PER_PAGE (by name, the total shown); the weekly load covers every expert of the
filters. A constant number of queries whatever the number of experts and bookings: roles, skills, the
experts of the filters (id, name, pattern), the role codes of the page's experts, the bookings of the page
in the range (request and member joined in), the booked half-days of every expert per day (an aggregate),
the unavailabilities of the range and the pool's settings. Holidays come from the `holidays` package.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import func, select

from expertpool.calendars import days, public_holidays
from expertpool.extensions import db
from expertpool.i18n import half_day_label
from expertpool.list_page import ListPage, paginate_list
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
from expertpool.models.expert import HALVES, expert_roles, week_bit
from expertpool.timeutil import monday_of

VIEWS = ("week", "month", "quarter")
QUARTER_WEEKS = 13
# Light backgrounds that keep dark text above 4.5:1 (WCAG AA); members beyond the palette reuse it, their
# initials and accessible label tell them apart.
PALETTE_SIZE = 12
DRAGGABLE = ' draggable="true" data-movable="1"'
PER_PAGE = 20  # experts per page: a quarter of 20 experts is 2,600 cells


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
class RowExpert:
    """The row header: the expert's id, name and role codes (plain values, not the ORM object)."""

    id: int
    display_name: str
    roles: str  # "dba, dsi"


@dataclass
class Row:
    expert: RowExpert
    cells: Markup  # the row's half-day cells, written once by `cells_html`
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
    days: list[date]  # the columns' days (weekends only when an expert of the filters works them)
    holidays: dict[date, str]
    rows: list[Row]  # the experts of this page
    experts: ListPage  # the page of experts (its `total`: every expert of the filters)
    weeks: list[Week]  # the load of every expert of the filters, not only of this page
    legend: list[LegendEntry]
    roles: list[Role]
    skills: list[Skill]


def initials_of(name: str) -> str:
    """'Commune de Plouzané' → 'PLO': three letters of the name's last significant word, readable in a cell."""
    words = [w for w in name.replace("-", " ").replace("'", " ").split() if len(w) > 2 or w.isupper()]
    word = words[-1] if words else name
    return "".join(ch for ch in word if ch.isalnum())[:3].upper() or "?"


def build(
    period: Period,
    today: date,
    move_url: Callable[[int], str],
    *,
    role_id: int | None = None,
    skill_id: int | None = None,
    page: int = 1,
) -> Timeline:
    """The timeline of `period` for one page of experts (PER_PAGE, by name); the weekly load covers every
    expert of the filters. Bookings after `today` that are still planned may be moved (`move_url`: the
    no-JS move form of a booking)."""
    roles = list(db.session.scalars(select(Role).order_by(Role.label)))
    skills = list(db.session.scalars(select(Skill).order_by(Skill.name)))
    query = (
        select(Expert.id, Expert.display_name, Expert.week_mask)
        .where(Expert.active.is_(True))
        .order_by(Expert.display_name, Expert.id)
    )
    if role_id is not None:
        query = query.where(Expert.roles.any(Role.id == role_id))
    if skill_id is not None:
        query = query.where(Expert.skills.any(Skill.id == skill_id))
    everyone = db.session.execute(query).all()
    filtered = query.with_only_columns(Expert.id).order_by(None).scalar_subquery()
    listing = paginate_list(everyone, page, PER_PAGE)
    masks = {expert_id: mask for expert_id, _name, mask in everyone}
    names = {expert_id: name for expert_id, name, _mask in listing.items}
    shown = list(names)
    region = PoolSettings.load(db.session).holidays_region
    holidays = public_holidays(region, period.start, period.end)
    weekend = week_bit(5, "am") | week_bit(5, "pm") | week_bit(6, "am") | week_bit(6, "pm")
    weekend_worked = any(mask & weekend for mask in masks.values())
    shown_days = [d for d in days(period.start, period.end) if weekend_worked or d.weekday() < 5]
    # Each half-day column: its day, half, week, pattern bit and the end of its cells' opening tag.
    slots = [
        (day, half, monday_of(day), week_bit(day.weekday(), half), f' data-day="{day.isoformat()}" data-half="{half}">')
        for day in shown_days
        for half in HALVES
    ]

    role_codes: dict[int, list[str]] = defaultdict(list)
    if shown:
        for expert_id, code in db.session.execute(
            select(expert_roles.c.expert_id, Role.code)
            .join(Role, Role.id == expert_roles.c.role_id)
            .where(expert_roles.c.expert_id.in_(shown))
            .order_by(Role.code)
        ):
            role_codes[expert_id].append(code)

    bookings = _bookings(shown, period)
    members = {member_id: member for *_booking, member_id, member in bookings}
    week_booked = _booked_per_week(filtered, period, set(shown_days)) if masks else defaultdict(int)
    # Leave of every expert of the filters, as the (day, half) it takes from their working half-days.
    away: dict[int, set[tuple[date, str]]] = defaultdict(set)
    if masks:
        for expert_id, first, last, half_off in db.session.execute(
            select(
                Unavailability.expert_id, Unavailability.start_date, Unavailability.end_date, Unavailability.half
            ).where(
                Unavailability.expert_id.in_(filtered),
                Unavailability.start_date <= period.end,
                Unavailability.end_date >= period.start,
            )
        ):
            for day in days(max(first, period.start), min(last, period.end)):
                for half in HALVES if half_off is None else (half_off,):
                    away[expert_id].add((day, half))
    ordered = sorted(members.items(), key=lambda item: (item[1], item[0]))
    colours = {member_id: index % PALETTE_SIZE for index, (member_id, _name) in enumerate(ordered)}
    initials: dict[int, str] = {}
    taken: dict[str, int] = defaultdict(int)
    for member_id, name in ordered:  # two members never share a cell text: PLO, PLO2…
        short = initials_of(name)
        taken[short] += 1
        initials[member_id] = short if taken[short] == 1 else f"{short}{taken[short]}"
    legend = [LegendEntry(name, colours[member_id], initials[member_id]) for member_id, name in ordered]

    week_working = _working_per_week(masks, slots, holidays, away)

    by_slot = _bookings_html(bookings, names, today, colours, initials, move_url)
    marks = (_("F"), _("I"))
    rows = []
    for expert_id, name in names.items():
        row = Row(RowExpert(expert_id, name, ", ".join(role_codes[expert_id])), Markup())
        row.cells = _cells_html(row, masks[expert_id], slots, holidays, away.get(expert_id, set()), by_slot, marks)
        rows.append(row)
    columns: dict[date, int] = defaultdict(int)
    for day in shown_days:
        columns[monday_of(day)] += len(HALVES)
    weeks = [Week(monday, count, week_booked[monday], week_working[monday]) for monday, count in columns.items()]
    return Timeline(period, shown_days, holidays, rows, listing, weeks, legend, roles, skills)


def _working_per_week(masks: dict[int, int], slots, holidays, away) -> dict[date, int]:
    """Working half-days per week of these experts (id → weekly pattern): each distinct pattern counted once
    over the shown half-days that are not holidays, minus each expert's leave on its working half-days."""
    open_slots = [(monday, bit) for day, _half, monday, bit, _where in slots if day not in holidays]
    per_pattern: dict[int, dict[date, int]] = {}
    week_working: dict[date, int] = defaultdict(int)
    for expert_id, mask in masks.items():
        if mask not in per_pattern:
            counts: dict[date, int] = defaultdict(int)
            for monday, bit in open_slots:
                if mask & bit:
                    counts[monday] += 1
            per_pattern[mask] = counts
        for monday, count in per_pattern[mask].items():
            week_working[monday] += count
        for day, half in away.get(expert_id, ()):
            if day not in holidays and mask & week_bit(day.weekday(), half):
                week_working[monday_of(day)] -= 1
    return week_working


def _shown(experts, period: Period) -> tuple:
    """SQL conditions: a booking the timeline shows, of these experts (ids or a subquery of them) in the period."""
    return (
        Booking.expert_id.in_(experts),
        Booking.date >= period.start,
        Booking.date <= period.end,
        Booking.status.in_(BookingStatus.SHOWN),
    )


def _bookings(expert_ids: list[int], period: Period) -> list:
    """The shown bookings of these experts in the period, as plain rows (thousands of ORM objects would cost
    more than the whole page)."""
    if not expert_ids:
        return []
    return db.session.execute(
        select(
            Booking.id,
            Booking.expert_id,
            Booking.date,
            Booking.half,
            Booking.status,
            Booking.to_reschedule,
            Booking.request_id,
            InterventionRequest.title,
            Member.id,
            Member.name,
        )
        .join(InterventionRequest, InterventionRequest.id == Booking.request_id)
        .join(Member, Member.id == InterventionRequest.member_id)
        .where(*_shown(expert_ids, period))
        .order_by(Booking.date, Booking.half, Booking.id)
    ).all()


def _bookings_html(
    bookings: list, names: dict[int, str], today: date, colours: dict[int, int], initials: dict[int, str], move_url
) -> dict[tuple[int, date, str], str]:
    """Each booked half-day's links, by (expert, day, half): the member's initials in its colour (text, not
    colour alone), a link to the booking's move form, draggable while planned and in the future, and an
    accessible label (request — member — expert, half-day). Names and titles are escaped, once per request."""
    to_reschedule = escape(_(" (à replanifier)"))
    marks = {m: (f"tl-booking tl-c{colours[m]}", escape(initials[m])) for m in colours}
    whens: dict[tuple[date, str], Markup] = {}
    whats: dict[tuple[int, int], Markup] = {}
    links: dict[tuple[int, date, str], str] = defaultdict(str)
    for id_, expert_id, day, half, status, flagged, request_id, title, member_id, member in bookings:
        when = whens.get((day, half))
        if when is None:
            when = whens[(day, half)] = escape(half_day_label(day, half))
        what = whats.get((request_id, expert_id))
        if what is None:
            what = whats[(request_id, expert_id)] = escape(f"{title} — {member} — {names[expert_id]}")
        classes, short = marks[member_id]
        planned = status == BookingStatus.PLANNED
        flagged = bool(flagged) and planned
        if flagged:
            classes, label = classes + " tl-flagged", f"{short} — {what}, {when}{to_reschedule}"
        else:
            label = f"{short} — {what}, {when}"
        movable = DRAGGABLE if planned and day > today else ""
        links[(expert_id, day, half)] += (
            f'<a class="{classes}" href="{move_url(id_)}" data-booking="{id_}"{movable} '
            f'aria-label="{label}">{short}</a>'
        )
    return links


def _booked_per_week(experts, period: Period, shown_days: set[date]) -> dict[date, int]:
    """Booked half-days (shown statuses) per week of these experts (a subquery of their ids), counted in
    SQL: a half-day holding a booking and a not-delivered one counts once."""
    booked: dict[date, int] = defaultdict(int)
    held = select(Booking.expert_id, Booking.date, Booking.half).where(*_shown(experts, period)).distinct().subquery()
    for day, count in db.session.execute(select(held.c.date, func.count()).group_by(held.c.date)):
        if day in shown_days:
            booked[monday_of(day)] += count
    return booked


def _cells_html(row: Row, mask: int, slots, holidays, away, by_slot, marks: tuple[str, str]) -> Markup:
    """The row's half-day cells as one piece of HTML, counting its booked and working half-days on the way.

    Written here rather than by a template loop: a quarter has 130 cells per expert, and Jinja's per-cell
    cost was most of the page's CPU. The booking links come escaped from `_bookings_html`.
    """
    holiday, away_mark = marks
    parts = []
    expert_id = row.expert.id
    for day, half, _monday, bit, where in slots:
        if day in holidays:
            css, mark = '<td class="tl-cell tl-holiday"', holiday
        elif (day, half) in away:
            css, mark = '<td class="tl-cell tl-away"', away_mark
        elif not mask & bit:
            css, mark = '<td class="tl-cell tl-off"', "–"
        else:
            css, mark = '<td class="tl-cell"', ""
            row.working += 1
        links = by_slot.get((expert_id, day, half))
        if links:
            row.booked += 1
            mark = links
        parts.append(f"{css}{where}{mark}</td>")
    return Markup("".join(parts))  # noqa: S704 - trusted classes and ISO dates, escaped links
