"""Creditor desk pages: one's own addresses for codes, the creditor's case page, and the
case message thread (creditor users and the firm's staff who see the case)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from qingqian.accounts.http import staff_user as _user
from qingqian.cases.models import Case
from qingqian.cases.selectors import case_get_for_user
from qingqian.common.exceptions import ApplicationError
from qingqian.creditors import services
from qingqian.creditors.models import ContactPoint, PointKind
from qingqian.evidence.models import EvidenceItem
from qingqian.fees.models import Agreement
from qingqian.payments.selectors import payments_for_case
from qingqian.portal.services import claim_summary


def _error(exc: ApplicationError) -> str:
    return exc.message_for("en" if (get_language() or "").startswith("en") else "zh")


@require_http_methods(["GET", "POST"])
def contacts(request: HttpRequest) -> HttpResponse:
    """The user's e-mail addresses and mobiles for one-time codes: add, then verify."""
    user = _user(request)
    error, status = "", 200
    pending: ContactPoint | None = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add":
                pending = services.contact_point_add(
                    user=user,
                    kind=request.POST.get("kind", ""),
                    value=request.POST.get("value", ""),
                )
                if pending.verified_at is not None:
                    messages.info(request, _("该地址已经验证过。"))
                    return redirect(_next(request))
            elif action == "verify":
                point = services.contact_point_verify(
                    user=user,
                    point_id=_int(request.POST.get("point", "")),
                    code=request.POST.get("code", ""),
                )
                messages.success(
                    request,
                    _("已验证：%(addr)s。现在可以用它接收验证码。") % {"addr": point.masked},
                )
                return redirect(_next(request))
            elif action == "resend":
                pending = services._own(user, _int(request.POST.get("point", "")))
                services.contact_point_send_verification(user=user, point=pending)
        except ApplicationError as exc:
            error, status = _error(exc), exc.status
            if action in ("verify", "resend"):
                pending = ContactPoint.objects.filter(
                    pk=_int(request.POST.get("point", "")), user=user
                ).first()
    return render(
        request,
        "creditors/contacts.html",
        {
            "points": ContactPoint.objects.filter(user=user),
            "pending": pending,
            "kinds": PointKind.choices,
            "error": error,
            "next": _next(request),
        },
        status=status,
    )


def _next(request: HttpRequest) -> str:
    raw = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path on this site (no scheme, no host).
    if raw.startswith("/") and not raw.startswith("//"):
        return raw
    return request.path


def _int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        return 0


def creditor_case_page(request: HttpRequest, case: Case, extra: dict[str, Any]) -> HttpResponse:
    """The case as its creditor sees it: no staff forms, only what the creditor may do."""
    agreement = Agreement.objects.filter(case=case).order_by("-version").first()
    return render(
        request,
        "creditors/case.html",
        {
            **extra,
            "case": case,
            "claim": claim_summary(case),
            "payments": list(payments_for_case(case)[:50]),
            "evidence": list(EvidenceItem.objects.filter(case=case).order_by("collected_at", "pk")),
            "agreement": agreement,
            "thread": services.case_messages(case),
        },
    )


@require_POST
def case_message(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    try:
        case = case_get_for_user(user, case_id)
    except ApplicationError:
        return render(request, "web/not_found.html", status=404)
    try:
        services.case_message_post(case=case, author=user, body=request.POST.get("body", ""))
    except ApplicationError as exc:
        messages.error(request, _error(exc))
    else:
        messages.success(request, _("留言已发送。"))
    return redirect(f"{_case_url(case)}#messages")


def _case_url(case: Case) -> str:
    from django.urls import reverse

    return reverse("web:case_detail", args=[case.pk])
