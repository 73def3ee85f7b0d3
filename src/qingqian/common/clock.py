"""The one place interfaces and services read the clock; pure kernels take ``at`` instead."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    """Today's date in the business timezone (Asia/Shanghai)."""
    return timezone.now().astimezone(BUSINESS_TZ).date()
