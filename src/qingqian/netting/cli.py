"""``qingqian netting solve`` without Django: the command's arguments and its work.

``qingqian.commands.management.commands.netting`` (the Django command) and the start-up
shortcut in ``qingqian.cli`` (which runs ``qingqian netting solve …`` without setting
Django up: the solve reads a file and writes files, it needs no settings, apps or
database, and Django's start-up with the system checks costs about four CPU seconds)
both call :func:`add_solve_arguments` and :func:`run_solve`, so they behave alike.

Pure: standard library and the netting kernels; no Django.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from qingqian.common.exceptions import ApplicationError
from qingqian.netting.csvio import (
    PreparedSetoffsCsv,
    fen_arrow_chunks,
    read_obligation_columns_unchecked,
    read_obligations,
    setoffs_csv_chunks,
)
from qingqian.netting.jsonio import PreparedResultJson, result_json_chunks
from qingqian.netting.solver import (
    AGE_AUTO,
    AGE_MODES,
    IntArray,
    NettingOptions,
    NettingResult,
    ObligationColumns,
    solve,
    solve_columns,
)


class SolveError(Exception):
    """Bad input or options: ``message`` (zh / en) for the user, exit code ``returncode``."""

    def __init__(self, message: str, returncode: int = 2) -> None:
        super().__init__(message)
        self.returncode = returncode


def _bad(zh: str, en: str) -> SolveError:
    return SolveError(f"{zh} / {en}")


def _money(raw: str, name: str) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise _bad(f"{name} 不是数字：{raw!r}", f"{name} is not a number: {raw!r}")
    return value


def add_solve_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments of ``netting solve``."""
    p.add_argument("obligations", help="CSV with the header id,debtor,creditor,amount")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--out", help="write id,setoff,remaining to this CSV file")
    p.add_argument("--min-amount", help="leave out obligations below this amount (yuan)")
    p.add_argument(
        "--exclude-firm", action="append", default=[], metavar="NAME",
        help="a firm that has not consented (repeatable)",
    )  # fmt: skip
    p.add_argument(
        "--cap", action="append", default=[], metavar="FIRM=AMOUNT",
        help="the most a firm may have set off (repeatable)",
    )  # fmt: skip
    p.add_argument("--include-unconfirmed", action="store_true")
    p.add_argument("--include-disputed", action="store_true")
    p.add_argument(
        "--age-tie-break", choices=list(AGE_MODES), default=AGE_AUTO,
        help="prefer older obligations across the network (global) or only between "
        "the same two firms (parallel, faster on huge networks)",
    )  # fmt: skip


def run_solve(
    opts: dict[str, Any],
    write: Callable[[str], object],
    write_bytes: Callable[[bytes | memoryview], object] | None = None,
) -> None:
    """Solve the file ``opts["obligations"]``; ``write`` receives the output in pieces
    (``write_bytes``, if given, receives the JSON as UTF-8 bytes instead).

    Raises :class:`SolveError` for bad input (nothing written to ``--out`` then).
    """
    caps: dict[str, Decimal] = {}
    for item in opts["cap"]:
        firm, sep, amount = item.rpartition("=")
        if not sep or not firm.strip():
            raise _bad(f"--cap 应写成 企业=金额：{item!r}", f"--cap must be FIRM=AMOUNT: {item!r}")
        caps[firm.strip()] = _money(amount, "--cap")
    options = NettingOptions(
        exclude_disputed=not opts["include_disputed"],
        exclude_unconfirmed=not opts["include_unconfirmed"],
        non_consenting=frozenset(opts["exclude_firm"]),
        min_amount=_money(opts["min_amount"], "--min-amount") if opts["min_amount"] else None,
        caps=caps,
        age_tie_break=opts["age_tie_break"],
    )
    path = Path(opts["obligations"])
    prepared: _Prepared | None = None
    try:
        solved = _solve_columns(path.read_bytes(), options, opts)  # h23n: the fast path
        if solved is not None:
            result, prepared = solved
        else:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                obligations = read_obligations(handle)
            result = solve(obligations, options)
    except OSError as exc:
        raise _bad(
            f"无法读取文件 {path}：{exc.strerror}", f"Cannot read {path}: {exc.strerror}"
        ) from None
    except UnicodeDecodeError:
        raise _bad(f"文件 {path} 不是 UTF-8 编码", f"{path} is not UTF-8 text") from None
    except ApplicationError as exc:
        raise SolveError(exc.message) from None
    if prepared is not None and (prepared.csv or prepared.json):
        _write_prepared(result, prepared, opts, write, write_bytes)
        return
    if opts["out"]:
        with Path(opts["out"]).open("w", encoding="utf-8", newline="") as out:
            out.writelines(setoffs_csv_chunks(result))
    if opts["json"]:
        for chunk in result_json_chunks(result):
            write(chunk)
        write("\n")
        return
    write(
        f"债务总额 total {result.total} · 抵销 cleared {result.cleared} · "
        f"剩余 remaining {result.remaining} · 企业 firms {len(result.firms)}\n"
    )
    for firm in result.firms:
        if firm.setoff:
            write(f"  {firm.firm}: 抵销 set off {firm.setoff}, 净额 net {firm.net}\n")


