"""The pure rules: court case numbers, which deadlines a proceeding's dates give, urgency."""

from __future__ import annotations

import datetime as dt

import pytest

from qingqian.calculators.court_deadlines import DeadlineKind
from qingqian.common.exceptions import ValidationFailed
from qingqian.litigation.rules import (
    ProceedingKind,
    Urgency,
    deadline_starts,
    parse_case_number,
    urgency,
)

D = dt.date.fromisoformat
K = ProceedingKind


@pytest.mark.parametrize(
    ("text", "kind", "court", "type_code", "serial"),
    [
        ("(2026)苏0508民初1234号", K.FIRST_INSTANCE, "苏0508", "民初", 1234),
        ("（2026）苏05民终88号", K.SECOND_INSTANCE, "苏05", "民终", 88),
        ("(2025)苏民申7号", K.RETRIAL, "苏", "民申", 7),
        ("(2026)苏0508民督12号", K.PAYMENT_ORDER, "苏0508", "民督", 12),
        ("(2026)苏0508执恢3号", K.ENFORCEMENT, "苏0508", "执恢", 3),
        ("(2026)苏0508执456号", K.ENFORCEMENT, "苏0508", "执", 456),
        ("(2026)苏0508财保9号", K.PRE_SUIT_PRESERVATION, "苏0508", "财保", 9),
    ],
)
def test_valid_case_numbers(
    text: str, kind: ProceedingKind, court: str, type_code: str, serial: int
) -> None:
    number = parse_case_number(text, kind=kind, today=D("2026-06-01"))
    assert (number.court, number.type_code, number.serial) == (court, type_code, serial)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2026苏0508民初1234号", "case_number_invalid"),  # no brackets
        ("(2026)苏0508民初1234", "case_number_invalid"),  # no 号
        ("(26)苏0508民初1234号", "case_number_invalid"),
        ("(2026)苏058民初1234号", "case_number_invalid"),  # three-digit court code
        ("(2026)苏0508民初0号", "case_number_invalid"),
        ("(2026)SU0508民初1号", "case_number_invalid"),
        ("(1980)苏0508民初1号", "case_number_year"),
        ("(2031)苏0508民初1号", "case_number_year"),
        ("(2026)苏0508民终1号", "case_number_type"),  # an appeal number on a first instance
    ],
)
def test_invalid_case_numbers(text: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_case_number(text, kind=K.FIRST_INSTANCE, today=D("2026-06-01"))
    assert info.value.code == code
    assert info.value.message_zh and info.value.message_en


def test_first_instance_dates_give_answer_appeal_retrial_and_enforcement() -> None:
    dates = {
        "served_on": D("2026-03-02"),
        "judgment_served_on": D("2026-05-06"),
        "effective_on": D("2026-05-22"),
        "pay_by": D("2026-06-01"),
    }
    got = {(s.kind, s.start) for s in deadline_starts(K.FIRST_INSTANCE, dates)}
    assert got == {
        (DeadlineKind.ANSWER, D("2026-03-02")),
        (DeadlineKind.APPEAL_JUDGMENT, D("2026-05-06")),
        (DeadlineKind.RETRIAL, D("2026-05-22")),
        (DeadlineKind.ENFORCEMENT, D("2026-06-01")),
    }
    ruling = deadline_starts(K.FIRST_INSTANCE, {**dates, "is_ruling": True})
    assert DeadlineKind.APPEAL_RULING in {s.kind for s in ruling}
    assert DeadlineKind.APPEAL_JUDGMENT not in {s.kind for s in ruling}


@pytest.mark.parametrize(
    ("kind", "dates", "expected"),
    [
        (K.PAYMENT_ORDER, {"served_on": D("2026-03-02")}, {DeadlineKind.PAYMENT_ORDER_OBJECTION}),
        (
            K.PRE_SUIT_PRESERVATION,
            {"measure_on": D("2026-03-02")},
            {DeadlineKind.PRESERVATION_SUIT},
        ),
        (K.SECOND_INSTANCE, {"served_on": D("2026-03-02")}, set()),
        (K.ENFORCEMENT, {"served_on": D("2026-03-02")}, set()),
        (K.FIRST_INSTANCE, {}, set()),
    ],
)
def test_other_kinds(kind: ProceedingKind, dates: dict[str, dt.date], expected: set[str]) -> None:
    assert {s.kind for s in deadline_starts(kind, dates)} == expected


def test_urgency_window() -> None:
    today = D("2026-06-10")
    assert urgency(D("2026-06-09"), today) is Urgency.OVERDUE
    assert urgency(D("2026-06-10"), today) is Urgency.DUE_SOON
    assert urgency(D("2026-06-17"), today) is Urgency.DUE_SOON
    assert urgency(D("2026-06-18"), today) is Urgency.LATER
    assert urgency(D("2026-06-01"), today, done=True) is Urgency.DONE
