"""Receivable aging (账龄) buckets (pure: no Django).

Days overdue = as-of date − due date (0 or less: not yet due, counted in the first bucket).
Buckets: 0–30, 31–60, 61–90, 91–180, 181–365, >365. Over 180 days overdue starts the
judicial route.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

JUDICIAL_ROUTE_DAYS = 180


@dataclass(frozen=True)
class Bucket:
    key: str
    label_zh: str
    label_en: str
    low: int | None  # inclusive lower bound on days overdue; None = open-ended
    high: int | None  # inclusive upper bound; None = open-ended


BUCKETS: tuple[Bucket, ...] = (
    Bucket("0_30", "0–30天", "0–30 days", None, 30),
    Bucket("31_60", "31–60天", "31–60 days", 31, 60),
    Bucket("61_90", "61–90天", "61–90 days", 61, 90),
    Bucket("91_180", "91–180天", "91–180 days", 91, 180),
    Bucket("181_365", "181–365天", "181–365 days", 181, 365),
    Bucket("over_365", "365天以上", "Over 365 days", 366, None),
)


def days_overdue(due: dt.date, as_of: dt.date) -> int:
    return as_of.toordinal() - due.toordinal()


def bucket_for(days: int) -> Bucket:
    """The bucket of ``days`` overdue; total over every integer (a due date centuries ahead
    is simply not yet due)."""
    for b in BUCKETS:
        if (b.low is None or days >= b.low) and (b.high is None or days <= b.high):
            return b
    raise AssertionError("buckets cover every integer")  # pragma: no cover


def _minus(day: dt.date, days: int) -> dt.date:
    """``day - days`` clamped to the dates Python can hold."""
    ordinal = min(max(day.toordinal() - days, dt.date.min.toordinal()), dt.date.max.toordinal())
    return dt.date.fromordinal(ordinal)


def due_date_bounds(bucket: Bucket, as_of: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The due dates (inclusive, None = open) whose days overdue fall into ``bucket``.

    Lets the database bucket invoices with plain date comparisons on any backend.
    """
    latest = _minus(as_of, bucket.low) if bucket.low is not None else None
    earliest = _minus(as_of, bucket.high) if bucket.high is not None else None
    return earliest, latest


def needs_judicial_route(days: int) -> bool:
    return days > JUDICIAL_ROUTE_DAYS
