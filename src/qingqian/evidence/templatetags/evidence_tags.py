"""``{% evidence_case_panel case %}``: the evidence panel of the case page."""

from __future__ import annotations

from typing import Any

from django import template

from qingqian.accounts.models import User
from qingqian.common.exceptions import ApplicationError
from qingqian.evidence import selectors
from qingqian.evidence.models import EvidenceType, VersionKind

register = template.Library()


@register.inclusion_tag("evidence/_case_panel_body.html", takes_context=True)
def evidence_case_panel(context: template.Context, case: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {"case": case, "hidden": True}
    try:
        items = list(selectors.evidence_for_case(user, case.pk))
        strength = selectors.evidence_strength_for_case(user, case.pk)
        standard = selectors.evidence_standard_for_case(user, case.pk)
    except ApplicationError:
        return {"case": case, "hidden": True}
    return {
        "case": case,
        "items": [
            {"item": item, "versions": sorted(item.versions.all(), key=lambda v: v.number)}
            for item in items
        ],
        "strength": strength,
        "standard": standard,
        "types": EvidenceType.choices,
        "version_kinds": [(k, label) for k, label in VersionKind.choices if k != "original"],
        "csrf_token": context.get("csrf_token"),
    }
