"""The judicial route's rules (pure: no Django): the court case number (案号) format, which
court deadlines follow from a proceeding's dates, and the deadline warning window.

案号 (《最高人民法院关于人民法院案件案号的若干规定》): ``(收案年度)`` + 法院代字 (province
abbreviation, then two digits for an intermediate court or four for a basic court) + 类型代字
+ 案件编号 + ``号``, e.g. ``(2026)苏0508民初1234号``. Half- and full-width brackets are both
accepted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from qingqian.calculators.court_deadlines import DeadlineKind
from qingqian.common.exceptions import ValidationFailed


class ProceedingKind(StrEnum):
    PRE_SUIT_PRESERVATION = "pre_suit_preservation"
    PAYMENT_ORDER = "payment_order"
    FIRST_INSTANCE = "first_instance"
    SECOND_INSTANCE = "second_instance"
    ENFORCEMENT = "enforcement"
    RETRIAL = "retrial"
    # h18: a mediation agreement's judicial confirmation (司法确认, special procedure)
    JUDICIAL_CONFIRMATION = "judicial_confirmation"


PROCEEDING_LABELS: dict[ProceedingKind, tuple[str, str]] = {
    ProceedingKind.PRE_SUIT_PRESERVATION: ("诉前保全", "Pre-suit preservation"),
    ProceedingKind.PAYMENT_ORDER: ("支付令", "Payment order"),
    ProceedingKind.FIRST_INSTANCE: ("一审", "First instance"),
    ProceedingKind.SECOND_INSTANCE: ("二审", "Second instance"),
    ProceedingKind.ENFORCEMENT: ("执行", "Enforcement"),
    ProceedingKind.RETRIAL: ("再审", "Retrial"),
    ProceedingKind.JUDICIAL_CONFIRMATION: ("司法确认", "Judicial confirmation"),
}

#: 类型代字 a case number of each kind may carry.
TYPE_CODES: dict[ProceedingKind, tuple[str, ...]] = {
    ProceedingKind.PRE_SUIT_PRESERVATION: ("财保", "诉保"),
    ProceedingKind.PAYMENT_ORDER: ("民督",),
    ProceedingKind.FIRST_INSTANCE: ("民初",),
    ProceedingKind.SECOND_INSTANCE: ("民终",),
    ProceedingKind.ENFORCEMENT: ("执", "执恢", "执保", "执异", "执复"),
    ProceedingKind.RETRIAL: ("民申", "民再"),
    ProceedingKind.JUDICIAL_CONFIRMATION: ("民特",),
}

CASE_NUMBER = re.compile(
    r"^[(（](?P<year>\d{4})[)）]"
    r"(?P<court>[\u4e00-\u9fff](?:\d{2}|\d{4})?)"
    r"(?P<type>[\u4e00-\u9fff]{1,3})"
    r"(?P<serial>[1-9]\d{0,5})号$"
)


@dataclass(frozen=True, slots=True)
class CaseNumber:
    text: str
    year: int
    court: str
    type_code: str
    serial: int


def parse_case_number(
    text: str, *, kind: ProceedingKind | None = None, today: dt.date | None = None
) -> CaseNumber:
    """Check a case number's form (and, given ``kind``, its type code); refuse with a clear
    bilingual message."""
    value = text.strip().replace(" ", "")
    match = CASE_NUMBER.match(value)
    if match is None:
        raise ValidationFailed(
            f"案号格式不正确：{text}（应为“(2026)苏0508民初1234号”的格式）",
            f"Invalid court case number: {text} (expected the form (2026)苏0508民初1234号)",
            code="case_number_invalid",
            details={"field": "case_number", "value": text},
        )
    year = int(match["year"])
    latest = (today.year + 1) if today else 2100
    if not 1990 <= year <= latest:
        raise ValidationFailed(
            f"案号中的收案年度不合理：{year}",
            f"Implausible filing year in the case number: {year}",
            code="case_number_year",
            details={"field": "case_number", "value": text},
        )
    type_code = match["type"]
    if kind is not None and type_code not in TYPE_CODES[kind]:
        zh, en = PROCEEDING_LABELS[kind]
        expected = "、".join(TYPE_CODES[kind])
        raise ValidationFailed(
            f"{zh}的案号类型代字应为 {expected}，而不是“{type_code}”",
            f"A {en.lower()} case number carries the type code {expected}, not {type_code}",
            code="case_number_type",
            details={"field": "case_number", "value": text, "expected": list(TYPE_CODES[kind])},
        )
    return CaseNumber(value, year, match["court"], type_code, int(match["serial"]))


@dataclass(frozen=True, slots=True)
class DeadlineStart:
    """A deadline that follows from one of a proceeding's dates."""

    kind: DeadlineKind
    start: dt.date
    source_field: str


def deadline_starts(
    kind: ProceedingKind, dates: Mapping[str, dt.date | None]
) -> list[DeadlineStart]:
    """Which court deadlines a proceeding's dates give rise to.

    ``dates`` holds the proceeding's date fields (``served_on``, ``judgment_served_on``,
    ``effective_on``, ``pay_by``, ``measure_on``) and ``is_ruling`` as a truthy marker
    (``dates.get("is_ruling")``); a missing date gives no deadline.
    """
    out: list[DeadlineStart] = []

    def add(deadline: DeadlineKind, field: str) -> None:
        day = dates.get(field)
        if isinstance(day, dt.date):
            out.append(DeadlineStart(deadline, day, field))

    if kind is ProceedingKind.PRE_SUIT_PRESERVATION:
        add(DeadlineKind.PRESERVATION_SUIT, "measure_on")
    elif kind is ProceedingKind.PAYMENT_ORDER:
        add(DeadlineKind.PAYMENT_ORDER_OBJECTION, "served_on")
        add(DeadlineKind.ENFORCEMENT, "pay_by")
    elif kind in (ProceedingKind.FIRST_INSTANCE, ProceedingKind.SECOND_INSTANCE):
        if kind is ProceedingKind.FIRST_INSTANCE:
            add(DeadlineKind.ANSWER, "served_on")
            appeal = (
                DeadlineKind.APPEAL_RULING
                if dates.get("is_ruling")
                else DeadlineKind.APPEAL_JUDGMENT
            )
            add(appeal, "judgment_served_on")
        add(DeadlineKind.RETRIAL, "effective_on")
        add(DeadlineKind.ENFORCEMENT, "pay_by")
    elif kind in (ProceedingKind.RETRIAL, ProceedingKind.JUDICIAL_CONFIRMATION):
        add(DeadlineKind.ENFORCEMENT, "pay_by")
    return out


class Urgency(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    LATER = "later"
    DONE = "done"


#: Days before the last day from which a deadline is shown as due soon.
WARNING_DAYS = 7


def urgency(
    due: dt.date, today: dt.date, *, done: bool = False, window: int = WARNING_DAYS
) -> Urgency:
    if done:
        return Urgency.DONE
    if due < today:
        return Urgency.OVERDUE
    if (due - today).days <= window:
        return Urgency.DUE_SOON
    return Urgency.LATER
