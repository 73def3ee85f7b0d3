"""``{% contact_desk case %}``: the collector's contact actions on the case page."""

from __future__ import annotations

from typing import Any

from django import template

from qingqian.desk.selectors import desk_context

register = template.Library()


@register.inclusion_tag("contact/_desk.html", takes_context=True)
def contact_desk(context: template.Context, case: Any) -> dict[str, Any]:
    request = context.get("request")
    return {
        **desk_context(case, request),
        "case": case,
        "csrf_token": context.get("csrf_token"),
    }
