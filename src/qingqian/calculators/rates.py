"""The one-year LPR as a dated table (package data ``lpr.json`` plus rows an administrator adds).

The rate in force on a day is the last quote published on or before that day. There is no
LPR before 2019-08-20: asking for one raises an error that explains the earlier regime
instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

from qingqian.calculators.errors import CalculatorError

LPR_START = dt.date(2019, 8, 20)
STALE_AFTER_DAYS = 35

PRE_LPR_ZH = (
    "2019-08-20 之前没有一年期 LPR 报价。当时适用中国人民银行公布的贷款基准利率；"
    "民间借贷适用 2015 年《民间借贷规定》：年利率 24% 以内予以支持，超过 36% 的部分无效，"
    "24% 至 36% 之间已支付的不予返还。2020-08-20 之前成立、之后起诉的合同："
    "2020-08-19 之前按旧规定，之后按起诉时 LPR 的四倍。"
)
PRE_LPR_EN = (
    "There is no one-year LPR before 2019-08-20. The PBOC benchmark lending rates applied"
    " then; private lending followed the 2015 rules: up to 24% a year supported, the part"
    " above 36% void, and interest between 24% and 36% already paid not recoverable."
    " Contracts formed before 2020-08-20 and sued on later: the old rules up to 2020-08-19,"
    " then 4 x the LPR at the time of filing."
)


@dataclass(frozen=True, slots=True)
class LprQuote:
    """One monthly quote (percent a year), with where it came from."""

    day: dt.date
    one_year: Decimal
    five_year: Decimal | None = None
    grade: str = "B"
    source: str = ""
    note: str = ""


def _rate(value: object, field: str) -> Decimal:
    try:
        rate = Decimal(str(value)) if isinstance(value, str | int | Decimal) else Decimal("NaN")
    except InvalidOperation:
        rate = Decimal("NaN")
    if not rate.is_finite() or rate <= 0 or rate >= 100:
        raise CalculatorError(
            f"LPR 数据行的 {field} 无效：{value}",
            f"Invalid {field} in an LPR row: {value}",
            code="lpr_row_invalid",
            details={"field": field, "value": str(value)},
        )
    return rate


def parse_row(row: Mapping[str, Any] | LprQuote) -> LprQuote:
    """A quote from a mapping (``date``, ``one_year`` and optionally ``five_year``, ``grade``,
    ``source``, ``note``), as stored in ``lpr.json`` or entered by an administrator."""
    if isinstance(row, LprQuote):
        quote = row
    else:
        raw_day = row.get("date")
        try:
            day = raw_day if isinstance(raw_day, dt.date) else dt.date.fromisoformat(str(raw_day))
        except ValueError:
            raise CalculatorError(
                f"LPR 数据行的日期无效：{raw_day}",
                f"Invalid date in an LPR row: {raw_day}",
                code="lpr_row_invalid",
                details={"field": "date", "value": str(raw_day)},
            ) from None
        five = row.get("five_year")
        quote = LprQuote(
            day=day,
            one_year=_rate(row.get("one_year"), "one_year"),
            five_year=None if five in (None, "") else _rate(five, "five_year"),
            grade=str(row.get("grade", "B")),
            source=str(row.get("source", "")),
            note=str(row.get("note", "")),
        )
    if quote.day < LPR_START:
        raise CalculatorError(
            f"LPR 数据行日期 {quote.day} 早于 2019-08-20。",
            f"An LPR row dated {quote.day} is before 2019-08-20.",
            code="lpr_row_invalid",
            details={"field": "date", "value": quote.day.isoformat()},
        )
    return quote


class LprTable:
    """Quotes sorted by date; a later row for the same date replaces an earlier one."""

    def __init__(self, rows: Iterable[LprQuote | Mapping[str, Any]]) -> None:
        by_day: dict[dt.date, LprQuote] = {}
        for row in rows:
            quote = parse_row(row)
            by_day[quote.day] = quote
        if not by_day:
            raise CalculatorError("LPR 表为空。", "The LPR table is empty.", code="lpr_table_empty")
        self.quotes: tuple[LprQuote, ...] = tuple(by_day[d] for d in sorted(by_day))

    @classmethod
    def default(cls, extra: Iterable[LprQuote | Mapping[str, Any]] = ()) -> LprTable:
        """The packaged table, with ``extra`` rows (e.g. from the database) laid over it."""
        extra = list(extra)
        if not extra:
            return _packaged()
        return cls([*_packaged().quotes, *extra])

    @property
    def last(self) -> LprQuote:
        return self.quotes[-1]

    def quote_on(self, day: dt.date, *, purpose_zh: str = "", purpose_en: str = "") -> LprQuote:
        """The last quote published on or before ``day``."""
        if day < LPR_START:
            raise CalculatorError(
                f"{purpose_zh}{day.isoformat()} 早于 LPR 首次报价日。{PRE_LPR_ZH}",
                f"{purpose_en}{day.isoformat()} is before the first LPR quote. {PRE_LPR_EN}",
                code="lpr_before_2019_08_20",
                details={"date": day.isoformat(), "first_quote": LPR_START.isoformat()},
            )
        found = self.quotes[0]
        for quote in self.quotes:
            if quote.day > day:
                break
            found = quote
        return found

    def is_stale_for(self, day: dt.date) -> bool:
        """True when ``day`` is well past the last stored quote (the table needs new rows)."""
        return (day - self.last.day).days > STALE_AFTER_DAYS


@functools.cache
def _packaged() -> LprTable:
    text = resources.files("qingqian.calculators").joinpath("lpr.json").read_text("utf-8")
    data = json.loads(text)
    return LprTable(data["rows"])
