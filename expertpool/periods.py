"""Which dates an open quota period covers, and when coordinators must open the next one.

A half-day is booked only on a date inside an open period: it is charged to the period of its date,
and a date no period covers would be charged to nothing (every half-day "without drawing right").
"""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext
from sqlalchemy import select

from expertpool.extensions import db
from expertpool.models import PeriodStatus, QuotaPeriod

PERIOD_NOT_OPEN = "period_not_open"  # the scheduler's reason code for half-days it may not book yet


def open_periods(start: date, end: date) -> list[QuotaPeriod]:
    """The open periods meeting [start, end], in date order."""
    return list(
        db.session.scalars(
            select(QuotaPeriod)
            .where(
                QuotaPeriod.status == PeriodStatus.OPEN, QuotaPeriod.start_date <= end, QuotaPeriod.end_date >= start
            )
            .order_by(QuotaPeriod.start_date)
        )
    )


def open_period_for(day: date) -> QuotaPeriod | None:
    periods = open_periods(day, day)
    return periods[0] if periods else None


def first_uncovered_day(start: date, end: date) -> date | None:
    """The first date of [start, end] that no open period covers (None when they cover it all)."""
    day = start
    for period in open_periods(start, end):
        if period.start_date > day:
            return day
        day = max(day, period.end_date + timedelta(days=1))
        if day > end:
            return None
    return day if day <= end else None


def name_of_period_at(day: date) -> str:
    """How a member knows the period of `day`: a period prepared but not open, else its year."""
    period = db.session.scalar(
        select(QuotaPeriod).where(QuotaPeriod.start_date <= day, QuotaPeriod.end_date >= day).limit(1)
    )
    return period.name if period is not None else str(day.year)


def not_open_message(day: date) -> str:
    """The plain-French reason why half-days on and after `day` are not booked yet (reader's language)."""
    return gettext(
        "La période %(name)s n'est pas encore ouverte : ces demi-journées seront planifiées à son ouverture.",
        name=name_of_period_at(day),
    )


@dataclass(frozen=True, slots=True)
class NextPeriodWarning:
    """The current period ends soon (or none is open today) and the next one is not open."""

    current: QuotaPeriod | None
    first_uncovered: date


def next_period_warning(today: date, weeks: int) -> NextPeriodWarning | None:
    """A warning from `weeks` weeks before the end of the current period while the next is not open."""
    current = open_period_for(today)
    if current is None:
        return NextPeriodWarning(None, today)
    if today < current.end_date - timedelta(weeks=weeks):
        return None
    following = current.end_date + timedelta(days=1)
    if open_period_for(following) is not None:
        return None
    return NextPeriodWarning(current, following)


def period_warning(settings, today: date) -> NextPeriodWarning | None:
    """The warning the coordinator pages show, per the pool's setting (0 weeks: never)."""
    weeks = settings.next_period_warning_weeks
    return next_period_warning(today, weeks) if weeks else None
