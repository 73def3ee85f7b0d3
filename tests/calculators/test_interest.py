"""Interest caps, LPR table and statutory rates: legal-rules.md §3 and §10."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from qingqian.calculators import (
    CalculatorError,
    LprTable,
    combined_overdue_cap,
    interest_cap,
    judgment_delay_interest,
    private_lending_interest,
    trade_receivable_rate,
)

D = dt.date.fromisoformat

# legal-rules.md §10 "interest caps (4 x 1Y LPR at formation)"
CAP_VECTORS = [
    ("2020-08-20", "15.40"),
    ("2023-09-01", "13.80"),
    ("2024-09-01", "13.40"),
    ("2024-11-01", "12.40"),
    ("2025-06-10", "12.00"),
]

# legal-rules.md §3.2 change points (quote date, 1Y LPR, 4x cap)
CHANGE_POINTS = [
    ("2019-08-20", "4.25", "17.00"),
    ("2019-09-20", "4.20", "16.80"),
    ("2019-11-20", "4.15", "16.60"),
    ("2020-02-20", "4.05", "16.20"),
    ("2020-04-20", "3.85", "15.40"),
    ("2021-12-20", "3.80", "15.20"),
    ("2022-01-20", "3.70", "14.80"),
    ("2022-05-20", "3.70", "14.80"),
    ("2022-08-22", "3.65", "14.60"),
    ("2023-06-20", "3.55", "14.20"),
    ("2023-08-21", "3.45", "13.80"),
    ("2024-02-20", "3.45", "13.80"),
    ("2024-07-22", "3.35", "13.40"),
    ("2024-10-21", "3.10", "12.40"),
    ("2025-05-20", "3.00", "12.00"),
    ("2026-06-22", "3.00", "12.00"),
]


@pytest.mark.parametrize(("formed", "cap"), CAP_VECTORS)
def test_cap_vectors(formed: str, cap: str) -> None:
    assert str(interest_cap(D(formed))["annual_rate_cap"]) == cap


@pytest.mark.parametrize(("day", "lpr", "cap"), CHANGE_POINTS)
def test_change_points(day: str, lpr: str, cap: str) -> None:
    table = LprTable.default()
    assert table.quote_on(D(day)).one_year == Decimal(lpr)
    if D(day) >= D("2020-08-20"):
        result = interest_cap(D(day))
        assert str(result["lpr"]) == lpr
        assert str(result["annual_rate_cap"]) == cap


def test_day_before_change_uses_previous_quote() -> None:
    assert interest_cap(D("2024-10-20"))["annual_rate_cap"] == Decimal("13.40")


def test_formed_on_quote_day_uses_new_quote_and_flags() -> None:
    result = interest_cap(D("2024-10-21"))
    assert result["lpr"] == Decimal("3.10")
    assert any("quote day" in w.en for w in result.warnings)


def test_cli_contract_figures() -> None:
    data = interest_cap(D("2025-06-10")).to_dict()
    assert data["annual_rate_cap"] == "12.00"
    assert data["lpr"] == "3.00"
    assert data["lpr_quote_date"] == "2025-05-20"


def test_unverified_quote_is_flagged() -> None:
    result = interest_cap(D("2026-07-01"))
    assert result["lpr_quote_date"] == D("2026-06-22")
    assert any("grade C" in w.en for w in result.warnings)


def test_stale_table_warns() -> None:
    result = interest_cap(D("2026-09-01"))
    assert any("administrator should add" in w.en for w in result.warnings)


def test_extra_rows_from_administrator() -> None:
    table = LprTable.default([{"date": "2026-08-20", "one_year": "2.90", "grade": "A"}])
    assert interest_cap(D("2026-09-01"), rates=table)["annual_rate_cap"] == Decimal("11.60")
    assert interest_cap(D("2026-08-19"), rates=table)["annual_rate_cap"] == Decimal("12.00")
    # The packaged table is untouched.
    assert interest_cap(D("2026-09-01"))["annual_rate_cap"] == Decimal("12.00")


@pytest.mark.parametrize(
    "row",
    [
        {"date": "2019-01-01", "one_year": "4.00"},
        {"date": "2026-08-20", "one_year": "-1"},
        {"date": "2026-08-20", "one_year": "abc"},
        {"date": "not-a-date", "one_year": "3"},
    ],
)
def test_bad_extra_rows_refused(row: dict[str, str]) -> None:
    with pytest.raises(CalculatorError) as info:
        LprTable.default([row])
    assert info.value.code == "lpr_row_invalid"


def test_pre_lpr_date_refused_with_explanation() -> None:
    with pytest.raises(CalculatorError) as info:
        interest_cap(D("2019-05-01"))
    assert info.value.code == "lpr_before_2019_08_20"
    assert "24%" in info.value.message_en
    assert "36%" in info.value.message_en
    assert "基准利率" in info.value.message_zh
    with pytest.raises(CalculatorError) as info:
        LprTable.default().quote_on(D("2019-08-19"))
    assert info.value.code == "lpr_before_2019_08_20"


def test_pre_2020_contract_needs_filing_date() -> None:
    with pytest.raises(CalculatorError) as info:
        interest_cap(D("2019-12-01"))
    assert info.value.code == "filing_date_required"


def test_pre_2020_contract_split() -> None:
    result = private_lending_interest(
        "100000",
        formed=D("2019-12-01"),
        filed=D("2024-06-01"),
        end=D("2024-06-01"),
        agreed_rate="30",
    )
    segments = result.to_dict()["segments"]
    assert [(s["days"], s["rate"], s["interest"]) for s in segments] == [
        (263, "24.00", "17293.15"),
        (1381, "13.80", "52213.15"),
    ]
    assert result["annual_rate_cap"] == Decimal("13.80")
    assert result["supported_interest"] == Decimal("69506.30")


def test_pre_lpr_contract_split_uses_lpr_at_filing() -> None:
    result = interest_cap(D("2018-05-01"), filed=D("2024-06-01"))
    assert result["regime"] == "split_2020_08_20"
    assert result["annual_rate_cap"] == Decimal("13.80")


def test_sued_before_new_rules_uses_old_rules() -> None:
    result = interest_cap(D("2019-12-01"), filed=D("2020-05-01"))
    assert result["annual_rate_cap"] == Decimal("24.00")
    assert result["void_above"] == Decimal("36.00")


def test_loan_between_individuals_capped() -> None:
    result = private_lending_interest(
        "100000", formed=D("2025-06-10"), end=D("2026-06-10"), agreed_rate="18"
    )
    assert result["supported_interest"] == Decimal("12000.00")
    assert result["claimed_interest"] == Decimal("18000.00")
    assert result["unsupported_interest"] == Decimal("6000.00")


def test_advance_deducted_interest_reduces_principal() -> None:
    result = private_lending_interest(
        "100000",
        advance_deducted="10000",
        formed=D("2025-06-10"),
        end=D("2026-06-10"),
        agreed_rate="18",
    )
    assert result["principal"] == Decimal("90000.00")
    assert result["supported_interest"] == Decimal("10800.00")


def test_day_basis_360() -> None:
    result = private_lending_interest(
        "100000", formed=D("2025-06-10"), end=D("2026-06-10"), agreed_rate="12", day_basis=360
    )
    assert result["supported_interest"] == Decimal("12166.67")


def test_combined_cap() -> None:
    result = combined_overdue_cap(D("2024-11-01"), overdue_rate="10", penalty_rate="5")
    assert result["claimed_total_rate"] == Decimal("15.00")
    assert result["supported_total_rate"] == Decimal("12.40")
    assert result["excess_rate"] == Decimal("2.60")


def test_combined_within_cap_untouched() -> None:
    result = combined_overdue_cap(
        D("2024-11-01"), overdue_rate="6", penalty_rate="3", other_fees_rate="1"
    )
    assert result["supported_total_rate"] == Decimal("10.00")


def test_delay_interest_vector() -> None:
    assert judgment_delay_interest("100000", days=100)["doubled_interest"] == Decimal("1750.00")
    by_dates = judgment_delay_interest("100000", start=D("2025-01-01"), end=D("2025-04-11"))
    assert by_dates["days"] == 100
    assert by_dates["doubled_interest"] == Decimal("1750.00")


def test_trade_receivable() -> None:
    result = trade_receivable_rate(D("2025-03-01"))
    assert (result["lpr"], result["rate_low"], result["rate_high"]) == (
        Decimal("3.10"),
        Decimal("4.03"),
        Decimal("4.65"),
    )
    with_loss = trade_receivable_rate(D("2025-03-01"), amount="100000", days=365)
    assert with_loss["loss_low"] == Decimal("4030.00")
    assert with_loss["loss_high"] == Decimal("4650.00")


def test_trade_receivable_three_decimals_kept() -> None:
    result = trade_receivable_rate(D("2021-01-05"))
    assert str(result["rate_low"]) == "5.005"


def test_trade_receivable_pre_lpr_refused() -> None:
    with pytest.raises(CalculatorError) as info:
        trade_receivable_rate(D("2019-08-19"))
    assert info.value.code == "lpr_before_2019_08_20"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"agreed_rate": "-1"}, "amount_negative"),
        ({"advance_deducted": "100000"}, "advance_deducted_too_large"),
        ({"end": D("2025-01-01")}, "period_reversed"),
        ({"day_basis": 364}, "day_basis_invalid"),
        ({"start": D("2025-06-01")}, "start_before_formed"),
        ({"filed": D("2025-01-01")}, "filed_before_formed"),
    ],
)
def test_lending_refusals(kwargs: dict[str, object], code: str) -> None:
    args: dict[str, object] = {
        "formed": D("2025-06-10"),
        "end": D("2026-06-10"),
        "agreed_rate": "18",
        **kwargs,
    }
    with pytest.raises(CalculatorError) as info:
        private_lending_interest("100000", **args)  # type: ignore[arg-type]
    assert info.value.code == code


def test_delay_interest_refusals() -> None:
    with pytest.raises(CalculatorError) as info:
        judgment_delay_interest("100000")
    assert info.value.code == "days_missing"
    with pytest.raises(CalculatorError) as info:
        judgment_delay_interest("100000", days=-1)
    assert info.value.code == "days_negative"
