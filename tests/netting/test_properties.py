"""Hypothesis properties of the set-off solver against an independent networkx optimum."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingqian.netting.solver import NettingOptions, Obligation, solve
from tests.netting.reference import nx_cleared, nx_cleared_with_caps

FIRMS = ["A", "B", "C", "D", "E", "F", "G"]
DAY0 = dt.date(2024, 1, 1)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def networks(draw: st.DrawFn, *, dag: bool = False, max_size: int = 14) -> list[Obligation]:
    n_firms = draw(st.integers(2, len(FIRMS)))
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(0, n_firms - 1),
                st.integers(0, n_firms - 1),
                st.one_of(st.integers(1, 2000), st.integers(1, 10**11)),
                st.one_of(st.none(), st.integers(0, 40)),
            ),
            max_size=max_size,
        )
    )
    obligations = []
    for k, (a, b, fen, day) in enumerate(rows):
        if a == b:
            continue
        if dag and a > b:
            a, b = b, a
        due = None if day is None else DAY0 + dt.timedelta(days=day)
        obligations.append(Obligation(f"o{k}", FIRMS[a], FIRMS[b], Decimal(fen).scaleb(-2), due))
    return obligations


def fen(value: Decimal) -> int:
    return int(value.scaleb(2))


def rows(obligations: list[Obligation]) -> list[tuple[str, str, int]]:
    return [(o.debtor, o.creditor, fen(o.amount)) for o in obligations]


@SETTINGS
@given(networks())
def test_net_positions_bounds_and_optimum(obligations: list[Obligation]) -> None:
    result = solve(obligations)
    # bounds
    for s in result.setoffs:
        assert Decimal(0) <= s.setoff <= s.amount
        assert s.setoff + s.remaining == s.amount
    # net positions, recomputed from the set-offs
    net: dict[str, int] = {}
    for o, s in zip(obligations, result.setoffs, strict=True):
        net[o.debtor] = net.get(o.debtor, 0) - fen(s.remaining)
        net[o.creditor] = net.get(o.creditor, 0) + fen(s.remaining)
    assert {k: Decimal(v).scaleb(-2) for k, v in net.items()} == result.net_positions_before
    assert result.net_positions_after == result.net_positions_before
    # optimum: equal to networkx's network simplex on the classic formulation
    assert fen(result.cleared) == nx_cleared(rows(obligations))
    assert result.cleared + result.remaining == result.total
    assert result.cleared <= result.clearable


def component_ranks(obligations: list[Obligation]) -> list[int]:
    """The documented age weight, computed independently with networkx: inside each
    strongly connected component, the number of distinct due dates there later than the
    obligation's own (undated and off-cycle obligations 0)."""
    graph = nx.DiGraph()
    graph.add_edges_from((o.debtor, o.creditor) for o in obligations)
    comp = {}
    for k, members in enumerate(nx.strongly_connected_components(graph)):
        for firm in members:
            comp[firm] = k
    dates: dict[int, set[dt.date]] = {}
    for o in obligations:
        if o.due is not None and comp[o.debtor] == comp[o.creditor]:
            dates.setdefault(comp[o.debtor], set()).add(o.due)
    return [
        0
        if o.due is None or comp[o.debtor] != comp[o.creditor]
        else sum(1 for d in dates[comp[o.debtor]] if d > o.due)
        for o in obligations
    ]


@SETTINGS
@given(networks())
def test_global_tie_break_is_lexicographically_optimal(obligations: list[Obligation]) -> None:
    """Among all optimal set-offs the solver's has the largest age score: networkx on costs
    ``BIG + weight`` with ``BIG = 10**30`` (exact integers, no scaling argument needed)."""
    result = solve(obligations)
    weights = component_ranks(obligations)
    big = 10**30
    best = nx_cleared(rows(obligations), weights, big)
    assert fen(result.cleared) == best // big
    score = sum(w * fen(s.setoff) for w, s in zip(weights, result.setoffs, strict=True))
    assert score == best % big


@SETTINGS
@given(networks(), st.randoms(use_true_random=False))
def test_permuting_the_input_changes_nothing(
    obligations: list[Obligation], rnd: random.Random
) -> None:
    shuffled = list(obligations)
    rnd.shuffle(shuffled)
    a, b = solve(obligations), solve(shuffled)
    assert (a.total, a.cleared, a.remaining) == (b.total, b.cleared, b.remaining)
    assert a.setoff_by_id() == b.setoff_by_id()  # even the per-obligation set-offs
    pa = solve(obligations, NettingOptions(age_tie_break="parallel"))
    pb = solve(shuffled, NettingOptions(age_tie_break="parallel"))
    assert pa.setoff_by_id() == pb.setoff_by_id()


@SETTINGS
@given(networks(dag=True))
def test_a_dag_clears_nothing(obligations: list[Obligation]) -> None:
    result = solve(obligations)
    assert result.cleared == Decimal("0.00")
    assert result.components == 0


@SETTINGS
@given(networks())
def test_due_dates_never_change_the_cleared_total(obligations: list[Obligation]) -> None:
    undated = [Obligation(o.id, o.debtor, o.creditor, o.amount) for o in obligations]
    cleared = solve(undated).cleared
    assert solve(obligations).cleared == cleared
    assert solve(obligations, NettingOptions(age_tie_break="parallel")).cleared == cleared


@SETTINGS
@given(
    networks(max_size=10),
    st.dictionaries(st.sampled_from(FIRMS[:4]), st.integers(0, 3000), max_size=3),
)
def test_caps_respected_and_optimal(obligations: list[Obligation], caps: dict[str, int]) -> None:
    present = {o.debtor for o in obligations} | {o.creditor for o in obligations}
    caps = {f: c for f, c in caps.items() if f in present}
    options = NettingOptions(caps={f: Decimal(c).scaleb(-2) for f, c in caps.items()})
    result = solve(obligations, options)
    setoff = {f.firm: fen(f.setoff) for f in result.firms}
    for firm, cap in caps.items():
        assert setoff[firm] <= cap
    assert fen(result.cleared) == nx_cleared_with_caps(rows(obligations), caps)
    assert result.net_positions_after == result.net_positions_before
