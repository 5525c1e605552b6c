"""A scenario's changes: read from their stored JSON (checked), then applied in memory to the engine's
problem (experts added or removed) and to the drawing-right ledger (policy, one member's right, price).

Nothing here touches the database rows themselves: a ledger is plain data, a problem is a frozen
dataclass, and both are replaced, never modified in place.
"""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from expertpool.allocation import Expert as EngineExpert
from expertpool.allocation import Problem, Unavailability
from expertpool.models import QuotaPolicy

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HALVES = ("am", "pm")
# Weekly patterns offered for an added expert (the problem format's "week"): the usual contracts.
WEEK_PRESETS = {
    "full": {day: ["am", "pm"] for day in WEEKDAYS[:5]},
    "four_fifths": {day: ["am", "pm"] for day in WEEKDAYS[:4]},
    "half": {"mon": ["am", "pm"], "tue": ["am", "pm"], "wed": ["am"]},
    "mornings": {day: ["am"] for day in WEEKDAYS[:5]},
}
MAX_ADDED_EXPERTS = 10
POLICY_KEYS = ("policy", "fixed_half_days", "unit_price_cents", "population_bands", "carry_over_cap_half_days")


class BadChanges(ValueError):
    """Stored changes that cannot be read (a hand-edited row): the run fails with this message."""


@dataclass(frozen=True, slots=True)
class AddedExpert:
    role: str
    skills: frozenset[str]
    week: dict[int, frozenset[str]]
    start: date

    def engine_expert(self, key: str, horizon_start: date) -> EngineExpert:
        """The expert as the engine sees it: not available before its start date."""
        unavailable = ()
        if self.start > horizon_start:
            unavailable = (Unavailability(horizon_start, self.start - timedelta(days=1)),)
        return EngineExpert(key, frozenset({self.role}), self.skills, self.week, unavailable, frozenset())


@dataclass(frozen=True, slots=True)
class Changes:
    policy: dict | None = None  # the period fields of quota_policies.PERIOD_FIELDS that compute rights
    member_right: tuple[int, int] | None = None  # (member id, entitled half-days)
    unit_price_cents: int | None = None
    added: tuple[AddedExpert, ...] = ()
    removed: frozenset[int] = field(default_factory=frozenset)  # expert ids
    horizon_weeks: int | None = None

    @property
    def touch_rights(self) -> bool:
        """Whether the members' drawing rights differ from the database's."""
        return self.policy is not None or self.member_right is not None

    @property
    def touch_experts(self) -> bool:
        return bool(self.added or self.removed)


def _int(value, what: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise BadChanges(f"{what}: {value!r}")
    return value


def read_changes(data: dict | None) -> Changes:
    """The Changes of a scenario's JSON; raises BadChanges naming the bad entry."""
    data = data or {}
    if not isinstance(data, dict):
        raise BadChanges("changes")
    policy = data.get("policy")
    if policy is not None:
        if not isinstance(policy, dict) or policy.get("policy") not in tuple(QuotaPolicy):
            raise BadChanges("policy")
        policy = {
            "policy": policy["policy"],
            "fixed_half_days": _int(policy.get("fixed_half_days", 0), "fixed_half_days"),
            "unit_price_cents": _int(policy.get("unit_price_cents", 1), "unit_price_cents", 1),
            "population_bands": list(policy.get("population_bands") or []),
            "carry_over_cap_half_days": _int(policy.get("carry_over_cap_half_days", 0), "carry_over_cap_half_days"),
        }
    right = data.get("member_right")
    if right is not None:
        right = (_int(right.get("member_id"), "member_id", 1), _int(right.get("half_days"), "half_days"))
    price = data.get("unit_price_cents")
    if price is not None:
        price = _int(price, "unit_price_cents", 1)
    added = []
    for entry in data.get("experts_added") or []:
        try:
            week = {
                WEEKDAYS.index(day): frozenset(halves)
                for day, halves in entry["week"].items()
                if halves and set(halves) <= set(HALVES)
            }
            added.append(
                AddedExpert(
                    str(entry["role"]),
                    frozenset(str(s) for s in entry.get("skills") or []),
                    week,
                    date.fromisoformat(entry["start"]),
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BadChanges(f"experts_added: {entry!r}") from exc
    removed = frozenset(_int(e, "experts_removed", 1) for e in data.get("experts_removed") or [])
    weeks = data.get("horizon_weeks")
    if weeks is not None:
        weeks = _int(weeks, "horizon_weeks", 1)
    return Changes(policy, right, price, tuple(added[:MAX_ADDED_EXPERTS]), removed, weeks)


def added_key(index: int) -> str:
    """The engine id of the index-th added expert: "e--1", "e--2"… (a negative database id, so that
    the problem builder's `db_id` reads it and no real expert can have it)."""
    return f"e--{index + 1}"


def apply_to_problem(problem: Problem, changes: Changes, *, members=None) -> Problem:
    """The problem with the experts changed (and the members replaced by `members` when given)."""
    if not changes.touch_experts and members is None:
        return problem
    removed = {f"e-{expert_id}" for expert_id in changes.removed}
    experts = [e for e in problem.experts if e.id not in removed]
    experts += [added.engine_expert(added_key(k), problem.horizon_start) for k, added in enumerate(changes.added)]
    requests = tuple(
        replace(r, preferred_expert=None) if r.preferred_expert in removed else r for r in problem.requests
    )
    members = tuple(
        replace(m, previous_experts=tuple(e for e in m.previous_experts if e not in removed))
        for m in (problem.members if members is None else members)
    )
    return replace(problem, experts=tuple(experts) if problem.experts else (), members=members, requests=requests)
