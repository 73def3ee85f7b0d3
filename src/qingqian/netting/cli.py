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
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from qingqian.common.exceptions import ApplicationError
from qingqian.netting.csvio import read_obligation_columns, read_obligations, setoffs_csv_chunks
from qingqian.netting.jsonio import result_json_chunks
from qingqian.netting.solver import AGE_AUTO, AGE_MODES, NettingOptions, solve, solve_columns


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


def run_solve(opts: dict[str, Any], write: Callable[[str], object]) -> None:
    """Solve the file ``opts["obligations"]``; ``write`` receives the output in pieces.

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
    try:
        columns = read_obligation_columns(path.read_bytes())  # h23n: the fast path
        if columns is not None:
            result = solve_columns(columns, options)
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
        run_solve(opts, out.write)
    except SolveError as exc:
        out.flush()
        sys.stderr.write(f"CommandError: {exc}\n")
        return exc.returncode
    out.flush()
    return 0
