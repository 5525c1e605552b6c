"""An expert's weekly pattern and its history: the one place that changes it.

Every writer of `Expert.week_mask` (the coordinator's expert form, the agenda's weekly-pattern page, the
API through them, the demo, the benchmark loaders) goes through these functions, which keep
`WeekPatternVersion` in the same transaction: one version per span of days the expert gave the pool a
given pattern, none for the days the expert was not in the pool (before joining, after leaving). A
replay of the past (`scenarios`) then plans each day on the pattern in force that day.

A change made on day D (Paris) applies from D on: D's half-days are still to come for the planner.
The callers audit the change themselves (each under its own action, with its own before/after).
"""

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select

from expertpool.extensions import db
from expertpool.models import Expert, WeekPatternVersion
from expertpool.timeutil import today_paris

# (first day, last day or None while in force, week mask): one span of an expert's history.
Span = tuple[date, date | None, int]


def _open_version(expert: Expert, session) -> WeekPatternVersion | None:
    if expert.id is None:
        return None
    return session.scalar(
        select(WeekPatternVersion)
        .where(WeekPatternVersion.expert_id == expert.id, WeekPatternVersion.valid_until.is_(None))
        .order_by(WeekPatternVersion.valid_from.desc())
        .limit(1)
    )


def join(expert: Expert, *, since: date, session=None) -> WeekPatternVersion:
    """The expert (new, or back in the pool) gives its current pattern from `since` on."""
    session = session or db.session
    if expert.id is None:
        session.add(expert)
        session.flush()
    version = WeekPatternVersion(expert_id=expert.id, week_mask=expert.week_mask, valid_from=since)
    session.add(version)
    return version


def leave(expert: Expert, *, today: date, session=None) -> None:
    """The expert leaves the pool on `today`: its pattern was in force until the day before (a version
    opened today leaves nothing behind)."""
    session = session or db.session
    version = _open_version(expert, session)
    if version is None:
        return
    if version.valid_from >= today:
        session.delete(version)
    else:
        version.valid_until = today - timedelta(days=1)
    session.flush()


def set_week_mask(expert: Expert, mask: int, *, now: datetime, session=None) -> bool:
    """The expert's new pattern from today (Paris) on; False (nothing written) when it is the same."""
    if mask == expert.week_mask:
        return False
    session = session or db.session
    today = today_paris(now)
    expert.week_mask = mask
    version = _open_version(expert, session)
    if version is not None and version.valid_from >= today:
        version.week_mask = mask  # changed again the same day: one version for the day
    elif version is not None:
        version.valid_until = today - timedelta(days=1)
        session.add(WeekPatternVersion(expert_id=expert.id, week_mask=mask, valid_from=today))
    elif expert.active:  # an active expert with no history (a row written outside the app): from now on
        session.add(WeekPatternVersion(expert_id=expert.id, week_mask=mask, valid_from=today))
    # Out of the pool: no version; `join` takes the pattern when the expert comes back.
    session.flush()
    return True


def spans_between(start: date, end: date, expert_ids=None) -> dict[int, list[Span]]:
    """{expert id: the spans of its history meeting [start, end], in date order} (one query)."""
    query = select(
        WeekPatternVersion.expert_id,
        WeekPatternVersion.valid_from,
        WeekPatternVersion.valid_until,
        WeekPatternVersion.week_mask,
    ).where(
        WeekPatternVersion.valid_from <= end,
        (WeekPatternVersion.valid_until.is_(None)) | (WeekPatternVersion.valid_until >= start),
    )
    if expert_ids is not None:
        query = query.where(WeekPatternVersion.expert_id.in_(list(expert_ids)))
    spans: dict[int, list[Span]] = defaultdict(list)
    for expert_id, valid_from, valid_until, mask in db.session.execute(
        query.order_by(WeekPatternVersion.expert_id, WeekPatternVersion.valid_from)
    ):
        spans[expert_id].append((valid_from, valid_until, mask))
    return spans


def mask_on(spans: list[Span], day: date) -> int:
    """The pattern in force on `day` (0: the expert was not in the pool that day)."""
    for valid_from, valid_until, mask in spans:
        if valid_from <= day and (valid_until is None or day <= valid_until):
            return mask
    return 0
