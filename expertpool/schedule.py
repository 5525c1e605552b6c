"""The pool's automatic allocation schedule in one place: its crontab read (with the scheduler's own
fallback), put in words, and its next run, for the scheduler, the coordinator's home, the planning page
and the settings form."""

import logging
from dataclasses import dataclass
from datetime import datetime

from apscheduler.triggers.cron import CronTrigger
from flask_babel import gettext

log = logging.getLogger(__name__)

TIMEZONE = "Europe/Paris"
DEFAULT_CRON = "0 6 * * mon-fri"  # what the scheduler follows when the stored rule is unreadable
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse(cron: str) -> CronTrigger:
    """The crontab (minute hour day month weekday, Paris time) as a trigger; ValueError when unreadable."""
    return CronTrigger.from_crontab(cron or "", timezone=TIMEZONE)


def is_valid(cron: str) -> bool:
    try:
        parse(cron)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Schedule:
    """The stored rule and the one the scheduler really follows (the default when the stored one is unreadable)."""

    stored: str
    cron: str

    @property
    def fallback(self) -> bool:
        return self.cron != self.stored

    def next_run(self, now: datetime) -> datetime | None:
        return parse(self.cron).get_next_fire_time(None, now)

    def describe(self) -> str:
        return describe(self.cron)


def effective(cron: str) -> Schedule:
    return Schedule(cron, cron if is_valid(cron) else DEFAULT_CRON)


def trigger(cron: str) -> CronTrigger:
    """The scheduler's trigger for the stored rule; a malformed one falls back to the default, loudly."""
    schedule = effective(cron)
    if schedule.fallback:
        log.error("scheduler: invalid scheduler_cron %r, using %r", cron, DEFAULT_CRON)
    return parse(schedule.cron)


def _weekday_names() -> tuple[str, ...]:
    return (
        gettext("lundi"),
        gettext("mardi"),
        gettext("mercredi"),
        gettext("jeudi"),
        gettext("vendredi"),
        gettext("samedi"),
        gettext("dimanche"),
    )


def _weekday_index(token: str) -> int:
    """ "mon" or "1" (crontab: 0 and 7 are Sunday) to 0 = Monday; ValueError otherwise."""
    if token in _WEEKDAYS:
        return _WEEKDAYS.index(token)
    return (int(token) - 1) % 7


def describe(cron: str) -> str:
    """The crontab in words for the coordinator ("du lundi au vendredi à 06:00").

    Only the common forms (fixed minute and hour, every day of the month) are put in words; anything
    else is shown as the rule itself, which the pool's administrator wrote.
    """
    try:
        minute, hour, day, month, weekdays = cron.split()
        at = f"{int(hour):02d}:{int(minute):02d}"
        if day != "*" or month != "*":
            raise ValueError(cron)
        names = _weekday_names()
        if weekdays == "*":
            return gettext("tous les jours à %(at)s", at=at)
        if "-" in weekdays and "," not in weekdays:
            first, last = (_weekday_index(t) for t in weekdays.lower().split("-"))
            return gettext("du %(first)s au %(last)s à %(at)s", first=names[first], last=names[last], at=at)
        days = [names[_weekday_index(t)] for t in weekdays.lower().split(",")]
        return gettext("le %(days)s à %(at)s", days=", ".join(days), at=at)
    except (ValueError, IndexError):
        return gettext("selon la règle « %(cron)s »", cron=cron)
