"""The fair allocation: critical first, then lexicographic max-min levels, then placement."""

from __future__ import annotations

from time import perf_counter

import numpy as np

from . import explain
from .baselines import solve_baseline
from .bounds import network_bounds
from .fairness import level_targets, member_capacity
from .flowengine import FlowEngine
from .metrics import plan_metrics
from .model import Plan, Problem, Unserved
from .network import Network, build_network, servable_requests
from .placement import place

METHODS = ("fair", "fcfs", "priority", "fairshare_greedy")


def solve(problem: Problem, *, method: str = "fair") -> Plan:
    """Allocate the problem's requests; `method` other than "fair" runs a baseline (for measurement)."""
    if method != "fair":
        return solve_baseline(problem, method)
    started = perf_counter()
    network = build_network(problem)
    engine = FlowEngine(network.n_nodes, network.tail, network.head, network.cap)
    cap = network.cap.copy()
    critical = network.critical

    n_members = len(problem.members)
    quota = np.array([m.quota for m in problem.members], dtype=np.int64)
    used = np.array([m.used for m in problem.members], dtype=np.int64)

    # 1. Critical requests first, whatever the quota.
    critical_flow = np.zeros(len(network.tail), dtype=np.int64)
    top_flow = None
    if critical.any():
        cap[network.request_edge[critical]] = network.demand[critical]
        engine.augment(cap)
    # Each critical request's amount is final from here on (the routing below keeps it), so the room
    # left in each drawing right for requests with an accepted quote (rule 8) is known.
    critical_served = np.bincount(
        network.request_member[critical],
        weights=engine.flow[network.request_edge[critical]],
        minlength=n_members,
    ).astype(np.int64)
    rooms = network.room_edge >= 0
    cap[network.room_edge[rooms]] = np.maximum(0, quota - used - critical_served)[rooms]
    if critical.any():
        critical_flow, top_flow = _critical_routing(network, engine, cap)

    # 2-3. Levels for non-critical demand, within quota (λ ≤ 1) then beyond it.
    servable = np.array([span is not None for span in network.request_span], dtype=bool)
    demand = np.bincount(
        network.request_member[~critical & servable],
        weights=network.demand[~critical & servable],
        minlength=n_members,
    ).astype(np.int64)
    weight = np.where(quota > 0, quota, 1).astype(float)
    offset = (used + critical_served + np.where(quota > 0, 0, 1)).astype(float)
    cap[network.request_edge[~critical]] = network.demand[~critical]
    left_for_members = cap - critical_flow
    left_for_members[network.request_edge[critical]] = 0
    member_node = network.member_node_base + np.arange(n_members)
    top_cut = None
    if top_flow is not None:
        # The members' part of that maximum flow is a maximum flow at the top level of the levels'
        # search: its minimum cut spares the search its first max-flow.
        top_cap = left_for_members.copy()
        top_cap[network.member_edge] = demand
        top = engine.fresh(top_cap)
        top.flow = top_flow - critical_flow
        from_source = np.zeros(network.n_nodes, dtype=np.int64)
        from_source[member_node] = top.flow[network.member_edge]
        top_cut = (top.reachable_from_source(top_cap), from_source)
    targets = level_targets(
        network.n_nodes,
        network.tail,
        network.head,
        left_for_members,
        network.member_edge,
        member_node,
        weight,
        offset,
        demand,
        top_cut,
    )

    # Integer rounding, in the order of the levels' meaning: everyone's guaranteed amount, then the
    # one extra half-day within quota, then all within-quota demand, then beyond it.
    within_quota = member_capacity(np.ones(n_members), weight, offset, demand)
    below_quota = targets.level_high <= 1.0
    steps = (
        targets.low,
        np.where(below_quota, targets.high, targets.low),
        np.maximum(np.where(below_quota, targets.high, targets.low), within_quota),
        np.maximum(targets.high, within_quota),
        demand,
    )
    # The critical flow stays where it is: the levels were computed on the calendar it leaves, and
    # letting it move now could hand a member above its quota the half-days of one below it.
    members_engine = engine.fresh(left_for_members)
    left_for_members = left_for_members.copy()
    member_cap = np.zeros(n_members, dtype=np.int64)
    for step in steps:
        wanted = np.maximum(member_cap, step)
        if np.array_equal(wanted, member_cap) and step is not steps[-1]:
            continue
        member_cap = np.maximum(wanted, members_engine.flow[network.member_edge])
        left_for_members[network.member_edge] = member_cap
        members_engine.augment(left_for_members)
    solve_seconds = perf_counter() - started

    plan = finish_plan(network, critical_flow, members_engine.flow, used, quota)
    # The final flow is a maximum flow (see _critical_routing), so its value is bound_total; only
    # bound_entitled needs a max-flow of its own. The checker recomputes both independently.
    bound = network_bounds(network, engine, total=False)
    bound["bound_total"] = len(plan.assignments)
    metrics = plan_metrics(problem, plan, bound, servable_requests(network))
    metrics["solve_seconds"] = round(solve_seconds, 4)
    metrics["method"] = "fair"
    metrics["rounds"] = targets.rounds
    return Plan(plan.assignments, plan.unserved, metrics)


def _critical_routing(network: Network, engine: FlowEngine, cap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the critical half-days go, chosen so that the calendar they leave still admits a
    maximum total flow.

    The critical amounts are already maximal in engine.flow. Letting every member take all it can,
    without lowering them, gives a maximum flow F; the critical part of F (a max-flow from the
    critical requests only, inside capacities F) is then a routing that costs the members nothing.
    Returns that critical flow and F.
    """
    with_members = cap.copy()
    with_members[network.request_edge[~network.critical]] = network.demand[~network.critical]
    with_members[network.member_edge] = np.iinfo(np.int32).max // 4
    engine.augment(with_members)
    maximum = engine.flow.copy()
    inside = maximum.copy()
    inside[network.member_edge] = 0
    return engine.fresh(inside).extra_flow(inside), maximum


def finish_plan(
    network: Network, critical_flow: np.ndarray, member_flow: np.ndarray, used: np.ndarray, quota: np.ndarray
) -> Plan:
    """Place the flows and explain every half-day left unserved."""
    problem = network.problem
    flow = critical_flow + member_flow
    assignments = place(network, critical_flow, member_flow)
    served = flow[network.request_edge]
    x = np.bincount(network.request_member, weights=served, minlength=len(problem.members))
    unserved = []
    for k, request in enumerate(problem.requests):
        missing = int(network.demand[k] - served[k])
        if missing <= 0:
            continue
        member = network.request_member[k]
        billable = network.billable_edge[k]
        quote_used_up = billable >= 0 and flow[billable] >= (request.accepted_billable or 0)
        over_quota = used[member] + x[member] >= quota[member]
        reason = explain.unserved_reason(network, k, over_quota=over_quota, quote_used_up=bool(quote_used_up))
        unserved.append(Unserved(request.id, missing, reason, explain.reason_params(reason, request, problem)))
    return Plan(tuple(assignments), tuple(unserved), {})
