"""``qingqian netting solve``: optimal multilateral set-off of chain debts (多边抵销).

``qingqian netting solve OBLIGATIONS.csv --json [--out SETOFFS.csv]`` reads obligations
(header ``id,debtor,creditor,amount``; optional ``due`` and ``status`` columns) and prints
``{"total", "cleared", "remaining", "setoffs": [{"id", "amount"}], "net_positions"}``
with amounts as decimal strings in yuan. ``--out`` writes ``id,setoff,remaining``. Options:
``--min-amount``, ``--exclude-firm NAME`` (repeatable: firms that have not consented),
``--cap FIRM=AMOUNT`` (repeatable), ``--include-unconfirmed``, ``--include-disputed``,
``--age-tie-break auto|global|parallel``. Bad input exits with code 2 and a bilingual message
naming the line. The rules are in ``docs/netting.md``.

The work is ``qingqian.netting.cli.run_solve``: the ``qingqian`` console script runs it
without setting Django up (``qingqian.cli``), this command runs the same code under Django.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.commands.base import SystemCommand
from qingqian.netting.cli import SolveError, add_solve_arguments, run_solve


class Command(SystemCommand):
    help = "Multilateral set-off (多边抵销): `netting solve OBLIGATIONS.csv` clears chain debts."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("solve", help="Set off the most debt without changing net positions.")
        add_solve_arguments(p)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            run_solve(opts, lambda text: self.stdout.write(text, ending=""))
        except SolveError as exc:
            raise CommandError(str(exc), returncode=exc.returncode) from None
