"""Turn the final flow into concrete (expert, date, half) assignments, honouring the preferences.

The flow fixes how many half-days each request gets and, per window-tree node, how many go to each
part of the calendar. Any way of pairing the request pieces that meet at a node with the arcs leaving
it is valid (every request at a tree node may use every day below it; every request at a leaf may use
every expert class it reaches; experts of a class are interchangeable), so totals are kept exactly and
the preferences only choose among valid pairings:
- at a tree node, more urgent requests (then earlier deadlines) take the earlier half of the days;
- at a leaf, a request goes first to the class of its preferred or previous experts;
- within a class and day, a request goes first to its preferred expert, then to an expert it already
  has (one expert per request), then to its member's previous experts, and takes both halves of a day
  when it can (consecutive half-days).

Then `refine` moves half-days into free half-days that suit the request better. This is always safe:
the flow is maximum, so no request with unserved demand could use either the free half-day taken or
the one given back (otherwise the move plus that request would form an augmenting path), and the
totals do not change, so rules 4 to 7 still hold.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from datetime import timedelta

import numpy as np

from .model import HALVES, URGENCY_RANK, Assignment
from .network import Network


def _take(pieces: list[list[int]], amount: int) -> tuple[list[list[int]], list[list[int]]]:
    """Split ordered pieces [request, amount] into the first `amount` half-days and the rest."""
    taken: list[list[int]] = []
    rest: list[list[int]] = []
    for request, size in pieces:
        if amount <= 0:
            rest.append([request, size])
        elif size <= amount:
            taken.append([request, size])
            amount -= size
        else:
            taken.append([request, amount])
            rest.append([request, size - amount])
            amount = 0
    return taken, rest


def place(network: Network, critical_flow: np.ndarray, member_flow: np.ndarray) -> list[Assignment]:
    """Concrete assignments realising both flows' per-request totals.

    The critical flow is placed on its own first, exactly where it runs, so that the members' flow
    meets the calendar the fairness levels were computed on.
    """
    free = network.free.copy()
    assignments = _place_flow(network, critical_flow, free)
    assignments += _place_flow(network, member_flow, free)
    return refine(network, assignments)


def _place_flow(network: Network, flow: np.ndarray, free: np.ndarray) -> list[Assignment]:
    """Assignments realising one flow, taking the half-days from `free` (updated in place)."""
    problem = network.problem
    requests = problem.requests
    experts = problem.experts
    expert_index = {e.id: k for k, e in enumerate(experts)}
    member_previous = {m.id: [expert_index[e] for e in m.previous_experts] for m in problem.members}
    class_of_expert = np.zeros(len(experts), dtype=np.int64)
    for c, members_of_class in enumerate(network.class_experts):
        class_of_expert[members_of_class] = c
    rank = [
        (
            URGENCY_RANK[r.urgency],
            r.deadline.toordinal(),
            r.submitted_at.timestamp() if r.submitted_at else 0.0,
        )
        for r in requests
    ]

    def favoured_experts(request_index: int) -> list[int]:
        request = requests[request_index]
        favoured = []
        if request.preferred_expert is not None:
            favoured.append(expert_index[request.preferred_expert])
        favoured.extend(member_previous[request.member])
        return favoured

    # Pieces entering each tree node, per signature.
    pieces_at: dict[int, dict[int, list[list[int]]]] = defaultdict(lambda: defaultdict(list))
    for k, request_arcs in enumerate(network.request_out):
        for arc, position in request_arcs:
            amount = int(flow[arc])
            if amount > 0:
                pieces_at[int(network.request_signature[k])][position].append([k, amount])

    class_day_pieces: dict[tuple[int, int], list[list[int]]] = defaultdict(list)
    for s, nodes in pieces_at.items():
        signature = network.signatures[s]
        leaves = signature.leaves
        heap_nodes = nodes
        # A child's position is twice its parent's: popping the smallest position visits parents first.
        pending = sorted(nodes)
        seen = set(pending)
        while pending:
            position = heapq.heappop(pending)
            pieces = heap_nodes.pop(position)
            pieces.sort(key=lambda piece: rank[piece[0]])
            if position < leaves:
                left_arc = network.tree_edge.get((s, 2 * position))
                left_amount = int(flow[left_arc]) if left_arc is not None else 0
                left, right = _take(pieces, left_amount)
                for child, part in ((2 * position, left), (2 * position + 1, right)):
                    if part:
                        heap_nodes[child].extend(part)
                        if child not in seen:
                            seen.add(child)
                            heapq.heappush(pending, child)
                continue
            leaf = position - leaves
            arcs = [(c, day, int(flow[arc])) for arc, c, day in network.leaf_edges.get((s, leaf), []) if flow[arc] > 0]
            remaining = {c: amount for c, _, amount in arcs}
            day_of = {c: day for c, day, _ in arcs}
            leftovers: list[list[int]] = []
            for request_index, amount in pieces:
                # First the classes holding the experts this request favours.
                for expert in favoured_experts(request_index):
                    c = int(class_of_expert[expert])
                    if amount and remaining.get(c, 0) > 0:
                        give = min(amount, remaining[c])
                        remaining[c] -= give
                        amount -= give
                        class_day_pieces[(c, day_of[c])].append([request_index, give])
                if amount:
                    leftovers.append([request_index, amount])
            for request_index, amount in leftovers:
                for c in remaining:
                    if amount == 0:
                        break
                    if remaining[c] > 0:
                        give = min(amount, remaining[c])
                        remaining[c] -= give
                        amount -= give
                        class_day_pieces[(c, day_of[c])].append([request_index, give])

    assignments: list[Assignment] = []
    start = problem.horizon_start
    experts_of_request: dict[int, list[int]] = defaultdict(list)
    for c, day in sorted(class_day_pieces, key=lambda key: (key[1], key[0])):
        pieces = class_day_pieces[(c, day)]
        pieces.sort(key=lambda piece: (rank[piece[0]], -piece[1]))
        class_experts = network.class_experts[c]
        free_today = free[class_experts, day, :].tolist()
        halves_left = {e: [h for h in (0, 1) if row[h]] for e, row in zip(class_experts, free_today, strict=True)}
        the_date = start + timedelta(days=day)
        for request_index, amount in pieces:
            preference = []
            request = requests[request_index]
            if request.preferred_expert is not None:
                preference.append(expert_index[request.preferred_expert])
            preference.extend(experts_of_request[request_index])
            preference.extend(member_previous[request.member])
            ordered = [e for e in preference if e in halves_left]
            # Then whoever has the most free halves left, to keep a day with one request.
            ordered += [e for e in halves_left if len(halves_left[e]) == 2]
            ordered += [e for e in halves_left if len(halves_left[e]) == 1]
            while amount > 0:
                # Prefer an expert who can take the whole piece (both halves of the day together).
                candidates = [e for e in ordered if halves_left[e]]
                whole = [e for e in candidates if len(halves_left[e]) >= amount]
                expert = whole[0] if whole and whole[0] in preference else candidates[0]
                if whole and expert not in preference:
                    expert = whole[0]
                slots = halves_left[expert]
                while amount > 0 and slots:
                    half = slots.pop(0)
                    free[expert, day, half] = False
                    assignments.append(Assignment(request.id, experts[expert].id, the_date, HALVES[half]))
                    amount -= 1
                if expert not in experts_of_request[request_index]:
                    experts_of_request[request_index].append(expert)
    return assignments


def _move_to_preferred(
    request, slots: list[list[int]], free: np.ndarray, start, window: tuple[int, int], experts: list[int]
) -> set[int]:
    """Move the request's half-days onto the free preferred half-days of its window (an expert it can have,
    its preferred or usual ones first); return the ids of the slots now on a preferred half-day.

    Safe for the same reason as every move of `refine`: the request keeps its total, and the half-day it
    gives back could serve no request with unserved demand (the flow is maximum)."""
    if not request.preferred_half_days:
        return set()
    lo, hi = window
    liked = sorted(
        ((d - start).days, HALVES.index(h)) for d, h in request.preferred_half_days if lo <= (d - start).days <= hi
    )
    kept = {id(slot) for slot in slots if (slot[1], slot[2]) in set(liked)}
    taken = {(slot[1], slot[2]) for slot in slots}
    # The latest half-days move first, so the request keeps its earliest ones when preferences run out.
    movable = sorted((slot for slot in slots if id(slot) not in kept), key=lambda slot: (slot[1], slot[2]))
    for day, half in liked:
        if not movable:
            break
        if (day, half) in taken:
            continue
        expert = next((e for e in experts if free[e, day, half]), None)
        if expert is None:
            continue
        slot = movable.pop()
        free[slot[0], slot[1], slot[2]] = True
        free[expert, day, half] = False
        taken.discard((slot[1], slot[2]))
        taken.add((day, half))
        slot[:] = [expert, day, half]
        kept.add(id(slot))
    return kept


def refine(network: Network, assignments: list[Assignment]) -> list[Assignment]:
    """Move half-days onto the member's preferred half-days, then to the preferred expert, the request's
    main expert or the member's previous experts, and urgent requests' half-days to earlier dates, using
    only free half-days."""
    problem = network.problem
    start = problem.horizon_start
    expert_index = {e.id: k for k, e in enumerate(problem.experts)}
    request_index = {r.id: k for k, r in enumerate(problem.requests)}
    free = network.free.copy()
    by_request: dict[int, list[list[int]]] = defaultdict(list)  # request -> [expert, day, half]
    for a in assignments:
        e, d, h = expert_index[a.expert], (a.date - start).days, HALVES.index(a.half)
        free[e, d, h] = False
        by_request[request_index[a.request]].append([e, d, h])
    # The loop below narrows each request's list to the slots it may still move; the slots themselves
    # (mutable [expert, day, half]) are shared, so this keeps all of them.
    placed = {k: list(slots) for k, slots in by_request.items()}
    previous = {m.id: [expert_index[e] for e in m.previous_experts] for m in problem.members}
    eligible_of_class = {}
    for k, slots in by_request.items():
        request = problem.requests[k]
        window = network.window[k]
        # Critical half-days stay where the critical routing put them (see place()).
        if window is None or network.critical[k]:
            continue
        lo, hi = window
        counts: defaultdict[int, int] = defaultdict(int)
        for e, _, _ in slots:
            counts[e] += 1
        main = max(counts, key=lambda e: (counts[e], -e))
        ranked: list[int] = []
        if request.preferred_expert is not None:
            ranked.append(expert_index[request.preferred_expert])
        ranked.append(main)
        ranked.extend(previous[request.member])
        signature = int(network.request_signature[k])
        if signature not in eligible_of_class:
            eligible_of_class[signature] = {
                e for c in network.signatures[signature].classes for e in network.class_experts[c]
            }
        eligible = eligible_of_class[signature]
        ranked = list(dict.fromkeys(e for e in ranked if e in eligible))
        # The member's preferred half-days come first: the slots put on them stay there.
        kept = _move_to_preferred(request, slots, free, start, (lo, hi), [*ranked, *sorted(eligible)])
        slots = [slot for slot in slots if id(slot) not in kept]
        if not slots:
            continue
        urgent = request.urgency != "normal"
        rank_of = {e: r for r, e in enumerate(ranked)}
        if not urgent and all(slot[0] == ranked[0] for slot in slots):
            continue  # already with its best expert; dates only matter for urgent requests
        slots.sort(key=lambda slot: (slot[1], slot[2]), reverse=True)
        # Free half-days of each expert in the window, earliest last (popped first), computed once
        # per request: only this request's own moves change them while it is being refined.
        free_in_window: dict[int, list[int]] = {}

        def earliest_free(e: int, lo: int = lo, hi: int = hi, cache: dict = free_in_window):
            if e not in cache:
                cache[e] = np.flatnonzero(free[e, lo : hi + 1].ravel())[::-1].tolist()
            positions = cache[e]
            while positions:
                day, half = lo + positions[-1] // 2, positions[-1] % 2
                if free[e, day, half]:
                    return (e, day, half)
                positions.pop()
            return None

        for slot in slots:
            current_rank = rank_of.get(slot[0], len(ranked))
            target = None
            for e in ranked[:current_rank]:
                target = earliest_free(e)
                if target is not None:
                    break
            if target is None and urgent:
                # An earlier free half-day of the same expert, for urgent requests.
                earlier = earliest_free(slot[0])
                if earlier is not None and earlier[1:] < (slot[1], slot[2]):
                    target = earlier
            if target is not None:
                free[slot[0], slot[1], slot[2]] = True
                free[target] = False
                slot[:] = list(target)
    refined = []
    for k, slots in placed.items():
        request_id = problem.requests[k].id
        for e, d, h in sorted(slots, key=lambda slot: (slot[1], slot[2])):
            refined.append(Assignment(request_id, problem.experts[e].id, start + timedelta(days=d), HALVES[h]))
    return refined
