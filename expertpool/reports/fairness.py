"""How evenly the members use their drawing rights: usage levels, Jain's index and level bands, as SQL
aggregates over the stored positions (n, Σx, Σx² and one count per band: nothing per member in Python)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func

from expertpool import position_store
from expertpool.allocation.metrics import jain_from_sums
from expertpool.allocation.metrics import jain_index as engine_jain_index
from expertpool.extensions import db
from expertpool.models import QuotaPeriod
from expertpool.reports.member_figures import STORED, stored_members

# Level bands (label, highest level in it): a level of 0 has its own band, above 1 is "100+".
BANDS = (("0-25", 0.25), ("25-50", 0.5), ("50-75", 0.75), ("75-100", 1.0))


def jain_index(values: list[float]) -> float | None:
    """The engine's Jain index, or None (shown "—") when no member has used anything yet: a report
    does not call an empty period perfectly fair."""
    if not any(values):
        return None
    return engine_jain_index(values)


@dataclass(frozen=True, slots=True)
class Fairness:
    members: int  # members holding a drawing right (a level used / total)
    level_sum: float
    jain: float | None
    bands: list[tuple[str, int]]  # (band label key, members)

    @property
    def mean_level(self) -> float | None:
        return self.level_sum / self.members if self.members else None


def fairness(period: QuotaPeriod) -> Fairness:
    """The levels of the members the reports list, from their stored positions, in one query."""
    position_store.refresh(db.session)
    level = STORED.c.level
    band_counts = [func.sum(case((level == 0, 1), else_=0))]
    low = 0.0
    for _band, high in BANDS:
        band_counts.append(func.sum(case(((level > low) & (level <= high), 1), else_=0)))
        low = high
    band_counts.append(func.sum(case((level > 1, 1), else_=0)))
    n, total, squares, *counts = db.session.execute(
        stored_members(period)
        .where(level.is_not(None))
        .add_columns(func.count(), func.sum(level), func.sum(level * level), *band_counts)
    ).one()
    n, total, squares = int(n), float(total or 0), float(squares or 0)
    labels = ["0", *(band for band, _high in BANDS), "100+"]
    return Fairness(
        members=n,
        level_sum=total,
        jain=None if not total else jain_from_sums(n, total, squares),
        bands=[(label, int(count or 0)) for label, count in zip(labels, counts, strict=True)],
    )
