"""``{% payments_case_panel case %}``: payments on the case page.

A tag of the case page (``web``), not of ``payments``: the panel shows the plan-aware balance
(``negotiation.selectors.case_balance``), and negotiation sits above payments (ADR 0008)."""

from __future__ import annotations

import uuid
from typing import Any

from django import template

from qingqian.negotiation.selectors import case_balance
from qingqian.payments.models import Charge, ChargeKind, PaymentKind
from qingqian.payments.selectors import payments_for_case

register = template.Library()


@register.inclusion_tag("payments/_case_panel_body.html", takes_context=True)
def payments_case_panel(context: template.Context, case: Any) -> dict[str, Any]:
    payments = list(payments_for_case(case))
    charges = list(Charge.objects.filter(case=case).select_related("invoice"))
    reversed_ids = {p.reverses_id for p in payments if p.reverses_id}
    return {
        "case": case,
        "payments": payments,
        "reversed_ids": reversed_ids,
        "kinds": [(k.value, k.label) for k in PaymentKind if k.value not in ("reversal", "setoff")],
        # A fresh key per rendered form: a double click posts the same key twice (a no-op).
        "form_key": f"form:{uuid.uuid4()}",
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "user": context.get("user"),  # h19c: forms shown only to roles that may submit
        "reference": getattr(getattr(case, "payment_reference", None), "code", ""),
        "balance": case_balance(case, charges=charges),
        "charges": charges,
        "charge_kinds": [(k.value, k.label) for k in ChargeKind],
        "invoices": _invoices(case),
    }


def _invoices(case: Any) -> list[Any]:
    """The case's invoices by due date: those its page loaded with it, else one query."""
    if "invoices" in getattr(case, "_prefetched_objects_cache", {}):
        return list(case.invoices.all())  # case_get_for_user(for_detail=True): same order
    return list(case.invoices.order_by("due_date", "id"))
