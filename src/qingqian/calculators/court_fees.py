"""Court fees under 《诉讼费用交纳办法》 (in force 2007-04-01), legal-rules.md §1.

Every fee is computed exactly and rounded half-up to the fen only at the end (or to the
yuan, which some courts do: the Measures set no rounding rule, legal-rules.md §9.6).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from qingqian.calculators import citations as c
from qingqian.calculators.errors import CalculatorError
from qingqian.calculators.result import CalcResult, Trace, fmt, fmt_exact, money, to_decimal
from qingqian.calculators.tiers import TieredSchedule, tiers

_IN_FORCE = dt.date(2007, 4, 1)

ACCEPTANCE_FEE = TieredSchedule(
    name_zh="财产案件受理费",
    name_en="acceptance fee for a property case",
    valid_from=_IN_FORCE,
    rule=c.FEE_PROPERTY,
    floor_upper=Decimal(10_000),
    floor_fee=Decimal(50),
    tiers=tiers(
        ("100000", "2.5"),
        ("200000", "2"),
        ("500000", "1.5"),
        ("1000000", "1"),
        ("2000000", "0.9"),
        ("5000000", "0.8"),
        ("10000000", "0.7"),
        ("20000000", "0.6"),
        (None, "0.5"),
    ),
)

PRESERVATION_FEE = TieredSchedule(
    name_zh="财产保全申请费",
    name_en="property preservation fee",
    valid_from=_IN_FORCE,
    rule=c.FEE_PRESERVATION,
    floor_upper=Decimal(1_000),
    floor_fee=Decimal(30),
    tiers=tiers(("100000", "1"), (None, "0.5")),
    cap=Decimal(5_000),
)

ENFORCEMENT_FEE = TieredSchedule(
    name_zh="申请执行费",
    name_en="enforcement application fee",
    valid_from=_IN_FORCE,
    rule=c.FEE_ENFORCEMENT,
    floor_upper=Decimal(10_000),
    floor_fee=Decimal(50),
    tiers=tiers(("500000", "1.5"), ("5000000", "1"), ("10000000", "0.5"), (None, "0.1")),
)

KINDS = ("property", "payment-order", "preservation", "enforcement", "judicial-confirmation")


def acceptance_fee_exact(amount: Decimal) -> Decimal:
    """F1 without rounding (for other calculators)."""
    return ACCEPTANCE_FEE.compute(amount)[0]


def _normalise_kind(kind: str) -> str:
    key = kind.strip().lower().replace("_", "-")
    if key not in KINDS:
        raise CalculatorError(
            f"未知的费用种类：{kind}（可选：{'、'.join(KINDS)}）",
            f"Unknown fee kind: {kind} (choose one of: {', '.join(KINDS)})",
            code="unknown_kind",
            details={"kind": kind, "choices": list(KINDS)},
        )
    return key


def _halving(
    trace: Trace,
    *,
    simplified: bool,
    small_claims: bool,
    mediated: bool,
    withdrawn: bool,
    counterclaim: bool,
) -> list[str]:
    reasons: list[tuple[str, str, str]] = []
    if simplified:
        reasons.append(("simplified", "适用简易程序", "simplified procedure"))
    if small_claims:
        reasons.append(("small_claims", "适用小额诉讼程序", "small-claims procedure"))
    if mediated:
        reasons.append(("mediated", "调解结案", "settled by mediation"))
    if withdrawn:
        reasons.append(("withdrawn", "撤诉", "withdrawn"))
    if counterclaim:
        reasons.append(
            ("counterclaim", "反诉或有独立请求权的第三人", "counterclaim/third-party claim")
        )
    if not reasons:
        return []
    rules = []
    if simplified or small_claims:
        rules.append(c.FEE_SIMPLIFIED)
    if small_claims:
        rules.append(c.FEE_SMALL_CLAIMS_HALF)
    if mediated or withdrawn:
        rules.append(c.FEE_MEDIATION_WITHDRAWAL)
    if counterclaim:
        rules.append(c.FEE_COUNTERCLAIM)
    trace.step(
        "减半事由：" + "、".join(r[1] for r in reasons) + "；受理费减半收取",
        "Grounds for halving: " + ", ".join(r[2] for r in reasons) + "; the fee is halved",
        *rules,
    )
    if len(reasons) > 1:
        trace.step(
            "多项减半事由并存时只减半一次（×1/2，而非 ×1/4）",
            "Several grounds apply, but the fee is halved only once (x1/2, not x1/4)",
            c.FEE_ONE_HALVING,
        )
    return [r[0] for r in reasons]


def court_fee(
    amount: Decimal | int | str | None,
    *,
    kind: str = "property",
    simplified: bool = False,
    small_claims: bool = False,
    mediated: bool = False,
    withdrawn: bool = False,
    counterclaim: bool = False,
    round_to_yuan: bool = False,
) -> CalcResult:
    """The court fee of ``kind`` on ``amount`` (the claim, the amount preserved or enforced).

    ``property``: acceptance fee F1, halved once at most (simplified or small-claims
    procedure, mediation, withdrawal, counterclaim). ``payment-order``: one third of F1, and
    the balance owed if the order lapses and converts to a lawsuit (the halving flags then
    describe the lawsuit). ``preservation``: on the amount actually preserved, cap 5,000.
    ``enforcement``: paid after enforcement by the party enforced against.
    ``judicial-confirmation``: no fee.
    """
    key = _normalise_kind(kind)
    halving_flags = simplified or small_claims or mediated or withdrawn or counterclaim
    if halving_flags and key not in ("property", "payment-order"):
        raise CalculatorError(
            "减半选项只适用于案件受理费（或支付令转诉讼后的受理费）。",
            "The halving options apply only to the acceptance fee (or the lawsuit after a"
            " payment order converts).",
            code="option_not_applicable",
            details={"kind": key},
        )
    trace = Trace()
    if key == "judicial-confirmation":
        if amount is not None:
            to_decimal(amount, field="amount")
        trace.step(
            "司法确认调解协议属特别程序案件，不交纳案件受理费",
            "Judicial confirmation of a mediation agreement is a special-procedure case: no fee",
            c.FEE_NO_FEE,
        )
        return trace.result("court_fee", {"kind": key, "fee": money(Decimal(0))})
    if amount is None:
        raise CalculatorError(
            "请提供金额。",
            "An amount is required.",
            code="amount_missing",
            details={"field": "amount"},
        )
    value = to_decimal(amount, field="amount")
    figures: dict[str, object] = {"kind": key, "amount": money(value)}

    if key == "preservation":
        exact, lines = PRESERVATION_FEE.compute(value)
        trace.step(
            f"财产保全申请费按实际保全的财产数额 {fmt(value)} 元分段累计",
            f"Preservation fee, tier by tier on the amount actually preserved, {fmt(value)}",
            c.FEE_PRESERVATION,
        )
        trace.steps.extend(lines)
        fee = money(exact, to_yuan=round_to_yuan)
        figures.update(fee=fee, cap=money(Decimal(5000)), capped=exact == Decimal(5000))
    elif key == "enforcement":
        exact, lines = ENFORCEMENT_FEE.compute(value)
        trace.step(
            f"申请执行费按执行金额 {fmt(value)} 元分段累计",
            f"Enforcement fee, tier by tier on the amount enforced, {fmt(value)}",
            c.FEE_ENFORCEMENT,
        )
        trace.steps.extend(lines)
        trace.step(
            "执行申请费不预交，执行后交纳，由被执行人负担",
            "Not prepaid: paid after enforcement and borne by the party enforced against",
            c.FEE_ENFORCEMENT_PAID_AFTER,
        )
        fee = money(exact, to_yuan=round_to_yuan)
        figures.update(fee=fee)
    else:
        full_exact, lines = ACCEPTANCE_FEE.compute(value)
        trace.step(
            f"财产案件受理费按诉讼请求金额 {fmt(value)} 元分段累计",
            f"Acceptance fee, tier by tier on the claim of {fmt(value)}",
            c.FEE_PROPERTY,
        )
        trace.steps.extend(lines)
        trace.step(
            f"全额受理费 {fmt_exact(full_exact)} → {fmt(money(full_exact))} 元",
            f"Full acceptance fee {fmt_exact(full_exact)} → {fmt(money(full_exact))}",
        )
        reasons = _halving(
            trace,
            simplified=simplified,
            small_claims=small_claims,
            mediated=mediated,
            withdrawn=withdrawn,
            counterclaim=counterclaim,
        )
        litigation_exact = full_exact / 2 if reasons else full_exact
        if key == "property":
            fee = money(litigation_exact, to_yuan=round_to_yuan)
            figures.update(
                fee=fee,
                full_fee=money(full_exact, to_yuan=round_to_yuan),
                halved=bool(reasons),
                halving_grounds=reasons,
            )
        else:
            order_exact = full_exact / 3
            fee = money(order_exact, to_yuan=round_to_yuan)
            litigation_fee = money(litigation_exact, to_yuan=round_to_yuan)
            balance = litigation_fee - fee
            trace.step(
                f"支付令申请费为受理费的三分之一：{fmt_exact(full_exact)} ÷ 3 → {fmt(fee)} 元",
                f"Payment-order fee is one third of the acceptance fee:"
                f" {fmt_exact(full_exact)} / 3 → {fmt(fee)}",
                c.FEE_PAYMENT_ORDER,
            )
            if balance < 0:
                balance = Decimal(0)
                trace.warn(
                    "已交支付令费用高于转诉讼后的受理费；是否退还以法院决定为准",
                    "The payment-order fee paid exceeds the lawsuit's fee; any refund is for"
                    " the court",
                )
            trace.step(
                f"支付令失效转入诉讼的，补交受理费 {fmt(litigation_fee)} − {fmt(fee)}"
                f" = {fmt(balance)} 元（“补交”按差额计算为通行做法）",
                f"If the order lapses and converts to a lawsuit, pay the balance"
                f" {fmt(litigation_fee)} − {fmt(fee)} = {fmt(balance)} (netting is usual"
                f" practice; the text only says 'pay the balance')",
                c.FEE_CONVERSION,
            )
            figures.update(
                fee=fee,
                full_fee=money(full_exact, to_yuan=round_to_yuan),
                litigation_fee=litigation_fee,
                balance_on_conversion=money(balance),
            )
    rounding = "yuan" if round_to_yuan else "fen"
    trace.step(
        "舍入：四舍五入到元" if round_to_yuan else "舍入：四舍五入到分",
        "Rounding: half-up to the yuan" if round_to_yuan else "Rounding: half-up to the fen",
    )
    figures["rounding"] = rounding
    return trace.result("court_fee", figures)
