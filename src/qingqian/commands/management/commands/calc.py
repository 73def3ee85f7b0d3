"""``qingqian calc <calculator> ... [--json]``: the legal calculators on the command line.

Thin: parse, call ``qingqian.calculators``, print. ``--json`` prints one JSON object (the
result's ``to_dict()``); bad input exits with code 2 and a bilingual message.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qingqian import calculators as calc
from qingqian.calculators.court_fees import KINDS
from qingqian.calculators.limitation import parse_kind
from qingqian.calculators.result import CalcResult
from qingqian.common.exceptions import ApplicationError


def _bad(zh: str, en: str) -> CommandError:
    return CommandError(f"{zh} / {en}", returncode=2)


def _date(raw: str | None, name: str) -> dt.date | None:
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise _bad(
            f"{name} 不是有效日期（应为 YYYY-MM-DD）：{raw}",
            f"{name} is not a valid date (expected YYYY-MM-DD): {raw}",
        ) from None


def _req_date(raw: str | None, name: str) -> dt.date:
    day = _date(raw, name)
    if day is None:
        raise _bad(f"缺少 {name}", f"{name} is required")
    return day


def _int(raw: str | None, name: str) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise _bad(f"{name} 必须是整数：{raw}", f"{name} must be a whole number: {raw}") from None


def _interruption(raw: str) -> calc.Interruption:
    day, _, kind = raw.partition(":")
    return calc.Interruption(
        _req_date(day, "--interruption"), parse_kind(kind) if kind else calc.EventKind.DEMAND
    )


def _suspension(raw: str) -> calc.Suspension:
    start, sep, end = raw.partition(":")
    if not sep:
        raise _bad(
            f"--suspension 应为 开始日:结束日：{raw}",
            f"--suspension must be START:END: {raw}",
        )
    return calc.Suspension(_req_date(start, "--suspension"), _req_date(end, "--suspension"))


class Command(BaseCommand):
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

    def handle(self, *args: Any, **opts: Any) -> None:
        runners: dict[str, Callable[[dict[str, Any]], CalcResult]] = {
            "court-fee": self._court_fee,
            "limitation": self._limitation,
            "enforcement-window": self._enforcement,
            "interest-cap": self._interest,
            "trade-rate": self._trade,
            "delay-interest": self._delay,
            "allocate": self._allocate,
            "contingency-cap": self._contingency,
            "small-claims": self._small_claims,
            "payment-order": self._payment_order,
        }
        try:
            result = runners[opts["calculator"]](opts)
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

    def _court_fee(self, o: dict[str, Any]) -> CalcResult:
        return calc.court_fee(
            o["amount"],
            kind=o["kind"],
            simplified=o["simplified"],
            small_claims=o["small_claims"],
            mediated=o["mediated"],
            withdrawn=o["withdrawn"],
            counterclaim=o["counterclaim"],
            round_to_yuan=o["round_yuan"],
        )

    def _limitation(self, o: dict[str, Any]) -> CalcResult:
        return calc.limitation_deadline(
            _date(o["start"], "--start"),
            installments_last_due=_date(o["installments_last_due"], "--installments-last-due"),
            interruptions=[_interruption(x) for x in o["interruption"]],
            suspensions=[_suspension(x) for x in o["suspension"]],
            harm_date=_date(o["harm_date"], "--harm-date"),
            as_of=_date(o["as_of"], "--as-of"),
        )

    def _enforcement(self, o: dict[str, Any]) -> CalcResult:
        return calc.enforcement_deadline(
            pay_by=_date(o["pay_by"], "--pay-by"),
            effective=_date(o["effective"], "--effective"),
            performance_days=_int(o["days"], "--days"),
            installments_last_due=_date(o["installments_last_due"], "--installments-last-due"),
            interruptions=[_interruption(x) for x in o["interruption"]],
            suspensions=[_suspension(x) for x in o["suspension"]],
            as_of=_date(o["as_of"], "--as-of"),
        )

    def _interest(self, o: dict[str, Any]) -> CalcResult:
        formed = _req_date(o["formed"], "--formed")
        filed = _date(o["filed"], "--filed")
        if o["principal"] is not None:
            if o["agreed_rate"] is None or o["until"] is None:
                raise _bad(
                    "计算利息须同时提供 --agreed-rate 和 --until",
                    "To compute interest give --agreed-rate and --until as well",
                )
            return calc.private_lending_interest(
                o["principal"],
                formed=formed,
                end=_req_date(o["until"], "--until"),
                start=_date(o["start"], "--start"),
                agreed_rate=o["agreed_rate"],
                advance_deducted=o["advance_deducted"],
                filed=filed,
                day_basis=_int(o["day_basis"], "--day-basis") or 0,
                round_to_yuan=o["round_yuan"],
            )
        if any(o[k] is not None for k in ("overdue_rate", "penalty_rate", "fees_rate")):
            return calc.combined_overdue_cap(
                formed,
                overdue_rate=o["overdue_rate"] or "0",
                penalty_rate=o["penalty_rate"] or "0",
                other_fees_rate=o["fees_rate"] or "0",
                filed=filed,
            )
        return calc.interest_cap(formed, filed=filed)

    def _trade(self, o: dict[str, Any]) -> CalcResult:
        return calc.trade_receivable_rate(
            _req_date(o["breach"], "--breach"),
            amount=o["amount"],
            days=_int(o["days"], "--days"),
            round_to_yuan=o["round_yuan"],
        )

    def _delay(self, o: dict[str, Any]) -> CalcResult:
        return calc.judgment_delay_interest(
            o["unpaid"],
            days=_int(o["days"], "--days"),
            start=_date(o["start"], "--start"),
            end=_date(o["end"], "--end"),
            round_to_yuan=o["round_yuan"],
        )

    def _allocate(self, o: dict[str, Any]) -> CalcResult:
        return calc.allocate(
            o["payment"],
            costs=o["costs"],
            interest=o["interest"],
            principal=o["principal"],
            delay_interest=o["delay_interest"],
        )

    def _contingency(self, o: dict[str, Any]) -> CalcResult:
        return calc.contingency_cap(
            o["recovered"],
            case_type=o["case_type"],
            signed=_date(o["signed"], "--signed"),
            round_to_yuan=o["round_yuan"],
        )

    def _small_claims(self, o: dict[str, Any]) -> CalcResult:
        return calc.small_claims(
            o["amount"],
            filed=_req_date(o["filed"], "--filed"),
            province=o["province"],
            round_to_yuan=o["round_yuan"],
        )

    def _payment_order(self, o: dict[str, Any]) -> CalcResult:
        return calc.payment_order_deadlines(
            applied=_date(o["applied"], "--applied"),
            accepted=_date(o["accepted"], "--accepted"),
            issued=_date(o["issued"], "--issued"),
            served=_date(o["served"], "--served"),
            termination_received=_date(o["termination_received"], "--termination-received"),
        )
