"""Max-flow on a fixed network that augments from the current flow (scipy's Dinic on the residual graph).

Augmenting from the current flow, instead of solving from scratch, is what makes the fairness phases
monotone: Dinic's level graph never uses an arc into the source, so the flow on every source arc only
grows, and what a member or a critical request already received is never taken back.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_flow

SOURCE = 0
SINK = 1


class FlowEngine:
    """A directed network with integer capacities and a current feasible flow."""

    def __init__(self, n_nodes: int, tail: np.ndarray, head: np.ndarray, cap: np.ndarray) -> None:
        self.n_nodes = n_nodes
        self.tail = np.asarray(tail, dtype=np.int64)
        self.head = np.asarray(head, dtype=np.int64)
        self.cap = np.asarray(cap, dtype=np.int64).copy()
        self.flow = np.zeros(len(self.tail), dtype=np.int64)
        n_edges = len(self.tail)
        # The residual graph has one position per arc and one for its reverse; the network has no
        # antiparallel arcs, so positions never collide and the CSR structure is built once.
        rows = np.concatenate([self.tail, self.head])
        cols = np.concatenate([self.head, self.tail])
        order = np.argsort(rows * n_nodes + cols, kind="stable")
        position = np.empty(2 * n_edges, dtype=np.int64)
        position[order] = np.arange(2 * n_edges)
        self._forward = position[:n_edges]
        self._reverse = position[n_edges:]
        self._indices = cols[order].astype(np.int32)
        counts = np.bincount(rows, minlength=n_nodes)
        self._indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        self._data = np.zeros(2 * n_edges, dtype=np.int32)

    def fresh(self, cap: np.ndarray) -> FlowEngine:
        """An engine on the same arcs with capacities cap and no flow (the CSR structure is shared)."""
        other = object.__new__(FlowEngine)
        other.__dict__.update(self.__dict__)
        other.cap = np.asarray(cap, dtype=np.int64).copy()
        other.flow = np.zeros(len(self.tail), dtype=np.int64)
        other._data = np.zeros_like(self._data)
        return other

    def _residual(self, cap: np.ndarray) -> sp.csr_array:
        data = self._data
        data[self._forward] = cap - self.flow
        data[self._reverse] = self.flow
        return sp.csr_array((data, self._indices, self._indptr), shape=(self.n_nodes, self.n_nodes))

    def extra_flow(self, cap: np.ndarray | None = None) -> np.ndarray:
        """The net flow a max-flow adds on each arc, from the current flow, under capacities cap."""
        cap = self.cap if cap is None else cap
        if np.any(cap < self.flow):
            raise ValueError("a capacity is below the flow already committed")
        if len(self.tail) == 0:
            return np.zeros(0, dtype=np.int64)
        result = maximum_flow(self._residual(cap), SOURCE, SINK)
        flow = result.flow
        if len(flow.indices) != len(self._indices):  # scipy kept our structure so far; be safe anyway
            flow = sp.csr_array(flow)
            return np.asarray(flow[self.tail, self.head]).ravel().astype(np.int64)
        return flow.data[self._forward].astype(np.int64)

    def augment(self, cap: np.ndarray | None = None) -> np.ndarray:
        """Commit a maximum augmentation under capacities cap; return the added flow per arc."""
        extra = self.extra_flow(cap)
        self.flow += extra
        return extra

    def reachable_from_source(self, cap: np.ndarray | None = None) -> np.ndarray:
        """Boolean mask of nodes reachable from the source in the residual graph (a minimum cut)."""
        from scipy.sparse.csgraph import breadth_first_order

        cap = self.cap if cap is None else cap
        residual = self._residual(cap).copy()
        residual.data = (residual.data > 0).astype(np.int8)
        residual.eliminate_zeros()
        order = breadth_first_order(residual, SOURCE, directed=True, return_predecessors=False)
        mask = np.zeros(self.n_nodes, dtype=bool)
        mask[order] = True
        return mask
