"""Lexicographic max-min sharing of the calendar among members by quota-usage level (water-filling).

Member m's level after the run is (used + critical + x) / quota. The capacity member m asks for at a
common level λ is c_m(λ) = clip(floor(λ·w_m − b_m), 0, D_m) (w the quota, b what it already has, D its
servable non-critical demand). These capacities only grow with λ, so the minimum cuts of the network
are nested in λ (Gallo, Grigoriadis and Tarjan): a member on the source side of the cut at λ is blocked
below λ, one on the sink side can rise to λ. Searching every member's level at once, with the
divide-and-conquer contraction of GGT, needs one max-flow per round on a graph no larger than the
network; Newton steps on the tight sets the cuts reveal make the first few rounds (on the whole
network) decisive and the later ones tiny.

λ = 1 is always a split point: what lies below it is within-quota demand, what lies above it is
over-quota demand, which therefore only ever gets capacity that no within-quota demand can use.
A member without drawing right (quota 0) competes above level 1 as if its quota were one half-day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

from .flowengine import SINK, SOURCE

MAX_ROUNDS = 60
MIN_STEP = 1e-9


@dataclass
class LevelTargets:
    """Per member: the level interval found and the capacities at its two ends."""

    low: np.ndarray  # c_m(lo): reachable by every member at once
    high: np.ndarray  # c_m(hi): at most one more half-day
    level_low: np.ndarray
    level_high: np.ndarray
    rounds: int


def member_capacity(level: np.ndarray, weight: np.ndarray, offset: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """c_m(λ): the half-days member m may hold at level λ, clipped to [0, its demand]."""
    with np.errstate(invalid="ignore"):
        raw = np.floor(level * weight - offset + 1e-9)
    raw = np.where(np.isfinite(raw), raw, np.where(level > 0, demand, 0))
    return np.clip(raw, 0, demand).astype(np.int64)


def _midpoint(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):  # settled nodes sit at ±inf; their mid is unused
        mid = (lo + hi) / 2
        geometric = np.sqrt(np.maximum(lo, 1e-12) * np.maximum(hi, 1e-12))
    # Level 1 (the quota) is a mandatory boundary between within-quota and over-quota demand.
    crosses_quota = (lo < 1.0) & (hi > 1.0)
    mid = np.where(crosses_quota, 1.0, mid)
    # Wide ranges above the quota (members asking many times their right) are split geometrically.
    wide = (lo >= 1.0) & (hi > 4 * lo)
    return np.where(wide, geometric, mid)


def _max_flow_cut(n_nodes: int, tail: np.ndarray, head: np.ndarray, cap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Max-flow on the arcs given: the nodes reachable from the source in the residual graph (the
    minimal minimum cut), and the flow leaving the source towards each node."""
    keep = cap > 0
    tail, head, cap = tail[keep], head[keep], cap[keep]
    keys = tail * n_nodes + head
    unique_keys, inverse = np.unique(keys, return_inverse=True)
    merged = np.bincount(inverse, weights=cap).astype(np.int64)
    rows = unique_keys // n_nodes
    cols = unique_keys % n_nodes
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_nodes))]).astype(np.int32)
    capacity = sp.csr_array((merged.astype(np.int32), cols.astype(np.int32), indptr), shape=(n_nodes, n_nodes))
    flow = maximum_flow(capacity, SOURCE, SINK).flow
    from_source = np.zeros(n_nodes, dtype=np.int64)
    first, last = flow.indptr[SOURCE], flow.indptr[SOURCE + 1]
    from_source[flow.indices[first:last]] = np.maximum(flow.data[first:last], 0)
    residual = (capacity - flow).tocsr()
    residual.data = (residual.data > 0).astype(np.int8)
    residual.eliminate_zeros()
    reached = np.zeros(n_nodes, dtype=bool)
    reached[breadth_first_order(residual, SOURCE, directed=True, return_predecessors=False)] = True
    return reached, from_source


MODE_BISECT, MODE_NEWTON, MODE_STEP = 0, 1, 2


