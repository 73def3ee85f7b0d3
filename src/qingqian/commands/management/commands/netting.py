"""``qingqian netting solve``: optimal multilateral set-off of chain debts (多边抵销).

``qingqian netting solve OBLIGATIONS.csv --json [--out SETOFFS.csv]`` reads obligations
(header ``id,debtor,creditor,amount``; optional ``due`` and ``status`` columns) and prints
``{"total", "cleared", "remaining", "setoffs": [{"id", "amount"}], "net_positions"}``
with amounts as decimal strings in yuan. ``--out`` writes ``id,setoff,remaining``. Options:
``--min-amount``, ``--exclude-firm NAME`` (repeatable: firms that have not consented),
``--cap FIRM=AMOUNT`` (repeatable), ``--include-unconfirmed``, ``--include-disputed``,
``--age-tie-break auto|global|parallel``. Bad input exits with code 2 and a bilingual message
naming the line. The rules are in ``docs/netting.md``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.commands.base import SystemCommand
from qingqian.common.exceptions import ApplicationError
from qingqian.netting.csvio import read_obligation_columns, read_obligations, setoffs_csv_chunks
from qingqian.netting.jsonio import result_json_chunks
from qingqian.netting.solver import AGE_AUTO, AGE_MODES, NettingOptions, solve, solve_columns


def _bad(zh: str, en: str) -> CommandError:
    return CommandError(f"{zh} / {en}", returncode=2)


def _money(raw: str, name: str) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise _bad(f"{name} 不是数字：{raw!r}", f"{name} is not a number: {raw!r}")
    return value


class Command(SystemCommand):
    help = "Multilateral set-off (多边抵销): `netting solve OBLIGATIONS.csv` clears chain debts."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("solve", help="Set off the most debt without changing net positions.")
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

    def handle(self, *args: Any, **opts: Any) -> None:
        caps: dict[str, Decimal] = {}
        for item in opts["cap"]:
            firm, sep, amount = item.rpartition("=")
            if not sep or not firm.strip():
                raise _bad(
                    f"--cap 应写成 企业=金额：{item!r}", f"--cap must be FIRM=AMOUNT: {item!r}"
                )
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
            raise CommandError(exc.message, returncode=2) from None
        if opts["out"]:
            with Path(opts["out"]).open("w", encoding="utf-8", newline="") as out:
                out.writelines(setoffs_csv_chunks(result))
        if opts["json"]:
            for chunk in result_json_chunks(result):
                self.stdout.write(chunk, ending="")
            self.stdout.write("")
            return
        self.stdout.write(
            f"债务总额 total {result.total} · 抵销 cleared {result.cleared} · "
            f"剩余 remaining {result.remaining} · 企业 firms {len(result.firms)}"
        )
        for firm in result.firms:
            if firm.setoff:
                self.stdout.write(f"  {firm.firm}: 抵销 set off {firm.setoff}, 净额 net {firm.net}")
