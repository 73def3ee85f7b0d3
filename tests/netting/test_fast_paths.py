"""The column-wise paths (issue 23): CSV columns, ``solve_columns``, streamed JSON and CSV
output, scipy's SCCs and the decomposed, parallel solve all agree with the row-by-row
originals."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import sys
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingqian.common.spreadsheet import escape_cell
from qingqian.netting import csvio, jsonio, scc, solver
from qingqian.netting.csvio import read_obligation_columns, read_obligations, setoffs_csv
from qingqian.netting.errors import NettingError
from qingqian.netting.jsonio import result_json_chunks
from qingqian.netting.solver import (
    NettingOptions,
    Obligation,
    ObligationColumns,
    component_bins,
    fen_texts,
    solve,
    solve_columns,
)
from tests.netting.test_properties import component_ranks, networks

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(params=["arrow", "pandas"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each reader test twice: with pyarrow's parser, and with pandas' (without pyarrow)."""
    if request.param == "pandas":
        monkeypatch.setitem(sys.modules, "pyarrow", None)  # the import fails
    else:
        pytest.importorskip("pyarrow")
    return str(request.param)


def random_csv(seed: int, rows: int = 300, firms: int = 25) -> str:
    rng = random.Random(seed)
    statuses = ["", "confirmed", "unconfirmed", "disputed", "已确认", "有争议", "Disputed"]
    lines = ["ID , Debtor,creditor,amount,due,status,note"]
    for k in range(rows):
        a, b = rng.sample(range(firms), 2)
        fen = rng.choice([1, 5, 99, 100, 12345, rng.randint(1, 10**11)])
        amount = rng.choice([f"{fen // 100}.{fen % 100:02d}", f"{fen}", f"{fen // 10}.{fen % 10}"])
        due = rng.choice(["", "2024-02-29", "2025-12-31", f"2024-01-{rng.randint(10, 28)}"])
        lines.append(f"x{k},F{a} ,  F{b},{amount},{due},{rng.choice(statuses)},n")
        if k % 50 == 7:
            lines.append("")
    return "\r\n".join(lines) + "\r\n"


def slow_read(text: str) -> list[Obligation]:
    return read_obligations(io.StringIO(text.lstrip("\ufeff"), newline=""))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.usefixtures("engine")
def test_columns_read_what_the_row_reader_reads(seed: int) -> None:
    text = random_csv(seed)
    columns = read_obligation_columns(("\ufeff" if seed % 2 else "").encode() + text.encode())
    assert columns is not None
    assert columns.obligations() == slow_read(text)


@pytest.mark.parametrize(
    "body",
    [
        '1,A,B,"100"',  # quotes: the csv module decides
        "1,A,B,1e3",  # Decimal reads it, the fast path does not
        "1,A,B,+5",
        "1,A,B,.5",
        "1,A,B,5.",
        "1,A,B,5.123",
        "1,A,B,0",
        "1,A,B,0.00",
        "1,A,B,1000000000000.00",  # above the maximum
        "1,A,B,１２",  # full-width digits
        "1,A,A,5",  # self loop
        "1,A,B,5\n1,B,A,5",  # duplicate id
        "1,A,B,5,2024-13-01",
        "1,A,B,5,,maybe",
        "1,,B,5",
        " ,A,B,5",
        "1,A,B",  # a missing cell
        "1,A,B,5,2024-01-01,confirmed,extra,cells",
        "1,A,B,5\r2,B,A,5",  # a lone carriage return
        ",,,",
    ],
)
@pytest.mark.usefixtures("engine")
def test_anything_doubtful_falls_back(body: str) -> None:
    header = "id,debtor,creditor,amount" + (",due,status" if body.count(",") > 3 else "")
    assert read_obligation_columns(f"{header}\n{body}\n".encode()) is None


@pytest.mark.parametrize(
    "rows",
    ["1,A,B,5,7\n2,B,A,3,9\n", "1,A,B,5,7\n2,B,A,3\n", "1,A,B,5\n2,B,A,3,9\n"],
)
@pytest.mark.usefixtures("engine")
def test_extra_cells_never_shift_the_columns(rows: str) -> None:
    """pandas would take the first column as the index when every row has one cell more
    than the header; the row reader ignores the extra cells."""
    text = "id,debtor,creditor,amount\n" + rows
    columns = read_obligation_columns(text.encode())
    assert columns is None or columns.obligations() == slow_read(text)


