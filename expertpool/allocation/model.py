"""The engine's vocabulary: immutable dataclasses for a problem, a plan and their parts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

HALVES = ("am", "pm")
URGENCIES = ("normal", "high", "critical")
# Most urgent first: the engine serves in this order, and the coordinators' queue lists in it.
URGENCY_RANK = {"critical": 0, "high": 1, "normal": 2}


class ProblemError(ValueError):
    """A problem or plan that cannot be read; the message names the offending entry."""


@dataclass(frozen=True, slots=True)
class Unavailability:
    start: date
    end: date
    # None: whole days start..end inclusive; "am"/"pm": that half of a single day (start == end).
    half: str | None = None


@dataclass(frozen=True, slots=True)
class Expert:
    id: str
    roles: frozenset[str]
    skills: frozenset[str]
    week: dict[int, frozenset[str]]  # weekday 0=Mon -> {"am", "pm"}; a missing day is not worked
    unavailable: tuple[Unavailability, ...] = ()
    booked: frozenset[tuple[date, str]] = frozenset()

    def __hash__(self) -> int:  # week is a dict, so the generated hash would fail
        return hash(self.id)


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    quota: int
    used: int
    previous_experts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Request:
    id: str
    member: str
    role: str
    skills: frozenset[str]
    half_days: int
    earliest: date
    deadline: date
    urgency: str = "normal"
    preferred_expert: str | None = None
    submitted_at: datetime | None = None
    # Half-days this request may still receive beyond its member's drawing right: what the member
    # accepted in a quote and is not booked yet (rule 8). None: no limit (critical requests, /1 problems).
    accepted_billable: int | None = None
    # Half-days the member marked as preferred: a placement preference, never a constraint (placement.py).
    preferred_half_days: frozenset[tuple[date, str]] = frozenset()

    @property
    def signature(self) -> tuple[str, frozenset[str]]:
        """What an expert must have to serve this request."""
        return (self.role, self.skills)


@dataclass(frozen=True, slots=True)
class Problem:
    horizon_start: date
    horizon_end: date
    holidays: frozenset[date]
    experts: tuple[Expert, ...]
    members: tuple[Member, ...]
    requests: tuple[Request, ...]

    @property
    def n_days(self) -> int:
        return (self.horizon_end - self.horizon_start).days + 1


@dataclass(frozen=True, slots=True)
class Assignment:
    request: str
    expert: str
    date: date
    half: str


@dataclass(frozen=True, slots=True)
class Unserved:
    """Half-days of a request left unserved, with a reason code and its parameters (see explain.py)."""

    request: str
    half_days: int
    reason: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class Plan:
    assignments: tuple[Assignment, ...]
    unserved: tuple[Unserved, ...]
    metrics: dict = field(default_factory=dict)


def can_serve(expert: Expert, request: Request) -> bool:
    """Whether the expert has the request's role and every one of its skills."""
    return request.role in expert.roles and request.skills <= expert.skills
