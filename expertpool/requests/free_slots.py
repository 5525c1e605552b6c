"""The request form's "free half-days of the experts who fit": what the member may mark as preferred."""

from dataclasses import dataclass
from datetime import date, timedelta

from expertpool import availability
from expertpool.extensions import db
from expertpool.models import PoolSettings


@dataclass(frozen=True, slots=True)
class Choice:
    half: str
    value: str  # "2027-01-12:am", the form's value
    free_experts: int  # 0: chosen earlier, no longer free (kept as a wish)
    checked: bool


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    choices: list[Choice]


@dataclass(frozen=True, slots=True)
class FreeSlots:
    start: date
    end: date
    days: list[Day]
    experts: int  # how many experts fit the role and skills (or the one chosen)


def slot_value(day: date, half: str) -> str:
    return f"{day.isoformat()}:{half}"


def parse_value(value: str) -> tuple[date, str] | None:
    """(date, half) from a "2027-01-12:am" value; None when it is not one."""
    day_text, _sep, half = str(value).partition(":")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        return None
    return (day, half) if half in ("am", "pm") else None


def for_form(form, today: date) -> FreeSlots | None:
    """The free half-days shown next to the form, or None while no role (nor expert) is chosen."""
    role_id = form.chosen_role_id()
    if role_id is None:
        return None
    skill_ids = [s for s in (form.skills.data or []) if isinstance(s, int)]
    experts = availability.fitting_experts(role_id, skill_ids, form.preferred_expert.data)
    start, end = availability.shown_window(form.earliest.data, form.deadline.data, today + timedelta(days=1))
    region = PoolSettings.load(db.session).holidays_region
    free = availability.free_half_days_among(experts, start, end, region)
    chosen = {str(v) for v in (form.preferred_slots.data or [])}
    by_day: dict[date, list[Choice]] = {}
    for (day, half), count in sorted(free.items()):
        by_day.setdefault(day, []).append(Choice(half, slot_value(day, half), count, slot_value(day, half) in chosen))
    # A half-day chosen before that is no longer free stays listed (and checked): the member decides.
    for value in sorted(chosen):
        slot = parse_value(value)
        if slot is not None and slot not in free:
            by_day.setdefault(slot[0], []).append(Choice(slot[1], value, 0, True))
    days = [Day(day, sorted(choices, key=lambda c: c.half)) for day, choices in sorted(by_day.items())]
    return FreeSlots(start, end, days, len(experts))


@dataclass(frozen=True, slots=True)
class PreferredOutcome:
    """The member's preferred half-days and which of them the plan kept."""

    slots: list[tuple[date, str, bool]]  # (date, half, kept)
    planned: bool  # whether any half-day is booked yet (before that, nothing is kept or lost)

    @property
    def kept(self) -> int:
        return sum(1 for _day, _half, kept in self.slots if kept)


def preferred_outcome(req) -> PreferredOutcome | None:
    if not req.preferred_half_days:
        return None
    held = {(b.date, b.half) for b in req.bookings if b.holds_slot}
    return PreferredOutcome([(p.date, p.half, (p.date, p.half) in held) for p in req.preferred_half_days], bool(held))