@pytest.mark.usefixtures("engine")
def test_dates_are_read_by_the_same_function() -> None:
    text = "id,debtor,creditor,amount,due\n1,A,B,5,20240101\n2,B,A,7, 2024-02-03 \n"
    columns = read_obligation_columns(text.encode())
    assert columns is not None
    assert columns.obligations() == slow_read(text)


@pytest.mark.usefixtures("engine")
def test_not_utf8_or_missing_columns_fall_back() -> None:
    gb = "id,debtor,creditor,amount\n1,甲,乙,5\n".encode("gb18030")
    assert read_obligation_columns(gb) is None
    assert read_obligation_columns(b"id,debtor,amount\n1,A,5\n") is None
    assert read_obligation_columns(b"") is None
    assert read_obligation_columns(b"id,ID,debtor,creditor,amount\n1,2,A,B,5\n") is None


@pytest.mark.usefixtures("engine")
def test_header_only_gives_no_obligations() -> None:
    columns = read_obligation_columns(b"id,debtor,creditor,amount\n")
    assert columns is not None
    assert solve_columns(columns).as_dict() == solve([]).as_dict()


@pytest.mark.parametrize(
    "options",
    [
        NettingOptions(),
        NettingOptions(exclude_disputed=False, exclude_unconfirmed=False),
        NettingOptions(min_amount=Decimal("1000"), non_consenting=frozenset({"F3", "nobody"})),
        NettingOptions(caps={"F1": Decimal("50000"), "F2": Decimal("0")}, age_tie_break="global"),
        NettingOptions(age_tie_break="parallel", exclude_unconfirmed=False),
    ],
)
@pytest.mark.usefixtures("engine")
def test_solve_columns_equals_solve(options: NettingOptions) -> None:
    text = random_csv(11, rows=400, firms=12)
    columns = read_obligation_columns(text.encode())
    assert columns is not None
    fast, slow = solve_columns(columns, options), solve(slow_read(text), options)
    assert fast.as_dict() == slow.as_dict()
    assert fast.setoffs == slow.setoffs
    assert fast.firms == slow.firms
    assert (fast.eligible, fast.clearable, fast.age_tie_break) == (
        slow.eligible,
        slow.clearable,
        slow.age_tie_break,
    )


def test_bad_columns_raise_the_row_by_row_error() -> None:
    columns = ObligationColumns(
        ["a", "b"], ["A", "B"], np.array([0, 1]), np.array([1, 1]), np.array([5, 7]),
        np.array([-1, -1]), np.zeros(2, dtype=np.int8),
    )  # fmt: skip
    with pytest.raises(NettingError) as caught:
        solve_columns(columns)
    assert caught.value.code == "self_loop"
    assert caught.value.details["index"] == 1
    with pytest.raises(NettingError) as caught:
        solve_columns(columns, NettingOptions(age_tie_break="fast"))
    assert caught.value.code == "option_invalid"


def test_fen_texts() -> None:
    values = np.array([0, 1, 10, 99, 100, 12345, 99_999_999_999_999], dtype=np.int64)
    assert fen_texts(values) == ["0.00", "0.01", "0.10", "0.99", "1.00", "123.45",
                                 "999999999999.99"]  # fmt: skip
    assert fen_texts(np.array([-5, 120], dtype=np.int64)) == ["-0.05", "1.20"]
    assert fen_texts(np.array([0, 0, 7, 0], dtype=np.int64)) == ["0.00", "0.00", "0.07", "0.00"]
    mixed = np.array([-(10**14), -100, -1, 0, 1, 250, 10**14 + 7], dtype=np.int64)
    assert fen_texts(mixed) == [solver._fmt(v) for v in mixed.tolist()]


ODD_IDS = ['say "hi"', "back\\slash", "tab\there", "换行\n", "=1+1", "-5", "-x", "a,b", "普通"]


