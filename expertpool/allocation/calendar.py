"""Experts' free half-days over the horizon, as lists and as a day-indexed boolean array."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from .model import HALVES, Expert, Problem

HALF_INDEX = {"am": 0, "pm": 1}


def horizon_dates(problem: Problem) -> list[date]:
    """Every calendar day of the horizon, in order; day index i is horizon_start + i days."""
    return [problem.horizon_start + timedelta(days=i) for i in range(problem.n_days)]


def free_mask(expert: Expert, problem: Problem) -> np.ndarray:
    """A (days, 2) boolean array: True where the expert has a free working half-day."""
    n_days = problem.n_days
    start = problem.horizon_start
    first_weekday = start.weekday()
    pattern = np.zeros((7, 2), dtype=bool)
    for weekday, halves in expert.week.items():
        for half in halves:
            pattern[weekday, HALF_INDEX[half]] = True
    weekdays = (np.arange(n_days) + first_weekday) % 7
    mask = pattern[weekdays].copy()
    for holiday in problem.holidays:
        index = (holiday - start).days
        if 0 <= index < n_days:
            mask[index, :] = False
    for away in expert.unavailable:
        # Entries outside the horizon are allowed and simply clipped: they concern other periods.
        lo = max((away.start - start).days, 0)
        hi = min((away.end - start).days, n_days - 1)
        if lo > hi:
            continue
        if away.half is None:
            mask[lo : hi + 1, :] = False
        else:
            mask[lo : hi + 1, HALF_INDEX[away.half]] = False
    for day, half in expert.booked:
        index = (day - start).days
        if 0 <= index < n_days:
            mask[index, HALF_INDEX[half]] = False
    return mask


def free_masks(problem: Problem) -> np.ndarray:
    """An (experts, days, 2) boolean array of free half-days, experts in problem order."""
    if not problem.experts:
        return np.zeros((0, problem.n_days, 2), dtype=bool)
    return np.stack([free_mask(expert, problem) for expert in problem.experts])


def free_half_days(expert: Expert, problem: Problem) -> list[tuple[date, str]]:
    """The expert's free half-days: in the week pattern, not a holiday, not unavailable, not booked."""
    mask = free_mask(expert, problem)
    days, halves = np.nonzero(mask)
    start = problem.horizon_start
    return [(start + timedelta(days=int(d)), HALVES[int(h)]) for d, h in zip(days, halves, strict=True)]
