"""Strategy pages: the champion/challenger dashboard and the playbook editor with preview."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from qingqian.accounts.http import staff_user as _user
from qingqian.accounts.roles import Perm
from qingqian.common.exceptions import ApplicationError
from qingqian.strategy import selectors, services
from qingqian.strategy.models import StrategyRun


def _en() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "zh-hans").lower().startswith("en")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.is_creditor_user or user.organisation is None:
        return render(request, "web/forbidden.html", status=403)
    runs = StrategyRun.objects.filter(organisation=user.organisation).select_related(
        "debtor", "case"
    )
    return render(
        request,
        "intake/dashboard.html",
        {
            "comparison": selectors.arm_comparison(user.organisation),
            "runs": runs.order_by("-created_at")[:50],
            "playbooks": services.playbooks_data(user.organisation),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def playbook_edit(request: HttpRequest, key: str) -> HttpResponse:
    user = _user(request)
    if not user.has_perm_code(Perm.STRATEGY_EDIT):
        return render(request, "web/forbidden.html", status=403)
    current = next((d for d in services.playbooks_data(user.organisation) if d["key"] == key), None)
    text = json.dumps(current or {"key": key}, ensure_ascii=False, indent=2)
    preview: dict[str, Any] | None = None
    if request.method == "POST":
        text = request.POST.get("data", "")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            messages.error(request, f"JSON 格式错误 / Invalid JSON: {exc}")
        else:
            if request.POST.get("action") == "save":
                try:
                    services.playbook_save(actor=user, data=data)
                except ApplicationError as exc:
                    messages.error(
                        request, f"{exc.message_for('en' if _en() else 'zh')} [{exc.code}]"
                    )
                    preview = selectors.playbook_preview(actor=user, data=data)
                else:
                    messages.success(request, "Saved." if _en() else "已保存。")
                    return redirect("strategy:dashboard")
            else:
                preview = selectors.playbook_preview(actor=user, data=data)
    return render(
        request,
        "intake/playbook_edit.html",
        {"key": key, "text": text, "preview": preview, "en": _en()},
    )
