"""Worked examples, options, the age tie-break and validation of the set-off solver."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from qingqian.netting import solver
from qingqian.netting.errors import NettingError
from qingqian.netting.solver import NettingOptions, Obligation, solve
from tests.netting.chain import CHAIN, NET, chain_obligations

D = Decimal


def ob(oid: str, debtor: str, creditor: str, amount: str, due: str | None = None,
       status: str = "confirmed") -> Obligation:  # fmt: skip
    return Obligation(
        oid, debtor, creditor, D(amount), dt.date.fromisoformat(due) if due else None, status
    )


TRIANGLE = [ob("1", "A", "B", "100"), ob("2", "B", "C", "80"), ob("3", "C", "A", "120")]
BACK_EDGE = [  # A -> B -> C -> D with D -> B: only the cycle B, C, D can be set off
    ob("ab", "A", "B", "100"),
    ob("bc", "B", "C", "100"),
    ob("cd", "C", "D", "100"),
    ob("db", "D", "B", "30"),
]

EXAMPLES = [
    # name, obligations, options, expected set-offs, total, cleared, net positions
    (
        "triangle", TRIANGLE, NettingOptions(),
        {"1": "80.00", "2": "80.00", "3": "80.00"}, "300.00", "240.00",
        {"A": "20.00", "B": "20.00", "C": "-40.00"},
    ),
    (
        "chain with a back edge", BACK_EDGE, NettingOptions(),
        {"ab": "0.00", "bc": "30.00", "cd": "30.00", "db": "30.00"}, "330.00", "90.00",
        {"A": "-100.00", "B": "30.00", "C": "0.00", "D": "70.00"},
    ),
    (
        "triangle, B capped at 50.00", TRIANGLE, NettingOptions(caps={"B": D("50")}),
        {"1": "50.00", "2": "50.00", "3": "50.00"}, "300.00", "150.00",
        {"A": "20.00", "B": "20.00", "C": "-40.00"},
    ),
    (
        "triangle, B has not consented", TRIANGLE, NettingOptions(non_consenting=frozenset({"B"})),
        {"1": "0.00", "2": "0.00", "3": "0.00"}, "300.00", "0.00",
        {"A": "20.00", "B": "20.00", "C": "-40.00"},
    ),
    (
        "triangle, minimum 90", TRIANGLE, NettingOptions(min_amount=D("90")),
        {"1": "0.00", "2": "0.00", "3": "0.00"}, "300.00", "0.00",
        {"A": "20.00", "B": "20.00", "C": "-40.00"},
    ),
    (
        "two-way debts in fen", [ob("x", "A", "B", "0.07"), ob("y", "B", "A", "0.05")],
        NettingOptions(), {"x": "0.05", "y": "0.05"}, "0.12", "0.10",
        {"A": "-0.02", "B": "0.02"},
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("obligations", "options", "setoffs", "total", "cleared", "net"),
    [e[1:] for e in EXAMPLES],
    ids=[e[0] for e in EXAMPLES],
)
def test_worked_examples(
    obligations: list[Obligation], options: NettingOptions, setoffs: dict[str, str],
    total: str, cleared: str, net: dict[str, str],
) -> None:  # fmt: skip
    result = solve(obligations, options)
    assert {k: str(v) for k, v in result.setoff_by_id().items()} == setoffs
    assert str(result.total) == total
    assert str(result.cleared) == cleared
    assert result.remaining == D(total) - D(cleared)
    assert {k: str(v) for k, v in result.net_positions_before.items()} == net
    assert result.net_positions_after == result.net_positions_before


def test_triangle_result_object_in_full() -> None:
    result = solve(TRIANGLE)
    assert result.as_dict() == {
        "total": "300.00",
        "cleared": "240.00",
        "remaining": "60.00",
        "setoffs": [
            {"id": "1", "amount": "80.00"},
            {"id": "2", "amount": "80.00"},
            {"id": "3", "amount": "80.00"},
        ],
        "net_positions": {"A": "20.00", "B": "20.00", "C": "-40.00"},
    }
    assert [(s.id, s.amount, s.setoff, s.remaining, s.excluded) for s in result.setoffs] == [
        ("1", D("100.00"), D("80.00"), D("20.00"), None),
        ("2", D("80.00"), D("80.00"), D("0.00"), None),
        ("3", D("120.00"), D("80.00"), D("40.00"), None),
    ]
    a = result.firms[0]
    assert (a.firm, a.receivable_before, a.payable_before, a.setoff) == (
        "A", D("120.00"), D("100.00"), D("80.00"),
    )  # fmt: skip
    assert (a.receivable_after, a.payable_after, a.net) == (D("40.00"), D("20.00"), D("20.00"))
    assert (result.components, result.largest_component, result.tie_break_exact) == (1, 3, True)
    assert (result.eligible, result.clearable) == (D("300.00"), D("300.00"))


@pytest.mark.parametrize("mode", ["global", "parallel"])
def test_seed_auto_parts_chain_clears_32_million(mode: str) -> None:
    result = solve(chain_obligations(), NettingOptions(age_tie_break=mode))
    assert str(result.total) == "44000000.00"
    assert str(result.cleared) == "32000000.00"
    assert str(result.remaining) == "12000000.00"
    assert {k: str(v) for k, v in result.setoff_by_id().items()} == {
        row[0]: row[5] for row in CHAIN
    }
    assert {k: str(v) for k, v in result.net_positions_after.items()} == NET
    assert str(result.clearable) == "33500000.00"  # all but the dealer's and mould maker's


def test_seed_chain_clears_the_newer_invoice_when_it_is_the_older() -> None:
    swapped = [
        Obligation(o.id, o.debtor, o.creditor, o.amount,
                   {"PL-1": dt.date(2025, 5, 31), "PL-2": dt.date(2025, 2, 28)}.get(o.id, o.due))
        for o in chain_obligations()
    ]  # fmt: skip
    setoffs = solve(swapped).setoff_by_id()
    assert (setoffs["PL-1"], setoffs["PL-2"]) == (D("1300000.00"), D("1200000.00"))


def test_dag_clears_nothing() -> None:
    result = solve([ob("1", "A", "B", "10"), ob("2", "B", "C", "10"), ob("3", "A", "C", "5")])
    assert result.cleared == D("0.00")
    assert result.components == 0
    assert result.clearable == D("0.00")


def test_empty_input() -> None:
    result = solve([])
    assert result.as_dict() == {
        "total": "0.00", "cleared": "0.00", "remaining": "0.00", "setoffs": [],
        "net_positions": {},
    }  # fmt: skip


# --- options -------------------------------------------------------------------------


def test_disputed_and_unconfirmed_are_left_out_by_default() -> None:
    obligations = [
        ob("1", "A", "B", "100"),
        ob("2", "B", "A", "60", status="disputed"),
        ob("3", "B", "A", "30", status="unconfirmed"),
        ob("4", "B", "A", "5"),
    ]
    result = solve(obligations)
    assert {k: str(v) for k, v in result.setoff_by_id().items()} == {
        "1": "5.00", "2": "0.00", "3": "0.00", "4": "5.00",
    }  # fmt: skip
    assert [s.excluded for s in result.setoffs] == [None, "disputed", "unconfirmed", None]
    assert result.eligible == D("105.00")
    both = solve(obligations, NettingOptions(exclude_disputed=False, exclude_unconfirmed=False))
    assert both.cleared == D("190.00")


def test_non_consenting_firm_keeps_every_obligation() -> None:
    obligations = [*TRIANGLE, ob("4", "A", "D", "10"), ob("5", "D", "A", "10")]
    result = solve(obligations, NettingOptions(non_consenting=frozenset({"D", "nobody"})))
    assert result.setoff_by_id() == {
        "1": D("80.00"), "2": D("80.00"), "3": D("80.00"), "4": D("0.00"), "5": D("0.00"),
    }  # fmt: skip
    assert [s.excluded for s in result.setoffs][3:] == ["non_consenting", "non_consenting"]


def test_minimum_leaves_out_only_smaller_obligations() -> None:
    obligations = [ob("1", "A", "B", "100"), ob("2", "B", "A", "99.99"), ob("3", "B", "A", "100")]
    result = solve(obligations, NettingOptions(min_amount=D("100")))
    assert result.setoff_by_id() == {"1": D("100.00"), "2": D("0.00"), "3": D("100.00")}
    assert result.setoffs[1].excluded == "below_minimum"


def test_cap_is_exact_and_still_optimal() -> None:
    # Two cycles through B; the cap allows 70 of B's 150, and the optimum routes them
    # through the longer cycle (B, C, D: 3 fen cleared per fen through B) first.
    obligations = [
        ob("ab", "A", "B", "100"), ob("ba", "B", "A", "100"),
        ob("bc", "B", "C", "50"), ob("cd", "C", "D", "50"), ob("db", "D", "B", "50"),
    ]  # fmt: skip
    result = solve(obligations, NettingOptions(caps={"B": D("70")}))
    assert result.setoff_by_id() == {
        "ab": D("20.00"), "ba": D("20.00"), "bc": D("50.00"), "cd": D("50.00"),
        "db": D("50.00"),
    }  # fmt: skip
    assert result.cleared == D("190.00")
    assert {f.firm: f.setoff for f in result.firms}["B"] == D("70.00")


def test_zero_cap_removes_the_firm_from_every_cycle() -> None:
    result = solve(TRIANGLE, NettingOptions(caps={"C": D("0")}))
    assert result.cleared == D("0.00")


def test_cap_above_what_can_be_cleared_changes_nothing() -> None:
    assert solve(TRIANGLE, NettingOptions(caps={"A": D("1000")})).cleared == D("240.00")


# --- the age tie-break ---------------------------------------------------------------


def two_paths(old: str, new: str) -> list[Obligation]:
    """A -> B (100) closes either through C or through D; both cycles clear 300."""
    return [
        ob("ab", "A", "B", "100", "2025-06-01"),
        ob("bc", "B", "C", "100", old), ob("ca", "C", "A", "100", old),
        ob("bd", "B", "D", "100", new), ob("da", "D", "A", "100", new),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new"), [("2024-01-01", "2025-01-01"), ("2025-01-01", "2024-01-01")]
)
def test_global_tie_break_clears_the_older_cycle(old: str, new: str) -> None:
    obligations = two_paths(old, new)
    result = solve(obligations)
    s = result.setoff_by_id()
    assert result.cleared == D("300.00")
    via_c = D("100.00") if old < new else D("0.00")
    assert (s["bc"], s["ca"]) == (via_c, via_c)
    assert (s["bd"], s["da"]) == (D("100.00") - via_c, D("100.00") - via_c)
    reversed_result = solve(list(reversed(obligations)))
    assert reversed_result.setoff_by_id() == s


def test_parallel_tie_break_keeps_the_optimum() -> None:
    result = solve(two_paths("2024-01-01", "2025-01-01"), NettingOptions(age_tie_break="parallel"))
    assert result.cleared == D("300.00")


def long_against_old() -> list[Obligation]:
    """A short cycle of very old debt against a long cycle of new debt sharing A -> B.

    The long cycle clears 5 x 100; the short one only 2 x 100 but is much older, and a side
    cycle A <-> F with twenty distinct due dates makes the age weights large."""
    obligations = [
        ob("ab", "A", "B", "100", "2025-06-01"),
        ob("ba", "B", "A", "100", "2020-01-01"),
        ob("b1", "B", "C1", "100", "2025-06-01"),
        ob("12", "C1", "C2", "100", "2025-06-01"),
        ob("23", "C2", "C3", "100", "2025-06-01"),
        ob("3a", "C3", "A", "100", "2025-06-01"),
        ob("fa", "F", "A", "0.20", "2025-06-01"),
    ]
    obligations += [ob(f"af{k}", "A", "F", "0.01", f"2024-01-{k + 1:02d}") for k in range(20)]
    return obligations


def test_tie_break_never_costs_a_fen_of_the_optimum() -> None:
    result = solve(long_against_old())
    s = result.setoff_by_id()
    assert result.cleared == D("500.40")
    assert (s["ba"], s["b1"]) == (D("0.00"), D("100.00"))
    assert (
        result.cleared
        == solve(long_against_old(), NettingOptions(age_tie_break="parallel")).cleared
    )


def test_a_too_small_scale_would_cost_the_optimum(monkeypatch: pytest.MonkeyPatch) -> None:
    """The safeguard matters: with M = 1 the old short cycle wins and 400.00 is lost."""
    monkeypatch.setattr(solver, "tie_break_scale", lambda levels, nodes: np.ones_like(levels))
    result = solve(long_against_old())
    assert result.cleared == D("200.40")
    assert result.setoff_by_id()["ba"] == D("100.00")


def test_scale_formula() -> None:
    levels = np.array([0, 3, 729], dtype=np.int64)
    nodes = np.array([5, 4, 65391], dtype=np.int64)
    assert solver.tie_break_scale(levels, nodes).tolist() == [1, 13, 47670040]


def test_age_weights_rank_due_dates_within_each_component() -> None:
    comp = np.array([0, 0, 0, 0, 1, 1], dtype=np.int64)
    due = np.array([10, 30, -1, 10, 50, 40], dtype=np.int64)
    weights, levels = solver.age_weights(comp, due, 2)
    assert weights.tolist() == [1, 0, 0, 1, 0, 1]
    assert levels.tolist() == [1, 1]


def test_cost_budget_coarsens_monotonically() -> None:
    weights = np.arange(10, dtype=np.int64)
    levels = np.array([9], dtype=np.int64)
    comp = np.zeros(10, dtype=np.int64)
    nodes = np.array([1000], dtype=np.int64)
    same = solver.fit_cost_budget(weights, levels, comp, nodes, 1000)
    assert (same[0].tolist(), same[1].tolist(), same[2]) == (list(range(10)), [9], True)
    # at 2**20 nodes the budget allows 3 levels: dates fall into buckets of 4, order kept
    w, k, exact = solver.fit_cost_budget(weights, levels, comp, np.array([2**20]), 2**20)
    assert exact is False
    assert k.tolist() == [2]
    assert w.tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]
    # at 2**21 nodes no level fits: the tie-break is dropped for that component
    w, k, exact = solver.fit_cost_budget(weights, levels, comp, np.array([2**21]), 2**21)
    assert (w.tolist(), k.tolist(), exact) == ([0] * 10, [0], False)


def test_coarsened_tie_break_is_reported_and_keeps_the_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(solver, "COST_BUDGET", 2000)
    result = solve(long_against_old())
    assert result.tie_break_exact is False
    assert result.cleared == D("500.40")


def test_refused_cost_range_falls_back_without_tie_break(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = solver._min_cost_flow

    def refuse_first(*args: Any) -> Any:
        calls.append(1)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(solver, "_min_cost_flow", refuse_first)
    result = solve(long_against_old())
    assert (len(calls), result.tie_break_exact, result.cleared) == (2, False, D("500.40"))


# --- validation ----------------------------------------------------------------------

BAD = [
    ("negative amount", ob("1", "A", "B", "-5"), "amount_not_positive"),
    ("zero amount", ob("1", "A", "B", "0"), "amount_not_positive"),
    ("three decimals", ob("1", "A", "B", "1.005"), "amount_too_precise"),
    ("too large", ob("1", "A", "B", "1000000000000"), "amount_too_large"),
    ("not a number", Obligation("1", "A", "B", D("NaN")), "amount_invalid"),
    ("float", Obligation("1", "A", "B", 1.5), "amount_invalid"),  # type: ignore[arg-type]
    ("self-loop", ob("1", "A", "A", "5"), "self_loop"),
    ("empty id", ob(" ", "A", "B", "5"), "id_missing"),
    ("empty debtor", ob("1", "", "B", "5"), "debtor_missing"),
    ("empty creditor", ob("1", "A", "", "5"), "creditor_missing"),
    ("bad status", ob("1", "A", "B", "5", status="paid"), "status_invalid"),
    ("datetime due", Obligation("1", "A", "B", D(5), dt.datetime(2025, 1, 1)), "due_invalid"),
    ("not an obligation", ("1", "A", "B", "5"), "obligation_invalid"),
]


@pytest.mark.parametrize(("item", "code"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_obligation_is_refused_with_a_bilingual_error(item: Any, code: str) -> None:
    with pytest.raises(NettingError) as caught:
        solve([*TRIANGLE, item])
    error = caught.value
    assert error.code == code
    assert error.details["index"] == 3
    assert error.message_zh
    assert error.message_en
    assert error.status == 422


def test_first_error_in_input_order_wins() -> None:
    with pytest.raises(NettingError) as caught:
        solve([ob("1", "A", "B", "5"), ob("2", "B", "B", "5"), ob("3", "A", "B", "-1")])
    assert (caught.value.code, caught.value.details["index"]) == ("self_loop", 1)


def test_duplicate_id() -> None:
    with pytest.raises(NettingError) as caught:
        solve([*TRIANGLE, ob("2", "C", "D", "5")])
    assert caught.value.code == "duplicate_id"
    assert caught.value.details == {"index": 3, "id": "2", "first_index": 1}


def test_string_and_integer_amounts_are_accepted() -> None:
    obligations = [
        Obligation("1", "A", "B", "10.5"),  # type: ignore[arg-type]
        Obligation("2", "B", "A", 10),  # type: ignore[arg-type]
    ]
    assert solve(obligations).cleared == D("20.00")


@pytest.mark.parametrize(
    ("options", "code"),
    [
        (NettingOptions(caps={"Z": D(5)}), "unknown_firm"),
        (NettingOptions(caps={"A": D("-1")}), "amount_not_positive"),
        (NettingOptions(caps={"A": D("0.001")}), "amount_too_precise"),
        (NettingOptions(min_amount=D("0.001")), "amount_too_precise"),
        (NettingOptions(age_tie_break="newest"), "option_invalid"),
    ],
)
def test_bad_options_are_refused(options: NettingOptions, code: str) -> None:
    with pytest.raises(NettingError) as caught:
        solve(TRIANGLE, options)
    assert caught.value.code == code


def test_input_is_not_modified() -> None:
    obligations = list(TRIANGLE)
    before = list(obligations)
    solve(obligations, NettingOptions(caps={"A": D(1)}))
    assert obligations == before
