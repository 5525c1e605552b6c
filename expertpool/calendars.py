"""French public holidays for the pool's region, and experts' working half-days.

Alsace-Moselle (subdivision "57" in the `holidays` package: Moselle, Bas-Rhin, Haut-Rhin) adds Good
Friday and 26 December to the metropolitan list.
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays

REGION_SUBDIVISION = {"metropole": None, "alsace-moselle": "57"}


@lru_cache(maxsize=64)
def _holidays_for_year(region: str, year: int) -> dict[date, str]:
    calendar = holidays.France(years=year, subdiv=REGION_SUBDIVISION[region], language="fr")
    return dict(calendar.items())


def public_holidays(region: str, start: date, end: date) -> dict[date, str]:
    """{date: French name} of the public holidays between start and end inclusive."""
    if region not in REGION_SUBDIVISION:
        raise ValueError(f"unknown holiday region {region!r}")
    result = {}
    for year in range(start.year, end.year + 1):
        for day, name in _holidays_for_year(region, year).items():
            if start <= day <= end:
                result[day] = name
    return result


def days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def working_half_days(expert, start: date, end: date, region: str, unavailabilities=None) -> list[tuple[date, str]]:
    """The (date, half) an expert gives to the pool: in the weekly pattern, not a public holiday,
    not declared unavailable. Bookings are not subtracted (this is capacity, not free time)."""
    return list(iter_working_half_days(expert, start, end, region, unavailabilities))


def iter_working_half_days(expert, start: date, end: date, region: str, unavailabilities=None):
    """`working_half_days` one at a time, in order: a caller looking for the first free one stops there
    instead of walking the whole horizon."""
    off = public_holidays(region, start, end)
    unavailable = list(expert.unavailabilities if unavailabilities is None else unavailabilities)
    for day in days(start, end):
        if day in off:
            continue
        for half in ("am", "pm"):
            if expert.works(day.weekday(), half) and not any(u.covers(day, half) for u in unavailable):
                yield day, half


def window_half_days(start: date, end: date, region: str) -> int:
    """Working half-days of the pool between start and end inclusive: weekdays that are not public
    holidays, two halves each. No request can be served in more half-days than its window holds."""
    if end < start:
        return 0
    off = public_holidays(region, start, end)
    return 2 * sum(1 for day in days(start, end) if day.weekday() < 5 and day not in off)
