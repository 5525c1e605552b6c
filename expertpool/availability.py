"""Free half-days: what an expert gives the pool (weekly pattern, holidays, leave) minus what is booked.

Read for many experts at once in a fixed number of queries: the marketplace's "next free half-day", an
expert's profile and the request form's "free half-days of the experts who fit" all come from here.
"""

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from expertpool.booking_conflicts import held_half_days, unavailability_by_expert
from expertpool.calendars import iter_working_half_days
from expertpool.extensions import db
from expertpool.models import Expert
from expertpool.models.expert import expert_roles, expert_skills

# How far the request form and an expert's profile show free half-days ahead.
WEEKS_SHOWN = 4


def _free_half_days(experts: list[Expert], start: date, end: date, region: str) -> dict[int, Iterator]:
    """{expert_id: its free (date, half) from `start` to `end`, lazily in date order}; two queries in all.
    The calendar rule (pattern, holidays, leave) is calendars'; only the bookings are subtracted here."""
    ids = [e.id for e in experts]
    booked = held_half_days(ids, start, end)
    off = unavailability_by_expert(ids, start, end)
    return {
        expert.id: _without(
            booked, expert.id, iter_working_half_days(expert, start, end, region, off.get(expert.id, []))
        )
        for expert in experts
    }


def _without(booked: set, expert_id: int, slots: Iterator) -> Iterator:
    """The expert's half-days not in `booked` (a function of its own: a generator expression would read
    the comprehension's loop variable when consumed, i.e. the last expert's)."""
    return ((day, half) for day, half in slots if (expert_id, day, half) not in booked)


def free_half_days_by_expert(experts: list[Expert], start: date, end: date, region: str) -> dict[int, list]:
    """{expert_id: [(date, half), …]} free from `start` to `end`, in date order."""
    if not experts:
        return {}
    return {expert_id: list(free) for expert_id, free in _free_half_days(experts, start, end, region).items()}


def first_free_half_days(experts: list[Expert], start: date, end: date, region: str) -> dict[int, tuple | None]:
    """{expert_id: the first free (date, half) from `start` to `end`, or None}; each expert's calendar is
    walked only up to it (the marketplace asks this for every expert it shows)."""
    if not experts:
        return {}
    return {expert_id: next(free, None) for expert_id, free in _free_half_days(experts, start, end, region).items()}


def fitting_experts(role_id: int | None, skill_ids: list[int], expert_id: int | None = None) -> list[Expert]:
    """The active experts who can serve a request for this role and every one of these skills (only the
    chosen expert, when the member asked for one)."""
    stmt = select(Expert).where(Expert.active.is_(True)).order_by(Expert.id)
    if expert_id is not None:
        stmt = stmt.where(Expert.id == expert_id)
    if role_id is not None:
        stmt = stmt.where(Expert.id.in_(select(expert_roles.c.expert_id).where(expert_roles.c.role_id == role_id)))
    for skill_id in skill_ids:
        stmt = stmt.where(Expert.id.in_(select(expert_skills.c.expert_id).where(expert_skills.c.skill_id == skill_id)))
    return list(db.session.scalars(stmt.options(selectinload(Expert.roles))))


def free_half_days_among(experts: list[Expert], start: date, end: date, region: str) -> Counter:
    """{(date, half): how many of these experts are free then}, for the half-days at least one is."""
    counts: Counter = Counter()
    for slots in free_half_days_by_expert(experts, start, end, region).values():
        counts.update(slots)
    return counts


def shown_window(earliest: date | None, deadline: date | None, first_day: date) -> tuple[date, date]:
    """The days whose free half-days a form shows: from the window's start (not before `first_day`) for
    WEEKS_SHOWN weeks, not past the deadline."""
    start = max(earliest or first_day, first_day)
    end = start + timedelta(weeks=WEEKS_SHOWN) - timedelta(days=1)
    if deadline is not None and deadline >= start:
        end = min(end, deadline)
    return start, end
