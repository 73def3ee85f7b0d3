"""Interest caps and statutory rates, legal-rules.md §3.

Rates are in percent a year (``Decimal('12.00')`` means 12%). Private lending is capped at
4 x the one-year LPR in force when the contract was formed (for loans between individuals,
when the funds were transferred); contracts formed before 2020-08-20 split at that date.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from qingqian.calculators import citations as c
from qingqian.calculators.errors import CalculatorError
from qingqian.calculators.rates import LprQuote, LprTable
from qingqian.calculators.result import (
    CalcResult,
    Trace,
    fmt,
    fmt_exact,
    fmt_pct,
    money,
    percent,
    to_decimal,
)

NEW_RULES = dt.date(2020, 8, 20)
LPR_MULTIPLE = Decimal(4)
OLD_SUPPORTED = Decimal(24)
OLD_VOID_ABOVE = Decimal(36)
TRADE_LOW = Decimal("1.3")
TRADE_HIGH = Decimal("1.5")
DELAY_DAILY_RATE = Decimal("0.000175")
DAY_BASES = (360, 365)


def _rate_input(value: Decimal | int | str, field: str) -> Decimal:
    return to_decimal(value, field=field, allow_zero=True, max_places=6, maximum=Decimal(1000))


def _lpr(trace: Trace, rates: LprTable, day: dt.date, label_zh: str, label_en: str) -> LprQuote:
    quote = rates.quote_on(day, purpose_zh=label_zh, purpose_en=label_en)
    trace.step(
        f"{label_zh}{day.isoformat()} 适用的一年期 LPR 为 {fmt_pct(quote.one_year)}"
        f"（{quote.day.isoformat()} 报价）",
        f"The one-year LPR in force on {day.isoformat()} ({label_en.strip()}) is"
        f" {fmt_pct(quote.one_year)} (quote of {quote.day.isoformat()})",
    )
    if quote.grade not in ("A", "B"):
        trace.warn(
            f"LPR 报价 {quote.day.isoformat()}（等级 {quote.grade}）：{quote.note}",
            f"LPR quote {quote.day.isoformat()} (grade {quote.grade}): {quote.note}",
        )
    if quote.day == day:
        trace.warn(
            f"{day.isoformat()} 恰为 LPR 报价日，已采用当日新报价；请人工核对资金交付或合同成立"
            f"时点是否在报价发布之前",
            f"{day.isoformat()} is an LPR quote day; the new quote was used. Check by hand"
            f" whether the funds moved or the contract was formed before publication",
        )
    if rates.is_stale_for(day):
        trace.warn(
            f"LPR 表最后一条报价为 {rates.last.day.isoformat()}，早于 {day.isoformat()} 一个月"
            f"以上；请管理员补录新报价",
            f"The LPR table's last quote is {rates.last.day.isoformat()}, more than a month"
            f" before {day.isoformat()}; an administrator should add the new quotes",
        )
    return quote


def _cap_segments(
    trace: Trace, formed: dt.date, filed: dt.date | None, rates: LprTable
) -> tuple[list[dict[str, object]], dict[str, object]]:
    """The cap regime(s) for a contract formed on ``formed``: a list of dated segments, each
    ``{"from", "to", "cap", "lpr", ...}``, and the headline figures."""
    trace.step(
        "自然人之间的借款合同自出借人提供借款时成立：成立日应为资金交付日",
        "A loan between individuals is formed when the lender provides the funds: use the"
        " transfer date as the formation date",
        c.CC_679,
    )
    if filed is not None and filed < formed:
        raise CalculatorError(
            "起诉日早于合同成立日。",
            "The filing date is before the contract was formed.",
            code="filed_before_formed",
            details={"formed": formed.isoformat(), "filed": filed.isoformat()},
        )
    if formed >= NEW_RULES:
        quote = _lpr(trace, rates, formed, "合同成立日 ", "formation date ")
        cap = quote.one_year * LPR_MULTIPLE
        trace.step(
            f"利率上限为成立时一年期 LPR 的四倍：{fmt_pct(quote.one_year)} × 4 = {fmt_pct(cap)}",
            f"The cap is 4 x the one-year LPR at formation: {fmt_pct(quote.one_year)} x 4 ="
            f" {fmt_pct(cap)}",
            c.LENDING_CAP,
        )
        segment: dict[str, object] = {
            "from": formed,
            "to": None,
            "cap": percent(cap),
            "lpr": percent(quote.one_year),
        }
        return [segment], {
            "regime": "lpr_4x",
            "lpr": percent(quote.one_year),
            "lpr_quote_date": quote.day,
            "annual_rate_cap": percent(cap),
        }
    if filed is None:
        if formed < rates.quotes[0].day:
            rates.quote_on(formed, purpose_zh="合同成立日 ", purpose_en="formation date ")
        raise CalculatorError(
            "2020-08-20 之前成立的合同须提供起诉日：2020-08-19 之前按旧规定（24%/36%），"
            "之后按起诉时一年期 LPR 的四倍。",
            "A contract formed before 2020-08-20 needs the filing date: the old rules"
            " (24%/36%) apply up to 2020-08-19, then 4 x the one-year LPR at filing.",
            code="filing_date_required",
            details={"formed": formed.isoformat()},
        )
    if filed < NEW_RULES:
        trace.step(
            "2020-08-20 之前起诉的案件适用 2015 年旧规定：年利率 24% 以内支持，超过 36% 部分无效",
            "Sued before 2020-08-20: the 2015 rules apply: up to 24% a year supported, the"
            " part above 36% void",
            c.LENDING_TRANSITION,
        )
        segment = {
            "from": formed,
            "to": None,
            "cap": percent(OLD_SUPPORTED),
            "lpr": None,
        }
        return [segment], {
            "regime": "rules_2015",
            "lpr": None,
            "lpr_quote_date": None,
            "annual_rate_cap": percent(OLD_SUPPORTED),
            "void_above": percent(OLD_VOID_ABOVE),
        }
    quote = _lpr(trace, rates, filed, "起诉日 ", "filing date ")
    cap = quote.one_year * LPR_MULTIPLE
    trace.step(
        f"合同成立于 2020-08-20 之前、之后起诉：2020-08-19 之前按旧规定 24%（超过 36% 无效）；"
        f"2020-08-20 起按起诉时 LPR 的四倍 {fmt_pct(quote.one_year)} × 4 = {fmt_pct(cap)}",
        f"Formed before 2020-08-20 and sued after: up to 2020-08-19 the old 24% rule (void"
        f" above 36%); from 2020-08-20, 4 x the LPR at filing: {fmt_pct(quote.one_year)} x 4"
        f" = {fmt_pct(cap)}",
        c.LENDING_TRANSITION,
        c.LENDING_CAP,
    )
    segments: list[dict[str, object]] = [
        {"from": formed, "to": NEW_RULES, "cap": percent(OLD_SUPPORTED), "lpr": None},
        {"from": NEW_RULES, "to": None, "cap": percent(cap), "lpr": percent(quote.one_year)},
    ]
    return segments, {
        "regime": "split_2020_08_20",
        "lpr": percent(quote.one_year),
        "lpr_quote_date": quote.day,
        "annual_rate_cap": percent(cap),
        "cap_before_2020_08_20": percent(OLD_SUPPORTED),
        "void_above_before_2020_08_20": percent(OLD_VOID_ABOVE),
    }


def interest_cap(
    formed: dt.date, *, rates: LprTable | None = None, filed: dt.date | None = None
) -> CalcResult:
    """The private-lending cap (percent a year) for a contract formed on ``formed``."""
    table = rates or LprTable.default()
    trace = Trace()
    segments, figures = _cap_segments(trace, formed, filed, table)
    figures = {"formed": formed, "filed": filed, **figures, "segments": segments}
    return trace.result("interest_cap", figures)


def private_lending_interest(
    principal: Decimal | int | str,
    *,
    formed: dt.date,
    end: dt.date,
    agreed_rate: Decimal | int | str,
    start: dt.date | None = None,
    advance_deducted: Decimal | int | str = 0,
    filed: dt.date | None = None,
    day_basis: int = 365,
    rates: LprTable | None = None,
    round_to_yuan: bool = False,
) -> CalcResult:
    """Interest supported by a court on a private loan from ``start`` (default ``formed``) to
    ``end`` (days counted as ``end - start``), at the agreed rate but never above the cap.

    Interest deducted in advance (砍头息) is not lent: the principal is what was transferred.
    """
    table = rates or LprTable.default()
    stated = to_decimal(principal, field="principal")
    deducted = to_decimal(advance_deducted, field="advance_deducted", allow_zero=True)
    agreed = _rate_input(agreed_rate, "agreed_rate")
    begin = start or formed
    if day_basis not in DAY_BASES:
        raise CalculatorError(
            "计息天数基准只能是 365 或 360。",
            "The day basis must be 365 or 360.",
            code="day_basis_invalid",
            details={"day_basis": day_basis},
        )
    if end < begin:
        raise CalculatorError(
            f"计息终止日 {end} 早于起始日 {begin}。",
            f"The end date ({end}) is before the start date ({begin}).",
            code="period_reversed",
            details={"start": begin.isoformat(), "end": end.isoformat()},
        )
    if begin < formed:
        raise CalculatorError(
            "计息起始日早于合同成立日。",
            "Interest cannot start before the contract was formed.",
            code="start_before_formed",
            details={"formed": formed.isoformat(), "start": begin.isoformat()},
        )
    if deducted >= stated:
        raise CalculatorError(
            "预先扣除的利息不能大于或等于借据金额。",
            "Interest deducted in advance cannot equal or exceed the stated principal.",
            code="advance_deducted_too_large",
            details={"principal": str(stated), "advance_deducted": str(deducted)},
        )
    trace = Trace()
    actual = stated - deducted
    if deducted:
        trace.step(
            f"借据金额 {fmt(stated)} 元，预先扣除利息 {fmt(deducted)} 元：按实际出借金额"
            f" {fmt(actual)} 元认定本金",
            f"Stated principal {fmt(stated)}, interest deducted in advance {fmt(deducted)}:"
            f" the principal is the amount actually lent, {fmt(actual)}",
            c.LENDING_ADVANCE,
            c.CC_670,
        )
    segments, headline = _cap_segments(trace, formed, filed, table)
    total = Decimal(0)
    claimed = Decimal(0)
    rows: list[dict[str, object]] = []
    for seg in segments:
        seg_start, seg_end, cap = seg["from"], seg["to"], seg["cap"]
        if not isinstance(seg_start, dt.date) or not isinstance(cap, Decimal):
            raise TypeError(seg)
        seg_from = max(begin, seg_start)
        seg_to = end if not isinstance(seg_end, dt.date) else min(end, seg_end)
        days = (seg_to - seg_from).days
        if days <= 0:
            continue
        rate = min(agreed, cap)
        exact = actual * rate / 100 * days / day_basis
        claimed += actual * agreed / 100 * days / day_basis
        total += exact
        trace.step(
            f"{seg_from.isoformat()} 至 {seg_to.isoformat()}（{days} 天）：约定 {fmt_pct(agreed)}，"
            f"上限 {fmt_pct(cap)}，按 {fmt_pct(rate)}：{fmt(actual)} × {fmt_pct(rate)} × {days}"
            f"/{day_basis} = {fmt_exact(exact)}",
            f"{seg_from.isoformat()} to {seg_to.isoformat()} ({days} days): agreed"
            f" {fmt_pct(agreed)}, cap {fmt_pct(cap)}, so {fmt_pct(rate)}: {fmt(actual)} x"
            f" {fmt_pct(rate)} x {days}/{day_basis} = {fmt_exact(exact)}",
        )
        rows.append(
            {
                "from": seg_from,
                "to": seg_to,
                "days": days,
                "cap": cap,
                "rate": percent(rate),
                "interest": money(exact, to_yuan=round_to_yuan),
            }
        )
    if agreed > OLD_SUPPORTED and headline["regime"] != "lpr_4x":
        trace.warn(
            "旧规定下，24% 至 36% 之间已自愿支付的利息不予返还；超过 36% 的部分可主张返还",
            "Under the old rules, interest between 24% and 36% already paid is not returned;"
            " the part above 36% can be recovered",
        )
    trace.step(
        f"计息天数基准 {day_basis}（部分法院按 360 天计，可调整）",
        f"Day basis {day_basis} (some courts use 360; configurable)",
    )
    figures: dict[str, object] = {
        "formed": formed,
        "principal_stated": money(stated),
        "advance_deducted": money(deducted),
        "principal": money(actual),
        "agreed_rate": percent(agreed),
        **headline,
        "day_basis": day_basis,
        "segments": rows,
        "supported_interest": money(total, to_yuan=round_to_yuan),
        "claimed_interest": money(claimed, to_yuan=round_to_yuan),
        "unsupported_interest": money(claimed - total, to_yuan=round_to_yuan),
    }
    return trace.result("private_lending_interest", figures)


def combined_overdue_cap(
    formed: dt.date,
    *,
    overdue_rate: Decimal | int | str = 0,
    penalty_rate: Decimal | int | str = 0,
    other_fees_rate: Decimal | int | str = 0,
    filed: dt.date | None = None,
    rates: LprTable | None = None,
) -> CalcResult:
    """Overdue interest, penalty and other fees together may not exceed the one cap."""
    table = rates or LprTable.default()
    parts = {
        "overdue_rate": _rate_input(overdue_rate, "overdue_rate"),
        "penalty_rate": _rate_input(penalty_rate, "penalty_rate"),
        "other_fees_rate": _rate_input(other_fees_rate, "other_fees_rate"),
    }
    trace = Trace()
    _, headline = _cap_segments(trace, formed, filed, table)
    cap = headline["annual_rate_cap"]
    if not isinstance(cap, Decimal):
        raise TypeError(cap)
    claimed = sum(parts.values(), Decimal(0))
    supported = min(claimed, cap)
    trace.step(
        f"逾期利息 {fmt_pct(parts['overdue_rate'])} + 违约金 {fmt_pct(parts['penalty_rate'])}"
        f" + 其他费用 {fmt_pct(parts['other_fees_rate'])} = {fmt_pct(claimed)}；合计超过"
        f" {fmt_pct(cap)} 的部分不予支持，支持 {fmt_pct(supported)}",
        f"Overdue interest {fmt_pct(parts['overdue_rate'])} + penalty"
        f" {fmt_pct(parts['penalty_rate'])} + other fees {fmt_pct(parts['other_fees_rate'])} ="
        f" {fmt_pct(claimed)}; the total above {fmt_pct(cap)} is not supported, so"
        f" {fmt_pct(supported)}",
        c.LENDING_COMBINED,
    )
    trace.warn(
        "律师费是否属于“其他费用”而计入合并上限，各地法院做法不一，需人工判断",
        "Whether lawyer's fees are 'other fees' inside the combined cap differs between"
        " courts: decide by hand",
    )
    figures = {
        "formed": formed,
        **{k: percent(v) for k, v in parts.items()},
        "claimed_total_rate": percent(claimed),
        **headline,
        "supported_total_rate": percent(supported),
        "excess_rate": percent(claimed - supported),
    }
    return trace.result("combined_overdue_cap", figures)


def trade_receivable_rate(
    breach: dt.date,
    *,
    amount: Decimal | int | str | None = None,
    days: int | None = None,
    day_basis: int = 365,
    rates: LprTable | None = None,
    round_to_yuan: bool = False,
) -> CalcResult:
    """Late-payment loss on a sale of goods with no agreed penalty: LPR at breach +30% to +50%."""
    table = rates or LprTable.default()
    trace = Trace()
    if breach < table.quotes[0].day:
        raise CalculatorError(
            f"违约日 {breach.isoformat()} 早于 2019-08-20：应按中国人民银行同期同类人民币贷款"
            f"基准利率为基础、参照逾期罚息利率标准计算，本计算器不提供该旧利率表。",
            f"The breach on {breach.isoformat()} is before 2019-08-20: the PBOC benchmark rate"
            f" for the same kind and term, on the overdue-penalty-rate standard, applies; this"
            f" calculator does not hold that older table.",
            code="lpr_before_2019_08_20",
            details={"breach": breach.isoformat()},
        )
    quote = _lpr(trace, table, breach, "违约日 ", "breach date ")
    low = quote.one_year * TRADE_LOW
    high = quote.one_year * TRADE_HIGH
    trace.step(
        f"买卖合同未约定逾期付款违约金：以违约时一年期 LPR 为基础加计 30%—50%："
        f"{fmt_pct(low)} 至 {fmt_pct(high)}",
        f"Sale of goods without an agreed late-payment penalty: the LPR at breach plus 30% to"
        f" 50%: {fmt_pct(low)} to {fmt_pct(high)}",
        c.SALES_LATE_PAYMENT,
    )
    figures: dict[str, object] = {
        "breach": breach,
        "lpr": percent(quote.one_year),
        "lpr_quote_date": quote.day,
        "rate_low": percent(low),
        "rate_high": percent(high),
    }
    if amount is not None or days is not None:
        if amount is None or days is None or days < 0:
            raise CalculatorError(
                "计算损失金额须同时提供金额和非负天数。",
                "To compute the loss give both the amount and a non-negative number of days.",
                code="amount_or_days_missing",
            )
        if day_basis not in DAY_BASES:
            raise CalculatorError(
                "计息天数基准只能是 365 或 360。",
                "The day basis must be 365 or 360.",
                code="day_basis_invalid",
                details={"day_basis": day_basis},
            )
        value = to_decimal(amount, field="amount")
        loss_low = value * low / 100 * days / day_basis
        loss_high = value * high / 100 * days / day_basis
        trace.step(
            f"{fmt(value)} × {days}/{day_basis} 天："
            f"{fmt_exact(loss_low)} 至 {fmt_exact(loss_high)}",
            f"{fmt(value)} x {days}/{day_basis} days: {fmt_exact(loss_low)} to"
            f" {fmt_exact(loss_high)}",
        )
        figures.update(
            amount=money(value),
            days=days,
            loss_low=money(loss_low, to_yuan=round_to_yuan),
            loss_high=money(loss_high, to_yuan=round_to_yuan),
        )
    return trace.result("trade_receivable_rate", figures)


def judgment_delay_interest(
    unpaid: Decimal | int | str,
    *,
    days: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    round_to_yuan: bool = False,
) -> CalcResult:
    """The doubled part of interest for late performance of a judgment: unpaid x 0.0175% x days.

    Give ``days``, or ``start`` (the day after the performance period ended) and ``end`` (the
    day of payment), counted as ``end - start``.
    """
    value = to_decimal(unpaid, field="unpaid")
    if days is None:
        if start is None or end is None:
            raise CalculatorError(
                "请提供迟延天数，或起止日期。",
                "Give the number of days late, or the start and end dates.",
                code="days_missing",
            )
        if end < start:
            raise CalculatorError(
                f"终止日 {end} 早于起始日 {start}。",
                f"The end date ({end}) is before the start date ({start}).",
                code="period_reversed",
                details={"start": start.isoformat(), "end": end.isoformat()},
            )
        days = (end - start).days
    if days < 0:
        raise CalculatorError(
            "迟延天数不能为负。",
            "The number of days late must not be negative.",
            code="days_negative",
            details={"days": days},
        )
    trace = Trace()
    exact = value * DELAY_DAILY_RATE * days
    trace.step(
        f"加倍部分债务利息 = 未履行金额（不含一般债务利息）{fmt(value)} × 日万分之一点七五 ×"
        f" {days} 天 = {fmt_exact(exact)}",
        f"Doubled interest = unpaid judgment debt (excluding ordinary interest) {fmt(value)} x"
        f" 0.0175% a day x {days} days = {fmt_exact(exact)}",
        c.CPL_DELAY_INTEREST,
        c.DELAY_INTEREST,
    )
    trace.step(
        "执行款先清偿生效法律文书确定的金钱债务，再清偿加倍部分债务利息（另有约定的除外）",
        "Payments go to the judgment debt first, then to the doubled interest (unless agreed"
        " otherwise)",
        c.DELAY_INTEREST,
    )
    figures = {
        "unpaid": money(value),
        "days": days,
        "daily_rate": "0.0175%",
        "doubled_interest": money(exact, to_yuan=round_to_yuan),
    }
    return trace.result("judgment_delay_interest", figures)
