"""A calculator's figures as a reader sees them (h19d): each key by its label, money as
¥1,234.00, rates with %, dates in the language's style, yes/no for flags and every code
value (fee kind, procedure, rate regime, province) by its label. Never a raw key."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from qingqian.calculators.requests import Calculator

MONEY = "money"
RATE = "rate"
DATE = "date"
PLAIN = "plain"

#: key → (Chinese label, English label, kind)
FIGURES: dict[str, tuple[str, str, str]] = {
    "amount": ("金额", "Amount", MONEY),
    "fee": ("应交费用", "Fee", MONEY),
    "full_fee": ("未减半的费用", "Fee before halving", MONEY),
    "halved": ("是否减半", "Halved", PLAIN),
    "kind": ("类型", "Kind", PLAIN),
    "rounding": ("取整", "Rounding", PLAIN),
    "start": ("起算日", "Start", DATE),
    "end": ("截止日", "End", DATE),
    "deadline": ("届满日", "Deadline", DATE),
    "unshifted_deadline": ("顺延前届满日", "Deadline before holiday shift", DATE),
    "later_reading_deadline": ("较晚解释下的届满日", "Deadline on the later reading", DATE),
    "long_stop": ("最长保护期届满日", "Long-stop date", DATE),
    "long_stop_applies": ("适用最长保护期", "Long-stop applies", PLAIN),
    "days_remaining": ("剩余天数", "Days remaining", PLAIN),
    "warning": ("提示", "Warning", PLAIN),
    "formed": ("合同成立日", "Contract formed", DATE),
    "filed": ("起诉日", "Filed", DATE),
    "regime": ("利率上限规则", "Rate cap rule", PLAIN),
    "lpr": ("一年期 LPR", "One-year LPR", RATE),
    "lpr_quote_date": ("LPR 报价日", "LPR quote date", DATE),
    "annual_rate_cap": ("年利率上限", "Annual rate cap", RATE),
    "payment": ("还款金额", "Payment", MONEY),
    "to_costs": ("抵充费用", "To costs", MONEY),
    "to_interest": ("抵充利息", "To interest", MONEY),
    "to_principal": ("抵充本金", "To principal", MONEY),
    "to_delay_interest": ("抵充迟延履行利息", "To delay interest", MONEY),
    "remaining_costs": ("剩余费用", "Costs remaining", MONEY),
    "remaining_interest": ("剩余利息", "Interest remaining", MONEY),
    "remaining_principal": ("剩余本金", "Principal remaining", MONEY),
    "remaining_delay_interest": ("剩余迟延履行利息", "Delay interest remaining", MONEY),
    "surplus": ("超付金额", "Surplus", MONEY),
    "recovered": ("回收金额", "Recovered", MONEY),
    "case_type": ("案件类型", "Case type", PLAIN),
    "allowed": ("可以风险代理", "Contingency allowed", PLAIN),
    "max_fee": ("收费上限", "Maximum fee", MONEY),
    "effective_rate": ("实际费率", "Effective rate", RATE),
    "province": ("省份", "Province", PLAIN),
    "procedure": ("适用程序", "Procedure", PLAIN),
    "limit": ("小额诉讼标的上限", "Small-claims limit", MONEY),
    "agreed_ceiling": ("约定适用上限", "Agreed ceiling", MONEY),
    "limits_valid_from": ("上限适用起始日", "Limits valid from", DATE),
    "wage_year": ("平均工资年度", "Wage year", PLAIN),
    "from": ("起算日", "From", DATE),
    "length": ("期间", "Length", PLAIN),
    "unit": ("单位", "Unit", PLAIN),
    "shifted": ("因节假日顺延", "Shifted for holidays", PLAIN),
    "article": ("法条", "Article", PLAIN),
    "law_text": ("法律文本版本", "Law text", PLAIN),
    "interest": ("利息", "Interest", MONEY),
    "delay_interest": ("迟延履行利息", "Delay interest", MONEY),
    "unpaid": ("未履行金额", "Unpaid", MONEY),
    "days": ("天数", "Days", PLAIN),
    "rate": ("利率", "Rate", RATE),
    "daily_rate": ("日利率", "Daily rate", RATE),
    "breach": ("违约日", "Breach", DATE),
    "pay_by": ("履行期限届满日", "Pay by", DATE),
    "effective": ("生效日", "Effective", DATE),
    "installments_last_due": ("最后一期到期日", "Last installment due", DATE),
    "as_of": ("计算日", "As of", DATE),
    "applied": ("申请日", "Applied", DATE),
    "accepted": ("受理日", "Accepted", DATE),
    "issued": ("发出日", "Issued", DATE),
    "served": ("送达日", "Served", DATE),
    "termination_received": ("收到异议日", "Objection received", DATE),
}
#: Code values by (key, value) or value → (Chinese, English).
VALUES: dict[str, tuple[str, str]] = {
    "fen": ("到分", "to the fen"),
    "yuan": ("到元", "to the yuan"),
    "day": ("日", "days"),
    "month": ("月", "months"),
    "year": ("年", "years"),
    "small_claims": ("小额诉讼程序", "small-claims procedure"),
    "simplified": ("简易程序", "simplified procedure"),
    "ordinary": ("普通程序", "ordinary procedure"),
    "lpr_4x": ("一年期 LPR 的四倍", "four times the one-year LPR"),
    "fixed_24_36": ("24% / 36% 两线三区", "the 24% / 36% bands"),
    "jiangsu": ("江苏省", "Jiangsu"),
}
SKIP = {"calculator", "provisional", "rules", "explanation", "warnings", "label", "label_en"}


def _date(value: str, en: bool) -> str:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return value
    return day.strftime("%d %b %Y") if en else f"{day.year}年{day.month}月{day.day}日"


def _money(value: Any) -> str:
    try:
        return f"¥{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


def figures(calc: Calculator, result: dict[str, Any], *, en: bool) -> list[tuple[str, str, str]]:
    """``(key, label, shown value)`` for each figure of ``result``."""
    i = 1 if en else 0
    field_labels = {f.name: (f.label_zh, f.label_en) for f in calc.fields}
    choice_labels = {
        (f.name, value): (zh, en_) for f in calc.fields for value, zh, en_ in f.choice_labels
    }
    out = []
    for key, value in result.items():
        if key in SKIP or isinstance(value, list | dict):
            continue
        zh, en_label, kind = FIGURES.get(key, (*field_labels.get(key, ("", "")), PLAIN))
        if not zh:
            continue  # a figure without a label is not shown rather than shown as a code
        if key == "kind" and "label" in result:
            shown = result["label_en"] if en else result["label"]
        elif value is None or value == "":
            shown = "—"
        elif isinstance(value, bool):
            shown = ("是", "Yes")[i] if value else ("否", "No")[i]
        elif kind == MONEY:
            shown = _money(value)
        elif kind == RATE:
            shown = f"{value}%"
        elif kind == DATE:
            shown = _date(str(value), en)
        elif (key, value) in choice_labels:
            shown = choice_labels[key, value][i]
        elif str(value) in VALUES:
            shown = VALUES[str(value)][i]
        else:
            shown = str(value)
        out.append((key, (zh, en_label)[i], shown))
    return out
