"""``{% scoring_case_panel case %}``: the case page's debt-radar panel."""

from __future__ import annotations

from typing import Any

from django import template

from qingqian.scoring import selectors

register = template.Library()


@register.inclusion_tag("scoring/_case_panel_body.html", takes_context=True)
def scoring_case_panel(context: template.Context, case: Any) -> dict[str, Any]:
    user = getattr(context.get("request"), "user", None)
    if getattr(user, "is_creditor_user", False):
        return {"hidden": True}  # scores are the firm's working tool, not shown to clients
    history = selectors.case_score_history(case, limit=5)
    return {
        "case": case,
        "latest": history[0] if history else None,
        "history": history[1:],
        "contact_history_available": selectors.CONTACT_HISTORY_AVAILABLE,
    }
