"""The promises-and-plans panel of the case page and the default-rate table."""

from __future__ import annotations

from typing import Any

from django import template

from qingqian.accounts.models import User
from qingqian.cases.selectors import cases_visible_to
from qingqian.common import clock
from qingqian.negotiation.selectors import case_negotiation, default_rates

register = template.Library()


@register.inclusion_tag("negotiation/_case_panel_body.html", takes_context=True)
def negotiation_case_panel(context: template.Context, case: Any) -> dict[str, Any]:
    request = context.get("request")
    today = clock.today()
    start = f"{today.year + (today.month // 12)}-{today.month % 12 + 1:02d}"
    return {
        "case": case,
        "csrf_token": context.get("csrf_token"),
        "user": context.get("user"),  # h19c: forms shown only to roles that may submit
        "start": start,
        "debtors": [cp.party for cp in case.case_parties.all() if cp.role == "debtor"],
        "request": request,
        **case_negotiation(case),
    }


@register.inclusion_tag("negotiation/_default_rates.html", takes_context=True)
def negotiation_default_rates(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"rates": default_rates(cases_visible_to(user if isinstance(user, User) else None))}
