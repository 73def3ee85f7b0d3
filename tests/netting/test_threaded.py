"""The two-core path of ``qingqian netting solve`` (issue 23, 10⁷ obligations in 120 s).

OR-Tools solves in a second process (``flowproc``) while the deferred checks and the
output's parts that do not depend on the set-offs are built here, and the firm names are
encoded in a second thread while the rest of the CSV is read. The thresholds are lowered
so that small instances take every such branch; the CSV and JSON must be byte for byte
what the row-by-row reader, ``solve`` and the original writers give.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from qingqian.netting import cli, csvio, flowproc, jsonio, solver
from qingqian.netting.csvio import (
    read_obligation_columns,
    read_obligation_columns_unchecked,
    read_obligations,
    setoffs_csv,
)
from qingqian.netting.solver import NettingOptions, Obligation, solve, solve_columns
from tests.netting.test_properties import networks

pytest.importorskip("pyarrow")

# Each example starts a flow process; a few dozen are enough next to the CLI tests.
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def supply_chain_csv(seed: int, rows: int = 2500, firms: int = 120, odd_ids: str = "") -> str:
    """A network with several components, repeated (debtor, creditor, due) keys in and out
    of id order, undated rows, statuses and some ids that need escaping in the output but
    not in the input: a formula start in the CSV (``odd_ids="csv"``), a backslash in the
    JSON (``"json"``)."""
    rng = random.Random(seed)
    lines = ["id,debtor,creditor,amount,due,status"]
    ids = rng.sample(range(10 * rows), rows)
    last = (0, 3, "")
    for k in range(rows):
        group = rng.randrange(3)  # three separate groups of firms
        a, b = rng.sample(range(group, firms, 3), 2)
        due = "" if k % 7 == 0 else f"2025-{rng.randint(1, 3):02d}-{rng.randint(10, 12)}"
        if k % 9 == 4:  # the same debtor, creditor and due date as the row before
            a, b, due = last
        last = (a, b, due)
        fen = rng.choice([1, 99, 12345, rng.randint(1, 10**9)])
        status = rng.choice(["", "", "", "", "unconfirmed", "disputed"])
        oid = f"INV{ids[k]:06d}"
        if odd_ids and k % 50 == 3:
            oid = rng.choice(["-5", "=1+1", "@x"] if odd_ids == "csv" else ["b\\s", "\\"]) + oid
        lines.append(f"{oid},F{a:03d},F{b:03d},{fen // 100}.{fen % 100:02d},{due},{status}")
    return "\n".join(lines) + "\n"


def old_outputs(text: str, options: NettingOptions) -> tuple[str, str]:
    """The JSON and CSV of the original path: row by row, ``solve``, ``as_dict``."""
    result = solve(read_obligations(io.StringIO(text, newline="")), options)
    return json.dumps(result.as_dict(), ensure_ascii=False) + "\n", setoffs_csv(result)


def cli_outputs(path: Path, *extra: str, as_bytes: bool = True) -> tuple[str, str]:
    """The JSON (stdout) and the ``--out`` CSV of ``run_solve``."""
    out = path.with_suffix(".out.csv")
    opts = {
        "obligations": str(path), "json": True, "out": str(out), "min_amount": None,
        "exclude_firm": [], "cap": [], "include_unconfirmed": False, "include_disputed": False,
        "age_tie_break": "auto",
    }  # fmt: skip
    for option in extra:
        key, _, value = option.partition("=")
        opts[key] = value if value else True
    texts: list[str] = []
    chunks: list[bytes] = []
    cli.run_solve(opts, texts.append, (lambda b: chunks.append(bytes(b))) if as_bytes else None)
    stdout = "".join(texts) + b"".join(chunks).decode()
    return stdout, out.read_bytes().decode()


@pytest.fixture
def threaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every thread and the flow process on small instances, output slices of 7 rows."""
    monkeypatch.setattr(solver, "SOLVE_PROCESS_MIN_ARCS", 0)
    monkeypatch.setattr(solver, "DECOMPOSE_MIN_ARCS", 0)
    monkeypatch.setattr(solver, "DEGREE_ORDER_MIN_ARCS", 0)
    monkeypatch.setattr(csvio, "_THREAD_MIN_ROWS", 0)
    monkeypatch.setattr(csvio, "_CHUNK", 7)
    monkeypatch.setattr(jsonio, "_JSON_CHUNK", 7)


