"""Strategy pages: the champion/challenger dashboard and the playbook editor with preview."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from qingqian.accounts.http import staff_user as _user
from qingqian.accounts.roles import Perm
from qingqian.common.exceptions import ApplicationError
from qingqian.parties.models import Party
from qingqian.strategy import dunning_services, selectors, services
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


def _staff(request: HttpRequest) -> Any:
    user = _user(request)
    if user.is_creditor_user or user.organisation is None:
        return None
    return user


@login_required
def followups(request: HttpRequest) -> HttpResponse:
    """The follow-up schedules in force (firm, creditors, debtors), their levels in words,
    the levels sent or refused lately, and the editor."""
    user = _staff(request)
    if user is None:
        return render(request, "web/forbidden.html", status=403)
    debtor = None
    if request.GET.get("debtor", "").isdigit():
        debtor = Party.objects.filter(
            organisation=user.organisation, pk=int(request.GET["debtor"])
        ).first()
    context = dunning_services.followup_overview(user.organisation, en=_en(), debtor=debtor)
    context["can_edit"] = user.has_perm_code(Perm.STRATEGY_EDIT)
    editing = next(
        (s for s in context["schedules"] if s["target"] == request.GET.get("edit")), None
    )
    context["selected"] = (
        editing["target"] if editing else f"debtor:{debtor.pk}" if debtor else "organisation"
    )
    context["text"] = (
        request.session.pop("followup_text", "")
        or (editing["json"] if editing else "")
        or context["example"]
    )
    return render(request, "intake/followups.html", context)


def _target(user: Any, raw: str) -> dict[str, Party | None] | None:
    if raw == "organisation":
        return {"creditor": None, "debtor": None}
    kind, _, pk = raw.partition(":")
    if kind not in ("creditor", "debtor") or not pk.isdigit():
        return None
    party = Party.objects.filter(organisation=user.organisation, pk=int(pk)).first()
    if party is None or (kind == "creditor" and not party.is_client):
        return None
    return (
        {"creditor": party, "debtor": None}
        if kind == "creditor"
        else {
            "creditor": None,
            "debtor": party,
        }
    )


@login_required
@require_POST
def followup_save(request: HttpRequest) -> HttpResponse:
    """Save the schedule for the firm, a creditor or a debtor (the kernel validates it)."""
    user = _user(request)
    if not user.has_perm_code(Perm.STRATEGY_EDIT):
        return render(request, "web/forbidden.html", status=403)
    text = request.POST.get("data", "")
    target = _target(user, request.POST.get("target", ""))
    if target is None:
        messages.error(
            request,
            "The schedule applies to no known creditor or debtor."
            if _en()
            else "催告计划的适用对象无效。",
        )
        request.session["followup_text"] = text
        return redirect("strategy:followups")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        messages.error(
            request, "The schedule is not valid JSON." if _en() else "催告计划不是有效的 JSON。"
        )
        request.session["followup_text"] = text
        return redirect("strategy:followups")
    try:
        dunning_services.schedule_save(actor=user, data=data, **target)
    except ApplicationError as exc:
        messages.error(request, exc.message_for("en" if _en() else "zh"))
        request.session["followup_text"] = text
    else:
        messages.success(request, "Schedule saved." if _en() else "催告计划已保存。")
    return redirect("strategy:followups")


@login_required
def followup_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """A follow-up letter as it was sent (its PDF)."""
    user = _staff(request)
    if user is None:
        return render(request, "web/forbidden.html", status=403)
    row = dunning_services.followup_letter(organisation=user.organisation, pk=pk)
    if row is None or row.document is None:
        raise Http404
    response = HttpResponse(bytes(row.document), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="followup-{row.pk}.pdf"'
    return response
