"""Exact upper bounds on what any plan can serve, by max-flow on the problem's network."""

from __future__ import annotations

from time import perf_counter

import numpy as np

from .flowengine import FlowEngine
from .model import Problem
from .network import Network, build_network


def entitlement(problem: Problem) -> np.ndarray:
    """max(0, quota − used) per member: the half-days still within its drawing right."""
    return np.array([max(0, m.quota - m.used) for m in problem.members], dtype=np.int64)


def network_bounds(network: Network, engine: FlowEngine | None = None, *, total: bool = True) -> dict:
    """bound_entitled and bound_total on an already built network (reusing an engine's structure)."""
    problem = network.problem
    if engine is None:
        engine = FlowEngine(network.n_nodes, network.tail, network.head, network.cap)
    engine = engine.fresh(network.cap)
    cap = network.cap.copy()
    # Every request hangs on its member, critical ones included, and the member's arc is capped.
    cap[network.request_edge[~network.critical]] = network.demand[~network.critical]
    cap[network.critical_member_edge] = network.demand[network.critical_requests]
    cap[network.request_edge[network.critical]] = 0
    cap[network.member_edge] = entitlement(problem)
    started = perf_counter()
    entitled = int(engine.extra_flow(cap)[network.member_edge].sum())
    entitled_seconds = perf_counter() - started
    result = {"bound_entitled": entitled, "bound_entitled_seconds": round(entitled_seconds, 4)}
    if total:
        started = perf_counter()
        result["bound_total"] = _bound_total(network, engine, cap)
        result["bound_total_seconds"] = round(perf_counter() - started, 4)
    return result


def _bound_total(network: Network, engine: FlowEngine, cap: np.ndarray) -> int:
    """Most half-days any plan can serve. With accepted quotes (rule 8) the critical half-days come
    first, as in every plan: they take their share of each drawing right before the quoted requests."""
    problem = network.problem
    rooms = network.room_edge >= 0
    if not (rooms.any() and network.critical.any()):
        cap[network.member_edge] = np.iinfo(np.int32).max // 4
        return int(engine.extra_flow(cap)[network.member_edge].sum())
    cap = network.cap.copy()
    cap[network.request_edge] = network.demand
    cap[network.member_edge] = 0
    critical_only = engine.fresh(cap)
    critical_only.augment(cap)
    critical_served = np.bincount(
        network.request_member[network.critical],
        weights=critical_only.flow[network.request_edge[network.critical]],
        minlength=len(problem.members),
    ).astype(np.int64)
    cap[network.room_edge[rooms]] = np.maximum(0, entitlement(problem) - critical_served)[rooms]
    cap[network.member_edge] = np.iinfo(np.int32).max // 4
    critical_only.augment(cap)
    return int(critical_only.flow[network.request_edge].sum())


def bounds(problem: Problem) -> dict:
    """Max-flow upper bounds: half-days servable to within-quota demand, and in total."""
    started = perf_counter()
    network = build_network(problem)
    result = network_bounds(network)
    result["bounds_seconds"] = round(perf_counter() - started, 4)
    return result
