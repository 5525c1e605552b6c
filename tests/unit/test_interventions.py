"""Interventions group half-days the way DESIGN.md defines them (the examples a coordinator would check)."""

from dataclasses import dataclass
from datetime import date

from expertpool.interventions import group_interventions, pattern_half_days
from expertpool.models.expert import FULL_TIME_WEEK_MASK, week_bit

ASCENSION = date(2027, 5, 6)  # a Thursday


@dataclass
class Slot:
    request_id: int
    expert_id: int
    date: date
    half: str


def full_time(*expert_ids, holidays=()):
    return pattern_half_days(dict.fromkeys(expert_ids, FULL_TIME_WEEK_MASK), set(holidays), week_bit)


def runs(slots, works):
    return [(i.request_id, i.expert_id, i.first, i.last, i.count) for i in group_interventions(slots, works)]


def test_a_weekend_does_not_break_an_intervention():
    slots = [Slot(1, 7, date(2027, 5, 14), "pm"), Slot(1, 7, date(2027, 5, 17), "am")]  # Friday pm, Monday am
    assert runs(slots, full_time(7)) == [(1, 7, (date(2027, 5, 14), "pm"), (date(2027, 5, 17), "am"), 2)]


def test_a_public_holiday_does_not_break_it_but_a_free_working_half_day_does():
    slots = [Slot(1, 7, date(2027, 5, 5), "pm"), Slot(1, 7, date(2027, 5, 7), "am")]
    assert len(runs(slots, full_time(7, holidays=[ASCENSION]))) == 1
    assert len(runs(slots, full_time(7))) == 2  # without the holiday, Thursday was a working day left out


def test_a_half_day_the_expert_never_works_does_not_break_it():
    # A part-time expert who does not work Wednesday afternoons.
    mask = FULL_TIME_WEEK_MASK & ~week_bit(2, "pm")
    works = pattern_half_days({7: mask}, set(), week_bit)
    slots = [Slot(1, 7, date(2027, 5, 12), "am"), Slot(1, 7, date(2027, 5, 13), "am")]
    assert runs(slots, works) == [(1, 7, (date(2027, 5, 12), "am"), (date(2027, 5, 13), "am"), 2)]


def test_leave_or_another_booking_breaks_it_and_requests_and_experts_stay_apart():
    slots = [
        Slot(1, 7, date(2027, 5, 10), "am"),
        Slot(1, 7, date(2027, 5, 10), "pm"),
        # Tuesday am is a leave or another request's half-day: it is not in the run.
        Slot(1, 7, date(2027, 5, 11), "pm"),
        Slot(2, 7, date(2027, 5, 11), "am"),
        Slot(1, 8, date(2027, 5, 10), "am"),
    ]
    assert runs(slots, full_time(7, 8)) == [
        (1, 7, (date(2027, 5, 10), "am"), (date(2027, 5, 10), "pm"), 2),
        (1, 8, (date(2027, 5, 10), "am"), (date(2027, 5, 10), "am"), 1),
        (2, 7, (date(2027, 5, 11), "am"), (date(2027, 5, 11), "am"), 1),
        (1, 7, (date(2027, 5, 11), "pm"), (date(2027, 5, 11), "pm"), 1),
    ]
