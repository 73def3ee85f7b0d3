"""Court fees: every vector of legal-rules.md §1.2 and §10, and refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qingqian.calculators import CalculatorError, court_fee

# (amount, full F1, halved, payment order F1/3, preservation F11, enforcement F12); None: n/a.
# legal-rules.md §1.2. Its 5,000 row prints "30.00" for preservation, which is the
# ≤1,000 figure; by F11 (30 + 1% of 4,000) the fee on 5,000 is 70.00.
FEE_TABLE = [
    ("5000", "50.00", "25.00", "16.67", "70.00", "50.00"),
    ("10000", "50.00", "25.00", "16.67", "120.00", "50.00"),
    ("10001", "50.03", "25.01", "16.68", None, None),
    ("50000", "1050.00", "525.00", "350.00", "520.00", "650.00"),
    ("60000", "1300.00", "650.00", "433.33", "620.00", "800.00"),
    ("100000", "2300.00", "1150.00", "766.67", "1020.00", "1400.00"),
    ("150000", "3300.00", "1650.00", "1100.00", "1270.00", "2150.00"),
    ("200000", "4300.00", "2150.00", "1433.33", "1520.00", "2900.00"),
    ("300000", "5800.00", "2900.00", "1933.33", "2020.00", "4400.00"),
    ("500000", "8800.00", "4400.00", "2933.33", "3020.00", "7400.00"),
    ("896000", None, None, None, "5000.00", None),
    ("1000000", "13800.00", "6900.00", "4600.00", "5000.00", "12400.00"),
    ("2000000", "22800.00", "11400.00", "7600.00", "5000.00", "22400.00"),
    ("5000000", "46800.00", "23400.00", "15600.00", "5000.00", "52400.00"),
    ("10000000", "81800.00", "40900.00", "27266.67", "5000.00", "77400.00"),
    ("20000000", "141800.00", "70900.00", "47266.67", "5000.00", "87400.00"),
    ("30000000", "191800.00", "95900.00", "63933.33", "5000.00", "97400.00"),
]

# legal-rules.md §10, verbatim.
SECTION_10 = [
    ("property", "10000", "50.00"),
    ("property", "50000", "1050.00"),
    ("property", "100000", "2300.00"),
    ("property", "200000", "4300.00"),
    ("property", "500000", "8800.00"),
    ("property", "1000000", "13800.00"),
    ("property", "2000000", "22800.00"),
    ("property", "5000000", "46800.00"),
    ("property", "10000000", "81800.00"),
    ("property", "20000000", "141800.00"),
    ("property", "30000000", "191800.00"),
    ("payment-order", "100000", "766.67"),
    ("payment-order", "1000000", "4600.00"),
    ("preservation", "1000", "30.00"),
    ("preservation", "50000", "520.00"),
    ("preservation", "100000", "1020.00"),
    ("preservation", "500000", "3020.00"),
    ("preservation", "896000", "5000.00"),
    ("preservation", "10000000", "5000.00"),
    ("enforcement", "10000", "50.00"),
    ("enforcement", "100000", "1400.00"),
    ("enforcement", "500000", "7400.00"),
    ("enforcement", "1000000", "12400.00"),
    ("enforcement", "5000000", "52400.00"),
    ("enforcement", "10000000", "77400.00"),
    ("enforcement", "20000000", "87400.00"),
]


@pytest.mark.parametrize(("kind", "amount", "expected"), SECTION_10)
def test_section_10_vectors(kind: str, amount: str, expected: str) -> None:
    assert court_fee(amount, kind=kind)["fee"] == Decimal(expected)


@pytest.mark.parametrize(
    ("amount", "full", "halved", "order", "preservation", "enforcement"), FEE_TABLE
)
def test_fee_table(
    amount: str,
    full: str | None,
    halved: str | None,
    order: str | None,
    preservation: str | None,
    enforcement: str | None,
) -> None:
    if full is not None:
        assert str(court_fee(amount)["fee"]) == full
        assert str(court_fee(amount, simplified=True)["fee"]) == halved
        assert str(court_fee(amount, mediated=True)["fee"]) == halved
        assert str(court_fee(amount, withdrawn=True)["fee"]) == halved
        assert str(court_fee(amount, kind="payment-order")["fee"]) == order
    if preservation is not None:
        assert str(court_fee(amount, kind="preservation")["fee"]) == preservation
    if enforcement is not None:
        assert str(court_fee(amount, kind="enforcement")["fee"]) == enforcement


def test_halved_once_only_simplified_then_mediated() -> None:
    result = court_fee("100000", simplified=True, mediated=True)
    assert result["fee"] == Decimal("1150.00")
    assert result["full_fee"] == Decimal("2300.00")
    assert result["halving_grounds"] == ["simplified", "mediated"]
    assert any("Art. 206" in r.article for r in result.rules)


def test_every_halving_ground_combined_still_half() -> None:
    result = court_fee("100000", simplified=True, small_claims=True, mediated=True, withdrawn=True)
    assert result["fee"] == Decimal("1150.00")


def test_payment_order_balance_on_conversion() -> None:
    result = court_fee("100000", kind="payment-order")
    assert result["fee"] == Decimal("766.67")
    assert result["balance_on_conversion"] == Decimal("1533.33")
    as_dict = result.to_dict()
    assert as_dict["balance_on_conversion"] == "1533.33"


def test_payment_order_round_to_yuan() -> None:
    result = court_fee("100000", kind="payment-order", round_to_yuan=True)
    assert result["fee"] == Decimal("767.00")
    assert result["balance_on_conversion"] == Decimal("1533.00")


def test_preservation_on_amount_actually_preserved() -> None:
    # Requested 1,000,000, frozen 300,000: the fee is on 300,000.
    assert court_fee("300000", kind="preservation")["fee"] == Decimal("2020.00")
    assert court_fee("896000", kind="preservation")["capped"] is True
    assert court_fee("895999", kind="preservation")["capped"] is False


def test_enforcement_fee_is_paid_after() -> None:
    result = court_fee("100000", kind="enforcement")
    assert any("Arts. 20, 38" in r.article for r in result.rules)


def test_judicial_confirmation_is_free() -> None:
    result = court_fee(None, kind="judicial-confirmation")
    assert result["fee"] == Decimal("0.00")
    assert result.rules[0].article.endswith("Art. 8")


def test_round_to_yuan_half_up() -> None:
    assert court_fee("10001", round_to_yuan=True)["fee"] == Decimal("50.00")
    assert court_fee("10020", round_to_yuan=True)["fee"] == Decimal("51.00")  # 50.50 → 51


def test_explanation_is_bilingual_and_cites() -> None:
    result = court_fee("100000").to_dict()
    assert result["fee"] == "2300.00"
    assert len(result["explanation"]["zh"]) == len(result["explanation"]["en"]) >= 3
    assert result["rules"][0]["article"] == "第十三条第（一）项 / Art. 13(1)"


@pytest.mark.parametrize(
    ("amount", "kwargs", "code"),
    [
        ("-1", {}, "amount_negative"),
        ("0", {}, "amount_not_positive"),
        ("abc", {}, "not_a_number"),
        ("1.001", {}, "too_precise"),
        ("100", {"kind": "divorce"}, "unknown_kind"),
        ("100", {"kind": "preservation", "simplified": True}, "option_not_applicable"),
        (None, {}, "amount_missing"),
    ],
)
def test_refusals(amount: str | None, kwargs: dict[str, object], code: str) -> None:
    with pytest.raises(CalculatorError) as info:
        court_fee(amount, **kwargs)  # type: ignore[arg-type]
    assert info.value.code == code
    assert info.value.message_zh
    assert info.value.message_en
    assert info.value.status == 422


def test_float_refused() -> None:
    with pytest.raises(CalculatorError) as info:
        court_fee(100000.0)  # type: ignore[arg-type]
    assert info.value.code == "not_a_number"
