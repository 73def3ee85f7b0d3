"""The business time zone (pure: the standard library only).

Every business day (a payment's date, a promise's due day, the day's plan) is a date in
Asia/Shanghai; instants are stored in UTC. This is the one definition: ``common.clock`` reads
the clock with it, and kernels that need the zone import it from here."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


def business_day(at: dt.datetime) -> dt.date:
    """The business day (Asia/Shanghai) of an aware instant."""
    return at.astimezone(BUSINESS_TZ).date()