@pytest.mark.parametrize("chunk", [3, 1 << 20])
def test_streamed_json_and_csv_equal_the_originals(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonio, "_JSON_CHUNK", chunk)
    monkeypatch.setattr(csvio, "_CHUNK", chunk)
    firms = ["A", "B", "C", 'D "quoted"', "E\\"]
    obligations = [
        Obligation(oid, firms[k % 5], firms[(k + 1) % 5], Decimal(100 + 37 * k).scaleb(-2))
        for k, oid in enumerate([*ODD_IDS, *(f"p{k}" for k in range(11))])
    ]
    obligations.append(Obligation("back", "A", "E\\", Decimal("7.5")))
    for odd in (True, False):
        result = solve(obligations if odd else obligations[len(ODD_IDS) :])
        assert "".join(result_json_chunks(result)) == json.dumps(
            result.as_dict(), ensure_ascii=False
        )
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "setoff", "remaining"])
        for s in result.setoffs:
            writer.writerow([escape_cell(s.id), str(s.setoff), str(s.remaining)])
        assert setoffs_csv(result) == out.getvalue()
    empty = solve([])
    assert "".join(result_json_chunks(empty)) == json.dumps(empty.as_dict())


@st.composite
def digraphs(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]]]:
    n = draw(st.integers(1, 12))
    arcs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=40))
    return n, [(a, b) for a, b in arcs if a != b]


@SETTINGS
@given(digraphs())
def test_scipy_components_equal_tarjan(graph: tuple[int, list[tuple[int, int]]]) -> None:
    n, arcs = graph
    tails = np.array([a for a, _ in arcs], dtype=np.int64)
    heads = np.array([b for _, b in arcs], dtype=np.int64)
    ours = scc._scc_labels(n, tails, heads).tolist()
    tarjan = scc.strongly_connected_components(n, tails.tolist(), heads.tolist())
    pairs = [(u, v) for u in range(n) for v in range(n)]
    assert [ours[u] == ours[v] for u, v in pairs] == [tarjan[u] == tarjan[v] for u, v in pairs]


def test_component_bins_balance_by_arcs() -> None:
    bins = component_bins(np.array([5, 100, 7, 60, 40, 1], dtype=np.int64), 2)
    assert bins.tolist() == [1, 0, 0, 1, 1, 1]  # 100 + 7 against 60 + 40 + 5 + 1
    assert component_bins(np.array([3, 3, 3], dtype=np.int64), 4).tolist() == [0, 1, 2]


def many_components(seed: int, groups: int = 6, per: int = 5, arcs: int = 18) -> list[Obligation]:
    """Several separate clusters of firms (so several SCCs), random debts inside each."""
    rng = random.Random(seed)
    day0 = dt.date(2024, 1, 1)
    out = []
    for g in range(groups):
        for k in range(arcs):
            a, b = rng.sample(range(per), 2)
            fen = rng.choice([rng.randint(1, 500), rng.randint(1, 10**9)])
            due = day0 + dt.timedelta(days=rng.randint(0, 30)) if k % 3 else None
            out.append(Obligation(f"g{g}-{k}", f"G{g}F{a}", f"G{g}F{b}", Decimal(fen) / 100, due))
    rng.shuffle(out)
    return out


def age_score(result: solver.NettingResult, obligations: list[Obligation]) -> int:
    ranks = component_ranks(obligations)
    return sum(r * int(s.setoff.scaleb(2)) for r, s in zip(ranks, result.setoffs, strict=True))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("mode", ["global", "parallel"])
