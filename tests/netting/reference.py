"""An independent optimum for the tests: networkx's network simplex on the classic MTCS
formulation (keep every firm's net position as a node demand, minimise what remains)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import networkx as nx

Row = tuple[str, str, int]  # debtor, creditor, fen


def nx_cleared(rows: Sequence[Row], weights: Sequence[int] | None = None, big: int = 1) -> int:
    """Most fen that can be set off; with ``weights``, the optimum of
    ``sum((big + w) * setoff)`` instead (``big`` large enough to make it lexicographic)."""
    graph = nx.MultiDiGraph()
    net: dict[str, int] = {}
    for i, (debtor, creditor, fen) in enumerate(rows):
        w = weights[i] if weights is not None else 0
        graph.add_edge(debtor, creditor, capacity=fen, weight=big + w)
        net[debtor] = net.get(debtor, 0) - fen
        net[creditor] = net.get(creditor, 0) + fen
    for firm, value in net.items():
        graph.nodes[firm]["demand"] = value
    if not rows:
        return 0
    remaining_cost, _ = nx.network_simplex(graph)
    full = sum(
        (big + (weights[i] if weights is not None else 0)) * r[2] for i, r in enumerate(rows)
    )
    return int(full - remaining_cost)


def nx_cleared_with_caps(rows: Sequence[Row], caps: Mapping[str, int]) -> int:
    """Most fen that can be set off when a firm's set-off is capped: a circulation with
    cost -1 per fen, each capped firm split into receive -> pay with capacity ``cap``."""
    graph = nx.DiGraph()
    graph.add_node("__root__", demand=0)
    for k, (debtor, creditor, fen) in enumerate(rows):
        tail = f"{debtor}/pay" if debtor in caps else debtor
        head = f"{creditor}/recv" if creditor in caps else creditor
        mid = f"__arc{k}"  # a middle node per arc keeps parallel arcs apart in a DiGraph
        graph.add_edge(tail, mid, capacity=fen, weight=-1)
        graph.add_edge(mid, head, capacity=fen, weight=0)
    for firm, cap in caps.items():
        graph.add_edge(f"{firm}/recv", f"{firm}/pay", capacity=cap, weight=0)
    for node in graph.nodes:
        graph.nodes[node]["demand"] = 0
    cost, _ = nx.network_simplex(graph)
    return int(-cost)
