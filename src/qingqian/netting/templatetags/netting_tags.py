from __future__ import annotations

from decimal import Decimal

from django import template

from qingqian.common.money import money_text, term_text

register = template.Library()


@register.filter
def yuan(value: Decimal | None) -> str:
    """An amount with thousands grouped and two decimals: ``-4,000,000.00``."""
    return money_text(value, symbol=False)


@register.filter
def added(value: Decimal | None) -> str:
    """A term added in a sum: ``+¥1,200.00``; zero as ``¥0.00``."""
    return term_text(value)


@register.filter
def deducted(value: Decimal | None) -> str:
    """A term taken off in a sum: ``−¥300.00``; zero as ``¥0.00``, not ``−¥0.00``."""
    return term_text(value, deducted=True)
