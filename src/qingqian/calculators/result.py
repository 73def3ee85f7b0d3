"""What every calculator returns: figures, the rules applied, and the steps, in two languages.

Figures are stored already rounded (money half-up to the fen, or to the yuan on request),
so ``to_dict()`` only turns them into JSON-friendly strings: money and rates as decimal
strings, dates as ISO strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from qingqian.calculators.errors import CalculatorError

CENT = Decimal("0.01")
YUAN = Decimal("1")
MAX_AMOUNT = Decimal("999999999999.99")


@dataclass(frozen=True, slots=True)
class Rule:
    """One legal source: the document and the article, with the source grade of legal-rules.md."""

    document: str
    document_en: str
    article: str
    grade: str = "A"

    def to_dict(self) -> dict[str, str]:
        return {
            "document": self.document,
            "document_en": self.document_en,
            "article": self.article,
            "grade": self.grade,
        }


@dataclass(frozen=True, slots=True)
class Line:
    """One line of explanation, in Chinese and English."""

    zh: str
    en: str

    def to_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(slots=True)
class CalcResult:
    """A calculator's answer. ``figures`` keys become the top-level keys of ``to_dict()``."""

    calculator: str
    figures: dict[str, Any]
    rules: list[Rule]
    steps: list[Line]
    warnings: list[Line] = field(default_factory=list)
    provisional: bool = False

    def __getitem__(self, key: str) -> Any:
        return self.figures[key]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: _plain(v) for k, v in self.figures.items()}
        out["calculator"] = self.calculator
        out["provisional"] = self.provisional
        out["rules"] = [r.to_dict() for r in self.rules]
        out["explanation"] = {
            "zh": [s.zh for s in self.steps],
            "en": [s.en for s in self.steps],
        }
        out["warnings"] = [w.to_dict() for w in self.warnings]
        return out


class Trace:
    """Collects rules, steps and warnings while a calculator works."""

    def __init__(self) -> None:
        self.rules: list[Rule] = []
        self.steps: list[Line] = []
        self.warnings: list[Line] = []
        self.provisional = False

    def cite(self, *rules: Rule) -> None:
        for rule in rules:
            if rule not in self.rules:
                self.rules.append(rule)

    def step(self, zh: str, en: str, *rules: Rule) -> None:
        self.cite(*rules)
        self.steps.append(Line(zh, en))

    def warn(self, zh: str, en: str) -> None:
        line = Line(zh, en)
        if line not in self.warnings:
            self.warnings.append(line)

    def result(self, calculator: str, figures: dict[str, Any]) -> CalcResult:
        return CalcResult(
            calculator=calculator,
            figures=figures,
            rules=list(self.rules),
            steps=list(self.steps),
            warnings=list(self.warnings),
            provisional=self.provisional,
        )


# --- numbers ---------------------------------------------------------------------------


def money(value: Decimal, *, to_yuan: bool = False) -> Decimal:
    """Round half-up to the fen (or to the yuan, still shown with two decimals)."""
    if to_yuan:
        return value.quantize(YUAN, rounding=ROUND_HALF_UP).quantize(CENT)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def percent(value: Decimal) -> Decimal:
    """A rate in percent: at least two decimals, more only when the value needs them."""
    value = value.normalize()
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return value
    return value.quantize(CENT)


def fmt(value: Decimal) -> str:
    """``Decimal('12000.5')`` → ``'12,000.50'`` for explanation lines."""
    return f"{money(value):,.2f}"


def fmt_exact(value: Decimal) -> str:
    """An unrounded intermediate figure: two decimals when exact, otherwise up to six."""
    if value == value.quantize(CENT):
        return fmt(value)
    text = f"{value.quantize(Decimal('0.000001'), rounding=ROUND_HALF_UP).normalize():,f}"
    return text


def fmt_pct(value: Decimal) -> str:
    return f"{percent(value)}%"


def to_decimal(
    value: Decimal | int | str,
    *,
    field: str,
    allow_zero: bool = False,
    max_places: int = 2,
    maximum: Decimal | None = MAX_AMOUNT,
) -> Decimal:
    """Parse a non-negative (or positive) decimal; floats and over-precise values are refused."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise CalculatorError(
            f"{field} 必须是数字（字符串或 Decimal），不能是浮点数。",
            f"{field} must be a number given as a string or Decimal, not a float.",
            code="not_a_number",
            details={"field": field, "value": repr(value)},
        )
    try:
        number = (
            Decimal(value.strip().replace(",", "")) if isinstance(value, str) else Decimal(value)
        )
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise CalculatorError(
            f"{field} 不是有效数字：{value}",
            f"{field} is not a valid number: {value}",
            code="not_a_number",
            details={"field": field, "value": str(value)},
        )
    if number < 0:
        raise CalculatorError(
            f"{field} 不能为负数：{value}",
            f"{field} must not be negative: {value}",
            code="amount_negative",
            details={"field": field, "value": str(value)},
        )
    if number == 0 and not allow_zero:
        raise CalculatorError(
            f"{field} 必须大于零：{value}",
            f"{field} must be greater than zero: {value}",
            code="amount_not_positive",
            details={"field": field, "value": str(value)},
        )
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -max_places:
        raise CalculatorError(
            f"{field} 最多 {max_places} 位小数：{value}",
            f"{field} has more than {max_places} decimals: {value}",
            code="too_precise",
            details={"field": field, "value": str(value)},
        )
    if maximum is not None and number > maximum:
        raise CalculatorError(
            f"{field} 过大：{value}",
            f"{field} is too large: {value}",
            code="amount_too_large",
            details={"field": field, "value": str(value)},
        )
    return number


# --- dates -----------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day ``months`` later; the month's last day if there is none (Art. 202)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = 31 if month == 12 else (dt.date(year, month + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def add_years(day: dt.date, years: int) -> dt.date:
    """The corresponding day ``years`` later; 29 February becomes 28 February."""
    return add_months(day, 12 * years)
