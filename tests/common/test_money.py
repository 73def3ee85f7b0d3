from decimal import Decimal

import pytest

from qingqian.common.exceptions import ValidationFailed
from qingqian.common.money import format_amount, money_text, parse_amount, term_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12000", "12000.00"),
        ("12,000.50", "12000.50"),
        ("¥12,000", "12000.00"),
        ("12000元", "12000.00"),
        ("１２０００", "12000.00"),
        ("壹万贰仟元", "12000.00"),
        ("一万二千五百元整", "12500.00"),
        ("3.5万", "35000.00"),
        (12000, "12000.00"),
        (Decimal("0.01"), "0.01"),
        ("人民币 8,800.8", "8800.80"),
        ("壹万贰仟伍", "12500.00"),
        ("一千五", "1500.00"),
        ("一万零五", "10005.00"),
    ],
)
def test_parses_what_people_type(raw: object, expected: str) -> None:
    assert parse_amount(raw) == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("-5", "amount_not_positive"),
        ("0", "amount_not_positive"),
        ("abc", "amount_invalid"),
        ("12.345", "amount_too_precise"),
        ("", "amount_missing"),
        (None, "amount_missing"),
        (12.5, "amount_float"),
        ("1e400", "amount_too_large"),
        ("NaN", "amount_invalid"),
        ("许多钱", "amount_invalid"),
    ],
)
def test_refuses_bad_amounts_with_bilingual_message(raw: object, code: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        parse_amount(raw)
    assert exc.value.code == code
    zh, en = exc.value.message.split(" / ")
    assert zh and en and zh != en


def test_format_amount_is_two_decimals() -> None:
    assert format_amount(Decimal("5")) == "5.00"


@pytest.mark.parametrize(
    ("value", "symbol", "shown"),
    [
        (Decimal("1234567.891"), True, "¥1,234,567.89"),
        (Decimal("-12"), True, "-¥12.00"),
        ("20000.5", True, "¥20,000.50"),
        (Decimal("-4000000"), False, "-4,000,000.00"),
        (None, True, "—"),
        ("", False, "—"),
        ("n/a", True, "n/a"),  # a stored value that is not a number is shown, not raised on
        ("NaN", True, "NaN"),
    ],
)
def test_money_text_is_what_every_page_shows(value: object, symbol: bool, shown: str) -> None:
    assert money_text(value, symbol=symbol) == shown


def test_every_money_filter_shows_the_same_text() -> None:
    from qingqian.compliance.templatetags.compliance_tags import cny
    from qingqian.kpis.templatetags.kpis_tags import yuan as kpi_yuan
    from qingqian.mediation.templatetags.mediation_tags import rmb
    from qingqian.netting.templatetags.netting_tags import yuan as netting_yuan
    from qingqian.reports.present import money
    from qingqian.reports.templatetags.reports_tags import yuan as report_yuan

    value = Decimal("-1234.5")
    assert cny(value) == kpi_yuan(value) == rmb(value) == "-¥1,234.50"
    assert netting_yuan(value) == report_yuan(value) == money(value) == "-1,234.50"


@pytest.mark.parametrize(
    ("value", "deducted", "shown"),
    [
        (Decimal("1200"), False, "+¥1,200.00"),
        (Decimal("300.5"), True, "−¥300.50"),
        (Decimal("0"), True, "¥0.00"),  # nothing taken off: no sign
        (Decimal("0.00"), False, "¥0.00"),
        (Decimal("-0.001"), True, "¥0.00"),  # rounds to zero: still no sign
        (Decimal("-50"), True, "+¥50.00"),  # a negative deduction adds
        (Decimal("-50"), False, "−¥50.00"),
        (None, True, "—"),
        ("n/a", False, "n/a"),
    ],
)
def test_term_text_signs_each_term_of_a_sum_and_never_zero(
    value: object, deducted: bool, shown: str
) -> None:
    from qingqian.netting.templatetags.netting_tags import added
    from qingqian.netting.templatetags.netting_tags import deducted as taken_off

    assert term_text(value, deducted=deducted) == shown
    assert (taken_off if deducted else added)(value) == shown  # type: ignore[arg-type]
