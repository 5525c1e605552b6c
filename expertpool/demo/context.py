"""What the demo builders share: the clock, lookups by name, the half-days already booked."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from expertpool.models import (
    AllocationRun,
    Expert,
    Member,
    Role,
    Skill,
    Unavailability,
    User,
)


@dataclass
class Ctx:
    """What the builders share: the clock, lookups by name, and the half-days already booked."""

    now: datetime
    today: date
    region: str
    rng: random.Random
    members: dict[str, Member] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    skills: dict[str, Skill] = field(default_factory=dict)
    experts: list[Expert] = field(default_factory=list)
    unavailable: dict[int, list[Unavailability]] = field(default_factory=dict)
    taken: set[tuple[int, date, str]] = field(default_factory=set)
    holidays: dict[date, str] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    coordinator: User | None = None
    runs: list[AllocationRun] = field(default_factory=list)
    assignments: dict[int, list[dict]] = field(default_factory=dict)  # run id -> plan assignments
    unserved: dict[int, list[dict]] = field(default_factory=dict)  # run id -> plan unserved


def ago(ctx: Ctx, days: float, hour: int = 9) -> datetime:
    """A moment `days` before now, at a plausible office hour (UTC)."""
    moment = (ctx.now - timedelta(days=days)).replace(
        hour=hour, minute=ctx.rng.randrange(0, 60, 5), second=0, microsecond=0
    )
    return min(moment, ctx.now - timedelta(minutes=5))
