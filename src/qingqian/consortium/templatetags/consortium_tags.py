"""The consortium panel on the case page and the feasibility report: the standing answers of
other members, each with the member it came from, and the button to ask."""

from __future__ import annotations

from typing import Any

from django import template

from qingqian.accounts.roles import Perm
from qingqian.consortium.selectors import case_shared_facts

register = template.Library()


@register.inclusion_tag("consortium/_case_panel.html", takes_context=True)
def consortium_case_panel(context: template.Context, case: Any) -> dict[str, Any]:
    user = context.get("user")
    allowed = bool(
        user is not None and user.is_authenticated and user.has_perm_code(Perm.CONSORTIUM_VIEW)
    )
    return {
        "case": case,
        "facts": case_shared_facts(case) if allowed else [],
        "show": allowed,
        "can_ask": allowed and user is not None and user.has_perm_code(Perm.CONSORTIUM_ASK),
        "csrf_token": context.get("csrf_token"),
    }
