"""``qingqian plan propose``: propose an installment plan (提出分期还款方案).

``qingqian plan propose --total 120000 --months 12 --profile 1,1,1,2,2,1,1,1,1,3,1,1
--start 2027-01 [--min 500] [--day 15] [--capacity 8000] [--rate 0.12 --rate-cap 0.12
--interest-from 2026-12-15] --json`` prints ``{"installments": [{"due", "amount"}], "total"}``.
Without ``--profile`` the plan is equal monthly installments. Bad input exits with code 2 and
a bilingual message. The rules are in ``docs/plans-and-money.md``.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.commands.base import SystemCommand
from qingqian.common.exceptions import ApplicationError
from qingqian.common.money import parse_amount
from qingqian.negotiation.plans import (
    InterestTerms,
    Schedule,
    parse_profile,
    parse_year_month,
    plan_equal,
    plan_seasonal,
)


def _bad(zh: str, en: str) -> CommandError:
    return CommandError(f"{zh} / {en}", returncode=2)


def _int(raw: str, name: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise _bad(f"{name} 必须是整数：{raw!r}", f"{name} must be an integer: {raw!r}") from None


def _rate(raw: str, name: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise _bad(f"{name} 不是数字：{raw!r}", f"{name} is not a number: {raw!r}")
    return value


class Command(SystemCommand):
    help = "Installment plans (分期还款方案): `plan propose` computes a schedule."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        daily = sub.add_parser(
            "daily", help="Decide promises, apply plan breaches, lapse offers (run once a day)."
        )
        daily.add_argument("--today", help="YYYY-MM-DD (default: today in Asia/Shanghai)")
        propose = sub.add_parser("propose", help="Compute an equal or seasonal schedule.")
        propose.add_argument("--total", required=True, help="amount to repay, e.g. 120000")
        propose.add_argument("--months", required=True, help="months allowed, e.g. 12")
        propose.add_argument(
            "--profile", help="cash-flow weights, repeating, e.g. 1,1,2 (default: equal)"
        )
        propose.add_argument("--start", required=True, help="first month, YYYY-MM")
        propose.add_argument("--min", dest="minimum", help="minimum installment (whole yuan)")
        propose.add_argument("--day", default="1", help="due day of month (1-31; clamped)")
        propose.add_argument("--capacity", help="payable per month per unit of weight")
        propose.add_argument("--rate", help="annual interest rate as a fraction, e.g. 0.12")
        propose.add_argument("--rate-cap", help="legal cap for --rate, e.g. 0.12")
        propose.add_argument("--interest-from", help="interest start date, YYYY-MM-DD")
        propose.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "daily":
            self._daily(opts)
            return
        try:
            schedule = self._propose(opts)
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=2) from None
        if opts["json"]:
            self.stdout.write(json.dumps(schedule.as_dict(), ensure_ascii=False))
            return
        for inst in schedule.installments:
            self.stdout.write(f"第 {inst.number} 期 #{inst.number}  {inst.due}  {inst.amount}")
        self.stdout.write(f"合计 total  {schedule.as_dict()['total']}")

    def _propose(self, opts: dict[str, Any]) -> Schedule:
        total = parse_amount(opts["total"], field="total")
        months = _int(opts["months"], "--months")
        day = _int(opts["day"], "--day")
        start = parse_year_month(opts["start"])
        minimum = None
        if opts.get("minimum") is not None:
            minimum = parse_amount(opts["minimum"], field="min")
        interest = self._interest(opts)
        if opts.get("profile") is None:
            if opts.get("capacity") is not None:
                raise _bad("--capacity 需要与 --profile 一起使用。", "--capacity needs --profile.")
            return plan_equal(
                total=total,
                months=months,
                start=start,
                day=day,
                min_installment=minimum,
                interest=interest,
            )
        capacity = None
        if opts.get("capacity") is not None:
            capacity = parse_amount(opts["capacity"], field="capacity")
        return plan_seasonal(
            total=total,
            months=months,
            profile=parse_profile(opts["profile"]),
            start=start,
            day=day,
            min_installment=minimum,
            base_capacity=capacity,
            interest=interest,
        )

    def _interest(self, opts: dict[str, Any]) -> InterestTerms | None:
        given = [opts.get(k) is not None for k in ("rate", "rate_cap", "interest_from")]
        if not any(given):
            return None
        if not all(given):
            raise _bad(
                "计息须同时给出 --rate、--rate-cap 和 --interest-from。",
                "Interest needs --rate, --rate-cap and --interest-from together.",
            )
        try:
            accrues_from = dt.date.fromisoformat(opts["interest_from"])
        except ValueError:
            raise _bad(
                f"--interest-from 应为 YYYY-MM-DD：{opts['interest_from']!r}",
                f"--interest-from must be YYYY-MM-DD: {opts['interest_from']!r}",
            ) from None
        return InterestTerms(
            annual_rate=_rate(opts["rate"], "--rate"),
            cap=_rate(opts["rate_cap"], "--rate-cap"),
            accrues_from=accrues_from,
        )

    def _daily(self, opts: dict[str, Any]) -> None:
        from qingqian.negotiation.services import negotiation_daily

        raw = opts.get("today")
        try:
            today = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            raise _bad(f"日期格式错误：{raw!r}", f"Invalid date: {raw!r}") from None
        out = negotiation_daily(today=today)
        self.stdout.write(json.dumps(out, ensure_ascii=False))
