from __future__ import annotations

from decimal import Decimal

from django import template

from qingqian.common.money import money_text

register = template.Library()


@register.filter
def yuan(value: Decimal | None) -> str:
    """An amount with thousands grouped and two decimals: ``-4,000,000.00``."""
    return money_text(value, symbol=False)
