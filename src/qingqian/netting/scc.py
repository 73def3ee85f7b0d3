"""Strongly connected components in linear time, without recursion.

An iterative form of Tarjan's algorithm over a compressed adjacency array. It handles
graphs of millions of arcs without touching Python's recursion limit. ``cycle_components``
hands the trimmed graph to scipy's compiled search instead when scipy is installed (it comes
with scikit-learn). Pure: standard library, numpy and scipy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def strongly_connected_components(n: int, tails: Sequence[int], heads: Sequence[int]) -> list[int]:
    """Label every node ``0..n-1`` of the directed graph ``tails[i] -> heads[i]`` with its
    strongly connected component.

    Returns ``labels`` with ``labels[u] == labels[v]`` exactly when ``u`` and ``v`` lie on a
    common directed cycle (or ``u == v``). Labels are ``0..k-1`` in the order Tarjan's
    algorithm completes the components (a reverse topological order of the condensation).
    Time and memory are O(n + m).
    """
    m = len(tails)
    if len(heads) != m:
        raise ValueError("tails and heads differ in length")
    # Compressed adjacency (counting sort by tail), stable in arc order.
    start = [0] * (n + 1)
    for t in tails:
        start[t + 1] += 1
    for v in range(n):
        start[v + 1] += start[v]
    fill = start[:-1]
    adj = [0] * m
    for t, h in zip(tails, heads, strict=True):
        adj[fill[t]] = h
        fill[t] += 1

    unvisited = -1
    index = [unvisited] * n
    low = [0] * n
    on_stack = [False] * n
    labels = [unvisited] * n
    stack: list[int] = []
    counter = 0
    n_components = 0
    call_node: list[int] = []
    call_next: list[int] = []

    for root in range(n):
        if index[root] != unvisited:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        call_node.append(root)
        call_next.append(start[root])
        while call_node:
            v = call_node[-1]
            i = call_next[-1]
            end = start[v + 1]
            descended = False
            while i < end:
                w = adj[i]
                i += 1
                if index[w] == unvisited:
                    call_next[-1] = i
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = True
                    call_node.append(w)
                    call_next.append(start[w])
                    descended = True
                    break
                if on_stack[w] and index[w] < low[v]:
                    low[v] = index[w]
            if descended:
                continue
            # v is finished.
            call_node.pop()
            call_next.pop()
            if low[v] == index[v]:
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    labels[w] = n_components
                    if w == v:
                        break
                n_components += 1
            if call_node:
                parent = call_node[-1]
                if low[v] < low[parent]:
                    low[parent] = low[v]
    return labels


TRIM_PASSES = 32


def _scc_labels(
    n: int, tails: np.ndarray[Any, np.dtype[np.int64]], heads: np.ndarray[Any, np.dtype[np.int64]]
) -> np.ndarray[Any, np.dtype[np.int64]]:
    """SCC labels (any numbering) by scipy's compiled Pearce algorithm, else Tarjan above."""
    try:
        from scipy.sparse import csr_array
        from scipy.sparse.csgraph import connected_components
    except ImportError:  # pragma: no cover - scipy comes with scikit-learn
        return np.asarray(
            strongly_connected_components(n, tails.tolist(), heads.tolist()), dtype=np.int64
        )
    graph = csr_array(
        (np.ones(len(tails), dtype=np.int8), (tails.astype(np.int32), heads.astype(np.int32))),
        shape=(n, n),
    )
    _, labels = connected_components(graph, directed=True, connection="strong")
    return np.asarray(labels, dtype=np.int64)


def _have_scipy() -> bool:
    try:
        import scipy.sparse.csgraph  # noqa: F401
    except ImportError:  # pragma: no cover - scipy comes with scikit-learn
        return False
    return True


def cycle_components(
    n: int,
    tails: np.ndarray[Any, np.dtype[np.int64]],
    heads: np.ndarray[Any, np.dtype[np.int64]],
) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Component labels for the nodes ``0..n-1`` of the multigraph ``tails -> heads``.

    Nodes on a directed cycle get labels ``0..k-1`` (one per non-trivial strongly connected
    component, numbered in the order of their smallest node); every other node gets its
    own negative label, so ``labels[u] == labels[v]`` holds for an arc ``u -> v`` exactly
    when the arc lies on a cycle.

    scipy's compiled strong-components search runs on the arcs as they are (parallel arcs
    cost it nothing; merging them first, or peeling off the nodes without an incoming or
    outgoing arc, cost more than they saved: 12.8 s with them, 3.1 s without, on 10⁷ arcs).
    Without scipy, parallel arcs are merged and up to ``TRIM_PASSES`` vectorised passes
    drop such nodes before Tarjan's algorithm above. Every step is linear, O(n + m).
    """
    labels = -1 - np.arange(n, dtype=np.int64)
    if len(tails) == 0:
        return labels
    if _have_scipy():
        nodes = np.arange(n, dtype=np.int64)
        sub = _scc_labels(n, tails, heads)
    else:  # scipy comes with scikit-learn; the tests hide it too
        nodes, pt, ph = _trimmed(n, tails, heads)
        if len(nodes) == 0:
            return labels
        local = np.full(n, -1, dtype=np.int64)
        local[nodes] = np.arange(len(nodes), dtype=np.int64)
        sub = _scc_labels(len(nodes), local[pt], local[ph])
    # Singletons (on no cycle) keep their negative label.
    sizes = np.bincount(sub)
    on_cycle = sizes[sub] > 1
    # Renumber the cycle components 0..k-1 in order of their first node.
    cyc = sub[on_cycle]
    first_seen = np.full(len(sizes), len(cyc), dtype=np.int64)
    np.minimum.at(first_seen, cyc, np.arange(len(cyc), dtype=np.int64))
    ranked = np.flatnonzero(first_seen < len(cyc))
    ranked = ranked[np.argsort(first_seen[ranked], kind="stable")]
    canon = np.empty(len(sizes), dtype=np.int64)
    canon[ranked] = np.arange(len(ranked), dtype=np.int64)
    labels[nodes[on_cycle]] = canon[cyc]
    return labels


def _trimmed(
    n: int, tails: np.ndarray[Any, np.dtype[np.int64]], heads: np.ndarray[Any, np.dtype[np.int64]]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The nodes left after up to ``TRIM_PASSES`` passes that drop nodes with no incoming
    or no outgoing arc, and the distinct arcs between them."""
    keys = np.sort(tails * n + heads)
    pairs = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    pt, ph = pairs // n, pairs % n
    alive = np.ones(n, dtype=bool)
    for _ in range(TRIM_PASSES):
        outdeg = np.bincount(pt, minlength=n)
        indeg = np.bincount(ph, minlength=n)
        still = alive & (outdeg > 0) & (indeg > 0)
        if np.array_equal(still, alive):
            break
        alive = still
        keep = alive[pt] & alive[ph]
        pt, ph = pt[keep], ph[keep]
    return np.flatnonzero(alive), pt, ph
