"""The weekly pattern: which half-days of the week an expert gives to the pool (edited by coordinators)."""

from datetime import datetime

from expertpool import week_patterns
from expertpool.audit import record
from expertpool.models import Expert
from expertpool.models.expert import HALVES, WEEKDAYS, week_bit


def field_name(weekday: int, half: str) -> str:
    return f"{WEEKDAYS[weekday]}_{half}"


def mask_from_choices(chosen: set[str]) -> int:
    """The bit mask of the chosen 'mon_am', 'tue_pm'… names (unknown names are ignored)."""
    mask = 0
    for weekday in range(len(WEEKDAYS)):
        for half in HALVES:
            if field_name(weekday, half) in chosen:
                mask |= week_bit(weekday, half)
    return mask


def set_week_mask(expert: Expert, mask: int, *, actor, now: datetime) -> bool:
    """Save the new pattern; False (and nothing written) when it did not change."""
    if mask == expert.week_mask:
        return False
    before = {"week_mask": expert.week_mask, "pattern": expert.week_pattern()}
    week_patterns.set_week_mask(expert, mask, now=now)  # the pattern and its history
    record(
        actor,
        "expert.week_pattern",
        expert,
        now=now,
        before=before,
        after={"week_mask": expert.week_mask, "pattern": expert.week_pattern()},
        expert_id=expert.id,
    )
    return True
