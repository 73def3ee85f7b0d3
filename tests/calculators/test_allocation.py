"""Payment allocation: Civil Code Arts. 560-561, legal-rules.md §4."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from qingqian.calculators import CalculatorError, Debt, allocate, allocate_across

D = dt.date.fromisoformat


def test_art_561_worked_example() -> None:
    data = allocate("50000", costs="3320", interest="8000", principal="100000").to_dict()
    assert {k: data[k] for k in ("to_costs", "to_interest", "to_principal")} == {
        "to_costs": "3320.00",
        "to_interest": "8000.00",
        "to_principal": "38680.00",
    }
    assert data["remaining_principal"] == "61320.00"
    assert data["surplus"] == "0.00"


def test_payment_smaller_than_costs() -> None:
    result = allocate("1000", costs="3320", interest="8000", principal="100000")
    assert result["to_costs"] == Decimal("1000.00")
    assert result["to_interest"] == Decimal("0.00")
    assert result["remaining_costs"] == Decimal("2320.00")


def test_delay_interest_after_judgment_debt() -> None:
    result = allocate("101000", principal="100000", delay_interest="1750")
    assert result["to_principal"] == Decimal("100000.00")
    assert result["to_delay_interest"] == Decimal("1000.00")


def test_overpayment_is_surplus() -> None:
    result = allocate("120000", costs="3320", interest="8000", principal="100000")
    assert result["surplus"] == Decimal("8680.00")
    assert result.warnings


def test_agreed_order() -> None:
    result = allocate(
        "50000",
        costs="3320",
        interest="8000",
        principal="100000",
        agreed_order=["principal", "interest", "costs"],
    )
    assert result["to_principal"] == Decimal("50000.00")
    assert result["to_costs"] == Decimal("0.00")


def test_art_560_worked_example() -> None:
    debts = [
        Debt("A", D("2024-01-01"), "30000", security=1),
        Debt("B", D("2024-01-01"), "20000"),
        Debt("C", D("2024-06-01"), "20000"),
    ]
    data = allocate_across("25000", debts, as_of=D("2024-07-01")).to_dict()
    assert [(d["id"], d["amount"]) for d in data["debts"]] == [
        ("B", "20000.00"),
        ("C", "5000.00"),
        ("A", "0.00"),
    ]


def test_due_debts_before_undue() -> None:
    debts = [
        Debt("later", D("2025-01-01"), "1000"),
        Debt("due", D("2024-01-01"), "1000", security=5),
    ]
    data = allocate_across("1000", debts, as_of=D("2024-06-01")).to_dict()
    assert data["debts"][0] == {
        "id": "due",
        "amount": "1000.00",
        "to_costs": "0.00",
        "to_interest": "0.00",
        "to_principal": "1000.00",
        "remaining": "0.00",
    }


def test_heavier_burden_first() -> None:
    debts = [
        Debt("cheap", D("2024-01-01"), "1000", burden="4"),
        Debt("dear", D("2024-03-01"), "1000", burden="12"),
    ]
    data = allocate_across("1000", debts, as_of=D("2024-06-01")).to_dict()
    assert data["debts"][0]["id"] == "dear"


def test_pro_rata_same_due_date_conserves_fen() -> None:
    debts = [
        Debt("A", D("2024-01-01"), "1"),
        Debt("B", D("2024-01-01"), "1"),
        Debt("C", D("2024-01-01"), "1"),
    ]
    data = allocate_across("1.00", debts, as_of=D("2024-06-01")).to_dict()
    amounts = [Decimal(d["amount"]) for d in data["debts"]]
    assert sum(amounts) == Decimal("1.00")
    assert sorted(amounts) == [Decimal("0.33"), Decimal("0.33"), Decimal("0.34")]


def test_debtor_choice_overrides() -> None:
    debts = [
        Debt("A", D("2024-01-01"), "30000", security=1),
        Debt("B", D("2024-01-01"), "20000"),
    ]
    data = allocate_across("25000", debts, as_of=D("2024-07-01"), debtor_choice=["A"]).to_dict()
    assert [(d["id"], d["amount"]) for d in data["debts"]] == [
        ("A", "25000.00"),
        ("B", "0.00"),
    ]


def test_within_each_debt_costs_interest_principal() -> None:
    debts = [Debt("A", D("2024-01-01"), "10000", interest="500", costs="100")]
    data = allocate_across("700", debts, as_of=D("2024-07-01")).to_dict()
    row = data["debts"][0]
    assert (row["to_costs"], row["to_interest"], row["to_principal"]) == (
        "100.00",
        "500.00",
        "100.00",
    )


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"payment": "-5"}, "amount_negative"),
        ({"payment": "0"}, "amount_not_positive"),
        ({"costs": "-1"}, "amount_negative"),
        ({"agreed_order": ["principal", "fees"]}, "order_invalid"),
    ],
)
def test_refusals(kwargs: dict[str, object], code: str) -> None:
    args: dict[str, object] = {"payment": "100", "principal": "1000", **kwargs}
    payment = args.pop("payment")
    with pytest.raises(CalculatorError) as info:
        allocate(payment, **args)  # type: ignore[arg-type]
    assert info.value.code == code


def test_across_refusals() -> None:
    debt = Debt("A", D("2024-01-01"), "1000")
    with pytest.raises(CalculatorError) as info:
        allocate_across("100", [debt, debt], as_of=D("2024-06-01"))
    assert info.value.code == "debts_invalid"
    with pytest.raises(CalculatorError) as info:
        allocate_across("100", [debt], as_of=D("2024-06-01"), debtor_choice=["Z"])
    assert info.value.code == "choice_invalid"
