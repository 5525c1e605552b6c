"""The flow network of a problem: source → member → request → window tree → (expert class, day) → sink.

Kept near-linear in the problem's size by three aggregations, none of which loses exactness:
- halves: a request's window is in days, so an (expert class, day) node carries up to 2 half-days per
  expert and the half is chosen at placement;
- expert classes: experts who can serve the same set of request signatures (role + skills) are
  interchangeable for the flow;
- window trees: one per set of eligible classes (signatures with the same eligible experts share it), a
  segment tree over the days on which some eligible expert is free; a request reaches its window through
  O(log days) tree nodes instead of one arc per day.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .calendar import free_masks
from .flowengine import SINK, SOURCE
from .model import Problem, Request


@dataclass
class Signature:
    """The window tree shared by the request signatures that have the same eligible expert classes."""

    classes: list[int]
    days: np.ndarray  # horizon day indices where an eligible expert is free, increasing
    leaves: int  # P: leaf k of the tree is at position P + k
    node_offset: int  # node id of tree position p is node_offset + p


@dataclass
class Network:
    problem: Problem
    free: np.ndarray  # (experts, days, 2) bool
    member_index: dict[str, int]
    request_member: np.ndarray  # member index of each request
    demand: np.ndarray  # half_days of each request
    critical: np.ndarray  # bool per request
    window: list[tuple[int, int] | None]  # clipped window in horizon day indices
    classes: list[frozenset[int]]  # per class: the raw signatures its experts serve
    class_experts: list[list[int]]
    class_cap: np.ndarray  # (classes, days) free half-days
    signatures: list[Signature]
    request_signature: np.ndarray  # window tree index per request
    request_span: list[tuple[int, int] | None]  # range of signature days inside the window
    eligible_experts: np.ndarray  # per request: number of experts with its role and skills
    n_nodes: int
    tail: np.ndarray
    head: np.ndarray
    cap: np.ndarray
    member_edge: np.ndarray  # source → member arc per member
    request_edge: np.ndarray  # source → request (critical) or member → request arc per request
    critical_member_edge: np.ndarray  # member → critical request arcs (capacity 0; used by the bounds)
    critical_requests: np.ndarray  # indices of the critical requests, aligned with critical_member_edge
    # Rule 8 (accepted quotes): a request with `accepted_billable` takes its half-days through an intake
    # node fed by its member's room (what is left of the drawing right, shared by the member's limited
    # requests) and by its own billable arc (capacity: the half-days accepted beyond the right).
    room_edge: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # member → room, or -1
    billable_edge: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # per request, or -1
    request_out: list[list[tuple[int, int]]] = field(default_factory=list)  # (arc, tree position)
    tree_edge: dict[tuple[int, int], int] = field(default_factory=dict)  # (sig, child pos) -> arc
    leaf_edges: dict[tuple[int, int], list[tuple[int, int, int]]] = field(default_factory=dict)
    # (sig, leaf k) -> [(arc, class, day)]

    @property
    def member_node_base(self) -> int:
        return 2

    def request_node(self, index: int) -> int:
        return 2 + len(self.member_index) + index


def clipped_window(request: Request, problem: Problem) -> tuple[int, int] | None:
    """The request's window as horizon day indices, or None when it does not meet the horizon."""
    lo = max((request.earliest - problem.horizon_start).days, 0)
    hi = min((request.deadline - problem.horizon_start).days, problem.n_days - 1)
    return (lo, hi) if lo <= hi else None


def tree_cover(lo: int, hi: int, leaves: int) -> list[int]:
    """Tree positions whose leaf ranges exactly tile [lo, hi] (the usual bottom-up segment tree walk)."""
    positions = []
    left, right = lo + leaves, hi + leaves + 1
    while left < right:
        if left & 1:
            positions.append(left)
            left += 1
        if right & 1:
            right -= 1
            positions.append(right)
        left >>= 1
        right >>= 1
    return positions


