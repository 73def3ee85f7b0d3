"""``{% evidence_case_panel case %}``: the evidence panel of the case page."""

from __future__ import annotations

from typing import Any

from django import template

from qingqian.accounts.models import User
from qingqian.cases.selectors import case_get_for_user
from qingqian.common.exceptions import ApplicationError
from qingqian.evidence import selectors
from qingqian.evidence.models import EvidenceType, VersionKind
from qingqian.evidence.views import UPLOAD_FEEDBACK

register = template.Library()


#: The types a debt type's evidence usually is, in the order the upload offers them.
PREFERRED: dict[str, tuple[str, ...]] = {
    "trade": (
        "sales_contract", "supply_contract", "purchase_order", "delivery_note", "invoice",
        "reconciliation", "transfer_record",
    ),
    "construction": (
        "construction_contract", "reconciliation", "invoice", "transfer_record", "delivery_note",
    ),
    "private_loan": ("iou", "loan_contract", "transfer_record", "identity_document"),
}  # fmt: skip


def types_for(debt_type: str) -> list[tuple[str, str]]:
    """The evidence types, those the debt type usually has first (a trade debt's upload
    starts at 买卖合同, a loan's at 借条)."""
    labels = {value: str(label) for value, label in EvidenceType.choices}
    first = [v for v in PREFERRED.get(debt_type, ()) if v in labels]
    return [(v, labels[v]) for v in first + [v for v in labels if v not in first]]


@register.inclusion_tag("evidence/_case_panel_body.html", takes_context=True)
def evidence_case_panel(context: template.Context, case: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {"case": case, "hidden": True}
    try:
        # The page read ``case`` through case_get_for_user; read it again only when not.
        if not getattr(case, "_prefetched_objects_cache", None):
            case = case_get_for_user(user, case.pk, for_detail=True)
    except ApplicationError:
        return {"case": case, "hidden": True}
    items = list(selectors.case_evidence(case))
    strength = selectors.case_evidence_strength(case, {item.evidence_type for item in items})
    standard = selectors.case_evidence_standard(case)
    feedback: dict[str, Any] = {}
    session = getattr(request, "session", None)
    if session is not None and session.get(UPLOAD_FEEDBACK, {}).get("case") == case.pk:
        feedback = session.pop(UPLOAD_FEEDBACK)
    return {
        "case": case,
        "items": [
            {"item": item, "versions": sorted(item.versions.all(), key=lambda v: v.number)}
            for item in items
        ],
        "strength": strength,
        "standard": standard,
        "types": types_for(case.debt_type),
        "feedback": feedback,
        "values": feedback.get("values", {}),
        "version_kinds": [(k, label) for k, label in VersionKind.choices if k != "original"],
        "csrf_token": context.get("csrf_token"),
    }
