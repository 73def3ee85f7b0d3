"""``qingqian calc <calculator> ... [--json]``: the legal calculators on the command line.

Thin: parse, call ``qingqian.calculators``, print. ``--json`` prints one JSON object (the
result's ``to_dict()``); bad input exits with code 2 and a bilingual message.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.calculators.court_deadlines import DeadlineKind
from qingqian.calculators.court_fees import KINDS
from qingqian.calculators.requests import CALCULATORS, run
from qingqian.calculators.result import CalcResult
from qingqian.commands.base import SystemCommand
from qingqian.common.exceptions import ApplicationError
from qingqian.legaldata.selectors import calc_context

# CLI flags that are singular because they repeat (--interruption D1 --interruption D2).
DEADLINE_KINDS = tuple(k.value for k in DeadlineKind)
_RENAMES = {"interruption": "interruptions", "suspension": "suspensions"}


class Command(SystemCommand):
    help = "Legal calculators (法律计算器): court fees, limitation, interest caps and more."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="calculator", required=True)

        def add(name: str, text: str) -> CommandParser:
            p: CommandParser = sub.add_parser(name, help=text)
            p.add_argument("--json", action="store_true", help="print one JSON object")
            p.add_argument("--round-yuan", action="store_true", help="round money to the yuan")
            return p

        p = add("court-fee", "court fees (诉讼费用)")
        p.add_argument("--amount")
        p.add_argument("--kind", default="property", help=", ".join(KINDS))
        for flag in ("simplified", "small-claims", "mediated", "withdrawn", "counterclaim"):
            p.add_argument(f"--{flag}", action="store_true")

        p = add("limitation", "limitation period (诉讼时效)")
        p.add_argument("--start")
        p.add_argument("--interruption", action="append", default=[], help="DATE[:KIND]")
        p.add_argument("--suspension", action="append", default=[], help="START:END")
        p.add_argument("--installments-last-due")
        p.add_argument("--harm-date")
        p.add_argument("--as-of")

        p = add("enforcement-window", "time limit to apply for enforcement (申请执行期间)")
        p.add_argument("--pay-by")
        p.add_argument("--effective")
        p.add_argument("--days", help="performance period in days from --effective")
        p.add_argument("--installments-last-due")
        p.add_argument("--interruption", action="append", default=[], help="DATE[:KIND]")
        p.add_argument("--suspension", action="append", default=[], help="START:END")
        p.add_argument("--as-of")

        p = add("interest-cap", "private-lending interest cap (民间借贷利率上限)")
        p.add_argument("--formed", required=True)
        p.add_argument("--filed")
        p.add_argument("--principal")
        p.add_argument("--advance-deducted", default="0")
        p.add_argument("--agreed-rate", help="percent a year")
        p.add_argument("--start")
        p.add_argument("--until")
        p.add_argument("--day-basis", default="365")
        p.add_argument("--overdue-rate")
        p.add_argument("--penalty-rate")
        p.add_argument("--fees-rate")

        p = add("trade-rate", "late-payment rate for trade receivables (LPR +30%-50%)")
        p.add_argument("--breach", required=True)
        p.add_argument("--amount")
        p.add_argument("--days")

        p = add("delay-interest", "doubled interest for late performance (迟延履行利息)")
        p.add_argument("--unpaid", required=True)
        p.add_argument("--days")
        p.add_argument("--start")
        p.add_argument("--end")

        p = add("allocate", "apply a payment within one debt (清偿抵充)")
        p.add_argument("--payment", required=True)
        p.add_argument("--costs", default="0")
        p.add_argument("--interest", default="0")
        p.add_argument("--principal", default="0")
        p.add_argument("--delay-interest", default="0")

        p = add("contingency-cap", "lawyer contingency-fee cap (风险代理收费上限)")
        p.add_argument("--recovered", required=True)
        p.add_argument("--case-type")
        p.add_argument("--signed")

        p = add("small-claims", "small-claims limits and fee (小额诉讼)")
        p.add_argument("--amount", required=True)
        p.add_argument("--filed", required=True)
        p.add_argument("--province", default="jiangsu")

        p = add("payment-order", "payment-order deadlines (支付令期限)")
        p.add_argument("--applied")
        p.add_argument("--accepted")
        p.add_argument("--issued")
        p.add_argument("--served")
        p.add_argument("--termination-received")

        p = add("court-deadline", "court deadlines (诉讼期限): answer, appeal, objection ...")
        p.add_argument("kind_arg", nargs="?", metavar="KIND", help=", ".join(DEADLINE_KINDS))
        p.add_argument("--kind", help="the same as KIND")
        p.add_argument("--from", dest="from", help="YYYY-MM-DD: service, receipt or effect")

    def handle(self, *args: Any, **opts: Any) -> None:
        name = opts["calculator"]
        if name == "court-deadline" and opts.get("kind_arg"):
            if opts.get("kind") not in (None, opts["kind_arg"]):
                raise CommandError(
                    "期限类型给了两次且不一致 / KIND and --kind disagree", returncode=2
                )
            opts["kind"] = opts["kind_arg"]
        fields = {f.name for f in CALCULATORS[name].fields}
        data = {}
        for key, value in opts.items():
            field = _RENAMES.get(key, key)
            if field in fields and value not in (None, [], False):
                data[field] = value
        try:
            result = run(name, data, calc_context())
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=2) from None
        if opts["json"]:
            self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False))
            return
        self._print(result)

    def _print(self, result: CalcResult) -> None:
        data = result.to_dict()
        for key, value in data.items():
            if key in ("rules", "explanation", "warnings", "calculator"):
                continue
            self.stdout.write(f"{key}: {json.dumps(value, ensure_ascii=False)}")
        self.stdout.write("计算过程 / Steps:")
        for zh, en in zip(data["explanation"]["zh"], data["explanation"]["en"], strict=True):
            self.stdout.write(f"  - {zh}\n    {en}")
        if data["warnings"]:
            self.stdout.write("提示 / Warnings:")
            for w in data["warnings"]:
                self.stdout.write(f"  ! {w['zh']}\n    {w['en']}")
        self.stdout.write("依据 / Rules:")
        for r in data["rules"]:
            self.stdout.write(f"  {r['document']} {r['article']} [{r['grade']}]")
