from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from qingqian.common.money import money_text

register = template.Library()


@register.filter
def yuan(value: Decimal | None) -> str:
    """``¥1,234,567.89`` (negative: ``-¥12.00``); ``—`` for none."""
    return money_text(value)


@register.filter
def pct(value: Decimal | float | None) -> str:
    """``12.3%``; ``—`` when the measure has no base."""
    if value is None:
        return "—"
    return f"{Decimal(str(value)):.1f}%"


@register.filter
def days(value: float | None) -> str:
    if value is None:
        return "—"
    return _("%(n)s 天") % {"n": f"{value:.1f}"}


@register.filter
def cn_date(value: dt.date | None) -> str:
    """A date in the reader's style: ``2026年11月20日`` in Chinese, ``2026-11-20`` in
    English."""
    if value is None:
        return "—"
    if (get_language() or "zh-hans").startswith("en"):
        return value.isoformat()
    return f"{value.year}年{value.month}月{value.day}日"


@register.simple_tag
def kpi_query(query: dict[str, Any], **extra: Any) -> str:
    """The current filters as a query string, with ``extra`` replacing keys."""
    params = {k: v for k, v in (query | extra).items() if v not in ("", None)}
    return urlencode(params)
