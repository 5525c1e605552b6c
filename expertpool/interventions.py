"""Interventions: what pages, mails and statements speak in instead of half-day rows (DESIGN.md).

An intervention is a run of half-days of one expert for one request with none of that expert's working
half-days left out between them: a weekend, a public holiday or a half-day the expert never works does
not break it; a leave or another booking (a working half-day not in the run) does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

HALVES = ("am", "pm")
# No expert works fewer than one half-day in a fortnight; past that gap a run is over whatever lies between.
LONGEST_GAP_DAYS = 31

WorksOn = Callable[[int, date, str], bool]  # (expert id, date, half) → is it one of the expert's working half-days


class HalfDay(Protocol):
    request_id: int
    expert_id: int
    date: date
    half: str


@dataclass(frozen=True, slots=True)
class Intervention:
    request_id: int
    expert_id: int
    half_days: tuple[tuple[date, str], ...]  # in order

    @property
    def first(self) -> tuple[date, str]:
        return self.half_days[0]

    @property
    def last(self) -> tuple[date, str]:
        return self.half_days[-1]

    @property
    def count(self) -> int:
        return len(self.half_days)


def pattern_half_days(
    week_masks: dict[int, int], holidays: Collection[date], bit: Callable[[int, str], int]
) -> WorksOn:
    """The `WorksOn` of experts with these weekly patterns (`bit(weekday, half)` reads a mask) and holidays.

    Leave is deliberately not taken out: a leave is a working half-day missing from the run, so it breaks it.
    """

    def works(expert_id: int, day: date, half: str) -> bool:
        return day not in holidays and bool(week_masks.get(expert_id, 0) & bit(day.weekday(), half))

    return works


def next_working_half_day(expert_id: int, day: date, half: str, works: WorksOn) -> tuple[date, str] | None:
    """The expert's first working half-day after (day, half), or None within `LONGEST_GAP_DAYS`."""
    current = (day, half)
    limit = day + timedelta(days=LONGEST_GAP_DAYS)
    while True:
        current = (current[0], "pm") if current[1] == "am" else (current[0] + timedelta(days=1), "am")
        if current[0] > limit:
            return None
        if works(expert_id, *current):
            return current


def group_interventions(half_days: Iterable[HalfDay], works: WorksOn) -> list[Intervention]:
    """The interventions these half-days form, ordered by their first half-day."""
    runs: dict[tuple[int, int], list[tuple[date, str]]] = defaultdict(list)
    for item in half_days:
        runs[(item.request_id, item.expert_id)].append((item.date, item.half))
    interventions = []
    for (request_id, expert_id), slots in runs.items():
        slots.sort(key=lambda slot: (slot[0], HALVES.index(slot[1])))
        current = [slots[0]]
        for slot in slots[1:]:
            if slot == current[-1]:
                continue
            if next_working_half_day(expert_id, *current[-1], works) != slot:
                interventions.append(Intervention(request_id, expert_id, tuple(current)))
                current = []
            current.append(slot)
        interventions.append(Intervention(request_id, expert_id, tuple(current)))
    interventions.sort(key=lambda i: (i.first[0], HALVES.index(i.first[1]), i.request_id, i.expert_id))
    return interventions


def intervention_text(first: date, last: date, count: int, expert: str | None = None, half: str | None = None) -> str:
    """'8–11 décembre 2027, 4 demi-journées, Soizic Guéguen' in the reader's language: THE way an intervention
    is written (pages, mails, notifications, statements). A single half-day says which half instead of a count.
    """
    from flask_babel import gettext, ngettext  # the grouping above stays usable without an app

    from expertpool.i18n import date_range, half_day_label

    if count == 1 and half in HALVES:
        when = half_day_label(first, half)
    else:
        when = gettext(
            "%(dates)s, %(count)s",
            dates=date_range(first, last),
            count=ngettext("%(num)d demi-journée", "%(num)d demi-journées", count),
        )
    return gettext("%(when)s, %(expert)s", when=when, expert=expert) if expert else when


def run_text(run: Intervention, expert: str | None = None) -> str:
    """`intervention_text` of a grouped run."""
    return intervention_text(run.first[0], run.last[0], run.count, expert, run.first[1])
