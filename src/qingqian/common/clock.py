"""The one place interfaces and services read the clock; pure kernels take ``at`` instead."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from qingqian.common.tz import BUSINESS_TZ

__all__ = ["BUSINESS_TZ", "now", "today"]


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    """Today's date in the business timezone (Asia/Shanghai)."""
    return timezone.now().astimezone(BUSINESS_TZ).date()
