from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from qingqian.vouchers import labels

register = template.Library()


def _en() -> bool:
    return (get_language() or "").startswith("en")


@register.filter
def voucher_status(code: str) -> str:
    return labels.words(labels.STATUS, code, en=_en())


@register.filter
def voucher_event(code: str) -> str:
    return labels.words(labels.EVENTS, code, en=_en())


@register.filter
def voucher_channel(code: str) -> str:
    return labels.words(labels.CHANNELS, code, en=_en())


@register.inclusion_tag("vouchers/_case_panel_body.html", takes_context=True)
def voucher_case_panel(context: template.Context, case: Any) -> dict[str, Any]:
    from qingqian.accounts.models import User
    from qingqian.accounts.roles import Perm
    from qingqian.vouchers.models import Voucher
    from qingqian.vouchers.services import with_states

    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.has_perm_code(Perm.VOUCHER_VIEW):
        return {"show": False}
    rows = with_states(Voucher.objects.filter(case=case).order_by("pk"))
    return {
        "show": True,
        "case": case,
        "rows": rows,
        "can_issue": user.has_perm_code(Perm.VOUCHER_ISSUE),
        "csrf_token": context.get("csrf_token"),
        "error": context.get("voucher_error", ""),
    }