def level_targets(
    n_nodes: int,
    tail: np.ndarray,
    head: np.ndarray,
    cap: np.ndarray,
    member_edge: np.ndarray,
    member_node: np.ndarray,
    weight: np.ndarray,
    offset: np.ndarray,
    demand: np.ndarray,
    top_cut: tuple[np.ndarray, np.ndarray] | None = None,
) -> LevelTargets:
    """Find each member's max-min level interval on a network whose member arcs are parametric.

    `cap` holds the capacities left for non-critical demand (critical flows already removed); the
    member arcs' entries are ignored and replaced by c_m(λ) at each member's trial level.

    Every node carries the level interval its cut level lies in. Each round tests one level per open
    interval, all in one max-flow on the union of the contracted sub-networks. The level tested is
    chosen to end quickly: after a cut, the members on its source side form a tight set whose flow F
    is known, so the next test is the Newton (Dinkelbach) level where their capacities sum to F; the
    members above a cut are probed one half-day higher, then with doubling steps.
    """
    n_members = len(member_node)
    asking = demand > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        start_level = np.where(asking, offset / weight, np.inf)
        end_level = np.where(asking, (offset + demand) / weight, -np.inf)
    if not asking.any():
        zeros = np.zeros(n_members, dtype=np.int64)
        return LevelTargets(zeros, zeros, np.zeros(n_members), np.zeros(n_members), 0)
    level_min = float(start_level.min())
    level_max = float(end_level.max())

    node_lo = np.full(n_nodes, level_min)
    node_hi = np.full(n_nodes, level_max)
    node_id = np.ones(n_nodes, dtype=np.int64)
    node_mode = np.zeros(n_nodes, dtype=np.int8)
    node_value = np.zeros(n_nodes)
    node_lo[SOURCE] = node_hi[SOURCE] = -np.inf
    node_lo[SINK] = node_hi[SINK] = np.inf
    node_id[SOURCE] = 0
    node_id[SINK] = -1
    active = np.ones(n_nodes, dtype=bool)
    active[[SOURCE, SINK]] = False

    def caps(level: np.ndarray, members: np.ndarray | slice = slice(None)) -> np.ndarray:
        return member_capacity(level, weight[members], offset[members], demand[members])

    rounds = 0
    while active.any() and rounds < MAX_ROUNDS:
        rounds += 1
        # The level each open interval tests this round.
        used_step = np.zeros(n_nodes, dtype=bool)
        if rounds == 1:
            trial = np.full(n_nodes, level_max)
        else:
            trial = _midpoint(node_lo, node_hi)
            newton = (node_mode == MODE_NEWTON) & (node_value > node_lo) & (node_value < node_hi)
            trial = np.where(newton, node_value, trial)
            stepped = (node_mode == MODE_STEP) & (node_lo + node_value < node_hi)
            trial = np.where(stepped, node_lo + node_value, trial)
            crosses_quota = (node_lo < 1.0) & (node_hi > 1.0)
            trial = np.where(crosses_quota, 1.0, trial)
            # A probe must split its interval, or the round would change nothing.
            inside = (trial > node_lo + MIN_STEP / 2) & (trial < node_hi - MIN_STEP / 2)
            trial = np.where(inside | crosses_quota, trial, _midpoint(node_lo, node_hi))
            used_step = stepped & ~crosses_quota & inside
        round_cap = cap.copy()
        round_cap[member_edge] = caps(trial[member_node])
        same = active[tail] & (node_id[tail] == node_id[head])
        up = node_hi[tail] <= node_lo[head]
        to_source = up & active[head]
        to_sink = up & active[tail]
        arcs_tail = np.concatenate([tail[same], np.full(int(to_source.sum()), SOURCE), tail[to_sink]])
        arcs_head = np.concatenate([head[same], head[to_source], np.full(int(to_sink.sum()), SINK)])
        arcs_cap = np.concatenate([round_cap[same], round_cap[to_source], round_cap[to_sink]])
        if rounds == 1 and top_cut is not None:
            # The caller already has a maximum flow at the top level (every member at its demand).
            reached, from_source = top_cut
        else:
            reached, from_source = _max_flow_cut(n_nodes, arcs_tail, arcs_head, arcs_cap)

        moving = active.copy()
        down = moving & reached
        rising = moving & ~reached
        if rounds == 1:
            # Nodes the max-flow fills even at the top level are settled above every interval.
            node_lo[rising] = node_hi[rising] = np.inf
            node_id[rising] = -1
            active &= reached
        else:
            node_hi[down] = trial[down]
            node_lo[rising] = trial[rising]
        previous_value = node_value.copy()
        # Compact interval ids: (old id, side) pairs of the open nodes, numbered from 1.
        side = np.where(reached, 0, 1)
        keys = node_id * 2 + side
        open_nodes = np.nonzero(active)[0]
        _, compact = np.unique(keys[open_nodes], return_inverse=True)
        node_id[open_nodes] = compact + 1
        n_ids = int(compact.max()) + 2 if len(compact) else 1

        # Members' next breakpoint above their interval's low end: the one-half-day probe.
        members_open = active[member_node]
        m_idx = np.nonzero(members_open)[0]
        m_ids = node_id[member_node[m_idx]]
        m_lo = node_lo[member_node[m_idx]]
        current = caps(m_lo, m_idx)
        # (A breakpoint within rounding noise above lo counts as reached already.)
        reached_units = np.floor((m_lo + MIN_STEP) * weight[m_idx] - offset[m_idx] + 1e-9)
        next_level = (reached_units + 1 + offset[m_idx]) / weight[m_idx]
        growing = current < demand[m_idx]
        unit = np.full(n_ids, np.inf)
        # Levels found by bisection sit within rounding noise of breakpoints: never step by less
        # than MIN_STEP, or the probe would not move.
        np.minimum.at(unit, m_ids[growing], np.maximum(next_level[growing] - m_lo[growing], MIN_STEP))

        # Newton level of each tight set found below this round's cut.
        tight_flow = np.zeros(n_ids)
        lower = reached[member_node[m_idx]]
        np.add.at(tight_flow, m_ids[lower], from_source[member_node[m_idx][lower]])
        has_lower = np.zeros(n_ids, dtype=bool)
        has_lower[m_ids[lower]] = True
        low_end = np.full(n_ids, np.inf)
        high_end = np.full(n_ids, -np.inf)
        np.minimum.at(low_end, m_ids, m_lo)
        np.maximum.at(high_end, m_ids, node_hi[member_node[m_idx]])
        a = np.where(has_lower, low_end, 0.0)
        b = np.where(has_lower, high_end, 0.0)
        group = m_ids[lower]
        members_lower = m_idx[lower]
        for _ in range(40):
            mid = (a + b) / 2
            total = np.bincount(group, weights=caps(mid[group], members_lower), minlength=n_ids)
            fits = total <= tight_flow
            a = np.where(fits, mid, a)
            b = np.where(fits, b, mid)
        # Newton's level often lands a hair below the tested level (the blocked members' breakpoint
        # is the tested level itself): test the last breakpoint below it instead, which leaves at most
        # one half-day per member between the two.
        hi_lower = node_hi[member_node[members_lower]]
        below = (
            np.ceil(hi_lower * weight[members_lower] - offset[members_lower] - 1e-9) - 1 + offset[members_lower]
        ) / weight[members_lower]
        last_breakpoint = np.full(n_ids, -np.inf)
        np.maximum.at(last_breakpoint, group, below)
        newton_level = np.minimum(a, last_breakpoint)

        open_down = active & down
        open_up = active & rising
        ids_down, ids_up = node_id[open_down], node_id[open_up]
        use_newton = has_lower[ids_down] & (newton_level[ids_down] > node_lo[open_down] + MIN_STEP)
        node_mode[open_down] = np.where(use_newton, MODE_NEWTON, MODE_STEP)
        node_value[open_down] = np.where(use_newton, newton_level[ids_down], unit[ids_down])
        # Above a cut, probe one half-day higher first, then double the step while nothing blocks.
        node_mode[open_up] = MODE_STEP
        node_value[open_up] = np.where(
            used_step[open_up], np.maximum(2 * previous_value[open_up], unit[ids_up]), unit[ids_up]
        )
        # An interval is settled when no member in it can move by more than one half-day inside it,
        # or when it holds no member at all.
        m_lo_all, m_hi_all = node_lo[member_node], node_hi[member_node]
        spread = caps(m_hi_all) - caps(m_lo_all)
        open_ids = np.unique(node_id[member_node][active[member_node] & (spread > 1)])
        settled = active & ~np.isin(node_id, open_ids)
        node_id[settled] = -2
        active &= ~settled
    m_lo, m_hi = node_lo[member_node], node_hi[member_node]
    low = member_capacity(m_lo, weight, offset, demand)
    high = member_capacity(m_hi, weight, offset, demand)
    settled_top = ~np.isfinite(m_lo) | (m_lo >= level_max)
    low = np.where(settled_top, demand, low)
    high = np.where(settled_top, demand, high)
    return LevelTargets(low, high, m_lo, m_hi, rounds)
