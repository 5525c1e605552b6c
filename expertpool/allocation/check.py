"""Independent verification of a plan against the engine's eight rules, written down in RULES.md.

Readings: in rule 6 a member is "above its drawing right with that half-day" when used + x > quota, x
counting all its half-days in the plan. Rule 7 is checked at the first level of the max-min: the
highest λ at which every member can hold c_m(λ) = min(floor(λ·quota − used − critical), its
within-quota demand) at once (bisection over the breakpoints, one max-flow per step, on the calendar
the plan's critical half-days leave); a member with unmet within-quota demand may fall short of its
c_m(λ) by one half-day at most.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np

from .bounds import bounds as compute_bounds
from .calendar import HALF_INDEX, free_masks
from .flowengine import FlowEngine
from .metrics import plan_metrics
from .model import Plan, Problem, can_serve
from .network import build_network

MAX_LISTED = 50  # violations listed per rule; the count says how many there were


@dataclass
class CheckReport:
    violations: list[str] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.violations


class _Violations:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.counts: Counter = Counter()

    def add(self, rule: int, text: str) -> None:
        self.counts[rule] += 1
        if self.counts[rule] <= MAX_LISTED:
            self.items.append(f"rule {rule}: {text}")

    def result(self) -> list[str]:
        extra = [
            f"rule {rule}: … and {count - MAX_LISTED} more"
            for rule, count in sorted(self.counts.items())
            if count > MAX_LISTED
        ]
        return self.items + extra


def check_plan(problem: Problem, plan: Plan, *, fairness: bool = True) -> CheckReport:
    """Verify rules 1-8 (rule 7 within one half-day) and compute the plan's metrics."""
    found = _Violations()
    requests = {r.id: r for r in problem.requests}
    experts = {e.id: e for e in problem.experts}
    members = {m.id: m for m in problem.members}
    expert_index = {e.id: k for k, e in enumerate(problem.experts)}
    free = free_masks(problem)
    start, end = problem.horizon_start, problem.horizon_end

    served: Counter = Counter()
    taken: set[tuple[str, date, str]] = set()
    valid = []
    for a in plan.assignments:
        request, expert = requests.get(a.request), experts.get(a.expert)
        where = f"{a.request} → {a.expert} on {a.date} {a.half}"
        # Rule 1: known request and expert, with the role and skills.
        if request is None or expert is None:
            found.add(1, f"{where}: unknown {'request' if request is None else 'expert'}")
            continue
        if not can_serve(expert, request):
            found.add(1, f"{where}: the expert lacks role {request.role} or skills {sorted(request.skills)}")
        # Rule 2: a free working half-day inside the horizon and the request's window.
        if not (start <= a.date <= end):
            found.add(2, f"{where}: outside the horizon {start}..{end}")
        elif not (request.earliest <= a.date <= request.deadline):
            found.add(2, f"{where}: outside the request's window {request.earliest}..{request.deadline}")
        elif a.half not in HALF_INDEX or not free[expert_index[a.expert], (a.date - start).days, HALF_INDEX[a.half]]:
            found.add(2, f"{where}: not a free working half-day of the expert")
        # Rule 3: no expert half-day twice.
        slot = (a.expert, a.date, a.half)
        if slot in taken:
            found.add(3, f"{where}: the expert's half-day is booked twice")
        taken.add(slot)
        served[a.request] += 1
        valid.append(a)

    # Rule 4: at most the demand, and assigned + unserved = demand.
    declared: Counter = Counter()
    for u in plan.unserved:
        if u.request not in requests:
            found.add(4, f"unserved entry for unknown request {u.request}")
        declared[u.request] += u.half_days
    for request in problem.requests:
        got = served[request.id]
        if got > request.half_days:
            found.add(4, f"request {request.id}: {got} half-days assigned for {request.half_days} asked")
        elif got + declared[request.id] != request.half_days:
            found.add(
                4,
                f"request {request.id}: {got} assigned + {declared[request.id]} unserved ≠ {request.half_days}",
            )

    # Member totals after the plan, critical requests included.
    x: Counter = Counter()
    for request in problem.requests:
        x[request.member] += min(served[request.id], request.half_days)
    above = {m.id for m in problem.members if m.used + x[m.id] > m.quota}

    # Assignments indexed by day for rules 5 and 6.
    day_of = np.array([(a.date - start).days for a in valid], dtype=np.int64)
    order = np.argsort(day_of, kind="stable")
    day_sorted = day_of[order]
    a_expert = np.array([expert_index[valid[i].expert] for i in order], dtype=np.int64)
    a_request = [valid[i].request for i in order]
    non_critical = np.array([requests[r].urgency != "critical" for r in a_request], dtype=bool)
    over_quota_holder = np.array(
        [requests[r].urgency != "critical" and requests[r].member in above for r in a_request], dtype=bool
    )
    eligible_cache: dict = {}

    def eligible(request) -> np.ndarray:
        key = request.signature
        if key not in eligible_cache:
            eligible_cache[key] = np.array([can_serve(e, request) for e in problem.experts], dtype=bool)
        return eligible_cache[key]

    def usable_taken(request, holders: np.ndarray) -> np.ndarray:
        lo = max((request.earliest - start).days, 0)
        hi = min((request.deadline - start).days, problem.n_days - 1)
        if lo > hi or len(day_sorted) == 0:
            return np.zeros(0, dtype=np.int64)
        first, last = np.searchsorted(day_sorted, lo, "left"), np.searchsorted(day_sorted, hi, "right")
        mask = holders[first:last] & eligible(request)[a_expert[first:last]]
        return first + np.nonzero(mask)[0]

    for request in problem.requests:
        if served[request.id] >= request.half_days:
            continue
        # Rule 5: an unserved critical request finds none of its half-days given to a non-critical one.
        if request.urgency == "critical":
            hits = usable_taken(request, non_critical)
            if len(hits):
                i = int(hits[0])
                found.add(
                    5,
                    f"critical request {request.id} is unserved while {a_request[i]} (not critical) holds "
                    f"{problem.experts[a_expert[i]].id} on {start + timedelta(days=int(day_sorted[i]))}",
                )
        # Rule 6: no justified complaint from a member below its drawing right.
        member = members[request.member]
        if member.used + x[member.id] < member.quota:
            hits = usable_taken(request, over_quota_holder)
            if len(hits):
                i = int(hits[0])
                holder = requests[a_request[i]]
                found.add(
                    6,
                    f"member {member.id} (below its drawing right) has {request.id} unserved while member "
                    f"{holder.member} (above its right) holds a half-day it could use ({a_request[i]}, "
                    f"{problem.experts[a_expert[i]].id}, {start + timedelta(days=int(day_sorted[i]))})",
                )

    _check_accepted_quotes(problem, served, found)

    report_metrics: dict = {}
    if fairness:
        level_info = _max_min_level(problem, plan, served)
        # Rule 7: at the max-min optimum λ* every member can hold c_m(λ*) within-quota half-days at
        # once; a member with unmet within-quota demand may fall short of it by one half-day at most.
        for member_id, got, guaranteed in level_info["unmet"]:
            if got + 1 < guaranteed:
                found.add(
                    7,
                    f"member {member_id} gets {got} half-days within its quota while every member can "
                    f"have its share at level {level_info['optimum']:.4f} at once, {guaranteed} for it",
                )
        report_metrics["max_min_level_optimum"] = round(level_info["optimum"], 6)
        bound = compute_bounds(problem)
        report_metrics.update(plan_metrics(problem, plan, bound, level_info["servable"]))
        report_metrics["bounds_seconds"] = bound["bounds_seconds"]
    return CheckReport(found.result(), report_metrics)


