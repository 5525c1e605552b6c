"""Bookings read as interventions (DESIGN.md) for pages, notifications and mails, in a constant number of
queries whatever the number of bookings: the experts' weekly patterns (one query) and the pool's holiday
region (one query); holidays come from the `holidays` package.

A run only joins bookings in the same state (planned, to reschedule, delivered, not delivered): a member
reads "à confirmer" apart from what is settled, and a half-day in another state breaks the run as any other
working half-day left out does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from expertpool.calendars import public_holidays
from expertpool.extensions import db
from expertpool.interventions import (
    HALVES,
    HalfDay,
    Intervention,
    WorksOn,
    group_interventions,
    pattern_half_days,
    run_text,
)
from expertpool.labels import booking_state
from expertpool.models import Booking, Expert, PoolSettings
from expertpool.models.expert import week_bit


@dataclass(frozen=True, slots=True)
class BookedIntervention:
    run: Intervention
    bookings: tuple[Booking, ...]  # the run's half-days, in order (the disclosure lists them)
    state: str

    @property
    def first(self) -> Booking:
        return self.bookings[0]

    @property
    def expert_name(self) -> str:
        return self.first.expert.display_name

    def text(self, with_expert: bool = True) -> str:
        return run_text(self.run, self.expert_name if with_expert else None)


def expert_works(half_days: Iterable[HalfDay]) -> WorksOn:
    """Whether a half-day is one of its expert's working half-days, for the experts and dates of these half-days
    (two queries: the weekly patterns, the pool's holiday region)."""
    items = list(half_days)
    if not items:
        return lambda expert_id, day, half: False
    masks = dict(
        db.session.execute(select(Expert.id, Expert.week_mask).where(Expert.id.in_({i.expert_id for i in items}))).all()
    )
    region = PoolSettings.load(db.session).holidays_region
    holidays = public_holidays(region, min(i.date for i in items), max(i.date for i in items))
    return pattern_half_days(masks, holidays, week_bit)


def booked_interventions(bookings: Iterable[Booking], *, newest_first: bool = False) -> list[BookedIntervention]:
    """The interventions these bookings form (their expert and request are read from the loaded rows)."""
    bookings = list(bookings)
    works = expert_works(bookings)
    by_slot: dict[tuple, Booking] = {}
    by_state: dict[str, list[Booking]] = defaultdict(list)
    for b in bookings:
        by_state[booking_state(b)].append(b)
        by_slot[(booking_state(b), b.request_id, b.expert_id, b.date, b.half)] = b
    result = []
    for state, items in by_state.items():
        for run in group_interventions(items, works):
            rows = tuple(by_slot[(state, run.request_id, run.expert_id, d, h)] for d, h in run.half_days)
            result.append(BookedIntervention(run, rows, state))
    result.sort(key=lambda i: (i.run.first[0], HALVES.index(i.run.first[1]), i.run.request_id, i.run.expert_id))
    if newest_first:
        result.reverse()
    return result
