"""``{% strategy_case_panel case %}``: what happens next on a case, and why."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.translation import get_language

from qingqian.strategy.selectors import case_next_steps

register = template.Library()


@register.inclusion_tag("intake/_case_panel_body.html")
def strategy_case_panel(case: Any) -> dict[str, Any]:
    en = _english()
    return {"case": case, "rows": case_next_steps(case, en=en), "en": en}


def _english() -> bool:
    return (get_language() or "zh-hans").lower().startswith("en")


@register.filter
def arm_label(arm: str) -> str:
    """``champion`` → 主策略 / champion (an A/B arm in words)."""
    from qingqian.strategy.selectors import ARM_LABELS

    zh, en = ARM_LABELS.get(arm, (arm, arm))
    return en if _english() else zh


@register.filter
def playbook_label(key: str, playbooks: list[dict[str, Any]]) -> str:
    """A playbook's name in the page's language, from the set in force (its key if gone)."""
    found = next((p for p in playbooks if p.get("key") == key), None)
    if found is None:
        return key
    return str(found.get("name_en" if _english() else "name_zh") or key)


@register.filter
def share(value: Any) -> str:
    """A ratio as a percentage with one decimal (``"0.4125"`` → ``41.3%``); ``—`` without a
    base (None)."""
    try:
        ratio = Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        ratio = None
    if ratio is None or not ratio.is_finite():
        return "—"
    return f"{ratio * 100:.1f}%"


@register.filter
def per_yuan(value: Any) -> str:
    """The cost per yuan recovered as money (``"0.2500"`` → ``¥0.25``); ``—`` when nothing was
    recovered (None)."""
    try:
        amount = Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        return "—"
    return f"¥{amount:,.2f}"