def build_network(problem: Problem) -> Network:
    """Build the flow network; capacities on member arcs start at 0 (the phases set them)."""
    n_days = problem.n_days
    free = free_masks(problem)
    member_index = {m.id: k for k, m in enumerate(problem.members)}
    requests = problem.requests
    n_members, n_requests = len(problem.members), len(requests)

    # Raw signatures met by requests.
    sig_of: dict[tuple[str, frozenset[str]], int] = {}
    sig_keys: list[tuple[str, frozenset[str]]] = []
    for request in requests:
        if request.signature not in sig_of:
            sig_of[request.signature] = len(sig_keys)
            sig_keys.append(request.signature)
    serves = [
        frozenset(s for s, (role, skills) in enumerate(sig_keys) if role in e.roles and skills <= e.skills)
        for e in problem.experts
    ]
    sig_eligible_count = [sum(1 for served in serves if s in served) for s in range(len(sig_keys))]

    # Expert classes: experts serving the same signatures (those serving none are left out).
    class_of: dict[frozenset[int], int] = {}
    class_experts: list[list[int]] = []
    for k, served in enumerate(serves):
        if not served:
            continue
        if served not in class_of:
            class_of[served] = len(class_experts)
            class_experts.append([])
        class_experts[class_of[served]].append(k)
    classes = list(class_of)
    per_expert_day = free.sum(axis=2) if len(problem.experts) else np.zeros((0, n_days), dtype=np.int64)
    class_cap = np.zeros((len(classes), n_days), dtype=np.int64)
    for c, members_of_class in enumerate(class_experts):
        class_cap[c] = per_expert_day[members_of_class].sum(axis=0)

    # Window trees: one per distinct set of eligible classes.
    tree_of_classes: dict[tuple[int, ...], int] = {}
    tree_of_sig = []
    for s in range(len(sig_keys)):
        eligible_classes = tuple(c for c, served in enumerate(classes) if s in served)
        tree_of_sig.append(tree_of_classes.setdefault(eligible_classes, len(tree_of_classes)))

    node = 2 + n_members + n_requests
    signatures: list[Signature] = []
    tails: list[np.ndarray] = []
    heads: list[np.ndarray] = []
    caps: list[np.ndarray] = []

    # Class-day nodes and their arcs to the sink.
    class_day_node = np.full((len(classes), n_days), -1, dtype=np.int64)
    c_idx, d_idx = np.nonzero(class_cap > 0)
    class_day_node[c_idx, d_idx] = node + np.arange(len(c_idx))
    node += len(c_idx)
    sink_arcs_start = 0
    tails.append(class_day_node[c_idx, d_idx])
    heads.append(np.full(len(c_idx), SINK, dtype=np.int64))
    caps.append(class_cap[c_idx, d_idx])
    edge_count = len(c_idx)
    del sink_arcs_start

    tree_edge: dict[tuple[int, int], int] = {}
    leaf_edges: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    for s, eligible_classes in enumerate(tree_of_classes):
        eligible = list(eligible_classes)
        sig_cap = class_cap[eligible].sum(axis=0) if eligible else np.zeros(n_days, dtype=np.int64)
        days = np.nonzero(sig_cap > 0)[0]
        n_leaves = len(days)
        leaves = 1
        while leaves < max(n_leaves, 1):
            leaves *= 2
        signature = Signature(eligible, days, leaves, node)
        signatures.append(signature)
        node += 2 * leaves
        if n_leaves == 0:
            continue
        subtree = np.zeros(2 * leaves, dtype=np.int64)
        subtree[leaves : leaves + n_leaves] = sig_cap[days]
        for position in range(leaves - 1, 0, -1):
            subtree[position] = subtree[2 * position] + subtree[2 * position + 1]
        children = np.nonzero(subtree[2:] > 0)[0] + 2
        tails.append(signature.node_offset + children // 2)
        heads.append(signature.node_offset + children)
        caps.append(subtree[children])
        for j, child in enumerate(children.tolist()):
            tree_edge[(s, child)] = edge_count + j
        edge_count += len(children)
        # Leaf → class-day arcs.
        for c in eligible:
            on = np.nonzero(class_cap[c, days] > 0)[0]
            if len(on) == 0:
                continue
            tails.append(signature.node_offset + leaves + on)
            heads.append(class_day_node[c, days[on]])
            caps.append(class_cap[c, days[on]])
            for j, (k, day) in enumerate(zip(on.tolist(), days[on].tolist(), strict=True)):
                leaf_edges.setdefault((s, k), []).append((edge_count + j, c, day))
            edge_count += len(on)

    # Source → member arcs (capacity set by the phases).
    member_edge = edge_count + np.arange(n_members)
    tails.append(np.full(n_members, SOURCE, dtype=np.int64))
    heads.append(2 + np.arange(n_members, dtype=np.int64))
    caps.append(np.zeros(n_members, dtype=np.int64))
    edge_count += n_members

    # Request arcs: critical ones hang on the source (served first, whatever the quota), the others
    # on their member (the member's arc carries its fairness level), or on their intake (rule 8).
    request_member = np.array([member_index[r.member] for r in requests], dtype=np.int64)
    demand = np.array([r.half_days for r in requests], dtype=np.int64)
    critical = np.array([r.urgency == "critical" for r in requests], dtype=bool)
    request_nodes = 2 + n_members + np.arange(n_requests, dtype=np.int64)
    limited = np.array([r.accepted_billable is not None for r in requests], dtype=bool) & ~critical
    request_tail = np.where(critical, SOURCE, 2 + request_member)
    room_edge = np.full(n_members, -1, dtype=np.int64)
    billable_edge = np.full(n_requests, -1, dtype=np.int64)
    if limited.any():
        rooms = np.unique(request_member[limited])
        room_node = np.full(n_members, -1, dtype=np.int64)
        room_node[rooms] = node + np.arange(len(rooms))
        node += len(rooms)
        limited_index = np.nonzero(limited)[0]
        intake = node + np.arange(len(limited_index))
        node += len(limited_index)
        # member → room: what is left of the drawing right (the solver lowers it by the critical part).
        room_edge[rooms] = edge_count + np.arange(len(rooms))
        tails.append(2 + rooms)
        heads.append(room_node[rooms])
        caps.append(np.array([max(0, problem.members[m].quota - problem.members[m].used) for m in rooms]))
        edge_count += len(rooms)
        # room → intake, then member → intake (the billable arc).
        tails.append(room_node[request_member[limited_index]])
        heads.append(intake)
        caps.append(demand[limited_index])
        edge_count += len(limited_index)
        billable_edge[limited_index] = edge_count + np.arange(len(limited_index))
        tails.append(2 + request_member[limited_index])
        heads.append(intake)
        caps.append(np.array([requests[k].accepted_billable for k in limited_index], dtype=np.int64))
        edge_count += len(limited_index)
        request_tail[limited_index] = intake
    request_edge = edge_count + np.arange(n_requests)
    tails.append(request_tail)
    heads.append(request_nodes)
    caps.append(np.zeros(n_requests, dtype=np.int64))
    edge_count += n_requests
    critical_requests = np.nonzero(critical)[0]
    critical_member_edge = edge_count + np.arange(len(critical_requests))
    tails.append(2 + request_member[critical_requests])
    heads.append(request_nodes[critical_requests])
    caps.append(np.zeros(len(critical_requests), dtype=np.int64))
    edge_count += len(critical_requests)

    window: list[tuple[int, int] | None] = []
    request_signature = np.full(n_requests, -1, dtype=np.int64)
    request_span: list[tuple[int, int] | None] = []
    request_out: list[list[tuple[int, int]]] = []
    eligible_experts = np.zeros(n_requests, dtype=np.int64)
    out_tail: list[int] = []
    out_head: list[int] = []
    out_cap: list[int] = []
    for k, request in enumerate(requests):
        raw = sig_of[request.signature]
        s = tree_of_sig[raw]
        request_signature[k] = s
        eligible_experts[k] = sig_eligible_count[raw]
        span_window = clipped_window(request, problem)
        window.append(span_window)
        signature = signatures[s]
        arcs: list[tuple[int, int]] = []
        span = None
        if span_window is not None and len(signature.days):
            lo = int(np.searchsorted(signature.days, span_window[0], side="left"))
            hi = int(np.searchsorted(signature.days, span_window[1], side="right")) - 1
            if lo <= hi:
                span = (lo, hi)
                for position in tree_cover(lo, hi, signature.leaves):
                    arcs.append((edge_count + len(out_tail), position))
                    out_tail.append(int(request_nodes[k]))
                    out_head.append(signature.node_offset + position)
                    out_cap.append(request.half_days)
        request_span.append(span)
        request_out.append(arcs)
    tails.append(np.array(out_tail, dtype=np.int64))
    heads.append(np.array(out_head, dtype=np.int64))
    caps.append(np.array(out_cap, dtype=np.int64))

    return Network(
        problem=problem,
        free=free,
        member_index=member_index,
        request_member=request_member,
        demand=demand,
        critical=critical,
        window=window,
        classes=classes,
        class_experts=class_experts,
        class_cap=class_cap,
        signatures=signatures,
        request_signature=request_signature,
        request_span=request_span,
        eligible_experts=eligible_experts,
        n_nodes=node,
        tail=np.concatenate(tails) if tails else np.zeros(0, dtype=np.int64),
        head=np.concatenate(heads) if heads else np.zeros(0, dtype=np.int64),
        cap=np.concatenate(caps) if caps else np.zeros(0, dtype=np.int64),
        member_edge=member_edge,
        request_edge=request_edge,
        critical_member_edge=critical_member_edge,
        critical_requests=critical_requests,
        room_edge=room_edge,
        billable_edge=billable_edge,
        request_out=request_out,
        tree_edge=tree_edge,
        leaf_edges=leaf_edges,
    )


def servable_requests(network: Network) -> frozenset[str]:
    """Ids of the requests that have an eligible expert free somewhere in their window."""
    return frozenset(
        r.id for r, span in zip(network.problem.requests, network.request_span, strict=True) if span is not None
    )
