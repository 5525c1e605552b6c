"""Expert utilisation: booked half-days over working half-days, per week and per expert of the period."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import func, select, tuple_

from expertpool import week_patterns
from expertpool.calendars import days, working_half_days
from expertpool.extensions import db
from expertpool.models import Booking, BookingStatus, Expert, QuotaPeriod, Unavailability
from expertpool.models.expert import week_bit
from expertpool.timeutil import monday_of


@dataclass(slots=True)
class UtilisationRow:
    label_date: date  # the Monday of the week, or unused for experts
    working: int = 0
    booked: int = 0
    name: str = ""

    @property
    def rate(self) -> float | None:
        return None if self.working == 0 else self.booked / self.working


@dataclass(frozen=True, slots=True)
class Utilisation:
    weeks: list[UtilisationRow]
    experts: list[UtilisationRow]
    working: int
    booked: int

    @property
    def rate(self) -> float | None:
        return None if self.working == 0 else self.booked / self.working


@dataclass(frozen=True, slots=True)
class _ExpertWeek:
    """What `calendars.working_half_days` needs of an expert, without the ORM."""

    id: int
    display_name: str
    week_mask: int

    def works(self, weekday: int, half: str) -> bool:
        return bool(self.week_mask & week_bit(weekday, half))


def _taken_off(slots: frozenset, first: date, last: date, half: str | None, away: set) -> None:
    """Add to `away` the half-days of `slots` (an expert's working half-days) an unavailability from
    `first` to `last` (one `half`, or whole days) covers."""
    halves = ("am", "pm") if half is None else (half,)
    day = first
    while day <= last:
        for one in halves:
            if (day, one) in slots:
                away.add((day, one))
        day += ONE_DAY


ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=64)
def _pattern_calendar(week_mask: int, start: date, end: date, region: str) -> frozenset:
    """The working half-days of a weekly pattern over a period (holidays off, no unavailability): a
    function of its arguments only, so each worker computes a pattern's year once, not at every view."""
    return frozenset(working_half_days(_ExpertWeek(0, "", week_mask), start, end, region, []))


def utilisation(period: QuotaPeriod | None, region: str) -> Utilisation:
    """Booked half-days (planned + delivered) over working half-days, per week and per expert of the pool
    during the period: each day counts the pattern the expert had that day (`week_patterns`, as the
    replay of a past year does), and an expert who left since still counts for the days they were in."""
    if period is None:
        return Utilisation([], [], 0, 0)
    start, end = period.start_date, period.end_date
    spans = week_patterns.spans_between(start, end)
    # Plain rows, not ORM objects: the calendar tests every half-day of the year for every expert, and
    # instrumented attribute access would make that the slowest part of the page.
    experts = [
        _ExpertWeek(*row)
        for row in db.session.execute(
            select(Expert.id, Expert.display_name, Expert.week_mask)
            .where(Expert.id.in_(list(spans)))
            .order_by(Expert.display_name, Expert.id)
        )
    ]
    weeks: dict[date, UtilisationRow] = {}
    monday = monday_of(start)
    while monday <= end:
        weeks[monday] = UtilisationRow(monday)
        monday += timedelta(days=7)
    week_of = {day: weeks[monday_of(day)] for day in days(start, end)}
    per_expert = {e.id: UtilisationRow(start, name=e.display_name) for e in experts}
    # The calendar rule is calendars.working_half_days': it is asked once per pattern and span of days (a
    # pool has a handful, most spanning the whole period), and each expert's unavailability then takes its
    # half-days off that calendar, instead of testing every half-day of the year for every expert.
    pieces = {
        expert.id: [(mask, max(first, start), min(last or end, end), region) for first, last, mask in spans[expert.id]]
        for expert in experts
    }
    slots_of = {expert_id: _slots(expert_pieces) for expert_id, expert_pieces in pieces.items()}
    away: dict[int, set] = defaultdict(set)
    for expert_id, first, last, half in db.session.execute(
        select(Unavailability.expert_id, Unavailability.start_date, Unavailability.end_date, Unavailability.half)
        .where(Unavailability.expert_id.in_(list(per_expert)))
        .where(Unavailability.end_date >= start, Unavailability.start_date <= end)
    ):
        _taken_off(slots_of[expert_id], max(first, start), min(last, end), half, away[expert_id])
    for expert in experts:
        taken = away.get(expert.id, ())
        per_expert[expert.id].working = len(slots_of[expert.id]) - len(taken)
        for day, _half in taken:
            week_of[day].working -= 1
    experts_per_piece = Counter(piece for expert_pieces in pieces.values() for piece in expert_pieces)
    for piece, count in experts_per_piece.items():
        for day, _half in _pattern_calendar(*piece):
            week_of[day].working += count
    held = (
        Booking.status.in_(BookingStatus.HOLDING),
        Booking.date >= start,
        Booking.date <= end,
        Booking.expert_id.in_(list(per_expert)),
    )
    for day, expert_id, count in _booked_per_day_and_expert(held):
        if day is not None:
            week_of[day].booked += count
        else:
            per_expert[expert_id].booked = count
    rows = list(per_expert.values())
    return Utilisation(list(weeks.values()), rows, sum(r.working for r in rows), sum(r.booked for r in rows))


def _slots(pieces: list[tuple]) -> frozenset:
    """An expert's working half-days over the period: the union of its patterns' calendars, each over
    its span (most experts kept one pattern all period: that calendar itself, not a copy)."""
    if len(pieces) == 1:
        return _pattern_calendar(*pieces[0])
    return frozenset().union(*(_pattern_calendar(*piece) for piece in pieces))


def _booked_per_day_and_expert(held) -> list[tuple[date | None, int | None, int]]:
    """(day, None, n) per day and (None, expert, n) per expert of the held bookings: on PostgreSQL one
    scan of the year's bookings (GROUPING SETS), elsewhere two GROUP BYs."""
    if db.session.get_bind().dialect.name == "postgresql":
        return [
            tuple(row)
            for row in db.session.execute(
                select(Booking.date, Booking.expert_id, func.count())
                .where(*held)
                .group_by(func.grouping_sets(tuple_(Booking.date), tuple_(Booking.expert_id)))
            )
        ]
    per_day = db.session.execute(select(Booking.date, func.count()).where(*held).group_by(Booking.date))
    per_expert = db.session.execute(select(Booking.expert_id, func.count()).where(*held).group_by(Booking.expert_id))
    return [(day, None, n) for day, n in per_day] + [(None, expert_id, n) for expert_id, n in per_expert]
