"""``{% t "中文" "English" %}`` and the two panels other pages include."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from qingqian.accounts.models import User
from qingqian.common import clock
from qingqian.common.money import money_text
from qingqian.reports import selectors
from qingqian.reports.models import FeasibilityReport
from qingqian.reports.present import decision_label

register = template.Library()


def is_english() -> bool:
    return (get_language() or "zh-hans").lower().startswith("en")


@register.simple_tag
def t(zh: str, en: str) -> str:
    """The label in the current UI language (strings of this app are bilingual in place)."""
    return en if is_english() else zh


def _user(context: template.Context) -> User | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    return user if isinstance(user, User) else None


@register.inclusion_tag("reports/_case_panel_body.html", takes_context=True)
def feasibility_case_panel(
    context: template.Context, case: Any, agreement_link: bool = True
) -> dict[str, Any]:
    latest = FeasibilityReport.objects.filter(case=case).order_by("-version").first()
    return {
        "case": case,
        "latest": latest,
        "net": None if latest is None else latest.data.get("expected_net_recovery"),
        "decision": "" if latest is None else decision_label(latest.decision, en=is_english()),
        "awaiting": case.state == "evidence_review" and latest is None,
        "agreement_link": agreement_link,
    }


@register.inclusion_tag("reports/_sla_panel_body.html", takes_context=True)
def feasibility_sla_panel(context: template.Context) -> dict[str, Any]:
    user = _user(context)
    sla = selectors.feasibility_sla(user, now=clock.now())
    return {
        "due": sla["due"],
        "breached": sla["breached"],
        "pending": list(selectors.reports_pending_decision(user)[:20]),
    }


# h19d: no raw codes or unformatted money on the price page and reports.


@register.filter
def debt_type_label(value: str) -> str:
    """``trade`` → 企业商账 (English in English): a debt type by its label."""
    from qingqian.cases.models import DebtType

    try:
        return str(DebtType(value).label)
    except ValueError:
        return value


@register.filter
def yuan(value: object) -> str:
    """An amount (Decimal, number or numeric string) as ``1,234,567.89``; blank → ``—``."""
    return money_text(value, symbol=False)
