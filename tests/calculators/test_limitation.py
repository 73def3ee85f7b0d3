"""Limitation periods and the enforcement window: legal-rules.md §2.3 and §10, and refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from qingqian.calculators import (
    CalculatorError,
    CalendarEntry,
    EventKind,
    HolidayCalendar,
    Interruption,
    Suspension,
    enforcement_deadline,
    limitation_deadline,
)

D = dt.date.fromisoformat


def test_loan_due_nothing_happens() -> None:
    result = limitation_deadline(D("2023-03-15"))
    assert result["deadline"] == D("2026-03-16")  # 2026-03-15 is a Sunday
    assert result["unshifted_deadline"] == D("2026-03-15")
    assert result["later_reading_deadline"] is None  # both readings give 2026-03-16
    assert result.provisional is False


@pytest.mark.parametrize(
    ("interruption", "kind", "expected"),
    [
        ("2024-05-10", EventKind.DEMAND, "2027-05-10"),
        ("2025-01-20", EventKind.PART_PAYMENT, "2028-01-20"),
    ],
)
def test_interruptions_restart(interruption: str, kind: EventKind, expected: str) -> None:
    result = limitation_deadline(
        D("2023-03-15"), interruptions=[Interruption(D(interruption), kind)]
    )
    assert result["deadline"] == D(expected)
    assert result["events"] == [
        {"date": D(interruption), "effect": "interrupted", "kind": kind.value}
    ]


def test_suspension_in_last_six_months() -> None:
    result = limitation_deadline(
        D("2023-03-15"), suspensions=[Suspension(D("2025-12-01"), D("2026-02-10"))]
    )
    assert result["deadline"] == D("2026-08-10")


def test_suspension_before_last_six_months_ignored() -> None:
    result = limitation_deadline(
        D("2023-03-15"), suspensions=[Suspension(D("2024-01-01"), D("2024-03-01"))]
    )
    assert result["deadline"] == D("2026-03-16")
    assert result["events"][0]["effect"] == "outside_last_six_months"


def test_leap_day_start() -> None:
    result = limitation_deadline(D("2024-02-29"))
    assert result["unshifted_deadline"] == D("2027-02-28")
    assert result["deadline"] == D("2027-03-01")  # 2027-02-28 is a Sunday


def test_installments_from_last_due_and_earlier_reading() -> None:
    result = limitation_deadline(installments_last_due=D("2024-12-31"))
    assert result["deadline"] == D("2027-12-31")
    # The strict reading (2025-01-01 + 3 years = Saturday 2028-01-01, New Year) is later.
    assert result["later_reading_deadline"] == D("2028-01-03")
    assert result.provisional is True  # 2027 and 2028 are not published
    assert any("earlier date" in line.en for line in result.steps)


def test_long_stop_twenty_years() -> None:
    interruptions = [Interruption(D(f"{y}-06-01")) for y in (2012, 2015, 2018, 2021, 2024, 2027)]
    result = limitation_deadline(D("2010-06-01"), interruptions=interruptions)
    assert result["deadline"] == D("2030-06-01")
    assert result["long_stop_applies"] is True


def test_long_stop_from_separate_harm_date() -> None:
    result = limitation_deadline(D("2029-01-10"), harm_date=D("2010-01-01"))
    assert result["deadline"] == D("2030-01-01")


def test_interruption_after_expiry_does_not_restart() -> None:
    result = limitation_deadline(
        D("2020-01-10"), interruptions=[Interruption(D("2024-01-10"), EventKind.DEMAND)]
    )
    assert result["deadline"] == D("2023-01-10")
    assert result["events"][0]["effect"] == "after_expiry"


def test_part_payment_after_expiry_warns_waiver() -> None:
    result = limitation_deadline(
        D("2020-01-10"), interruptions=[Interruption(D("2024-01-10"), EventKind.PART_PAYMENT)]
    )
    assert result["deadline"] == D("2023-01-10")
    assert any("no longer rely on expiry" in w.en for w in result.warnings)


def test_suit_restarts_from_end_of_proceedings() -> None:
    event = Interruption(D("2024-01-10"), EventKind.SUIT, proceedings_end=D("2024-09-02"))
    result = limitation_deadline(D("2023-03-15"), interruptions=[event])
    assert result["deadline"] == D("2027-09-02")


def test_warnings_at_180_90_30() -> None:
    deadline = D("2026-03-16")
    alerts = limitation_deadline(D("2023-03-15"))["alert_dates"]
    assert alerts == {
        "180": deadline - dt.timedelta(days=180),
        "90": deadline - dt.timedelta(days=90),
        "30": deadline - dt.timedelta(days=30),
    }
    cases = [
        ("2025-01-01", None),
        ("2025-09-17", "within_180_days"),
        ("2025-12-16", "within_90_days"),
        ("2026-02-14", "within_30_days"),
        ("2026-03-16", "within_30_days"),
        ("2026-03-17", "expired"),
    ]
    for as_of, level in cases:
        assert limitation_deadline(D("2023-03-15"), as_of=D(as_of))["warning"] == level, as_of


def test_make_up_working_day_counts_as_working_day() -> None:
    # 2026-01-04 (Sunday) is a make-up working day: a period ending then is not moved.
    result = limitation_deadline(D("2023-01-04"))
    assert result["deadline"] == D("2026-01-04")


def test_unpublished_year_is_provisional_and_extension_table_fixes_it() -> None:
    base = limitation_deadline(D("2024-10-01"))  # 2027-10-01: National Day, Friday
    assert base["deadline"] == D("2027-10-04")  # Oct 1-3 fixed holidays, then Monday
    assert base.provisional is True
    extension = HolidayCalendar(
        [CalendarEntry(D(f"2027-10-0{d}"), workday=False) for d in range(1, 8)]
        + [CalendarEntry(D("2027-10-09"), workday=True)]
    )
    published = limitation_deadline(D("2024-10-01"), calendar=extension)
    assert published["deadline"] == D("2027-10-08")
    assert published.provisional is False


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"effective": D("2024-03-01"), "performance_days": 10}, "2026-03-11"),
        ({"pay_by": D("2024-03-11")}, "2026-03-11"),
        ({"installments_last_due": D("2025-06-30")}, "2027-06-30"),
        ({"effective": D("2024-06-03")}, "2026-06-03"),
    ],
)
def test_enforcement_window(kwargs: dict[str, object], expected: str) -> None:
    result = enforcement_deadline(**kwargs)  # type: ignore[arg-type]
    assert result["deadline"] == D(expected)


def test_enforcement_window_interrupted_by_settlement() -> None:
    result = enforcement_deadline(
        pay_by=D("2024-03-11"), interruptions=[Interruption(D("2025-05-06"), EventKind.AGREEMENT)]
    )
    assert result["deadline"] == D("2027-05-06")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"suspensions": [Suspension(D("2026-02-10"), D("2025-12-01"))]}, "suspension_reversed"),
        ({"interruptions": [Interruption(D("2023-01-01"))]}, "interruption_before_start"),
        ({"harm_date": D("2023-04-01")}, "harm_after_start"),
        ({"installments_last_due": D("2023-01-01")}, "installments_before_start"),
        (
            {"interruptions": [Interruption(D("2024-01-01"), EventKind.SUIT, D("2023-12-01"))]},
            "proceedings_end_before_start",
        ),
    ],
)
def test_refusals(kwargs: dict[str, object], code: str) -> None:
    with pytest.raises(CalculatorError) as info:
        limitation_deadline(D("2023-03-15"), **kwargs)  # type: ignore[arg-type]
    assert info.value.code == code
    assert info.value.message_zh
    assert info.value.message_en


def test_start_missing() -> None:
    with pytest.raises(CalculatorError) as info:
        limitation_deadline()
    assert info.value.code == "start_missing"
    with pytest.raises(CalculatorError):
        enforcement_deadline()


def test_to_dict_shape() -> None:
    data = limitation_deadline(D("2023-03-15")).to_dict()
    assert data["deadline"] == "2026-03-16"
    assert data["calculator"] == "limitation"
    assert {"rules", "explanation", "warnings", "provisional", "long_stop"} <= set(data)
