"""One request shape for every interface: a calculator name and a mapping of fields.

The CLI (``qingqian calc``), the API (``POST /api/v1/calc/<name>``) and the web pages all
call :func:`run` with the same field names, so the same input gives the same result object
everywhere. :data:`CALCULATORS` describes the fields (kind, required, labels) so the web
forms and the API schema are generated from it rather than written three times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qingqian.calculators.allocation import allocate
from qingqian.calculators.court_deadlines import PERIODS, DeadlineKind, court_deadline
from qingqian.calculators.court_fees import KINDS, court_fee
from qingqian.calculators.errors import CalculatorError
from qingqian.calculators.fees import contingency_cap
from qingqian.calculators.holidays import HolidayCalendar
from qingqian.calculators.interest import (
    combined_overdue_cap,
    interest_cap,
    judgment_delay_interest,
    private_lending_interest,
    trade_receivable_rate,
)
from qingqian.calculators.limitation import (
    EventKind,
    Interruption,
    Suspension,
    enforcement_deadline,
    limitation_deadline,
    parse_kind,
)
from qingqian.calculators.procedure import (
    SmallClaimsTable,
    payment_order_deadlines,
    small_claims,
)
from qingqian.calculators.rates import LprTable
from qingqian.calculators.result import CalcResult


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # money | rate | date | int | flag | choice | interruptions | suspensions
    label_zh: str
    label_en: str
    required: bool = False
    default: str | None = None
    choices: tuple[str, ...] = ()
    # (value, label_zh, label_en) for choices a screen shows by name rather than by code
    choice_labels: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class Context:
    """Dated tables an administrator extends (holidays, LPR quotes, small-claims limits).

    ``None`` means the packaged tables only; the Django layer passes the database rows in.
    """

    calendar: HolidayCalendar | None = None
    rates: LprTable | None = None
    small_claims: SmallClaimsTable | None = None


@dataclass(frozen=True)
class Calculator:
    name: str
    title_zh: str
    title_en: str
    fields: tuple[Field, ...]
    runner: Callable[[Mapping[str, Any], Context], CalcResult]


def _bad(field: str, zh: str, en: str, code: str = "invalid_field") -> CalculatorError:
    return CalculatorError(zh, en, code=code, details={"field": field})


def _date(data: Mapping[str, Any], name: str, *, required: bool = False) -> dt.date | None:
    raw = data.get(name)
    if raw in (None, ""):
        if required:
            raise _bad(name, f"缺少 {name}", f"{name} is required", "field_required")
        return None
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        raise _bad(
            name,
            f"{name} 不是有效日期（应为 YYYY-MM-DD）：{raw}",
            f"{name} is not a valid date (expected YYYY-MM-DD): {raw}",
            "invalid_date",
        ) from None


def _req_date(data: Mapping[str, Any], name: str) -> dt.date:
    day = _date(data, name, required=True)
    assert day is not None
    return day


def _int(data: Mapping[str, Any], name: str) -> int | None:
    raw = data.get(name)
    if raw in (None, ""):
        return None
    if isinstance(raw, bool):
        raise _bad(name, f"{name} 必须是整数", f"{name} must be a whole number")
    try:
        return int(str(raw))
    except ValueError:
        raise _bad(
            name, f"{name} 必须是整数：{raw}", f"{name} must be a whole number: {raw}"
        ) from None


def _str(data: Mapping[str, Any], name: str, default: str | None = None) -> str | None:
    raw = data.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, float):
        raise _bad(
            name,
            f"{name} 不能是浮点数，请用字符串传入金额或利率",
            f"{name} must not be a float; send amounts and rates as strings",
            "amount_float",
        )
    return str(raw)


def _money(data: Mapping[str, Any], name: str, default: str | None = None) -> str:
    value = _str(data, name, default)
    if value is None:
        raise _bad(name, f"缺少 {name}", f"{name} is required", "field_required")
    return value


def _flag(data: Mapping[str, Any], name: str) -> bool:
    raw = data.get(name, False)
    if isinstance(raw, str):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    return bool(raw)


def _list(data: Mapping[str, Any], name: str) -> Sequence[Any]:
    raw = data.get(name) or []
    if isinstance(raw, str):
        return [x for x in (s.strip() for s in raw.replace("\n", ",").split(",")) if x]
    return list(raw)


def _interruptions(data: Mapping[str, Any], name: str = "interruptions") -> list[Interruption]:
    out = []
    for item in _list(data, name):
        if isinstance(item, Mapping):
            day, kind = item.get("date"), item.get("kind")
        else:
            day, _, kind = str(item).partition(":")
        when = _req_date({name: day}, name)
        out.append(Interruption(when, parse_kind(str(kind)) if kind else EventKind.DEMAND))
    return out


def _suspensions(data: Mapping[str, Any], name: str = "suspensions") -> list[Suspension]:
    out = []
    for item in _list(data, name):
        if isinstance(item, Mapping):
            start, end = item.get("start"), item.get("end")
        else:
            start, sep, end = str(item).partition(":")
            if not sep:
                raise _bad(
                    name,
                    f"中止期间应为 开始日:结束日：{item}",
                    f"A suspension must be START:END: {item}",
                )
        out.append(Suspension(_req_date({name: start}, name), _req_date({name: end}, name)))
    return out


def _court_fee(d: Mapping[str, Any], ctx: Context) -> CalcResult:
    kind = _str(d, "kind", "property") or "property"
    return court_fee(
        _money(d, "amount", "0" if kind == "judicial-confirmation" else None),
        kind=kind,
        simplified=_flag(d, "simplified"),
        small_claims=_flag(d, "small_claims"),
        mediated=_flag(d, "mediated"),
        withdrawn=_flag(d, "withdrawn"),
        counterclaim=_flag(d, "counterclaim"),
        round_to_yuan=_flag(d, "round_yuan"),
    )


def _limitation(d: Mapping[str, Any], ctx: Context) -> CalcResult:
    return limitation_deadline(
        _date(d, "start"),
        installments_last_due=_date(d, "installments_last_due"),
        interruptions=_interruptions(d),
        suspensions=_suspensions(d),
        harm_date=_date(d, "harm_date"),
        as_of=_date(d, "as_of"),
        calendar=ctx.calendar,
    )


def _enforcement(d: Mapping[str, Any], ctx: Context) -> CalcResult:
    return enforcement_deadline(
        pay_by=_date(d, "pay_by"),
        effective=_date(d, "effective"),
        performance_days=_int(d, "days"),
        installments_last_due=_date(d, "installments_last_due"),
        interruptions=_interruptions(d),
        suspensions=_suspensions(d),
        as_of=_date(d, "as_of"),
        calendar=ctx.calendar,
    )


def _interest(d: Mapping[str, Any], ctx: Context) -> CalcResult:
    formed = _req_date(d, "formed")
    filed = _date(d, "filed")
    if _str(d, "principal") is not None:
        if _str(d, "agreed_rate") is None or _date(d, "until") is None:
            raise _bad(
                "agreed_rate",
                "计算利息须同时提供约定利率和计算截止日",
                "To compute interest give the agreed rate and the end date as well",
                "field_required",
            )
        return private_lending_interest(
            _money(d, "principal"),
            formed=formed,
            end=_req_date(d, "until"),
            start=_date(d, "start"),
            agreed_rate=_money(d, "agreed_rate"),
            advance_deducted=_money(d, "advance_deducted", "0"),
            filed=filed,
            rates=ctx.rates,
            day_basis=_int(d, "day_basis") or 365,
            round_to_yuan=_flag(d, "round_yuan"),
        )
    if any(_str(d, k) is not None for k in ("overdue_rate", "penalty_rate", "fees_rate")):
        return combined_overdue_cap(
            formed,
            overdue_rate=_money(d, "overdue_rate", "0"),
            penalty_rate=_money(d, "penalty_rate", "0"),
            other_fees_rate=_money(d, "fees_rate", "0"),
            filed=filed,
            rates=ctx.rates,
        )
    return interest_cap(formed, filed=filed, rates=ctx.rates)


def _trade(d: Mapping[str, Any], ctx: Context) -> CalcResult:
    return trade_receivable_rate(
        _req_date(d, "breach"),
        amount=_str(d, "amount"),
        days=_int(d, "days"),
        rates=ctx.rates,
        round_to_yuan=_flag(d, "round_yuan"),
    )


def _delay(d: Mapping[str, Any], ctx: Context) -> CalcResult:
    return judgment_delay_interest(
        _money(d, "unpaid"),
        days=_int(d, "days"),
        start=_date(d, "start"),
        end=_date(d, "end"),
        round_to_yuan=_flag(d, "round_yuan"),
    )


def _allocate(d: Mapping[str, Any], ctx: Context) -> CalcResult:
    return allocate(
        _money(d, "payment"),
        costs=_money(d, "costs", "0"),
        interest=_money(d, "interest", "0"),
        principal=_money(d, "principal", "0"),
        delay_interest=_money(d, "delay_interest", "0"),
    )


def _contingency(d: Mapping[str, Any], ctx: Context) -> CalcResult:
    return contingency_cap(
        _money(d, "recovered"),
        case_type=_str(d, "case_type"),
        signed=_date(d, "signed"),
        round_to_yuan=_flag(d, "round_yuan"),
    )


def _small_claims(d: Mapping[str, Any], ctx: Context) -> CalcResult:
    return small_claims(
        _money(d, "amount"),
        filed=_req_date(d, "filed"),
        province=_str(d, "province", "jiangsu") or "jiangsu",
        table=ctx.small_claims,
        round_to_yuan=_flag(d, "round_yuan"),
    )


def _payment_order(d: Mapping[str, Any], ctx: Context) -> CalcResult:
    return payment_order_deadlines(
        applied=_date(d, "applied"),
        accepted=_date(d, "accepted"),
        issued=_date(d, "issued"),
        served=_date(d, "served"),
        termination_received=_date(d, "termination_received"),
        calendar=ctx.calendar,
    )


def _court_deadline(d: Mapping[str, Any], ctx: Context) -> CalcResult:
    kind = _str(d, "kind")
    if kind is None:
        raise _bad("kind", "缺少 kind（期限类型）", "kind is required", "field_required")
    return court_deadline(kind, start=_req_date(d, "from"), calendar=ctx.calendar)


F = Field
_ROUND = F("round_yuan", "flag", "金额取整到元", "Round money to the yuan")
_INTERRUPTIONS = F(
    "interruptions",
    "interruptions",
    "中断事由（日期:类型，逗号分隔）",
    "Interruptions (DATE:KIND, comma-separated)",
)
_SUSPENSIONS = F(
    "suspensions",
    "suspensions",
    "中止期间（开始:结束，逗号分隔）",
    "Suspensions (START:END, comma-separated)",
)

#: The court-fee kinds by their names (h19d: the form and the result never show the codes).
KIND_LABELS: tuple[tuple[str, str, str], ...] = (
    ("property", "财产案件受理费", "Acceptance fee, property case"),
    ("payment-order", "申请支付令费", "Payment order application fee"),
    ("preservation", "财产保全申请费", "Property preservation fee"),
    ("enforcement", "申请执行费", "Enforcement application fee"),
    ("judicial-confirmation", "司法确认申请费", "Judicial confirmation fee"),
)


CALCULATORS: dict[str, Calculator] = {
    c.name: c
    for c in (
        Calculator(
            "court-fee",
            "诉讼费",
            "Court fees",
            (
                F("amount", "money", "标的额（元）", "Amount in dispute (yuan)"),
                F(
                    "kind",
                    "choice",
                    "费用类型",
                    "Fee kind",
                    default="property",
                    choices=KINDS,
                    choice_labels=KIND_LABELS,
                ),
                F("simplified", "flag", "简易程序（减半）", "Simplified procedure (halved)"),
                F("small_claims", "flag", "小额诉讼（减半）", "Small claims (halved)"),
                F("mediated", "flag", "调解结案（减半）", "Settled by mediation (halved)"),
                F("withdrawn", "flag", "撤诉（减半）", "Withdrawn (halved)"),
                F("counterclaim", "flag", "反诉", "Counterclaim"),
                _ROUND,
            ),
            _court_fee,
        ),
        Calculator(
            "limitation",
            "诉讼时效",
            "Limitation period",
            (
                F("start", "date", "起算日（知道或应当知道权利受损之日）", "Start date"),
                F(
                    "installments_last_due",
                    "date",
                    "分期履行的最后一期到期日",
                    "Last installment due date",
                ),
                _INTERRUPTIONS,
                _SUSPENSIONS,
                F(
                    "harm_date",
                    "date",
                    "权利受到损害之日（20年最长期间）",
                    "Date of harm (20-year long-stop)",
                ),
                F("as_of", "date", "计算基准日（用于提醒）", "As of (for warnings)"),
            ),
            _limitation,
        ),
        Calculator(
            "enforcement-window",
            "申请执行期间",
            "Enforcement application window",
            (
                F("pay_by", "date", "文书确定的履行期限届满日", "Performance due by"),
                F("effective", "date", "法律文书生效日", "Judgment effective date"),
                F("days", "int", "履行期间（天）", "Performance period (days)"),
                F("installments_last_due", "date", "分期履行的最后一期", "Last installment due"),
                _INTERRUPTIONS,
                _SUSPENSIONS,
                F("as_of", "date", "计算基准日", "As of"),
            ),
            _enforcement,
        ),
        Calculator(
            "interest-cap",
            "民间借贷利率上限",
            "Private-lending interest cap",
            (
                F(
                    "formed",
                    "date",
                    "合同成立日（自然人之间为款项交付日）",
                    "Formation date",
                    required=True,
                ),
                F("filed", "date", "起诉日", "Filing date"),
                F("principal", "money", "本金（元）", "Principal (yuan)"),
                F(
                    "advance_deducted",
                    "money",
                    "预先扣除的利息（元）",
                    "Interest deducted in advance",
                ),
                F("agreed_rate", "rate", "约定年利率（%）", "Agreed annual rate (%)"),
                F("start", "date", "计息起始日", "Interest from"),
                F("until", "date", "计息截止日", "Interest until"),
                F("overdue_rate", "rate", "逾期利率（%）", "Overdue rate (%)"),
                F("penalty_rate", "rate", "违约金（年化 %）", "Penalty (annualised %)"),
                F("fees_rate", "rate", "其他费用（年化 %）", "Other fees (annualised %)"),
                _ROUND,
            ),
            _interest,
        ),
        Calculator(
            "trade-rate",
            "商账逾期利率（LPR 加计）",
            "Trade receivable late-payment rate",
            (
                F("breach", "date", "逾期起算日", "Breach date", required=True),
                F("amount", "money", "欠款金额（元）", "Amount owed (yuan)"),
                F("days", "int", "逾期天数", "Days overdue"),
                _ROUND,
            ),
            _trade,
        ),
        Calculator(
            "delay-interest",
            "迟延履行利息",
            "Interest for late performance of a judgment",
            (
                F("unpaid", "money", "未履行金额（元）", "Unpaid amount (yuan)", required=True),
                F("days", "int", "迟延天数", "Days late"),
                F("start", "date", "起算日", "From"),
                F("end", "date", "截止日", "Until"),
                _ROUND,
            ),
            _delay,
        ),
        Calculator(
            "allocate",
            "清偿抵充",
            "Payment allocation",
            (
                F("payment", "money", "本次还款（元）", "Payment (yuan)", required=True),
                F("costs", "money", "实现债权的费用（元）", "Costs (yuan)", default="0"),
                F("interest", "money", "利息（元）", "Interest (yuan)", default="0"),
                F("principal", "money", "本金（元）", "Principal (yuan)", default="0"),
                F(
                    "delay_interest",
                    "money",
                    "迟延履行利息（元）",
                    "Delay interest (yuan)",
                    default="0",
                ),
            ),
            _allocate,
        ),
        Calculator(
            "contingency-cap",
            "律师风险代理收费上限",
            "Lawyer contingency-fee cap",
            (
                F("recovered", "money", "回收金额（元）", "Amount recovered (yuan)", required=True),
                F("case_type", "text", "案件类型", "Case type"),
                F("signed", "date", "委托合同签订日", "Agreement signed on"),
                _ROUND,
            ),
            _contingency,
        ),
        Calculator(
            "small-claims",
            "小额诉讼",
            "Small claims",
            (
                F("amount", "money", "标的额（元）", "Amount (yuan)", required=True),
                F("filed", "date", "起诉日", "Filing date", required=True),
                F(
                    "province",
                    "choice",
                    "省份",
                    "Province",
                    default="jiangsu",
                    choices=("jiangsu",),
                    choice_labels=(("jiangsu", "江苏省", "Jiangsu"),),
                ),
                _ROUND,
            ),
            _small_claims,
        ),
        Calculator(
            "payment-order",
            "支付令期限",
            "Payment-order deadlines",
            (
                F("applied", "date", "申请日", "Applied on"),
                F("accepted", "date", "受理日", "Accepted on"),
                F("issued", "date", "发出支付令日", "Issued on"),
                F("served", "date", "送达日", "Served on"),
                F("termination_received", "date", "收到终结裁定日", "Termination ruling received"),
            ),
            _payment_order,
        ),
        Calculator(
            "court-deadline",
            "诉讼期限",
            "Court deadlines",
            (
                F(
                    "kind",
                    "choice",
                    "期限类型",
                    "Deadline kind",
                    required=True,
                    default=DeadlineKind.APPEAL_JUDGMENT.value,
                    choices=tuple(k.value for k in DeadlineKind),
                    choice_labels=tuple(
                        (k.value, PERIODS[k].label_zh, PERIODS[k].label_en) for k in DeadlineKind
                    ),
                ),
                F(
                    "from",
                    "date",
                    "起算日（送达、收到、生效或履行期限最后一日）",
                    "From (service, receipt, effect or last day to perform)",
                    required=True,
                ),
            ),
            _court_deadline,
        ),
    )
}


def run(name: str, data: Mapping[str, Any], context: Context | None = None) -> CalcResult:
    """Run calculator ``name`` on ``data`` (field name → string, bool, list or date)."""
    calculator = CALCULATORS.get(name)
    if calculator is None:
        raise CalculatorError(
            f"未知的计算器：{name}",
            f"Unknown calculator: {name}",
            code="unknown_calculator",
            details={"calculator": name, "choices": sorted(CALCULATORS)},
        )
    known = {f.name for f in calculator.fields}
    unknown = sorted(set(data) - known)
    if unknown:
        raise CalculatorError(
            f"未知的字段：{'、'.join(unknown)}",
            f"Unknown fields: {', '.join(unknown)}",
            code="unknown_field",
            details={"unknown": unknown, "fields": sorted(known)},
        )
    return calculator.runner(data, context or Context())