def _check_accepted_quotes(problem: Problem, served: Counter, found: _Violations) -> None:
    """Rule 8: beyond its drawing right, a request gets no more half-days than its accepted quote.

    The member's room (quota − used − its critical half-days) may cover any of its requests; the rule
    holds when it can cover, for every request with `accepted_billable`, what that request got beyond
    its quote: Σ max(0, x_r − accepted_r) ≤ room.
    """
    critical: Counter = Counter()
    beyond: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for request in problem.requests:
        got = min(served[request.id], request.half_days)
        if request.urgency == "critical":
            critical[request.member] += got
        elif request.accepted_billable is not None and got > request.accepted_billable:
            beyond[request.member].append((request.id, got, request.accepted_billable))
    for member in problem.members:
        room = max(0, member.quota - member.used - critical[member.id])
        need = sum(got - accepted for _r, got, accepted in beyond[member.id])
        if need > room:
            listed = ", ".join(f"{r} gets {got} with {accepted} accepted" for r, got, accepted in beyond[member.id])
            found.add(
                8,
                f"member {member.id} has {room} half-days left in its drawing right but its requests need "
                f"{need} beyond their accepted quotes ({listed})",
            )


def _max_min_level(problem: Problem, plan: Plan, served: Counter) -> dict:
    """The highest common level λ every member can reach with non-critical within-quota demand.

    Bisection over the members' breakpoints (used + k) / quota with a max-flow feasibility test on the
    calendar left once the plan's critical half-days are taken: an algorithm independent of the
    solver's parametric cuts.
    """
    requests = {r.id: r for r in problem.requests}
    critical_taken: dict[str, set] = defaultdict(set)
    critical_served: Counter = Counter()
    for a in plan.assignments:
        request = requests.get(a.request)
        if request is not None and request.urgency == "critical":
            critical_taken[a.expert].add((a.date, a.half))
            critical_served[request.member] += 1
    experts = tuple(
        replace(e, booked=e.booked | frozenset(critical_taken[e.id])) if critical_taken[e.id] else e
        for e in problem.experts
    )
    rest = tuple(r for r in problem.requests if r.urgency != "critical")
    reduced = replace(problem, experts=experts, requests=rest)
    network = build_network(reduced)
    n = len(problem.members)
    base = np.array([m.used + critical_served[m.id] for m in problem.members], dtype=np.int64)
    quota = np.array([m.quota for m in problem.members], dtype=np.int64)
    servable = np.array([span is not None for span in network.request_span], dtype=bool)
    demand = np.bincount(network.request_member[servable], weights=network.demand[servable], minlength=n)
    entitled = np.minimum(demand.astype(np.int64), np.maximum(0, quota - base))

    engine = FlowEngine(network.n_nodes, network.tail, network.head, network.cap)
    cap = network.cap.copy()
    cap[network.request_edge] = network.demand

    def caps_at(level: float) -> np.ndarray:
        raw = np.floor(level * quota - base + 1e-9)
        return np.clip(raw, 0, entitled).astype(np.int64)

    def feasible(level: float) -> bool:
        wanted = caps_at(level)
        cap[network.member_edge] = wanted
        return int(engine.extra_flow(cap)[network.member_edge].sum()) == int(wanted.sum())

    points = [
        (base[k] + np.arange(1, entitled[k] + 1)) / quota[k] for k in range(n) if quota[k] > 0 and entitled[k] > 0
    ]
    breakpoints = np.unique(np.concatenate(points)) if points else np.zeros(0)
    lo, hi = -1, len(breakpoints)  # breakpoints[lo] feasible (−1: none tested), breakpoints[hi] not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if feasible(float(breakpoints[mid])):
            lo = mid
        else:
            hi = mid
    optimum = float(breakpoints[lo]) if lo >= 0 else 0.0
    guaranteed = caps_at(optimum)
    if hi == len(breakpoints):
        optimum = np.inf  # every member can have all its within-quota demand
        guaranteed = entitled

    x_non_critical: Counter = Counter()
    for request in rest:
        x_non_critical[request.member] += min(served[request.id], request.half_days)
    unmet = []
    for k, member in enumerate(problem.members):
        if quota[k] <= 0 or entitled[k] <= 0:
            continue
        got = x_non_critical[member.id]
        if got < entitled[k]:
            unmet.append((member.id, got, int(guaranteed[k])))
    if not np.isfinite(optimum):
        optimum = 1.0  # the calendar lets every member have all its within-quota demand
    servable_ids = frozenset(r.id for r, span in zip(rest, network.request_span, strict=True) if span is not None)
    servable_ids |= frozenset(r.id for r in problem.requests if r.urgency == "critical")
    return {"optimum": optimum, "unmet": unmet, "servable": servable_ids}
