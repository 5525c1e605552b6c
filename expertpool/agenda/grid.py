"""The agenda grid: what each half-day of an expert holds (bookings, leave, holiday, pattern) over a range.

Two queries whatever the number of bookings: the bookings with their request and member joined in, and
the unavailabilities overlapping the range. Holidays come from the `holidays` package (no query).
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from expertpool.calendars import days, public_holidays
from expertpool.extensions import db
from expertpool.models import Booking, BookingStatus, Expert, InterventionRequest, Unavailability
from expertpool.models.expert import HALVES
from expertpool.timeutil import monday_of


@dataclass
class HalfDay:
    """One (date, half) cell of the agenda."""

    day: date
    half: str
    works: bool = True  # in the expert's weekly pattern
    holiday: str | None = None
    unavailability: Unavailability | None = None
    bookings: list[Booking] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return self.works and self.holiday is None and self.unavailability is None


@dataclass
class AgendaDay:
    day: date
    halves: dict[str, HalfDay]
    in_range: bool = True  # False for the padding days of a month grid

    @property
    def holiday(self) -> str | None:
        return self.halves["am"].holiday

    @property
    def has_events(self) -> bool:
        """Something to show on a phone (bookings, leave or a holiday)."""
        return self.holiday is not None or any(h.bookings or h.unavailability for h in self.halves.values())


def bookings_between(
    expert_id: int, start: date, end: date, *, statuses=BookingStatus.SHOWN, half: str | None = None
) -> list[Booking]:
    """The expert's bookings in [start, end] (in `statuses`, of one `half` when given), request and
    member loaded in the same query. By default those the agenda shows: cancelled ones left it, not
    delivered ones stay visible as history."""
    query = (
        select(Booking)
        .join(Booking.request)
        .join(InterventionRequest.member)
        .options(contains_eager(Booking.request).contains_eager(InterventionRequest.member))
        .where(
            Booking.expert_id == expert_id,
            Booking.date >= start,
            Booking.date <= end,
            Booking.status.in_(statuses),
        )
        .order_by(Booking.date, Booking.half, Booking.id)
    )
    if half is not None:
        query = query.where(Booking.half == half)
    return list(db.session.scalars(query).unique())


def unavailabilities_between(expert_id: int, start: date, end: date) -> list[Unavailability]:
    return list(
        db.session.scalars(
            select(Unavailability)
            .where(
                Unavailability.expert_id == expert_id,
                Unavailability.start_date <= end,
                Unavailability.end_date >= start,
            )
            .order_by(Unavailability.start_date, Unavailability.id)
        )
    )


def build_days(
    expert: Expert, start: date, end: date, region: str, *, shown_from: date | None = None, shown_to: date | None = None
) -> list[AgendaDay]:
    """Every day of [start, end] with its two halves filled in."""
    holidays = public_holidays(region, start, end)
    leave = unavailabilities_between(expert.id, start, end)
    by_slot: dict[tuple[date, str], list[Booking]] = {}
    for booking in bookings_between(expert.id, start, end):
        by_slot.setdefault((booking.date, booking.half), []).append(booking)
    result = []
    for day in days(start, end):
        halves = {}
        for half in HALVES:
            halves[half] = HalfDay(
                day=day,
                half=half,
                works=expert.works(day.weekday(), half),
                holiday=holidays.get(day),
                unavailability=next((u for u in leave if u.covers(day, half)), None),
                bookings=by_slot.get((day, half), []),
            )
        in_range = (shown_from is None or day >= shown_from) and (shown_to is None or day <= shown_to)
        result.append(AgendaDay(day=day, halves=halves, in_range=in_range))
    return result


def week_days(expert: Expert, any_day: date, region: str) -> list[AgendaDay]:
    monday = monday_of(any_day)
    return build_days(expert, monday, monday + timedelta(days=6), region)


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def month_weeks(expert: Expert, year: int, month: int, region: str) -> list[list[AgendaDay]]:
    """The month as full weeks (Monday first); days of the neighbouring months are marked out of range."""
    first, last = month_bounds(year, month)
    start, end = monday_of(first), monday_of(last) + timedelta(days=6)
    all_days = build_days(expert, start, end, region, shown_from=first, shown_to=last)
    return [all_days[i : i + 7] for i in range(0, len(all_days), 7)]


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def month_key(year: int, month: int) -> str:
    """'2027-03', the value of the month view's ?month= parameter."""
    return f"{year:04d}-{month:02d}"
