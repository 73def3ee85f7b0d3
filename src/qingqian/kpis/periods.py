"""Reporting windows, grains and the small statistics the measures need (pure: no Django).

A window is a closed range of business days (Asia/Shanghai): ``[start, end]``. Every
measure that counts events counts those whose business day falls in the window; a cohort
is the cases *accepted* in the window.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")

GRAINS = ("day", "week", "month", "quarter")

#: The longest window a page or the API accepts (ten years).
MAX_DAYS = 3660


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def lo(self) -> dt.datetime:
        """The first instant of ``start`` in Shanghai."""
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=BUSINESS_TZ)

    @property
    def hi(self) -> dt.datetime:
        """The first instant after ``end`` in Shanghai (exclusive bound)."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=BUSINESS_TZ)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def grain_start(day: dt.date, grain: str) -> dt.date:
    """The first day of the ``grain`` bucket holding ``day`` (weeks start on Monday)."""
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    raise ValueError(grain)


def next_start(start: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return start + dt.timedelta(days=1)
    if grain == "week":
        return start + dt.timedelta(days=7)
    months = 1 if grain == "month" else 3
    month = start.month - 1 + months
    return dt.date(start.year + month // 12, month % 12 + 1, 1)


def buckets(window: Window, grain: str) -> list[dt.date]:
    """The starts of every ``grain`` bucket that overlaps ``window``, in order."""
    out: list[dt.date] = []
    at = grain_start(window.start, grain)
    while at <= window.end:
        out.append(at)
        at = next_start(at, grain)
    return out


def default_grain(window: Window) -> str:
    """A grain that gives a readable number of points: days up to a month, weeks up to a
    quarter, months up to two years, then quarters."""
    if window.days <= 31:
        return "day"
    if window.days <= 92:
        return "week"
    if window.days <= 731:
        return "month"
    return "quarter"


def month_add(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, 1)


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile (0–100) by linear interpolation between closest ranks (the
    same definition as PostgreSQL's ``percentile_cont``); ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(ordered[low])
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def distribution(values: Sequence[float]) -> dict[str, float | int | None]:
    """Count, median, p75 and p90 of ``values`` (days), one decimal."""

    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 1)

    return {
        "n": len(values),
        "median": r(percentile(values, 50)),
        "p75": r(percentile(values, 75)),
        "p90": r(percentile(values, 90)),
    }


def rate(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part / whole`` as a percentage with one decimal, half up; ``None`` when ``whole``
    is zero (no base: the measure is undefined, not 0 %)."""
    if not whole:
        return None
    value = Decimal(part) * 100 / Decimal(whole)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


#: Days overdue at acceptance (acceptance day − oldest due day), the aging buckets of
#: ``cases.aging``; cases without a due date fall in ``unknown``.
AGING_EDGES: tuple[tuple[str, int | None], ...] = (
    ("0_30", 30),
    ("31_60", 60),
    ("61_90", 90),
    ("91_180", 180),
    ("181_365", 365),
    ("over_365", None),
)


def plain(value: Any) -> Any:
    """JSON-ready: ``Decimal`` as a string, dates ISO, windows as ``{from, to}``."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Window):
        return {"from": value.start.isoformat(), "to": value.end.isoformat()}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def parse_iso(raw: str) -> dt.date:
    return dt.date.fromisoformat(raw)
