"""What the demo builders share: the clock and lookups by name."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from expertpool.models import (
    Expert,
    Member,
    Role,
    Skill,
    User,
)


@dataclass
class Ctx:
    """What the builders share: the clock and lookups by name."""

    now: datetime
    today: date
    region: str
    rng: random.Random
    members: dict[str, Member] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    skills: dict[str, Skill] = field(default_factory=dict)
    experts: list[Expert] = field(default_factory=list)
    holidays: dict[date, str] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    coordinator: User | None = None


def ago(ctx: Ctx, days: float, hour: int = 9) -> datetime:
    """A moment `days` before now, at a plausible office hour (UTC)."""
    moment = (ctx.now - timedelta(days=days)).replace(
        hour=hour, minute=ctx.rng.randrange(0, 60, 5), second=0, microsecond=0
    )
    return min(moment, ctx.now - timedelta(minutes=5))
