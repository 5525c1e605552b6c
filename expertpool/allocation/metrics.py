"""Quality figures of a plan: satisfaction against the bounds, levels, Jain's fairness index."""

from __future__ import annotations

from collections import Counter

import numpy as np

from .model import Plan, Problem


def served_per_request(plan: Plan) -> Counter:
    return Counter(a.request for a in plan.assignments)


def member_figures(problem: Problem, served: Counter, servable: frozenset[str] | None = None) -> dict:
    """Per-member arrays: quota, used, served x, unmet non-critical demand (among `servable` requests)."""
    index = {m.id: k for k, m in enumerate(problem.members)}
    n = len(problem.members)
    quota = np.array([m.quota for m in problem.members], dtype=np.int64)
    used = np.array([m.used for m in problem.members], dtype=np.int64)
    x = np.zeros(n, dtype=np.int64)
    unmet = np.zeros(n, dtype=np.int64)
    demand = np.zeros(n, dtype=np.int64)
    for request in problem.requests:
        k = index[request.member]
        got = served.get(request.id, 0)
        x[k] += got
        demand[k] += request.half_days
        if request.urgency != "critical" and (servable is None or request.id in servable):
            unmet[k] += request.half_days - got
    return {"quota": quota, "used": used, "x": x, "unmet": unmet, "demand": demand}


def jain_index(levels) -> float:
    """Jain's fairness index (Σx)² / (n·Σx²) of quota-usage levels: 1 when all equal (or none), 1/n when
    one takes all."""
    levels = np.asarray(levels, dtype=float)
    return jain_from_sums(len(levels), float(levels.sum()), float((levels**2).sum()))


def jain_from_sums(n: int, total: float, squares: float) -> float:
    """`jain_index` from n, Σx and Σx² (what a database's aggregates give)."""
    if not n or not squares:
        return 1.0
    return total**2 / (n * squares)


def plan_metrics(problem: Problem, plan: Plan, bound: dict, servable: frozenset[str] | None = None) -> dict:
    """The metrics dict stored in a plan; `bound` holds bound_entitled and bound_total.

    min_level_unmet is the lowest level (used + x) / quota among members left below their quota with
    unserved demand that the calendar could serve (`servable`: requests with an eligible expert free
    in their window), so a request for a skill nobody has does not hide the fairness figure.
    """
    figures = member_figures(problem, served_per_request(plan), servable)
    quota, used, x, unmet = figures["quota"], figures["used"], figures["x"], figures["unmet"]
    within = np.minimum(x, np.maximum(0, quota - used))
    served = int(x.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.where(quota > 0, (used + x) / np.maximum(quota, 1), np.inf)
    unmet_within = (quota > 0) & (unmet > 0) & (used + x < quota)
    asking = (quota > 0) & (figures["demand"] > 0)
    levels = level[asking]
    jain = jain_index(levels)
    bound_entitled = int(bound["bound_entitled"])
    bound_total = int(bound["bound_total"])
    return {
        "entitled_satisfaction": round(float(within.sum()) / bound_entitled, 6) if bound_entitled else 1.0,
        "bound_entitled": bound_entitled,
        "served_within_quota": int(within.sum()),
        "bound_total": bound_total,
        "served_half_days": served,
        "total_satisfaction": round(served / bound_total, 6) if bound_total else 1.0,
        "min_level_unmet": round(float(level[unmet_within].min()), 6) if unmet_within.any() else None,
        "jain_index": round(jain, 6),
    }