@pytest.mark.parametrize("odd_ids", ["", "csv", "json"])
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("as_bytes", [True, False])
@pytest.mark.parametrize("mode", ["auto", "parallel"])
def test_threaded_cli_writes_the_old_bytes(
    tmp_path: Path, threaded: None, seed: int, odd_ids: str, as_bytes: bool, mode: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    text = supply_chain_csv(seed, odd_ids=odd_ids)
    path = tmp_path / "obligations.csv"
    path.write_text(text, encoding="utf-8")
    expected = old_outputs(text, NettingOptions(age_tie_break=mode))
    assert json.loads(expected[0])["cleared"] != "0.00"  # a non-trivial instance
    taken: list[tuple[bool, bool]] = []
    write_prepared = cli._write_prepared

    def spy(result: Any, prepared: Any, *args: Any) -> None:
        taken.append((prepared.csv is not None, prepared.json is not None))
        write_prepared(result, prepared, *args)

    monkeypatch.setattr(cli, "_write_prepared", spy)
    got = cli_outputs(path, f"age_tie_break={mode}", as_bytes=as_bytes)
    assert got == expected
    # Ids that need escaping take the original writers, the others the prepared parts.
    assert taken == {"": [(True, True)], "csv": [(False, True)], "json": [(True, False)]}[odd_ids]


def test_threaded_and_plain_cli_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same file through the default thresholds (no threads at this size) and through
    every threaded branch: the same bytes, equal to fixed digests of the old output."""
    text = supply_chain_csv(3)
    path = tmp_path / "obligations.csv"
    path.write_text(text, encoding="utf-8")
    plain = cli_outputs(path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(solver, "SOLVE_PROCESS_MIN_ARCS", 0)
        patch.setattr(csvio, "_THREAD_MIN_ROWS", 0)
        patch.setattr(csvio, "_CHUNK", 5)
        patch.setattr(jsonio, "_JSON_CHUNK", 5)
        assert cli_outputs(path) == plain
    assert plain == old_outputs(text, NettingOptions())
    # The digests of the output of the code before the threads (commit babd1d0).
    assert json.loads(plain[0])["cleared"] == "900542933.03"
    assert hashlib.sha256(plain[0].encode()).hexdigest() == (
        "72fd91329c72c5fd720e4c5baaca6b97f70ab7703ca26696c22014204ee1b307"
    )
    assert hashlib.sha256(plain[1].encode()).hexdigest() == (
        "7efad3056a05ca6b935ea7064a6311114c398bf23ab0ced203ee92eeb0b0e8e0"
    )


def test_text_summary_and_csv_only(tmp_path: Path, threaded: None) -> None:
    text = supply_chain_csv(4, rows=300)
    path = tmp_path / "obligations.csv"
    path.write_text(text, encoding="utf-8")
    result = solve(read_obligations(io.StringIO(text, newline="")))
    out = tmp_path / "s.csv"
    written: list[str] = []
    opts: dict[str, Any] = {
        "obligations": str(path), "json": False, "out": str(out), "min_amount": None,
        "exclude_firm": [], "cap": [], "include_unconfirmed": False, "include_disputed": False,
        "age_tie_break": "auto",
    }  # fmt: skip
    cli.run_solve(opts, written.append, lambda b: pytest.fail("no JSON was asked for"))
    assert out.read_text(encoding="utf-8") == setoffs_csv(result)
    assert "".join(written).startswith(f"债务总额 total {result.total} · 抵销 cleared")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("a,X,Y,5\na,Y,X,5\n", "Line 3: the id a repeats"),
        ("a,X,Y,5\n  ,Y,X,5\n", "Line 3: the id is empty"),
    ],
)
def test_deferred_checks_fail_into_the_row_reader(
    tmp_path: Path, threaded: None, body: str, fragment: str
) -> None:
    """Ids are checked while OR-Tools solves: a repeated or blank id drops the solve and
    the row-by-row reader reports the line, as before."""
    path = tmp_path / "bad.csv"
    path.write_text("id,debtor,creditor,amount\n" + body * 1, encoding="utf-8")
    read = read_obligation_columns_unchecked(path.read_bytes())
    assert read is not None
    assert read[1]() is False
    assert read_obligation_columns(path.read_bytes()) is None
    with pytest.raises(cli.SolveError, match=fragment):
        cli_outputs(path)


def test_long_line_is_checked_later(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import csv

    monkeypatch.setattr(csv, "field_size_limit", lambda: 30)
    data = b"id,debtor,creditor,amount\na,X,Y,5\nb,Y,X,5\nc,X,Y,12345678901234567890.5\n"
    read = read_obligation_columns_unchecked(data)
    assert read is None  # the amount is refused before anything is solved
    data = b"id,debtor,creditor,amount,note\na,X,Y,5,short\nb,Y,X,5," + b"n" * 40 + b"\n"
    read = read_obligation_columns_unchecked(data)
    assert read is not None and read[1]() is False
    monkeypatch.setattr(csv, "field_size_limit", lambda: 131072)
    assert read[1]() is True


@SETTINGS
@given(networks(max_size=30))
def test_threaded_solve_equals_the_plain_one(obligations: list[Obligation]) -> None:
    """``solve_columns`` with every threaded branch returns the same set-offs, and calls
    ``during`` once with the net positions, which the result keeps."""
    caps = {o.debtor: Decimal("3.00") for o in obligations[:1]}
    for options in (NettingOptions(), NettingOptions(caps=caps, age_tie_break="parallel")):
        plain = solve(obligations, options)
        seen: list[tuple[list[str], list[int]]] = []

        def during(firms: list[str], net: Any, seen: list[Any] = seen) -> None:
            seen.append((firms, net.tolist()))

        columns = columns_of(obligations)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(solver, "SOLVE_PROCESS_MIN_ARCS", 0)
            patch.setattr(solver, "DECOMPOSE_MIN_ARCS", 0)
            threaded = solve_columns(columns, options, during=during)
        assert threaded.setoff_fen() == plain.setoff_fen()
        assert threaded.as_dict() == plain.as_dict()
        assert threaded.firms == plain.firms
        names, net = threaded.net_fen()
        assert seen == [(names, net.tolist())]


def columns_of(obligations: list[Obligation]) -> solver.ObligationColumns:
    text = "id,debtor,creditor,amount,due\n" + "".join(
        f"{o.id},{o.debtor},{o.creditor},{o.amount},{o.due or ''}\n" for o in obligations
    )
    columns = read_obligation_columns(text.encode())
    assert columns is not None
    return columns


def test_during_errors_end_the_flow_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception from ``during`` comes out of ``solve_columns``; the child is ended and
    its file removed."""
    monkeypatch.setattr(solver, "SOLVE_PROCESS_MIN_ARCS", 0)
    started: list[flowproc.FlowProcess] = []
    init = flowproc.FlowProcess.__init__

    def spy(self: flowproc.FlowProcess) -> None:
        init(self)
        started.append(self)

    monkeypatch.setattr(flowproc.FlowProcess, "__init__", spy)
    columns = columns_of(
        [Obligation("1", "A", "B", Decimal(5)), Obligation("2", "B", "A", Decimal(3))]
    )
    boom: Callable[[list[str], Any], None] = lambda firms, net: 1 / 0  # noqa: E731
    with pytest.raises(ZeroDivisionError):
        solve_columns(columns, during=boom)
    assert len(started) == 1
    assert started[0]._proc is None and started[0]._fd is None


def test_key_order_sorts_by_the_key() -> None:
    rng = np.random.default_rng(7)
    tails = rng.integers(0, 6, 500)
    heads = rng.integers(0, 6, 500)
    due = rng.integers(-1, 4, 500)
    for n in (6, 3_000_000_000):
        order = solver._key_order(tails, heads, due, n)
        assert sorted(order.tolist()) == list(range(500))
        key = [(t, h, d if d >= 0 else 1 << 30) for t, h, d in zip(tails, heads, due, strict=True)]
        ordered = [key[i] for i in order.tolist()]
        assert ordered == sorted(key)


def test_flow_process_is_used_and_its_failure_is_harmless(
    tmp_path: Path, threaded: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flow goes to the child process; if the child fails (here: it gets an instance it
    cannot read), the caller solves in its own process and the output is the same."""
    text = supply_chain_csv(5, rows=600)
    path = tmp_path / "obligations.csv"
    path.write_text(text, encoding="utf-8")
    expected = old_outputs(text, NettingOptions())
    answers: list[object] = []
    result = flowproc.FlowProcess.result

    def spy(self: flowproc.FlowProcess) -> Any:
        answers.append(result(self))
        return answers[-1]

    monkeypatch.setattr(flowproc.FlowProcess, "result", spy)
    assert cli_outputs(path) == expected
    assert len(answers) == 1 and answers[0] is not None
    submit = flowproc.FlowProcess.submit

    def broken(self: flowproc.FlowProcess, arrays: Any, n_nodes: int, settings: Any) -> None:
        submit(self, {**arrays, "src": arrays["src"][:1]}, n_nodes, settings)

    monkeypatch.setattr(flowproc.FlowProcess, "submit", broken)
    assert cli_outputs(path) == expected
    assert len(answers) == 2 and answers[1] is None


def test_flow_process_answers_the_in_process_flow() -> None:
    rng = np.random.default_rng(3)
    src = rng.integers(0, 30, 400)
    dst = (src + rng.integers(1, 30, 400)) % 30
    empty = np.zeros(0, dtype=np.int64)
    arrays = {
        "src": src, "dst": dst, "cap": rng.integers(1, 10**6, 400),
        "weights": rng.integers(0, 5, 400), "levels": np.array([4]),
        "comp": np.zeros(400, dtype=np.int64), "nodes_of_comp": np.array([30]),
        "cap_tail": empty, "cap_head": empty, "cap_cap": empty, "cap_comp": empty,
    }  # fmt: skip
    settings = {name: getattr(solver, name) for name in solver._FLOW_SETTINGS}
    process = flowproc.FlowProcess()
    process.submit(arrays, 30, settings)
    answer = process.result()
    assert answer is not None
    flow, exact = answer
    here, exact_here = solver.exact_flow(arrays, 30)
    assert flow.tolist() == here.tolist() and exact is exact_here is True
    assert flow.any()
