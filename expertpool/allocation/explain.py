"""Why a request is not (fully) served: reason codes and the parameters each one carries (no text here).

The engine only says *which* reason applies and with *which* facts; the web layer turns a code and its
parameters into a sentence in the reader's language, written for that reader (the member who asked, or
the coordinator). Parameters are JSON values: dates as ISO strings, skills as a sorted list.
"""

from __future__ import annotations

from typing import Any

from .model import Problem, Request
from .network import Network

WINDOW_BEYOND_HORIZON = "window_beyond_horizon"
DEADLINE_PASSED = "deadline_passed"
NO_ELIGIBLE_EXPERT = "no_eligible_expert"
NO_ELIGIBLE_EXPERT_FREE = "no_eligible_expert_free_in_window"
CRITICAL_CAPACITY_EXHAUSTED = "critical_capacity_exhausted"
QUOTA_EXHAUSTED = "quota_exhausted_capacity_to_within_quota"
CAPACITY_SHARED_FAIRLY = "capacity_shared_fairly"
QUOTE_NOT_ACCEPTED = "quote_not_accepted"  # rule 8: the billable half-days accepted are all given
NOT_SCHEDULED = "not_scheduled"  # the baselines' catch-all: they do not analyse why

# Each code and the parameters it carries (the unserved entry's own `half_days` is the missing amount).
REASON_PARAMS: dict[str, tuple[str, ...]] = {
    WINDOW_BEYOND_HORIZON: ("horizon_end",),
    DEADLINE_PASSED: ("deadline", "horizon_start"),
    NO_ELIGIBLE_EXPERT: ("role", "skills"),
    NO_ELIGIBLE_EXPERT_FREE: ("role", "skills", "earliest", "deadline"),
    CRITICAL_CAPACITY_EXHAUSTED: ("role", "skills", "deadline"),
    QUOTE_NOT_ACCEPTED: ("accepted_billable", "deadline"),
    QUOTA_EXHAUSTED: ("role", "deadline"),
    CAPACITY_SHARED_FAIRLY: ("role", "deadline"),
    NOT_SCHEDULED: ("deadline",),
}
REASONS = tuple(REASON_PARAMS)
DATE_PARAMS = frozenset({"deadline", "earliest", "horizon_start", "horizon_end"})
COUNT_PARAMS = frozenset({"accepted_billable"})  # whole numbers of half-days


def reason_params(reason: str, request: Request, problem: Problem) -> dict[str, Any]:
    """The facts that `reason` names for `request`, as JSON values."""
    facts: dict[str, Any] = {
        "role": request.role,
        "skills": sorted(request.skills),
        "earliest": request.earliest.isoformat(),
        "deadline": request.deadline.isoformat(),
        "horizon_start": problem.horizon_start.isoformat(),
        "horizon_end": problem.horizon_end.isoformat(),
        "accepted_billable": request.accepted_billable or 0,
    }
    return {name: facts[name] for name in REASON_PARAMS[reason]}


def unserved_reason(network: Network, k: int, *, over_quota: bool, quote_used_up: bool = False) -> str:
    """The first reason that explains why request k is not fully served."""
    problem = network.problem
    request = problem.requests[k]
    if request.deadline < problem.horizon_start:
        return DEADLINE_PASSED
    if network.eligible_experts[k] == 0:
        return NO_ELIGIBLE_EXPERT
    if over_quota and quote_used_up and request.urgency != "critical":
        # Beyond the drawing right, the request had every half-day its accepted quote covers: no
        # capacity, now or in a later run, serves more without a new quote.
        return QUOTE_NOT_ACCEPTED
    if request.deadline > problem.horizon_end:
        # What cannot fit now may fit in the next run, which covers the rest of the window.
        return WINDOW_BEYOND_HORIZON
    if network.request_span[k] is None:
        return NO_ELIGIBLE_EXPERT_FREE
    if request.urgency == "critical":
        return CRITICAL_CAPACITY_EXHAUSTED
    if over_quota:
        return QUOTA_EXHAUSTED
    return CAPACITY_SHARED_FAIRLY
