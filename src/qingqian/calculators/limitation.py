"""Limitation periods (诉讼时效) and the enforcement-application window, legal-rules.md §2.

Dates only: every date comes in as an argument (``as_of`` for the warnings), never from the
clock. A period of years ends on the corresponding day (29 February → 28 February), and a
last day that is a statutory rest day moves to the next working day (Civil Code Arts.
201-203); make-up working days are working days. Where two readings of the law give
different dates, the earlier is returned and the other is reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from qingqian.calculators import citations as c
from qingqian.calculators.errors import CalculatorError
from qingqian.calculators.holidays import ONE_DAY, HolidayCalendar, Shift, default_calendar
from qingqian.calculators.result import CalcResult, Rule, Trace, add_months, add_years

PERIOD_YEARS = 3
LONG_STOP_YEARS = 20
ENFORCEMENT_YEARS = 2
SUSPENSION_WINDOW_MONTHS = 6
WARNING_DAYS = (180, 90, 30)


class EventKind(StrEnum):
    """What interrupted the period (Civil Code Art. 195 and the SPC limitation rules)."""

    DEMAND = "demand"
    PART_PAYMENT = "part_payment"
    AGREEMENT = "agreement"
    SUIT = "suit"
    MEDIATION = "mediation"
    REPORT = "report"
    ASSIGNMENT_NOTICE = "assignment_notice"
    OTHER = "other"


_KIND_TEXT: dict[EventKind, tuple[str, str, Rule]] = {
    EventKind.DEMAND: (
        "债权人催告（送达或到达债务人）",
        "creditor's demand reached the debtor",
        c.LIMIT_DEMAND,
    ),
    EventKind.PART_PAYMENT: ("债务人部分履行或分期履行", "debtor paid in part", c.LIMIT_AGREEMENT),
    EventKind.AGREEMENT: (
        "债务人同意履行（还款计划、提供担保、请求延期等）",
        "debtor agreed to perform (plan, security, request for time)",
        c.LIMIT_AGREEMENT,
    ),
    EventKind.SUIT: (
        "起诉、仲裁、申请支付令、诉前保全、申请执行等",
        "lawsuit, arbitration, payment order, pre-suit preservation, enforcement application",
        c.LIMIT_SUIT_LIKE,
    ),
    EventKind.MEDIATION: (
        "向人民调解委员会等请求调解",
        "request to a mediation body",
        c.LIMIT_MEDIATION,
    ),
    EventKind.REPORT: (
        "向公安、检察院、法院报案或控告",
        "report to police, procuratorate or court",
        c.LIMIT_MEDIATION,
    ),
    EventKind.ASSIGNMENT_NOTICE: (
        "债权转让通知到达债务人",
        "assignment notice reached the debtor",
        c.LIMIT_ASSIGNMENT,
    ),
    EventKind.OTHER: (
        "其他与提起诉讼具有同等效力的事项",
        "other act with the same effect as suing",
        c.CC_195,
    ),
}


@dataclass(frozen=True, slots=True)
class Interruption:
    """An interrupting event on ``day``. For a lawsuit or arbitration the new period runs from
    the end of the proceedings, if known; without it, from ``day`` (the conservative reading,
    e.g. after a withdrawal)."""

    day: dt.date
    kind: EventKind = EventKind.DEMAND
    proceedings_end: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Suspension:
    """An obstacle (Civil Code Art. 194) from ``start`` until it was removed on ``end``."""

    start: dt.date
    end: dt.date
    reason: str = ""


def parse_kind(value: str) -> EventKind:
    try:
        return EventKind(value.strip().lower().replace("-", "_"))
    except ValueError:
        choices = [k.value for k in EventKind]
        raise CalculatorError(
            f"未知的中断事由：{value}（可选：{'、'.join(choices)}）",
            f"Unknown interruption kind: {value} (choose one of: {', '.join(choices)})",
            code="unknown_kind",
            details={"kind": value, "choices": choices},
        ) from None


@dataclass(slots=True)
class _State:
    raw: dt.date
    shift: Shift
    alternative: Shift | None

    @property
    def deadline(self) -> dt.date:
        return self.shift.day


def _describe_shift(trace: Trace, shift: Shift) -> None:
    if shift.shifted:
        trace.step(
            f"{shift.original.isoformat()} 为法定休假日（周末或节假日），顺延至"
            f" {shift.day.isoformat()}",
            f"{shift.original.isoformat()} is a statutory rest day (weekend or holiday);"
            f" the period ends on {shift.day.isoformat()}",
            c.CC_201_203,
        )
    if shift.provisional:
        trace.provisional = True
        trace.warn(
            f"{shift.day.year} 年的放假安排尚未公布（或未录入）：仅按周末和固定日期节假日计算，"
            f"结果为暂定。最早可能的届满日为 {shift.original.isoformat()}（若当日为调休工作日）",
            f"The {shift.day.year} holiday schedule is not published (or not entered): only"
            f" weekends and fixed-date holidays were used, so the date is provisional. The"
            f" earliest possible last day is {shift.original.isoformat()} (if it becomes a"
            f" make-up working day)",
        )


def _apply_events(
    trace: Trace,
    state: _State,
    *,
    base: dt.date,
    years: int,
    interruptions: Sequence[Interruption],
    suspensions: Sequence[Suspension],
    calendar: HolidayCalendar,
    interruption_rule: Rule,
) -> list[dict[str, object]]:
    for check in interruptions:
        if check.day < base:
            raise CalculatorError(
                f"中断事由日期 {check.day} 早于期间起算日 {base}。",
                f"The interruption on {check.day} is before the period starts ({base}).",
                code="interruption_before_start",
                details={"interruption": check.day.isoformat(), "start": base.isoformat()},
            )
        if check.proceedings_end is not None and check.proceedings_end < check.day:
            raise CalculatorError(
                f"程序终结日 {check.proceedings_end} 早于起诉日 {check.day}。",
                f"The proceedings end ({check.proceedings_end}) is before they began"
                f" ({check.day}).",
                code="proceedings_end_before_start",
                details={"day": check.day.isoformat()},
            )
    for s in suspensions:
        if s.end < s.start:
            raise CalculatorError(
                f"中止事由的结束日 {s.end} 早于开始日 {s.start}。",
                f"The suspension ends ({s.end}) before it starts ({s.start}).",
                code="suspension_reversed",
                details={"start": s.start.isoformat(), "end": s.end.isoformat()},
            )
    events: list[tuple[dt.date, int, Interruption | Suspension]] = [
        (e.day, 0, e) for e in interruptions
    ] + [(s.start, 1, s) for s in suspensions]
    events.sort(key=lambda item: (item[0], item[1]))
    applied: list[dict[str, object]] = []
    for day, _, event in events:
        if day > state.deadline:
            if isinstance(event, Interruption) and event.kind in (
                EventKind.PART_PAYMENT,
                EventKind.AGREEMENT,
            ):
                trace.warn(
                    f"{day.isoformat()} 时效已届满；义务人此后同意履行或部分履行的，不得再以时效"
                    f"届满抗辩，但期间不因此重新计算",
                    f"The period had already expired by {day.isoformat()}; an obligor who agrees"
                    f" to perform or pays after expiry can no longer rely on expiry, but the"
                    f" period does not restart",
                )
                trace.cite(c.CC_192, c.LIMIT_WAIVER)
            else:
                trace.step(
                    f"{day.isoformat()} 的事项发生在期间届满之后，不产生中断或中止效果",
                    f"The event on {day.isoformat()} came after expiry and neither interrupts"
                    f" nor suspends the period",
                )
            applied.append({"date": day, "effect": "after_expiry"})
            continue
        if isinstance(event, Interruption):
            zh, en, rule = _KIND_TEXT[event.kind]
            restart = event.proceedings_end or event.day
            raw = add_years(restart, years)
            shift = calendar.shift(raw)
            if event.proceedings_end is not None:
                trace.step(
                    f"{event.day.isoformat()} {zh}，时效中断；自程序终结之日"
                    f" {restart.isoformat()} 起重新计算 {years} 年，至 {raw.isoformat()}",
                    f"{event.day.isoformat()}: {en}, which interrupts the period; a new {years}"
                    f" years run from the end of the proceedings on {restart.isoformat()},"
                    f" to {raw.isoformat()}",
                    interruption_rule,
                    rule,
                )
            else:
                trace.step(
                    f"{event.day.isoformat()} {zh}，时效中断，自该日起重新计算 {years} 年，"
                    f"至 {raw.isoformat()}",
                    f"{event.day.isoformat()}: {en}, which interrupts the period; a new {years}"
                    f" years run to {raw.isoformat()}",
                    interruption_rule,
                    rule,
                )
                if event.kind is EventKind.SUIT:
                    trace.warn(
                        "诉讼或仲裁的时效自程序终结时重新计算；未提供终结日期，按起诉日保守计算",
                        "After a lawsuit or arbitration the period restarts when the proceedings"
                        " end; no end date was given, so the filing date is used (conservative)",
                    )
            _describe_shift(trace, shift)
            if shift.day >= state.deadline:
                state.raw, state.shift, state.alternative = raw, shift, None
                applied.append({"date": day, "effect": "interrupted", "kind": event.kind.value})
            else:
                applied.append({"date": day, "effect": "no_change", "kind": event.kind.value})
        else:
            window_start = add_months(state.raw, -SUSPENSION_WINDOW_MONTHS)
            if event.end < window_start:
                trace.step(
                    f"障碍 {event.start.isoformat()}—{event.end.isoformat()} 在最后六个月"
                    f"（{window_start.isoformat()} 起）之前已消除，不中止时效",
                    f"The obstacle {event.start.isoformat()} to {event.end.isoformat()} was"
                    f" removed before the last six months (from {window_start.isoformat()}):"
                    f" no suspension",
                    c.CC_194,
                )
                applied.append({"date": day, "effect": "outside_last_six_months"})
                continue
            raw = add_months(event.end, SUSPENSION_WINDOW_MONTHS)
            shift = calendar.shift(raw)
            trace.step(
                f"时效期间最后六个月内（{window_start.isoformat()} 起）存在障碍"
                f" {event.start.isoformat()}—{event.end.isoformat()}，时效中止；障碍消除后"
                f"满六个月届满：{raw.isoformat()}",
                f"An obstacle from {event.start.isoformat()} to {event.end.isoformat()} fell in"
                f" the last six months (from {window_start.isoformat()}): the period is"
                f" suspended and ends six months after the obstacle was removed, on"
                f" {raw.isoformat()}",
                c.CC_194,
            )
            _describe_shift(trace, shift)
            if shift.day > state.deadline:
                state.raw, state.shift, state.alternative = raw, shift, None
                applied.append({"date": day, "effect": "suspended"})
            else:
                applied.append({"date": day, "effect": "no_change"})
    return applied


def _warnings(trace: Trace, deadline: dt.date, as_of: dt.date | None) -> dict[str, object]:
    alerts = {str(n): deadline - dt.timedelta(days=n) for n in WARNING_DAYS}
    figures: dict[str, object] = {"alert_dates": alerts, "days_remaining": None, "warning": None}
    if as_of is None:
        return figures
    remaining = (deadline - as_of).days
    figures["days_remaining"] = remaining
    if remaining < 0:
        figures["warning"] = "expired"
        trace.warn(
            f"截至 {as_of.isoformat()}，期间已于 {deadline.isoformat()} 届满",
            f"As of {as_of.isoformat()} the period expired on {deadline.isoformat()}",
        )
        return figures
    for n in sorted(WARNING_DAYS):
        if remaining <= n:
            figures["warning"] = f"within_{n}_days"
            trace.warn(
                f"截至 {as_of.isoformat()}，距届满日 {deadline.isoformat()} 仅剩 {remaining} 天"
                f"（{n} 天预警）",
                f"As of {as_of.isoformat()}, {remaining} days remain until"
                f" {deadline.isoformat()} ({n}-day warning)",
            )
            break
    return figures


def limitation_deadline(
    start: dt.date | None = None,
    *,
    installments_last_due: dt.date | None = None,
    interruptions: Iterable[Interruption] = (),
    suspensions: Iterable[Suspension] = (),
    harm_date: dt.date | None = None,
    as_of: dt.date | None = None,
    calendar: HolidayCalendar | None = None,
) -> CalcResult:
    """The last day of the 3-year limitation period for a money claim.

    ``start`` is the due date (or the day the creditor knew of the harm and the obligor);
    for one debt in instalments, ``installments_last_due`` (Art. 189). ``harm_date``
    (default: ``start``) starts the 20-year long-stop. ``as_of`` adds the 180/90/30-day
    warnings.
    """
    cal = calendar or default_calendar()
    trace = Trace()
    if start is None and installments_last_due is None:
        raise CalculatorError(
            "请提供起算日或最后一期履行期限。",
            "Give the start date or the last instalment's due date.",
            code="start_missing",
        )
    if start is not None and installments_last_due is not None and installments_last_due < start:
        raise CalculatorError(
            "最后一期履行期限早于起算日。",
            "The last instalment is due before the start date.",
            code="installments_before_start",
            details={"start": start.isoformat(), "last_due": installments_last_due.isoformat()},
        )
    base = installments_last_due or start
    if base is None:  # unreachable: checked above; narrows the type
        raise TypeError(base)
    harm = harm_date or start or base
    if harm > base:
        raise CalculatorError(
            f"损害发生日 {harm} 晚于起算日 {base}。",
            f"The harm date ({harm}) is after the start date ({base}).",
            code="harm_after_start",
            details={"harm_date": harm.isoformat(), "start": base.isoformat()},
        )
    if installments_last_due is not None:
        trace.step(
            f"同一债务分期履行，时效自最后一期履行期限 {base.isoformat()} 起算",
            f"One debt payable in instalments: the period runs from the last instalment's due"
            f" date, {base.isoformat()}",
            c.CC_189,
        )
    raw_a = add_years(base, PERIOD_YEARS)
    raw_b = add_years(base + ONE_DAY, PERIOD_YEARS)
    trace.step(
        f"普通诉讼时效三年：{base.isoformat()} + 3 年 = {raw_a.isoformat()}（到期日次日起算、"
        f"至三年后对应日届满，即裁判常见写法）",
        f"General limitation period of three years: {base.isoformat()} + 3 years ="
        f" {raw_a.isoformat()} (counted from the day after the due date to the corresponding"
        f" day three years later, as judgments usually write it)",
        c.CC_188,
        c.CC_201_203,
    )
    shift_a = cal.shift(raw_a)
    shift_b = cal.shift(raw_b)
    _describe_shift(trace, shift_a)
    state = _State(raw_a, shift_a, shift_b if shift_b.day != shift_a.day else None)
    if state.alternative is not None:
        trace.step(
            f"另一读法（知道权利受损之日为到期日次日、该日不计入）得出"
            f" {shift_b.day.isoformat()}；两种读法相差，取较早的 {shift_a.day.isoformat()}",
            f"The other reading (harm known the day after the due date, that day not counted)"
            f" gives {shift_b.day.isoformat()}; the readings differ, so the earlier date,"
            f" {shift_a.day.isoformat()}, is returned",
            c.CC_201_203,
        )
    applied = _apply_events(
        trace,
        state,
        base=base,
        years=PERIOD_YEARS,
        interruptions=list(interruptions),
        suspensions=list(suspensions),
        calendar=cal,
        interruption_rule=c.CC_195,
    )
    long_stop = add_years(harm, LONG_STOP_YEARS)
    deadline = state.deadline
    long_stop_applies = deadline > long_stop
    if long_stop_applies:
        deadline = long_stop
        trace.step(
            f"二十年最长保护期自损害发生日 {harm.isoformat()} 起算，至 {long_stop.isoformat()}，"
            f"不适用中止、中断；届满日以此为准（未按休假日顺延，取较早日期；法院可依申请延长）",
            f"The 20-year long-stop from the harm on {harm.isoformat()} ends on"
            f" {long_stop.isoformat()} and is neither interrupted nor suspended; it governs"
            f" (not moved past rest days, the earlier date; a court may extend it on"
            f" application)",
            c.CC_188,
        )
        trace.provisional = False
    if state.alternative is not None and not long_stop_applies:
        alternative: dt.date | None = state.alternative.day
    else:
        alternative = None
    figures: dict[str, object] = {
        "start": base,
        "deadline": deadline,
        "unshifted_deadline": state.raw if not long_stop_applies else long_stop,
        "later_reading_deadline": alternative,
        "long_stop": long_stop,
        "long_stop_applies": long_stop_applies,
        "events": applied,
    }
    figures.update(_warnings(trace, deadline, as_of))
    return trace.result("limitation", figures)


def enforcement_deadline(
    *,
    pay_by: dt.date | None = None,
    effective: dt.date | None = None,
    performance_days: int | None = None,
    installments_last_due: dt.date | None = None,
    interruptions: Iterable[Interruption] = (),
    suspensions: Iterable[Suspension] = (),
    as_of: dt.date | None = None,
    calendar: HolidayCalendar | None = None,
) -> CalcResult:
    """The last day to apply for enforcement: 2 years from the end of the performance period
    (CPL Art. 250): ``installments_last_due``, else ``pay_by``, else ``effective`` +
    ``performance_days``, else ``effective`` (no period set)."""
    cal = calendar or default_calendar()
    trace = Trace()
    if performance_days is not None and (performance_days < 0 or effective is None):
        raise CalculatorError(
            "履行期间天数须为非负整数，并须同时提供生效日期。",
            "Performance days must be a non-negative whole number, given with the effective date.",
            code="performance_days_invalid",
            details={"performance_days": performance_days},
        )
    if installments_last_due is not None:
        base = installments_last_due
        trace.step(
            f"分期履行的，自最后一期履行期限 {base.isoformat()} 起算",
            f"Payable in instalments: from the last instalment's due date, {base.isoformat()}",
            c.CPL_ENFORCEMENT_WINDOW,
        )
    elif pay_by is not None:
        base = pay_by
        trace.step(
            f"自法律文书规定的履行期间最后一日 {base.isoformat()} 起算",
            f"From the last day of the performance period set by the instrument,"
            f" {base.isoformat()}",
            c.CPL_ENFORCEMENT_WINDOW,
        )
    elif effective is not None and performance_days is not None:
        raw_pay = effective + dt.timedelta(days=performance_days)
        pay_shift = cal.shift(raw_pay)
        base = pay_shift.day
        trace.step(
            f"文书 {effective.isoformat()} 生效，{performance_days} 日内履行（开始之日不计入）："
            f"履行期间最后一日 {raw_pay.isoformat()}",
            f"Instrument effective {effective.isoformat()}, to be performed within"
            f" {performance_days} days (first day not counted): the last day to perform is"
            f" {raw_pay.isoformat()}",
            c.CPL_PERIODS,
            c.CPL_ENFORCEMENT_WINDOW,
        )
        _describe_shift(trace, pay_shift)
    elif effective is not None:
        base = effective
        trace.step(
            f"文书未规定履行期间，自生效之日 {base.isoformat()} 起算",
            f"No performance period was set: from the day the instrument took effect,"
            f" {base.isoformat()}",
            c.CPL_ENFORCEMENT_WINDOW,
        )
    else:
        raise CalculatorError(
            "请提供履行期限、生效日期或最后一期履行期限。",
            "Give the pay-by date, the effective date or the last instalment's due date.",
            code="start_missing",
        )
    raw = add_years(base, ENFORCEMENT_YEARS)
    trace.step(
        f"申请执行期间二年：{base.isoformat()} + 2 年 = {raw.isoformat()}",
        f"Two years to apply for enforcement: {base.isoformat()} + 2 years = {raw.isoformat()}",
        c.CPL_ENFORCEMENT_WINDOW,
    )
    shift = cal.shift(raw)
    _describe_shift(trace, shift)
    state = _State(raw, shift, None)
    applied = _apply_events(
        trace,
        state,
        base=base,
        years=ENFORCEMENT_YEARS,
        interruptions=list(interruptions),
        suspensions=list(suspensions),
        calendar=cal,
        interruption_rule=c.EXEC_INTERRUPTION,
    )
    trace.step(
        "逾期申请的，法院仍应受理，被执行人提出异议的才不予执行；因无财产终结本次执行后"
        "可随时再次申请",
        "A late application is still accepted and refused only on the debtor's objection;"
        " after a case closed for want of assets, a new application may be made at any time",
    )
    figures: dict[str, object] = {
        "start": base,
        "deadline": state.deadline,
        "unshifted_deadline": state.raw,
        "events": applied,
    }
    figures.update(_warnings(trace, state.deadline, as_of))
    return trace.result("enforcement_window", figures)
