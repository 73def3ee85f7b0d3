"""Strongly connected components: against networkx, and deep graphs without recursion."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.netting import scc
from qingqian.netting.scc import cycle_components, strongly_connected_components


def partition(labels: list[int]) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for node, label in enumerate(labels):
        groups.setdefault(label, set()).add(node)
    return {frozenset(g) for g in groups.values()}


graphs = st.integers(1, 12).flatmap(
    lambda n: st.tuples(
        st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=30)
    )
)


@settings(max_examples=300, deadline=None)
@given(graphs)
def test_tarjan_matches_networkx(graph: tuple[int, list[tuple[int, int]]]) -> None:
    n, arcs = graph
    labels = strongly_connected_components(n, [a for a, _ in arcs], [b for _, b in arcs])
    reference = nx.DiGraph()
    reference.add_nodes_from(range(n))
    reference.add_edges_from(arcs)
    assert partition(labels) == {frozenset(c) for c in nx.strongly_connected_components(reference)}


@settings(max_examples=300, deadline=None)
@given(graphs)
def test_cycle_components_mark_exactly_the_arcs_on_cycles(
    graph: tuple[int, list[tuple[int, int]]],
) -> None:
    n, arcs = graph
    arcs = [(a, b) for a, b in arcs if a != b]  # the solver refuses self-loops
    tails = np.array([a for a, _ in arcs], dtype=np.int64)
    heads = np.array([b for _, b in arcs], dtype=np.int64)
    labels = cycle_components(n, tails, heads)
    reference = nx.DiGraph()
    reference.add_nodes_from(range(n))
    reference.add_edges_from(arcs)
    comps = [c for c in nx.strongly_connected_components(reference) if len(c) > 1]
    on_cycle = {node for c in comps for node in c}
    for node in range(n):
        assert (labels[node] >= 0) == (node in on_cycle)
    assert sorted(int(x) for x in set(labels[labels >= 0].tolist())) == list(range(len(comps)))
    for a, b in arcs:
        same = any(a in c and b in c for c in comps)
        assert (labels[a] == labels[b]) == same
    # Without scipy, arcs are merged and dead ends peeled first: the very same labels.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scc, "_have_scipy", lambda: False)
        assert cycle_components(n, tails, heads).tolist() == labels.tolist()


def test_a_ring_of_200000_firms_needs_no_recursion() -> None:
    n = 200_000
    tails = list(range(n))
    heads = [(i + 1) % n for i in range(n)]
    assert set(strongly_connected_components(n, tails, heads)) == {0}
    labels = cycle_components(n, np.array(tails), np.array(heads))
    assert set(labels.tolist()) == {0}


def test_a_long_chain_is_all_singletons() -> None:
    n = 100_000
    tails = np.arange(n - 1, dtype=np.int64)
    labels = cycle_components(n, tails, tails + 1)
    assert (labels < 0).all()
    assert len(set(strongly_connected_components(n, tails.tolist(), (tails + 1).tolist()))) == n
