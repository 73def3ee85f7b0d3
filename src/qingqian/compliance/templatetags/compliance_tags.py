from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import get_language

from qingqian.common.money import money_text
from qingqian.compliance import labels

register = template.Library()


def _en() -> bool:
    return (get_language() or "").startswith("en")


@register.filter
def cny(value: Decimal | None) -> str:
    """``¥1,234,567.89``; ``—`` for none."""
    return money_text(value)


@register.filter
def action_words(action: str) -> str:
    return labels.action_words(action, en=_en())


@register.filter
def object_words(event: Any) -> str:
    from qingqian.compliance.selectors import object_words as words

    return words(event, en=_en())


@register.filter
def actor_words(event: Any) -> str:
    """Who did it: the person's name (and login), or "the system" for automatic work."""
    from qingqian.accounts.roles import ROLE_LABELS, Role

    user = event.actor
    if user is None:
        return "system (automatic)" if _en() else "系统（自动）"
    name = user.get_full_name() or user.get_username()
    try:
        role = ROLE_LABELS[Role(user.role)][1 if _en() else 0]
    except ValueError:
        return name
    return f"{name}（{role}）" if not _en() else f"{name} ({role})"


@register.filter
def warning_what(w: Any) -> str:
    return w.what_en if _en() else w.what_zh
