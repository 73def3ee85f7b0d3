"""The one place interfaces and services read the clock; pure kernels take ``at`` instead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

from qingqian.common.tz import BUSINESS_TZ

__all__ = ["BUSINESS_TZ", "now", "pinned", "today"]

_pinned: ContextVar[dt.datetime | None] = ContextVar("qingqian_clock_pinned", default=None)


def now() -> dt.datetime:
    at = _pinned.get()
    return timezone.now() if at is None else at


def today() -> dt.date:
    """Today's date in the business timezone (Asia/Shanghai)."""
    return now().astimezone(BUSINESS_TZ).date()


@contextmanager
def pinned(at: dt.datetime) -> Iterator[None]:
    """Services called inside read ``at`` as now. For writing a dated history through the
    services (the demo's past months): rows and their log entries then agree from the
    start, where dating rows afterwards would leave the log attesting other times."""
    if at.tzinfo is None:
        raise ValueError("a pinned instant must be timezone-aware")
    token = _pinned.set(at)
    try:
        yield
    finally:
        _pinned.reset(token)
