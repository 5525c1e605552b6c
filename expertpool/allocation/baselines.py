"""Greedy schedulers the fair solver is measured against: first come first served, strict priority,
and fair-share greedy (one half-day at a time to the member with the lowest level).

They only promise rules 1-4 (a valid calendar); they exist for the benchmark, never for production.
"""

from __future__ import annotations

import heapq
from datetime import UTC, datetime, timedelta
from time import perf_counter

import numpy as np

from . import explain
from .bounds import network_bounds
from .metrics import plan_metrics
from .model import HALVES, URGENCY_RANK, Assignment, Plan, Problem, Unserved, can_serve
from .network import build_network, servable_requests

_NEVER = datetime.max.replace(tzinfo=UTC)


class _Calendar:
    """Free half-days left, with the earliest-first search the greedy methods share."""

    def __init__(self, problem: Problem, network) -> None:
        self.problem = problem
        self.free = network.free.copy()  # (experts, days, 2)
        self.eligible: dict = {}
        self.windows = network.window

    def eligible_experts(self, request) -> np.ndarray:
        key = request.signature
        if key not in self.eligible:
            self.eligible[key] = np.array(
                [k for k, e in enumerate(self.problem.experts) if can_serve(e, request)], dtype=np.int64
            )
        return self.eligible[key]

    def take_earliest(self, k: int, request, count: int) -> list[Assignment]:
        """Book up to `count` of the earliest free eligible half-days in request k's window."""
        window = self.windows[k]
        experts = self.eligible_experts(request)
        if window is None or count <= 0 or len(experts) == 0:
            return []
        lo, hi = window
        block = self.free[experts, lo : hi + 1, :]  # (experts, days, halves)
        # Order by day, then half, then expert: transpose so that nonzero walks that order.
        days, halves, which = np.nonzero(block.transpose(1, 2, 0))
        days, halves, which = days[:count], halves[:count], which[:count]
        self.free[experts[which], lo + days, halves] = False
        start = self.problem.horizon_start
        return [
            Assignment(
                request.id,
                self.problem.experts[int(experts[w])].id,
                start + timedelta(days=int(lo + d)),
                HALVES[int(h)],
            )
            for d, h, w in zip(days, halves, which, strict=True)
        ]  # fmt: skip


def _sequential(problem: Problem, calendar: _Calendar, order: list[int]) -> list[Assignment]:
    assignments: list[Assignment] = []
    for k in order:
        request = problem.requests[k]
        assignments.extend(calendar.take_earliest(k, request, request.half_days))
    return assignments


def _fair_share(problem: Problem, calendar: _Calendar) -> list[Assignment]:
    requests = problem.requests
    assignments: list[Assignment] = []
    critical = [k for k, r in enumerate(requests) if r.urgency == "critical"]
    assignments.extend(_sequential(problem, calendar, sorted(critical, key=lambda k: _submitted(requests[k]))))
    member_index = {m.id: i for i, m in enumerate(problem.members)}
    # Built for this problem on each call: a cache keyed by id(problem) once served a freed problem's
    # requests to the next problem that reused its address.
    member_of = {r.id: member_index[r.member] for r in requests}
    x = np.zeros(len(problem.members), dtype=np.int64)
    for a in assignments:
        x[member_of[a.request]] += 1
    open_requests: dict[int, list[int]] = {}
    for k, r in enumerate(requests):
        if r.urgency != "critical":
            open_requests.setdefault(member_index[r.member], []).append(k)
    for ks in open_requests.values():
        ks.sort(key=lambda k: (URGENCY_RANK[requests[k].urgency], requests[k].deadline))
    left = {k: r.half_days for k, r in enumerate(requests) if r.urgency != "critical"}

    def level(i: int) -> float:
        member = problem.members[i]
        if member.quota > 0:
            return (member.used + x[i]) / member.quota
        return 1.0 + member.used + x[i]  # no drawing right: after everyone at its quota

    heap = [(level(i), i) for i in open_requests]
    heapq.heapify(heap)
    while heap:
        _, i = heapq.heappop(heap)
        ks = open_requests[i]
        got: list[Assignment] = []
        while ks and not got:
            k = ks[0]
            got = calendar.take_earliest(k, requests[k], 1) if left[k] > 0 else []
            if got:
                left[k] -= 1
                if left[k] == 0:
                    ks.pop(0)
            else:
                ks.pop(0)  # nothing left for this request: it stays unserved
        if got:
            assignments.extend(got)
            x[i] += 1
            if ks:
                heapq.heappush(heap, (level(i), i))
    return assignments


def _submitted(request) -> datetime:
    return request.submitted_at or _NEVER


def solve_baseline(problem: Problem, method: str) -> Plan:
    """Run one baseline ("fcfs", "priority" or "fairshare_greedy") and return a valid plan."""
    started = perf_counter()
    network = build_network(problem)
    calendar = _Calendar(problem, network)
    requests = problem.requests
    if method == "fcfs":
        order = sorted(range(len(requests)), key=lambda k: _submitted(requests[k]))
        assignments = _sequential(problem, calendar, order)
    elif method == "priority":
        order = sorted(range(len(requests)), key=lambda k: (URGENCY_RANK[requests[k].urgency], _submitted(requests[k])))
        assignments = _sequential(problem, calendar, order)
    elif method == "fairshare_greedy":
        assignments = _fair_share(problem, calendar)
    else:
        raise ValueError(f"unknown method {method!r}: use fair, fcfs, priority or fairshare_greedy")
    solve_seconds = perf_counter() - started
    served: dict[str, int] = {}
    for a in assignments:
        served[a.request] = served.get(a.request, 0) + 1
    unserved = []
    for k, request in enumerate(requests):
        missing = request.half_days - served.get(request.id, 0)
        if missing > 0:
            reason = explain.unserved_reason(network, k, over_quota=False)
            if reason in (explain.CAPACITY_SHARED_FAIRLY, explain.CRITICAL_CAPACITY_EXHAUSTED):
                reason = explain.NOT_SCHEDULED
            unserved.append(Unserved(request.id, missing, reason, explain.reason_params(reason, request, problem)))
    plan = Plan(tuple(assignments), tuple(unserved), {})
    metrics = plan_metrics(problem, plan, network_bounds(network), servable_requests(network))
    metrics["solve_seconds"] = round(solve_seconds, 4)
    metrics["method"] = method
    return Plan(plan.assignments, plan.unserved, metrics)