def test_decomposed_solve_equals_the_whole_graph(
    seed: int, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    obligations = many_components(seed)
    caps = {"G1F0": Decimal("3.00"), "G4F2": Decimal("0")}
    options = NettingOptions(age_tie_break=mode, caps=caps)
    whole = solve(obligations, options)
    calls: list[int] = []
    inner = solver._min_cost_flow
    monkeypatch.setattr(solver, "DECOMPOSE_MIN_ARCS", 0)
    monkeypatch.setattr(solver, "DEGREE_ORDER_MIN_ARCS", 0)
    monkeypatch.setattr(solver, "PARALLEL_WORKERS", 3)
    monkeypatch.setattr(solver, "_min_cost_flow", lambda *a: calls.append(1) or inner(*a))
    parts = solve(obligations, options)
    assert whole.components >= 3
    assert len(calls) == 3  # one OR-Tools instance per bin, in three threads
    assert parts.cleared == whole.cleared
    assert parts.net_positions_after == whole.net_positions_before
    assert all(f.setoff <= caps.get(f.firm, f.setoff) for f in parts.firms)
    if mode == "global":
        assert age_score(parts, obligations) == age_score(whole, obligations)
    again = solve(list(reversed(obligations)), options)
    assert again.setoff_by_id() == parts.setoff_by_id()  # still order-independent


@SETTINGS
@given(networks(max_size=24))
def test_decomposed_solve_is_optimal(obligations: list[Obligation]) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(solver, "DECOMPOSE_MIN_ARCS", 0)
        patch.setattr(solver, "DEGREE_ORDER_MIN_ARCS", 0)
        patch.setattr(solver, "PARALLEL_WORKERS", 2)
        parts = solve(obligations, NettingOptions(age_tie_break="global"))
    whole = solve(obligations, NettingOptions(age_tie_break="global"))
    assert parts.cleared == whole.cleared
    assert age_score(parts, obligations) == age_score(whole, obligations)
    assert parts.net_positions_after == parts.net_positions_before


def test_arrow_ids_read_as_a_sequence_of_str() -> None:
    pa = pytest.importorskip("pyarrow")
    texts = [f"id{k}" for k in range(7)]
    ids = csvio.ArrowIds(pa.array(texts))
    assert len(ids) == 7
    assert list(ids) == texts
    assert ids[0] == "id0" and ids[-1] == "id6"
    assert ids[2:5] == texts[2:5] and ids[::3] == texts[::3] and ids[5:2] == []
    assert ids.take_list([6, 0, 6]) == ["id6", "id0", "id6"]
    with pytest.raises(IndexError):
        ids[7]


@pytest.mark.parametrize("chunk", [3, 1 << 20])
@pytest.mark.parametrize("odd", [False, True])
def test_arrow_writers_equal_the_originals(
    chunk: int, odd: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the ids in an Arrow array, the column-wise JSON and CSV are the same text as
    ``as_dict`` through ``json.dumps`` and the csv writer (ids that need escaping too)."""
    pa = pytest.importorskip("pyarrow")
    monkeypatch.setattr(jsonio, "_JSON_CHUNK", chunk)
    monkeypatch.setattr(csvio, "_CHUNK", chunk)
    ids = [*(ODD_IDS if odd else []), *(f"p{k}" for k in range(11)), "末"]
    m = len(ids)
    fen = np.asarray([100 + 37 * k for k in range(m)], dtype=np.int64)
    debtor = np.asarray([k % 5 for k in range(m)], dtype=np.int64)
    creditor = (debtor + 1) % 5
    columns = ObligationColumns(
        csvio.ArrowIds(pa.array(ids)), ["A", "B", "C", 'D "q"', "E\\"], debtor, creditor, fen,
        np.full(m, -1, dtype=np.int64), np.zeros(m, dtype=np.int8),
    )  # fmt: skip
    result = solve_columns(columns)
    plain = solve(columns.obligations())
    assert result.as_dict() == plain.as_dict()
    assert "".join(result_json_chunks(result)) == json.dumps(result.as_dict(), ensure_ascii=False)
    assert setoffs_csv(result) == setoffs_csv(plain)


def test_same_runs_are_ordered_by_id() -> None:
    """Obligations with the same debtor, creditor and due date are set off in id order,
    whatever the order of the input and whether the ids are a list or an Arrow array."""
    rows = [("b", "A", "B", "5"), ("a", "A", "B", "5"), ("c", "A", "B", "5"), ("z", "B", "A", "6")]
    obligations = [Obligation(i, d, c, Decimal(x), dt.date(2025, 1, 1)) for i, d, c, x in rows]
    expected = {"a": Decimal("5.00"), "b": Decimal("1.00"), "c": Decimal("0.00"),
                "z": Decimal("6.00")}  # fmt: skip
    for order in (obligations, obligations[::-1]):
        assert solve(order).setoff_by_id() == expected
    text = "id,debtor,creditor,amount,due\n" + "".join(
        f"{i},{d},{c},{x},2025-01-01\n" for i, d, c, x in rows
    )
    columns = read_obligation_columns(text.encode())
    assert columns is not None
    assert solve_columns(columns).setoff_by_id() == expected


@SETTINGS
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(-1, 9)), max_size=60),
    st.sampled_from([7, 3_000_000_000]),
)
def test_canonical_order_is_the_lexsort(rows: list[tuple[int, int, int]], n: int) -> None:
    """Both ways of the packed sort (one key, or two stable sorts for huge firm counts) give
    exactly ``np.lexsort``'s order, ties in input order."""
    kt = np.asarray([r[0] for r in rows], dtype=np.int64).reshape(len(rows))
    kh = np.asarray([r[1] for r in rows], dtype=np.int64).reshape(len(rows))
    due = np.asarray([r[2] if r[2] >= 0 else (1 << 22) - 1 for r in rows], dtype=np.int64)
    due = due.reshape(len(rows))
    expected = np.lexsort((due, kh, kt))
    assert np.array_equal(solver._canonical_order(kt, kh, due, n), expected)


@SETTINGS
@given(
    st.lists(st.text("ab\u00e9\u4e00", min_size=1, max_size=6), max_size=30),
    st.integers(0, 3),
)
def test_distinct_ids_by_hash_equal_the_set(texts: list[str], skip: int) -> None:
    """The hashed check of distinct ids (one length up to 16 bytes) and its exact fallback
    agree with ``len(set(...))``, on slices of a larger array too."""
    pa = pytest.importorskip("pyarrow")
    for chosen in (texts, [t.ljust(6, "a") for t in texts], [t * 3 for t in texts]):
        array = pa.array(["zz"] * skip + chosen, type=pa.string()).slice(skip)
        assert csvio._distinct(array) == (len(set(chosen)) == len(chosen))


@st.composite
def parallel_networks(draw: st.DrawFn) -> list[Obligation]:
    """Few firms, many obligations: most ordered pairs carry several (merged into one arc)."""
    firms = draw(st.integers(2, 5))
    rows = draw(
        st.lists(
            st.tuples(st.integers(0, firms - 1), st.integers(1, firms - 1),
                      st.integers(1, 10**6), st.sampled_from([None, 1, 2, 3])),
            max_size=30,
        )
    )  # fmt: skip
    return [
        Obligation(f"o{k}", f"F{a}", f"F{(a + step) % firms}", Decimal(fen).scaleb(-2),
                   None if day is None else dt.date(2025, 1, day))
        for k, (a, step, fen, day) in enumerate(rows)
    ]  # fmt: skip


@SETTINGS
@given(parallel_networks(), st.sampled_from(["parallel", "global"]))
def test_merged_arcs_split_back_exactly(obligations: list[Obligation], mode: str) -> None:
    """Merging the obligations of one ordered pair into one arc and splitting its flow back
    gives each obligation a set-off within its amount, keeps every net position, and clears
    exactly what the textbook flow with one arc per obligation clears."""
    from ortools.graph.python import min_cost_flow

    result = solve(obligations, NettingOptions(age_tie_break=mode))
    by_id = result.setoff_by_id()
    for ob in obligations:
        assert Decimal(0) <= by_id[ob.id] <= ob.amount
    assert result.net_positions_after == result.net_positions_before
    if not obligations:
        return
    names = sorted({o.debtor for o in obligations} | {o.creditor for o in obligations})
    index = {name: i for i, name in enumerate(names)}
    tails = np.asarray([index[o.debtor] for o in obligations], dtype=np.int64)
    heads = np.asarray([index[o.creditor] for o in obligations], dtype=np.int64)
    fen = np.asarray([int(o.amount * 100) for o in obligations], dtype=np.int64)
    supply = np.bincount(tails, fen, len(names)) - np.bincount(heads, fen, len(names))
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, fen, np.ones(len(fen), np.int64))
    flow.set_nodes_supplies(np.arange(len(names)), np.rint(supply).astype(np.int64))
    assert flow.solve() == flow.OPTIMAL
    assert int(result.cleared * 100) == int(fen.sum()) - flow.optimal_cost()
