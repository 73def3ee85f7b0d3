"""Voucher pages: the list, a voucher (its parties, state, events and the forms to assign,
notify, settle or cancel), its PDF, and issuing from the case page. Each view calls one
service (access, scope and audit are the services') and redirects with a message in the
UI language."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from qingqian.accounts.http import staff_user as _user
from qingqian.accounts.roles import Perm
from qingqian.common.exceptions import ApplicationError, ValidationFailed
from qingqian.vouchers import services

LIST_LIMIT = 200


def _hidden(request: HttpRequest, exc: ApplicationError) -> HttpResponse | None:
    """Never tell whether a voucher or case exists outside one's scope."""
    if exc.status in (403, 404):
        return render(request, "web/not_found.html", status=404)
    return None


def _date(raw: str) -> dt.date | None:
    if not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ValidationFailed(
            "到期日格式不对。",
            "The due date is not a valid date.",
            code="due_date_invalid",
            details={"field": "due_date"},
        ) from exc


@login_required
@require_GET
def voucher_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    newest = services.vouchers_visible_to(user).order_by("-created_at", "-pk")[:LIST_LIMIT]
    rows = services.with_states(newest)
    return render(request, "vouchers/list.html", {"rows": rows, "limit": LIST_LIMIT})


@login_required
@require_GET
def detail(request: HttpRequest, voucher_id: int) -> HttpResponse:
    user = _user(request)
    try:
        voucher = services.voucher_read(user, voucher_id)
    except ApplicationError as exc:
        hidden = _hidden(request, exc)
        if hidden is not None:
            return hidden
        raise
    events = services.events_of(voucher)
    return render(
        request,
        "vouchers/detail.html",
        {
            "voucher": voucher,
            "doc": voucher.data,
            "state": services.voucher_state(voucher, events),
            "events": events,
            "can_issue": user.has_perm_code(Perm.VOUCHER_ISSUE),
            "can_notify": user.has_perm_code(Perm.CONTACT_WORK),
        },
    )


@login_required
@require_GET
def pdf(request: HttpRequest, voucher_id: int) -> HttpResponse:
    user = _user(request)
    try:
        voucher = services.voucher_get_for_user(user, voucher_id)
        data = services.voucher_pdf(voucher, actor=user, en=(get_language() or "").startswith("en"))
    except ApplicationError as exc:
        hidden = _hidden(request, exc)
        if hidden is not None:
            return hidden
        messages.error(request, exc.message_for(get_language()))
        return redirect("vouchers:detail", voucher_id)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{voucher.number}.pdf"'
    return response


@login_required
@require_POST
def issue(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    try:
        voucher = services.voucher_issue(
            actor=user,
            case_id=case_id,
            amount=request.POST.get("amount", ""),
            due_date=_date(request.POST.get("due_date", "")),
        )
    except ApplicationError as exc:
        hidden = _hidden(request, exc)
        if hidden is not None:
            return hidden
        messages.error(request, exc.message_for(get_language()))
        return redirect(reverse("web:case_detail", args=[case_id]) + "#voucher-panel")
    messages.success(request, _("债权凭证已签发并写入日志。"))
    return redirect("vouchers:detail", voucher.pk)


def _event_view(request: HttpRequest, voucher_id: int, done: str, action: str) -> HttpResponse:
    user = _user(request)
    try:
        voucher = services.voucher_get_for_user(user, voucher_id)
        if action == "assign":
            services.voucher_assign(
                actor=user,
                voucher=voucher,
                assignee=request.POST.get("assignee", ""),
                code=request.POST.get("code", ""),
            )
        elif action == "notice":
            services.voucher_notice_send(
                actor=user, voucher=voucher, channel=request.POST.get("channel", "")
            )
        elif action == "settle":
            services.voucher_settle(actor=user, voucher=voucher, amount=request.POST.get("amount"))
        else:
            services.voucher_cancel(
                actor=user, voucher=voucher, reason=request.POST.get("reason", "")
            )
    except ApplicationError as exc:
        hidden = _hidden(request, exc)
        if hidden is not None:
            return hidden
        messages.error(request, exc.message_for(get_language()))
    else:
        messages.success(request, done)
    return redirect("vouchers:detail", voucher_id)


@login_required
@require_POST
def assign(request: HttpRequest, voucher_id: int) -> HttpResponse:
    return _event_view(
        request, voucher_id, _("债权转让已记录；通知债务人之前，转让对债务人不发生效力。"), "assign"
    )


@login_required
@require_POST
def notice(request: HttpRequest, voucher_id: int) -> HttpResponse:
    return _event_view(request, voucher_id, _("转让通知已发送并记录。"), "notice")


@login_required
@require_POST
def settle(request: HttpRequest, voucher_id: int) -> HttpResponse:
    return _event_view(request, voucher_id, _("清偿已记录。"), "settle")


@login_required
@require_POST
def cancel(request: HttpRequest, voucher_id: int) -> HttpResponse:
    return _event_view(request, voucher_id, _("凭证已作废。"), "cancel")
