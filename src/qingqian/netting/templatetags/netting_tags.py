from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(value: Decimal | None) -> str:
    """An amount with thousands grouped and two decimals: ``-4,000,000.00``."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.2f}"
