"""Sane ranges for the dates and amounts a user can send (pure: no Django).

Every entry point (web form, API, ledger import, CLI) reaches a service, and every service
that stores a date or an amount checks it here first, so one rule holds everywhere:

* dates lie within 1900-01-01..2199-12-31 (narrower where the domain says so, e.g. a
  promise is not due in the past);
* amounts fit ``DecimalField(max_digits=14, decimal_places=2)`` and are positive where money
  changes hands.

Refusals are :class:`OutOfRange` (HTTP 422, code ``date_out_of_range`` or
``amount_out_of_range``) raised before anything is written. Readers use :func:`days_between`,
which is total over any stored date, so a row that predates these checks never takes a page
down.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from qingqian.common.exceptions import ValidationFailed

DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2199, 12, 31)
#: The largest amount a ``DecimalField(max_digits=14, decimal_places=2)`` holds.
AMOUNT_MAX = Decimal("999999999999.99")
CENT = Decimal("0.01")
#: The deepest page a list serves (an OFFSET past this is refused, not overflowed).
PAGE_MAX = 1_000_000
#: The largest id a 64-bit signed primary key can hold.
ID_MAX = 2**63 - 1


class OutOfRange(ValidationFailed):
    status = 422
    code = "out_of_range"


def check_date(
    value: dt.date,
    *,
    field: str,
    earliest: dt.date = DATE_MIN,
    latest: dt.date = DATE_MAX,
) -> dt.date:
    """``value`` if it lies in ``earliest..latest`` (inclusive), else :class:`OutOfRange`."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if not earliest <= day <= latest:
        raise OutOfRange(
            f"日期 {day.isoformat()} 超出允许范围 {earliest.isoformat()} 至 {latest.isoformat()}"
            f"（字段：{field}）。",
            f"The date {day.isoformat()} is outside {earliest.isoformat()}.."
            f"{latest.isoformat()} (field: {field}).",
            code="date_out_of_range",
            details={
                "field": field,
                "value": day.isoformat(),
                "earliest": earliest.isoformat(),
                "latest": latest.isoformat(),
            },
        )
    return value


def check_dates(fields: dict[str, dt.date | None]) -> None:
    """Check every date given (``None`` means not given) against the general range."""
    for name, value in fields.items():
        if value is not None:
            check_date(value, field=name)


def check_amount(
    value: Decimal,
    *,
    field: str,
    minimum: Decimal = CENT,
    maximum: Decimal = AMOUNT_MAX,
) -> Decimal:
    """``value`` if it is a finite amount with at most two decimals in ``minimum..maximum``."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise OutOfRange(
            f"金额不是有限的数字（字段：{field}）。",
            f"The amount is not a finite number (field: {field}).",
            code="amount_out_of_range",
            details={"field": field, "value": str(value)},
        )
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    too_precise = any(digits) and exponent + trailing < -2
    if too_precise or not minimum <= value <= maximum:
        shown = (
            str(value) if value.adjusted() < 30 else f"{'-' if sign else ''}1E+{value.adjusted()}"
        )
        raise OutOfRange(
            f"金额 {shown} 超出允许范围 {minimum} 至 {maximum}（字段：{field}）。",
            f"The amount {shown} is outside {minimum}..{maximum} (field: {field}).",
            code="amount_out_of_range",
            details={"field": field, "value": shown, "min": str(minimum), "max": str(maximum)},
        )
    return value


def check_id(value: int, *, field: str) -> int:
    """An id a database key can hold (1..2^63-1); larger ones are simply not found."""
    if not 1 <= value <= ID_MAX:
        raise OutOfRange(
            f"编号超出范围（字段：{field}）。",
            f"The id is out of range (field: {field}).",
            code="id_out_of_range",
            details={"field": field},
        )
    return value


def days_between(start: dt.date, end: dt.date) -> int:
    """``(end - start).days`` for any two dates Python can hold (never raises)."""
    return end.toordinal() - start.toordinal()


def shift(day: dt.date, days: int) -> dt.date | None:
    """``day + days``, or ``None`` when the result falls outside what a date can hold."""
    ordinal = day.toordinal() + days
    if not dt.date.min.toordinal() <= ordinal <= dt.date.max.toordinal():
        return None
    return dt.date.fromordinal(ordinal)
