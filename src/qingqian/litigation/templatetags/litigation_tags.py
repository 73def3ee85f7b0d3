"""The case page's litigation panel and the dashboard's deadlines-due-soon list."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from qingqian.accounts.models import User
from qingqian.calculators.court_deadlines import PERIODS, DeadlineKind
from qingqian.common import clock
from qingqian.litigation import selectors
from qingqian.litigation.panel import panel_context
from qingqian.litigation.rules import PROCEEDING_LABELS, WARNING_DAYS, ProceedingKind

register = template.Library()


def _user(context: template.Context) -> User | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    return user if isinstance(user, User) else None


@register.inclusion_tag("litigation/_case_panel_body.html", takes_context=True)
def litigation_case_panel(context: template.Context, case: Any) -> dict[str, Any]:
    return panel_context(case, _user(context), request=context.get("request"))


@register.inclusion_tag("litigation/_due_soon.html", takes_context=True)
def litigation_due_soon(context: template.Context) -> dict[str, Any]:
    today = clock.today()
    rows = [
        {
            "row": d,
            "label": PERIODS[DeadlineKind(d.kind)].label_zh,
            "urgency": selectors.deadline_urgency(d, today).value,
            "days": (d.due - today).days,
        }
        for d in selectors.deadlines_due_soon(_user(context), today=today)
    ]
    return {"rows": rows, "window": WARNING_DAYS}


def _en() -> bool:
    return (get_language() or "").startswith("en")


@register.filter
def deadline_label(kind: str) -> str:
    """A court deadline's name in the page's language."""
    period = PERIODS[DeadlineKind(kind)]
    return period.label_en if _en() else period.label_zh


@register.filter
def proceeding_label(kind: str) -> str:
    """A proceeding kind's name in the page's language."""
    zh, en = PROCEEDING_LABELS[ProceedingKind(kind)]
    return en if _en() else zh
