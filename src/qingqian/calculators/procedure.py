"""Procedure helpers: small claims by province and filing date, and the payment order
(督促程序) checklist and deadlines, legal-rules.md §7-§8."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

from qingqian.calculators import citations as c
from qingqian.calculators.court_fees import acceptance_fee_exact
from qingqian.calculators.errors import CalculatorError
from qingqian.calculators.holidays import HolidayCalendar, default_calendar
from qingqian.calculators.limitation import enforcement_deadline
from qingqian.calculators.result import CalcResult, Line, Trace, fmt, money, to_decimal

#: A province by its name in each language (h19d: explanations never show the key).
PROVINCE_NAMES: dict[str, tuple[str, str]] = {"jiangsu": ("江苏省", "Jiangsu")}


@dataclass(frozen=True, slots=True)
class SmallClaimsBand:
    """The limits in force from ``valid_from``; ``limit is None`` marks a known gap."""

    valid_from: dt.date
    limit: Decimal | None
    agreed_ceiling: Decimal | None
    wage_year: int | None = None
    average_wage: Decimal | None = None
    grade: str = "B"
    source: str = ""
    note: str = ""


def _opt_decimal(value: object, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number <= 0:
        raise CalculatorError(
            f"小额诉讼标准数据行的 {field} 无效：{value}",
            f"Invalid {field} in a small-claims row: {value}",
            code="small_claims_row_invalid",
            details={"field": field, "value": str(value)},
        )
    return number


def parse_band(row: Mapping[str, Any] | SmallClaimsBand) -> SmallClaimsBand:
    if isinstance(row, SmallClaimsBand):
        return row
    try:
        valid_from = dt.date.fromisoformat(str(row.get("valid_from")))
    except ValueError:
        raise CalculatorError(
            f"小额诉讼标准数据行的日期无效：{row.get('valid_from')}",
            f"Invalid date in a small-claims row: {row.get('valid_from')}",
            code="small_claims_row_invalid",
            details={"field": "valid_from"},
        ) from None
    wage_year = row.get("wage_year")
    return SmallClaimsBand(
        valid_from=valid_from,
        limit=_opt_decimal(row.get("limit"), "limit"),
        agreed_ceiling=_opt_decimal(row.get("agreed_ceiling"), "agreed_ceiling"),
        wage_year=None if wage_year is None else int(wage_year),
        average_wage=_opt_decimal(row.get("average_wage"), "average_wage"),
        grade=str(row.get("grade", "B")),
        source=str(row.get("source", "")),
        note=str(row.get("note", "")),
    )


class SmallClaimsTable:
    """Dated bands per province; extra rows (e.g. from the database) replace same-date rows."""

    def __init__(self, bands: Mapping[str, Iterable[Mapping[str, Any] | SmallClaimsBand]]) -> None:
        self.bands: dict[str, tuple[SmallClaimsBand, ...]] = {}
        for province, rows in bands.items():
            by_day = {b.valid_from: b for b in map(parse_band, rows)}
            self.bands[province.lower()] = tuple(by_day[d] for d in sorted(by_day))

    @classmethod
    def default(
        cls, extra: Mapping[str, Iterable[Mapping[str, Any] | SmallClaimsBand]] | None = None
    ) -> SmallClaimsTable:
        base = _packaged()
        if not extra:
            return base
        merged: dict[str, list[Mapping[str, Any] | SmallClaimsBand]] = {
            p: list(rows) for p, rows in base.bands.items()
        }
        for province, rows in extra.items():
            merged.setdefault(province.lower(), []).extend(rows)
        return cls(merged)

    def lookup(self, province: str, filed: dt.date) -> tuple[SmallClaimsBand, SmallClaimsBand]:
        """(band in force, last band with known figures at or before it)."""
        key = province.strip().lower()
        if key not in self.bands:
            raise CalculatorError(
                f"暂无该省份的小额诉讼标准：{province}（现有：{'、'.join(self.bands)}）",
                f"No small-claims limits on file for {province} (available:"
                f" {', '.join(self.bands)})",
                code="unknown_province",
                details={"province": province, "choices": list(self.bands)},
            )
        rows = [b for b in self.bands[key] if b.valid_from <= filed]
        known = [b for b in rows if b.limit is not None]
        if not rows or not known:
            first = self.bands[key][0].valid_from
            raise CalculatorError(
                f"{filed.isoformat()} 早于已录入的最早标准（{first.isoformat()}）。2022-01-01"
                f" 前小额诉讼标准为上年度平均工资的 30%，未录入。",
                f"{filed.isoformat()} is before the earliest limit on file ({first.isoformat()})."
                f" Before 2022-01-01 the limit was 30% of the average wage; not on file.",
                code="small_claims_no_data",
                details={"filed": filed.isoformat(), "first": first.isoformat()},
            )
        return rows[-1], known[-1]


@functools.cache
def _packaged() -> SmallClaimsTable:
    text = resources.files("qingqian.calculators").joinpath("small_claims.json").read_text("utf-8")
    data = json.loads(text)
    return SmallClaimsTable({k: v for k, v in data.items() if isinstance(v, list)})


def small_claims(
    amount: Decimal | int | str,
    *,
    filed: dt.date,
    province: str = "jiangsu",
    table: SmallClaimsTable | None = None,
    round_to_yuan: bool = False,
) -> CalcResult:
    """Which procedure a money claim of ``amount`` filed on ``filed`` falls under, and its fee."""
    value = to_decimal(amount, field="amount")
    tab = table or SmallClaimsTable.default()
    band, known = tab.lookup(province, filed)
    if known.limit is None or known.agreed_ceiling is None:
        raise TypeError(known)
    trace = Trace()
    if band is not known:
        trace.provisional = True
        trace.warn(
            f"{band.valid_from.isoformat()} 起的标准未查到（{band.note}）；暂按"
            f" {known.valid_from.isoformat()} 起的标准计算，实际标准可能更高",
            f"The limits from {band.valid_from.isoformat()} are not on file ({band.note});"
            f" the limits from {known.valid_from.isoformat()} were used, and the real ones may"
            f" be higher",
        )
    trace.step(
        f"{PROVINCE_NAMES.get(province.strip().lower(), (province, province))[0]}"
        f" 自 {known.valid_from.isoformat()} 起：小额诉讼标的额上限"
        f" {fmt(known.limit)} 元（上年度就业人员年平均工资的 50%），双方约定可至"
        f" {fmt(known.agreed_ceiling)} 元（两倍）",
        f"{PROVINCE_NAMES.get(province.strip().lower(), (province, province))[1]}"
        f" from {known.valid_from.isoformat()}: small claims up to"
        f" {fmt(known.limit)} (50% of the last published average annual wage), and up to"
        f" {fmt(known.agreed_ceiling)} (2x) if both parties agree",
        c.CPL_SMALL_CLAIMS,
        c.CPL_INTERP_WAGE_YEAR,
    )
    full = acceptance_fee_exact(value)
    half = full / 2
    if value <= known.limit:
        procedure = "small_claims"
        fee = half
        trace.step(
            f"标的额 {fmt(value)} 元不超过 {fmt(known.limit)} 元：适用小额诉讼程序，一审终审",
            f"The claim of {fmt(value)} is within {fmt(known.limit)}: small-claims procedure,"
            f" final at first instance",
            c.CPL_SMALL_CLAIMS,
        )
    elif value <= known.agreed_ceiling:
        procedure = "small_claims_if_agreed"
        fee = half
        trace.step(
            f"标的额 {fmt(value)} 元超过 {fmt(known.limit)} 元、不超过"
            f" {fmt(known.agreed_ceiling)} 元：双方约定的，可以适用小额诉讼程序",
            f"The claim of {fmt(value)} is above {fmt(known.limit)} but within"
            f" {fmt(known.agreed_ceiling)}: small claims only if both parties agree",
            c.CPL_SMALL_CLAIMS,
        )
    else:
        procedure = "ordinary_or_simplified"
        fee = full
        trace.step(
            f"标的额 {fmt(value)} 元超过 {fmt(known.agreed_ceiling)} 元：不适用小额诉讼程序，"
            f"适用普通程序或简易程序（简易程序受理费减半）",
            f"The claim of {fmt(value)} exceeds {fmt(known.agreed_ceiling)}: not small claims;"
            f" ordinary or simplified procedure (half the fee if simplified)",
            c.CPL_SMALL_CLAIMS,
        )
    if procedure != "ordinary_or_simplified":
        trace.step(
            f"小额诉讼属简易程序，受理费减半：{fmt(money(full))} ÷ 2 → {fmt(money(half))} 元",
            f"Small claims are a form of simplified procedure, so the fee is halved:"
            f" {fmt(money(full))} / 2 → {fmt(money(half))}",
            c.FEE_PROPERTY,
            c.FEE_SIMPLIFIED,
            c.FEE_SMALL_CLAIMS_HALF,
        )
    else:
        trace.step(
            f"受理费全额 {fmt(money(full))} 元",
            f"Full acceptance fee {fmt(money(full))}",
            c.FEE_PROPERTY,
        )
    trace.step(
        "不适用小额诉讼：人身关系、财产确权；涉外；需评估鉴定；一方下落不明；反诉；其他不宜适用的",
        "Never small claims: personal status or title to property; foreign-related; needing"
        " appraisal; a party who cannot be found; counterclaims; others unsuitable",
        c.CPL_SMALL_CLAIMS_EXCLUDED,
    )
    figures = {
        "amount": money(value),
        "filed": filed,
        "province": province.strip().lower(),
        "procedure": procedure,
        "limit": money(known.limit),
        "agreed_ceiling": money(known.agreed_ceiling),
        "limits_valid_from": known.valid_from,
        "wage_year": known.wage_year,
        "fee": money(fee, to_yuan=round_to_yuan),
        "full_fee": money(full, to_yuan=round_to_yuan),
    }
    return trace.result("small_claims", figures)


# --- payment order ---------------------------------------------------------------------

PAYMENT_ORDER_CHECKS: dict[str, tuple[str, str]] = {
    "money_or_securities": (
        "请求给付金钱或有价证券",
        "the claim is for money or negotiable securities",
    ),
    "no_other_dispute": (
        "债权人与债务人没有其他债务纠纷",
        "no other debt dispute between the parties",
    ),
    "due_and_fixed": ("债权已到期且数额确定", "the claim is due and the amount fixed"),
    "no_counter_performance": (
        "债权人没有对待给付义务",
        "the creditor owes no counter-performance",
    ),
    "debtor_in_china_and_found": (
        "债务人在我国境内且未下落不明",
        "the debtor is in China and can be found",
    ),
    "can_be_served": ("支付令能够送达债务人", "the order can be served on the debtor"),
    "basic_court_of_domicile": (
        "向债务人住所地基层法院申请",
        "filed at the basic court of the debtor's domicile",
    ),
    "no_pre_suit_preservation": ("未申请诉前保全", "no pre-suit preservation was applied for"),
    "documented_interest": (
        "利息、违约金、赔偿金有书面依据（如主张）",
        "interest, penalty or damages claimed have a basis in the documents",
    ),
    "lawful_claim": ("请求给付的金钱不属于违法所得", "the money is not illegal income"),
}


def payment_order_checklist(answers: Mapping[str, bool | None]) -> CalcResult:
    """Eligibility for a payment order: every item must be answered yes (no amount limit)."""
    unknown = [k for k in answers if k not in PAYMENT_ORDER_CHECKS]
    if unknown:
        raise CalculatorError(
            f"未知的检查项：{', '.join(unknown)}",
            f"Unknown checklist items: {', '.join(unknown)}",
            code="unknown_kind",
            details={"unknown": unknown, "choices": list(PAYMENT_ORDER_CHECKS)},
        )
    trace = Trace()
    trace.cite(c.CPL_PAYMENT_ORDER, c.CPL_INTERP_PO_ACCEPT)
    failed: list[str] = []
    unanswered: list[str] = []
    for key, (zh, en) in PAYMENT_ORDER_CHECKS.items():
        answer = answers.get(key)
        if answer is None:
            unanswered.append(key)
            mark_zh, mark_en = "未回答", "unanswered"
        elif answer:
            mark_zh, mark_en = "是", "yes"
        else:
            failed.append(key)
            mark_zh, mark_en = "否", "no"
        trace.steps.append(Line(f"{zh}：{mark_zh}", f"{en}: {mark_en}"))
    eligible: bool | None = False if failed else (None if unanswered else True)
    trace.step(
        "支付令申请无标的额限制；费用为受理费的三分之一",
        "No amount limit; the fee is one third of the acceptance fee",
        c.FEE_PAYMENT_ORDER,
    )
    figures = {"eligible": eligible, "failed": failed, "unanswered": unanswered}
    return trace.result("payment_order_checklist", figures)


def payment_order_deadlines(
    *,
    applied: dt.date | None = None,
    accepted: dt.date | None = None,
    issued: dt.date | None = None,
    served: dt.date | None = None,
    termination_received: dt.date | None = None,
    calendar: HolidayCalendar | None = None,
) -> CalcResult:
    """The deadlines that follow from whichever dates are known (first day not counted; a last
    day on a rest day moves to the next working day, CPL Art. 85)."""
    cal = calendar or default_calendar()
    trace = Trace()
    trace.cite(c.CPL_PERIODS)
    figures: dict[str, object] = {}
    items = (
        (
            "acceptance_decision_by",
            applied,
            5,
            "法院决定是否受理",
            "court decides whether to accept",
            c.CPL_PAYMENT_ORDER,
        ),
        ("issue_by", accepted, 15, "法院发出支付令", "court issues the order", c.CPL_PAYMENT_ORDER),
        (
            "serve_by",
            issued,
            30,
            "送达支付令（逾期未送达则终结督促程序）",
            "serve the order (otherwise the procedure ends)",
            c.CPL_INTERP_PO_SERVE,
        ),
        (
            "objection_by",
            served,
            15,
            "债务人清偿或提出书面异议",
            "debtor pays or files a written objection",
            c.CPL_PAYMENT_ORDER,
        ),
        (
            "opt_out_by",
            termination_received,
            7,
            "债权人表明不同意提起诉讼（否则转入诉讼，申请日视为起诉日）",
            "creditor says it does not want to sue (otherwise it converts to a lawsuit,"
            " filed as of the application date)",
            c.CPL_INTERP_PO_CONVERT,
        ),
    )
    if not any(item[1] for item in items):
        raise CalculatorError(
            "请至少提供一个日期（申请、受理、发出、送达或收到终结裁定）。",
            "Give at least one date (applied, accepted, issued, served or termination received).",
            code="dates_missing",
        )
    for key, day, days, zh, en, rule in items:
        if day is None:
            continue
        raw = day + dt.timedelta(days=days)
        shift = cal.shift(raw)
        figures[key] = shift.day
        moved_zh = f"，遇休假日顺延至 {shift.day.isoformat()}" if shift.shifted else ""
        moved_en = f", moved past rest days to {shift.day.isoformat()}" if shift.shifted else ""
        trace.step(
            f"{zh}：{day.isoformat()} 起 {days} 日（开始之日不计入）至 {raw.isoformat()}{moved_zh}",
            f"{en}: {days} days from {day.isoformat()} (first day not counted), to"
            f" {raw.isoformat()}{moved_en}",
            rule,
        )
        if shift.provisional:
            trace.provisional = True
            trace.warn(
                f"{shift.day.year} 年放假安排未录入，日期为暂定",
                f"The {shift.day.year} holiday schedule is not entered; the date is provisional",
            )
    objection_by = figures.get("objection_by")
    if isinstance(objection_by, dt.date):
        trace.step(
            "仅以无力清偿、请求延期或变更清偿方式为由的异议，不影响支付令效力",
            "An objection only about inability to pay, more time or a different method does not"
            " stop the order",
            c.CPL_INTERP_PO_OBJECTION,
        )
        window = enforcement_deadline(pay_by=objection_by, calendar=cal)
        figures["enforcement_apply_by"] = window["deadline"]
        trace.step(
            f"无异议又不履行的，可申请执行；申请执行期限至 {window['deadline'].isoformat()}",
            f"With no objection and no payment, apply for enforcement by"
            f" {window['deadline'].isoformat()}",
            c.CPL_ENFORCEMENT_WINDOW,
        )
        trace.provisional = trace.provisional or window.provisional
    return trace.result("payment_order_deadlines", figures)
