"""Court deadlines after filing (legal-rules.md §11; the payment-order objection, §8.1 O4).

Each kind is a period counted from a date the lawyer knows (service of the complaint,
judgment or ruling; receipt of a payment order; the preservation measure; the mediation
agreement taking effect; the judgment taking effect; the last day of performance). The
first day is not counted; a period in months or years ends on the corresponding day (or the
month's last day); a last day on a statutory rest day moves to the next working day, and
make-up working days count as working days (Civil Procedure Law Art. 85, Civil Code
Arts. 201-203).

The period lengths are constants (stable across the 2017, 2021 and 2023 texts, grade A).
The article numbers are not: each revision renumbers, and legal-rules.md grades the numbering
B, so they are dated rows in ``court_deadlines.json`` (the text in force from ``valid_from``)
that an administrator can extend, not constants.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

from qingqian.calculators import citations as c
from qingqian.calculators.errors import CalculatorError
from qingqian.calculators.holidays import HolidayCalendar, default_calendar
from qingqian.calculators.result import CalcResult, Rule, Trace, add_months, add_years


class DeadlineKind(StrEnum):
    ANSWER = "answer"
    APPEAL_JUDGMENT = "appeal_judgment"
    APPEAL_RULING = "appeal_ruling"
    PAYMENT_ORDER_OBJECTION = "payment_order_objection"
    PRESERVATION_SUIT = "preservation_suit"
    JUDICIAL_CONFIRMATION = "judicial_confirmation"
    RETRIAL = "retrial"
    ENFORCEMENT = "enforcement"


@dataclass(frozen=True, slots=True)
class Period:
    """How long a kind runs, from what, and what must be done by its last day."""

    length: int
    unit: str  # day | month | year
    from_zh: str
    from_en: str
    act_zh: str
    act_en: str
    label_zh: str
    label_en: str


PERIODS: dict[DeadlineKind, Period] = {
    DeadlineKind.ANSWER: Period(
        15,
        "day",
        "收到起诉状副本之日",
        "receipt of the complaint copy",
        "被告提出答辩状",
        "the defendant files an answer",
        "答辩期",
        "Answer",
    ),
    DeadlineKind.APPEAL_JUDGMENT: Period(
        15,
        "day",
        "判决书送达之日",
        "service of the judgment",
        "不服第一审判决的，向上一级人民法院提起上诉",
        "appeal against the first-instance judgment",
        "判决上诉期",
        "Appeal against a judgment",
    ),
    DeadlineKind.APPEAL_RULING: Period(
        10,
        "day",
        "裁定书送达之日",
        "service of the ruling",
        "不服第一审裁定的，提起上诉",
        "appeal against the ruling",
        "裁定上诉期",
        "Appeal against a ruling",
    ),
    DeadlineKind.PAYMENT_ORDER_OBJECTION: Period(
        15,
        "day",
        "债务人收到支付令之日",
        "the debtor's receipt of the payment order",
        "债务人清偿债务或提出书面异议",
        "the debtor pays or files a written objection",
        "支付令异议期",
        "Payment-order objection",
    ),
    DeadlineKind.PRESERVATION_SUIT: Period(
        30,
        "day",
        "法院采取诉前保全措施之日",
        "the court's pre-suit preservation measure",
        "申请人依法起诉或申请仲裁，否则保全解除",
        "the applicant sues or applies for arbitration, or the measure is lifted",
        "诉前保全后起诉期",
        "Suit after pre-suit preservation",
    ),
    DeadlineKind.JUDICIAL_CONFIRMATION: Period(
        30,
        "day",
        "调解协议生效之日",
        "the mediation agreement taking effect",
        "双方共同申请司法确认",
        "both parties apply for judicial confirmation",
        "司法确认申请期",
        "Judicial confirmation",
    ),
    DeadlineKind.RETRIAL: Period(
        6,
        "month",
        "判决、裁定发生法律效力之日",
        "the judgment or ruling taking effect",
        "申请再审",
        "apply for a retrial",
        "再审申请期",
        "Retrial",
    ),
    DeadlineKind.ENFORCEMENT: Period(
        2,
        "year",
        "法律文书规定的履行期间最后一日",
        "the last day of the performance period",
        "申请强制执行",
        "apply for enforcement",
        "申请执行期间",
        "Enforcement application",
    ),
}

_CPL = ("《民事诉讼法》", "Civil Procedure Law")


@dataclass(frozen=True, slots=True)
class Citation:
    """The article of one kind in the text in force from ``valid_from``."""

    kind: str
    valid_from: dt.date
    text: str
    article: str
    grade: str
    note: str = ""

    @property
    def rule(self) -> Rule:
        return Rule(
            f"《民事诉讼法》（{self.text}修正）",
            f"Civil Procedure Law ({self.text} revision)",
            self.article,
            grade=self.grade,
        )


def parse_citation(row: Mapping[str, Any] | Citation) -> Citation:
    if isinstance(row, Citation):
        return row
    try:
        valid_from = dt.date.fromisoformat(str(row.get("valid_from")))
    except ValueError:
        raise CalculatorError(
            f"法院期限条文数据行的日期无效：{row.get('valid_from')}",
            f"Invalid date in a court-deadline citation row: {row.get('valid_from')}",
            code="citation_row_invalid",
        ) from None
    return Citation(
        kind=str(row.get("kind", "")),
        valid_from=valid_from,
        text=str(row.get("text", "")),
        article=str(row.get("article", "")),
        grade=str(row.get("grade", "B")),
        note=str(row.get("note", "")),
    )


class CitationTable:
    """Dated article numbers per kind; extra rows replace packaged rows of the same date."""

    def __init__(self, rows: Iterable[Mapping[str, Any] | Citation]) -> None:
        by_key: dict[tuple[str, dt.date], Citation] = {}
        for row in map(parse_citation, rows):
            by_key[(row.kind, row.valid_from)] = row
        self.rows: dict[str, tuple[Citation, ...]] = {}
        for kind, day in sorted(by_key):
            self.rows[kind] = (*self.rows.get(kind, ()), by_key[(kind, day)])

    @classmethod
    def default(cls, extra: Iterable[Mapping[str, Any] | Citation] = ()) -> CitationTable:
        extra = list(extra)
        if not extra:
            return _packaged()
        return cls([*_packaged_rows(), *extra])

    def lookup(self, kind: str, on: dt.date) -> tuple[Citation, bool]:
        """(row in force on ``on``, whether ``on`` precedes every row on file)."""
        rows = self.rows.get(kind, ())
        if not rows:
            raise CalculatorError(
                f"未录入该期限的条文：{kind}",
                f"No article on file for this deadline: {kind}",
                code="citation_missing",
                details={"kind": kind},
            )
        earlier = [r for r in rows if r.valid_from <= on]
        return (earlier[-1], False) if earlier else (rows[0], True)


@functools.cache
def _packaged_rows() -> tuple[Citation, ...]:
    text = (
        resources.files("qingqian.calculators").joinpath("court_deadlines.json").read_text("utf-8")
    )
    return tuple(parse_citation(r) for r in json.loads(text)["citations"])


@functools.cache
def _packaged() -> CitationTable:
    return CitationTable(_packaged_rows())


def parse_deadline_kind(value: str) -> DeadlineKind:
    try:
        return DeadlineKind(str(value).strip().lower().replace("-", "_"))
    except ValueError:
        choices = [k.value for k in DeadlineKind]
        raise CalculatorError(
            f"未知的期限类型：{value}（可选：{'、'.join(choices)}）",
            f"Unknown deadline kind: {value} (choose one of: {', '.join(choices)})",
            code="unknown_kind",
            details={"kind": str(value), "choices": choices},
        ) from None


_UNIT_TEXT = {"day": ("日", "days"), "month": ("个月", "months"), "year": ("年", "years")}


def court_deadline(
    kind: DeadlineKind | str,
    *,
    start: dt.date,
    calendar: HolidayCalendar | None = None,
    citations: CitationTable | None = None,
) -> CalcResult:
    """The last day of the ``kind`` period counted from ``start`` (first day not counted)."""
    kind = kind if isinstance(kind, DeadlineKind) else parse_deadline_kind(kind)
    cal = calendar or default_calendar()
    table = citations or CitationTable.default()
    period = PERIODS[kind]
    trace = Trace()
    citation, before_table = table.lookup(kind.value, start)
    periods_rule, _ = table.lookup("periods", start)
    unit_zh, unit_en = _UNIT_TEXT[period.unit]
    if period.unit == "day":
        raw = start + dt.timedelta(days=period.length)
    elif period.unit == "month":
        raw = add_months(start, period.length)
    else:
        raw = add_years(start, period.length)
    trace.step(
        f"{period.act_zh}：自{period.from_zh} {start.isoformat()} 起"
        f" {period.length} {unit_zh}，至 {raw.isoformat()}",
        f"{period.act_en}: {period.length} {unit_en} from {period.from_en},"
        f" {start.isoformat()}, to {raw.isoformat()}",
        citation.rule,
    )
    if kind is DeadlineKind.PAYMENT_ORDER_OBJECTION:
        trace.cite(c.CPL_INTERP_PO_OBJECTION)
    if kind is DeadlineKind.ENFORCEMENT:
        trace.cite(c.EXEC_INTERRUPTION)
    trace.step(
        "期间开始的日不计算在期间内；以月、年计算的，到期月的对应日为期间最后一日，"
        "没有对应日的为该月最后一日",
        "The day the period begins is not counted; a period in months or years ends on the"
        " corresponding day, or on the month's last day if there is none",
        periods_rule.rule,
        c.CC_201_203,
    )
    shift = cal.shift(raw)
    if shift.shifted:
        trace.step(
            f"{raw.isoformat()} 为法定休假日（周末或节假日），顺延至 {shift.day.isoformat()}"
            f"（跳过 {len(shift.skipped)} 日）",
            f"{raw.isoformat()} is a statutory rest day (weekend or holiday); the period ends"
            f" on the next working day, {shift.day.isoformat()} ({len(shift.skipped)} days"
            f" skipped)",
            periods_rule.rule,
        )
    elif raw.weekday() >= 5:
        trace.step(
            f"{raw.isoformat()} 为调休上班日，按工作日计算，不顺延",
            f"{raw.isoformat()} is a make-up working day and counts as a working day; no shift",
            periods_rule.rule,
        )
    if shift.provisional:
        trace.provisional = True
        trace.warn(
            f"{shift.day.year} 年的放假安排尚未公布（或未录入）：仅按周末和固定日期节假日计算，"
            f"结果为暂定",
            f"The {shift.day.year} holiday schedule is not published (or not entered): only"
            f" weekends and fixed-date holidays were used, so the date is provisional",
        )
    if before_table:
        trace.warn(
            f"{start.isoformat()} 早于已录入的条文版本；期间长度不变，条号按"
            f" {citation.text} 年文本引用",
            f"{start.isoformat()} is before every text on file; the length is unchanged, and the"
            f" article is cited from the {citation.text} text",
        )
    if citation.note:
        trace.warn(f"条号待核：{citation.note}", f"Article number to verify: {citation.note}")
    if kind is DeadlineKind.ENFORCEMENT:
        trace.step(
            "申请执行时效的中止、中断，适用法律有关诉讼时效中止、中断的规定",
            "Suspension and interruption of the enforcement window follow the limitation rules",
            c.EXEC_INTERRUPTION,
        )
    figures: dict[str, object] = {
        "kind": kind.value,
        "label": period.label_zh,
        "label_en": period.label_en,
        "from": start,
        "length": period.length,
        "unit": period.unit,
        "deadline": shift.day,
        "unshifted_deadline": raw,
        "shifted": shift.shifted,
        "skipped_days": list(shift.skipped),
        "article": citation.article,
        "law_text": citation.text,
    }
    return trace.result("court_deadline", figures)
