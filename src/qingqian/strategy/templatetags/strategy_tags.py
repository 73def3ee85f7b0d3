"""``{% strategy_case_panel case %}``: what happens next on a case, and why."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from qingqian.strategy.selectors import case_next_steps

register = template.Library()


@register.inclusion_tag("intake/_case_panel_body.html")
def strategy_case_panel(case: Any) -> dict[str, Any]:
    en = (get_language() or "zh-hans").lower().startswith("en")
    return {"case": case, "rows": case_next_steps(case, en=en), "en": en}
