"""Lawyer contingency fees (风险代理): tiered caps and forbidden case types, legal-rules.md §5.1."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from qingqian.calculators import citations as c
from qingqian.calculators.errors import CalculatorError
from qingqian.calculators.result import CalcResult, Trace, fmt, money, percent, to_decimal
from qingqian.calculators.tiers import TieredSchedule, tiers

# The 2021 opinion (司发通〔2021〕87号) is dated 2021-12-28 in some sources and 2021-12-30 in
# others (legal-rules.md §9.8); the earlier date is used, and the schedule is grade B.
CONTINGENCY_CAP = TieredSchedule(
    name_zh="风险代理收费上限",
    name_en="contingency-fee cap",
    valid_from=dt.date(2021, 12, 28),
    rule=c.LAWYER_CAP,
    floor_upper=Decimal(0),
    floor_fee=Decimal(0),
    tiers=tiers(
        ("1000000", "18"),
        ("5000000", "15"),
        ("10000000", "12"),
        ("50000000", "9"),
        (None, "6"),
    ),
)
CONTINGENCY_CAP_NOTE = "Issue date given as 2021-12-28 or 2021-12-30; grade B (one verbatim copy)."
OLD_CAP_RATE = Decimal(30)

# Case types in which contingency fees are forbidden: code → (Chinese, English).
FORBIDDEN_CASE_TYPES: dict[str, tuple[str, str]] = {
    "marriage": ("婚姻", "marriage"),
    "inheritance": ("继承", "inheritance"),
    "social_insurance": ("请求给予社会保险待遇", "social-insurance benefits"),
    "minimum_living": ("请求给予最低生活保障待遇", "minimum-living benefits"),
    "maintenance": ("请求给付赡养费、抚养费、扶养费", "maintenance and support"),
    "bereavement_pension": ("请求支付抚恤金", "pensions for the bereaved"),
    "relief": ("请求支付救济金", "relief payments"),
    "work_injury": ("请求支付工伤赔偿", "work-injury compensation"),
    "wages": ("请求支付劳动报酬", "wage claims"),
    "criminal": ("刑事诉讼", "criminal cases"),
    "administrative": ("行政诉讼", "administrative cases"),
    "state_compensation": ("国家赔偿", "state compensation"),
    "group_litigation": ("群体性诉讼", "group litigation"),
}


def contingency_cap(
    recovered: Decimal | int | str,
    *,
    case_type: str | None = None,
    signed: dt.date | None = None,
    round_to_yuan: bool = False,
) -> CalcResult:
    """The most a lawyer may charge on a contingency basis on ``recovered`` (the amount actually
    recovered, or the debt reduced), over all stages together."""
    value = to_decimal(recovered, field="recovered")
    trace = Trace()
    figures: dict[str, object] = {"recovered": money(value), "case_type": case_type}
    if case_type is not None:
        key = case_type.strip().lower().replace("-", "_")
        if key not in FORBIDDEN_CASE_TYPES and key != "civil":
            choices = ["civil", *FORBIDDEN_CASE_TYPES]
            raise CalculatorError(
                f"未知的案件类型：{case_type}（可选：{'、'.join(choices)}）",
                f"Unknown case type: {case_type} (choose one of: {', '.join(choices)})",
                code="unknown_kind",
                details={"case_type": case_type, "choices": choices},
            )
        figures["case_type"] = key
        if key in FORBIDDEN_CASE_TYPES:
            zh, en = FORBIDDEN_CASE_TYPES[key]
            trace.step(
                f"{zh}案件禁止实行风险代理收费",
                f"Contingency fees are forbidden in {en}",
                c.LAWYER_FORBIDDEN,
                c.LAWYER_FORBIDDEN_2021,
            )
            figures.update(allowed=False, max_fee=money(Decimal(0)), effective_rate=None)
            return trace.result("contingency_cap", figures)
    if signed is not None and signed < CONTINGENCY_CAP.valid_from:
        exact = value * OLD_CAP_RATE / 100
        trace.step(
            f"委托合同签订于 {CONTINGENCY_CAP.valid_from.isoformat()} 之前：适用 2006 年办法，"
            f"最高不超过标的额的 30%：{fmt(value)} × 30% = {fmt(exact)}",
            f"Signed before {CONTINGENCY_CAP.valid_from.isoformat()}: the 2006 Measures apply,"
            f" at most 30% of the amount: {fmt(value)} x 30% = {fmt(exact)}",
            c.LAWYER_OLD_CAP,
        )
    else:
        exact, lines = CONTINGENCY_CAP.compute(value)
        trace.step(
            f"风险代理各环节收费合计的最高限额，按实际回收或减免金额 {fmt(value)} 元分段累计",
            f"Cap on the total contingency fee over all stages, tier by tier on the amount"
            f" actually recovered or reduced, {fmt(value)}",
            c.LAWYER_CAP,
        )
        trace.steps.extend(lines)
        trace.warn(
            "2021 年意见的印发日期有 12-28 与 12-30 两种说法；收费上限等级 B，发布前请核对原文",
            "The 2021 opinion is dated 2021-12-28 or 2021-12-30 in different sources; the caps"
            " are grade B: check the official text before release",
        )
    trace.step(
        "须另行签订书面风险代理合同，显著载明风险代理含义、禁止情形、最高收费金额及风险",
        "A separate written contingency contract must state prominently what contingency means,"
        " the forbidden cases, the maximum fee and the risks",
        c.LAWYER_CAP,
    )
    max_fee = money(exact, to_yuan=round_to_yuan)
    figures.update(
        allowed=True,
        max_fee=max_fee,
        effective_rate=percent((exact / value * 100).quantize(Decimal("0.0001"))),
    )
    return trace.result("contingency_cap", figures)
