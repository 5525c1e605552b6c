"""How evenly the members use their drawing rights: usage levels, Jain's index and level bands."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from expertpool.allocation.metrics import jain_index as engine_jain_index
from expertpool.reports.member_figures import MemberFigures


def jain_index(values: list[float]) -> float | None:
    """The engine's Jain index, or None (shown "—") when no member has used anything yet: a report
    does not call an empty period perfectly fair."""
    if not any(values):
        return None
    return engine_jain_index(values)


@dataclass(frozen=True, slots=True)
class Fairness:
    levels: dict[int, float]  # member_id -> used / total, for members holding a drawing right
    jain: float | None
    bands: list[tuple[str, int]]  # (band label key, members)

    @property
    def mean_level(self) -> float | None:
        return statistics.fmean(self.levels.values()) if self.levels else None


def fairness(figures: list[MemberFigures]) -> Fairness:
    levels = {f.member_id: f.level for f in figures if f.level is not None}
    counts = dict.fromkeys(("0", "0-25", "25-50", "50-75", "75-100", "100+"), 0)
    for level in levels.values():
        counts[_band(level)] += 1
    return Fairness(levels=levels, jain=jain_index(list(levels.values())), bands=list(counts.items()))


def _band(level: float) -> str:
    if level == 0:
        return "0"
    if level > 1:
        return "100+"
    if level <= 0.25:
        return "0-25"
    if level <= 0.5:
        return "25-50"
    if level <= 0.75:
        return "50-75"
    return "75-100"
