"""Which period a report shows, and its bounds: the reports list periods newest first."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from expertpool import quotas
from expertpool.models import QuotaPeriod
from expertpool.quotas import period_for
from expertpool.timeutil import PARIS, today_paris


def all_periods() -> list[QuotaPeriod]:
    """Every period, newest first (as the reports' period menus list them)."""
    return quotas.all_periods()[::-1]


def default_period(periods: list[QuotaPeriod], today: date) -> QuotaPeriod | None:
    """The period containing today, else the latest one (periods are listed newest first)."""
    for period in periods:
        if period.contains(today):
            return period
    return periods[0] if periods else None


def period_bounds_utc(period: QuotaPeriod) -> tuple[datetime, datetime]:
    """[start, end) of the period as aware UTC instants: the period's days are Paris days."""
    start = datetime.combine(period.start_date, time(0), tzinfo=PARIS).astimezone(UTC)
    end = datetime.combine(period.end_date + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(UTC)
    return start, end


def current_period(today: date | None = None) -> QuotaPeriod | None:
    return period_for(today or today_paris())
