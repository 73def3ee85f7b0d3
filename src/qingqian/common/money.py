"""Money parsing and formatting. Money is ``Decimal``, never float.

``parse_amount`` accepts what people type into a ledger: ``12000``, ``12,000.50``,
``¥12,000``, ``12000元``, full-width digits and amounts written in Chinese numerals
(``壹万贰仟元``, ``一万二千五百元整``, ``3.5万``). It refuses negative, zero, non-numeric and
over-precise (more than two decimals) amounts with a bilingual error.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from qingqian.common.exceptions import ValidationFailed

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")

_CN_NUMERAL_CHARS = set("零〇一二三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬億两兩点")
_STRIP = re.compile(r"[\s,，¥￥]|人民币|RMB|CNY", re.IGNORECASE)


def quantize(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _from_chinese(text: str) -> Decimal:
    import cn2an  # imported lazily: it is only needed for numerals written in Chinese

    text = text.replace("萬", "万").replace("億", "亿").replace("兩", "两")
    try:
        value = cn2an.cn2an(text, "smart")
    except (ValueError, KeyError, IndexError) as exc:
        raise ValueError(text) from exc
    return Decimal(str(value))


def parse_amount(raw: object, *, field: str = "amount") -> Decimal:
    """Parse a positive amount of money with at most two decimals."""
    if isinstance(raw, float):
        raise ValidationFailed(
            "金额不能以浮点数传入，请使用字符串。",
            "Amounts must not be floats; send them as strings.",
            code="amount_float",
            details={"field": field},
        )
    if isinstance(raw, Decimal | int) and not isinstance(raw, bool):
        text = str(raw)
    elif isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip()
    else:
        text = ""
    # Shown in messages only: a 128 KB cell must not come back 128 KB long.
    original = text if len(text) <= 64 else text[:64] + "…"
    text = _STRIP.sub("", text)
    text = re.sub(r"(元整|圆整|元|圆|整)$", "", text)
    if not text:
        raise ValidationFailed(
            "金额为空。", "The amount is empty.", code="amount_missing", details={"field": field}
        )
    value: Decimal
    try:
        value = Decimal(text)
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        if set(text) & _CN_NUMERAL_CHARS:
            try:
                value = _from_chinese(text)
            except ValueError:
                raise ValidationFailed(
                    f"无法识别的中文金额：{original}",
                    f"Could not read the amount written in Chinese: {original}",
                    code="amount_invalid",
                    details={"field": field, "value": original},
                ) from None
        else:
            raise ValidationFailed(
                f"金额不是数字：{original}",
                f"The amount is not a number: {original}",
                code="amount_invalid",
                details={"field": field, "value": original},
            ) from None
    if value <= 0:
        raise ValidationFailed(
            f"金额必须大于零：{original}",
            f"The amount must be greater than zero: {original}",
            code="amount_not_positive",
            details={"field": field, "value": original},
        )
    if value.adjusted() > MAX_AMOUNT.adjusted():
        # Checked before any arithmetic: 1e999999999 is finite but overflows the context.
        raise ValidationFailed(
            f"金额过大：{original}",
            f"The amount is too large: {original}",
            code="amount_too_large",
            details={"field": field, "value": original},
        )
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    if exponent + trailing_zeros < -2:
        raise ValidationFailed(
            f"金额最多两位小数（精确到分）：{original}",
            f"The amount has more than two decimals (cents): {original}",
            code="amount_too_precise",
            details={"field": field, "value": original},
        )
    if value > MAX_AMOUNT:
        raise ValidationFailed(
            f"金额过大：{original}",
            f"The amount is too large: {original}",
            code="amount_too_large",
            details={"field": field, "value": original},
        )
    return quantize(value)


def display_amount(value: Decimal) -> str:
    """``Decimal('12000.5')`` → ``'12,000.50'`` (for text people read: notes, messages)."""
    return f"{quantize(value):,.2f}"


def _shown_amount(value: object) -> Decimal | str:
    """``value`` to the fen, or the text a page shows instead: ``—`` for none, anything
    that is not a finite number as it is (never raised on: no stored value may crash a
    page)."""
    if value is None or value == "":
        return "—"
    try:
        amount = quantize(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)
    return amount if amount.is_finite() else str(value)


def money_text(value: object, *, symbol: bool = True) -> str:
    """An amount as pages show it: ``¥12,000.50``, ``-¥12.00``; ``12,000.50`` without the
    symbol; ``—`` for none. Anything that is not a number is shown as it is, never raised
    on (no stored value may crash a page)."""
    amount = _shown_amount(value)
    if isinstance(amount, str):
        return amount
    sign = "-" if amount < 0 else ""
    return f"{sign}{'¥' if symbol else ''}{abs(amount):,.2f}"


def term_text(value: object, *, deducted: bool = False) -> str:
    """One term of a sum as pages show it: ``+¥1,200.00`` added, or with ``deducted``
    ``−¥300.00`` (a minus sign, U+2212) taken off; a term of zero as ``¥0.00``, never
    ``−¥0.00``; a deduction below zero is an addition and the other way round. ``—`` for
    none; a value that is not a number is shown as it is."""
    amount = _shown_amount(value)
    if isinstance(amount, str):
        return amount
    if deducted:
        amount = -amount
    if amount == 0:
        return "¥0.00"
    return f"{'+' if amount > 0 else '−'}¥{abs(amount):,.2f}"


def format_amount(value: Decimal) -> str:
    """``Decimal('12000.5')`` → ``'12000.50'`` (a string for JSON and exports)."""
    return str(quantize(value))
