"""Contingency caps (legal-rules.md §5.1), small claims and payment orders (§7-§8, §10)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from qingqian.calculators import (
    CalculatorError,
    SmallClaimsTable,
    contingency_cap,
    payment_order_checklist,
    payment_order_deadlines,
    small_claims,
)
from qingqian.calculators.procedure import PAYMENT_ORDER_CHECKS

D = dt.date.fromisoformat

CONTINGENCY = [
    ("800000", "144000.00", "18.00"),
    ("3000000", "480000.00", "16.00"),
    ("8000000", "1140000.00", "14.25"),
    ("20000000", "2280000.00", "11.40"),
    ("60000000", "5580000.00", "9.30"),
]


@pytest.mark.parametrize(("recovered", "max_fee", "rate"), CONTINGENCY)
def test_contingency_caps(recovered: str, max_fee: str, rate: str) -> None:
    data = contingency_cap(recovered).to_dict()
    assert data["max_fee"] == max_fee
    assert data["effective_rate"] == rate
    assert data["allowed"] is True


@pytest.mark.parametrize("case_type", ["wages", "marriage", "criminal", "group_litigation"])
def test_contingency_forbidden(case_type: str) -> None:
    data = contingency_cap("3000000", case_type=case_type).to_dict()
    assert data["allowed"] is False
    assert data["max_fee"] == "0.00"


def test_contingency_before_2021_opinion_uses_old_cap() -> None:
    assert contingency_cap("3000000", signed=D("2021-06-01"))["max_fee"] == Decimal("900000.00")


def test_contingency_unknown_case_type() -> None:
    with pytest.raises(CalculatorError) as info:
        contingency_cap("100", case_type="divorce-ish")
    assert info.value.code == "unknown_kind"


# legal-rules.md §8.2 test and §10 bands
@pytest.mark.parametrize(
    ("amount", "procedure", "fee", "full_fee"),
    [
        ("60000", "small_claims", "650.00", "1300.00"),
        ("64610", "small_claims", "707.63", "1415.25"),
        ("120000", "small_claims_if_agreed", "1350.00", "2700.00"),
        ("258440", "small_claims_if_agreed", "2588.30", "5176.60"),
        ("300000", "ordinary_or_simplified", "5800.00", "5800.00"),
    ],
)
def test_jiangsu_2026(amount: str, procedure: str, fee: str, full_fee: str) -> None:
    data = small_claims(amount, filed=D("2026-02-01"), province="jiangsu").to_dict()
    assert data["procedure"] == procedure
    assert data["limit"] == "64610.00"
    assert data["agreed_ceiling"] == "258440.00"
    assert (data["fee"], data["full_fee"]) == (fee, full_fee)


@pytest.mark.parametrize(
    ("filed", "limit", "ceiling", "provisional"),
    [
        ("2022-01-07", "51811.00", "207242.00", False),
        ("2023-06-01", "51811.00", "207242.00", True),
        ("2024-01-05", "51811.00", "207242.00", True),
        ("2024-01-06", "60862.00", "243448.00", False),
        ("2025-06-01", "60862.00", "243448.00", True),
        ("2026-01-04", "64610.00", "258440.00", False),
    ],
)
def test_jiangsu_bands_by_filing_date(
    filed: str, limit: str, ceiling: str, provisional: bool
) -> None:
    result = small_claims("1000", filed=D(filed))
    assert (str(result["limit"]), str(result["agreed_ceiling"])) == (limit, ceiling)
    assert result.provisional is provisional


def test_small_claims_extra_rows() -> None:
    table = SmallClaimsTable.default(
        {"jiangsu": [{"valid_from": "2025-01-05", "limit": "62000", "agreed_ceiling": "248000"}]}
    )
    result = small_claims("61000", filed=D("2025-06-01"), table=table)
    assert result["limit"] == Decimal("62000.00")
    assert result.provisional is False


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"filed": D("2021-06-01")}, "small_claims_no_data"),
        ({"province": "zhejiang"}, "unknown_province"),
        ({"amount": "-1"}, "amount_negative"),
    ],
)
def test_small_claims_refusals(kwargs: dict[str, object], code: str) -> None:
    args: dict[str, object] = {"amount": "60000", "filed": D("2026-02-01"), **kwargs}
    amount = args.pop("amount")
    with pytest.raises(CalculatorError) as info:
        small_claims(amount, **args)  # type: ignore[arg-type]
    assert info.value.code == code


def test_payment_order_objection_deadline() -> None:
    result = payment_order_deadlines(served=D("2026-03-02"))
    assert result["objection_by"] == D("2026-03-17")


def test_payment_order_all_deadlines() -> None:
    result = payment_order_deadlines(
        applied=D("2026-04-30"),
        accepted=D("2026-05-06"),
        issued=D("2026-05-15"),
        termination_received=D("2026-09-20"),
    )
    assert result["acceptance_decision_by"] == D("2026-05-06")  # 05-05 is a holiday
    assert result["issue_by"] == D("2026-05-21")
    assert result["serve_by"] == D("2026-06-15")  # 06-14 is a Sunday
    assert result["opt_out_by"] == D("2026-09-28")  # 09-27 is a holiday (Sunday)


def test_payment_order_deadlines_need_a_date() -> None:
    with pytest.raises(CalculatorError) as info:
        payment_order_deadlines()
    assert info.value.code == "dates_missing"


def test_payment_order_checklist() -> None:
    all_yes = payment_order_checklist(dict.fromkeys(PAYMENT_ORDER_CHECKS, True))
    assert all_yes["eligible"] is True
    one_no = payment_order_checklist(
        {**dict.fromkeys(PAYMENT_ORDER_CHECKS, True), "can_be_served": False}
    )
    assert one_no["eligible"] is False
    assert one_no["failed"] == ["can_be_served"]
    partial = payment_order_checklist({"money_or_securities": True})
    assert partial["eligible"] is None
    with pytest.raises(CalculatorError):
        payment_order_checklist({"bogus": True})
