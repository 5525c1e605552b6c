"""One clock for the whole app: aware UTC datetimes stored, Europe/Paris shown."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def now_utc() -> datetime:
    return datetime.now(UTC)


def today_paris(now: datetime | None = None) -> date:
    """The calendar day in France, which is what 'today' means to every user of the pool."""
    return (now or now_utc()).astimezone(PARIS).date()


def to_paris(value: datetime) -> datetime:
    if value.tzinfo is None:  # values read back from SQLite are naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(PARIS)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


# Dates a calendar page shows: anything farther is a typing mistake (and year 1 or 9999 would overflow the
# date arithmetic of a week or a month), so pages fall back to today.
SHOWN_YEARS = range(2000, 2101)


def shown_day(value: str | None, today: date) -> date:
    """The ISO date `value` when it is one a calendar page can show, else `today`."""
    try:
        day = date.fromisoformat(value) if value else today
    except ValueError:
        return today
    return day if day.year in SHOWN_YEARS else today