class _Prepared:
    """The output built while OR-Tools solves (``None`` where not wanted or not possible)."""

    def __init__(self) -> None:
        self.verified: bool | None = None
        self.csv: PreparedSetoffsCsv | None = None
        self.json: PreparedResultJson | None = None


def _solve_columns(
    data: bytes, options: NettingOptions, opts: dict[str, Any]
) -> tuple[NettingResult, _Prepared] | None:
    """The column-wise path: ``None`` if the file must be read row by row.

    The checks the solver does not need (``read_obligation_columns_unchecked``) and the
    output's parts that do not depend on the set-offs run while OR-Tools solves on the
    other core (``solve_columns(during=…)``). If those checks fail, whatever was computed
    is dropped, errors included, and the row-by-row reader decides.
    """
    read = read_obligation_columns_unchecked(data)
    if read is None:
        return None
    columns, verify = read
    prepared = _Prepared()

    def during(firms: list[str], net_fen: IntArray) -> None:
        prepared.verified = verify()
        if prepared.verified:
            _prepare(prepared, columns, firms, net_fen, opts)

    try:
        result = solve_columns(columns, options, during=during)
    except ApplicationError:
        if prepared.verified is False or (prepared.verified is None and not verify()):
            return None
        raise
    if prepared.verified is None:  # solve_columns sent the columns to the row-by-row checks
        prepared.verified = verify()
    return (result, prepared) if prepared.verified else None


def _prepare(
    prepared: _Prepared, columns: ObligationColumns, firms: list[str], net_fen: IntArray,
    opts: dict[str, Any],
) -> None:  # fmt: skip
    if opts["out"]:
        prepared.csv = PreparedSetoffsCsv.of(columns.ids, np.asarray(columns.fen, dtype=np.int64))
    if opts["json"]:
        prepared.json = PreparedResultJson.of(columns.ids, firms, net_fen)


def _write_prepared(
    result: NettingResult, prepared: _Prepared, opts: dict[str, Any],
    write: Callable[[str], object], write_bytes: Callable[[bytes | memoryview], object] | None,
) -> None:  # fmt: skip
    """Write the CSV and the JSON from their prepared parts: the set-offs' text once, then
    the CSV in a second thread while the JSON is written (Arrow's kernels and the writes
    release the GIL)."""
    setoff = result.setoff_fen_array()
    texts = fen_arrow_chunks(setoff, workers=2)
    emit: Callable[[bytes | memoryview], object] = write_bytes or (
        lambda data: write(str(data, "utf-8"))
    )
    with ExitStack() as stack:
        writing = None
        if opts["out"]:  # opened (or failing) before any JSON is written, closed last
            out = stack.enter_context(Path(opts["out"]).open("wb"))
            pool = stack.enter_context(ThreadPoolExecutor(max_workers=1))
            writing = pool.submit(_write_csv, out, result, prepared.csv, setoff, texts)
        if opts["json"]:
            chunks = (
                prepared.json.chunks(result, texts)
                if prepared.json is not None
                else (text.encode() for text in result_json_chunks(result))
            )
            for chunk in chunks:
                emit(chunk)
            emit(b"\n")
        if writing is not None:
            writing.result()
    if not opts["json"]:
        write(
            f"债务总额 total {result.total} · 抵销 cleared {result.cleared} · "
            f"剩余 remaining {result.remaining} · 企业 firms {len(result.firms)}\n"
        )
        for firm in result.firms:
            if firm.setoff:
                write(f"  {firm.firm}: 抵销 set off {firm.setoff}, 净额 net {firm.net}\n")


def _write_csv(
    out: BinaryIO, result: NettingResult, prepared: PreparedSetoffsCsv | None,
    setoff: IntArray, texts: list[Any],
) -> None:  # fmt: skip
    if prepared is not None:
        out.writelines(prepared.chunks(setoff, texts))
    else:
        out.writelines(text.encode() for text in setoffs_csv_chunks(result))


def main(argv: Sequence[str]) -> int:
    """``qingqian netting solve …`` (``argv`` without the program name); the exit code.

    Messages and exit codes are those of the Django command: usage errors exit 2 with
    argparse's message, bad input exits 2 with ``CommandError: zh / en`` on stderr.
    """
    parser = argparse.ArgumentParser(prog="qingqian netting solve")
    add_solve_arguments(parser)
    opts = vars(parser.parse_args(list(argv[2:])))
    out = sys.stdout
    try:
        run_solve(opts, out.write, getattr(getattr(out, "buffer", None), "write", None))
    except SolveError as exc:
        out.flush()
        sys.stderr.write(f"CommandError: {exc}\n")
        return exc.returncode
    out.flush()
    return 0
