"""Agreement pages: parse, check access (``case_get_for_user``), call one service, render."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from qingqian.accounts.http import staff_user as _user
from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm, Role
from qingqian.cases.models import Case
from qingqian.cases.selectors import case_get_for_user
from qingqian.common.exceptions import ApplicationError
from qingqian.creditors.services import contact_points_verified
from qingqian.fees.models import Agreement, AgreementState
from qingqian.reports import agreements
from qingqian.reports.templatetags.reports_tags import is_english


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "web/not_found.html", status=404)


def _latest(user: User, case_id: int) -> tuple[Case, Agreement | None]:
    case = case_get_for_user(user, case_id)
    return case, Agreement.objects.filter(case=case).order_by("-version").first()


@login_required
@require_GET
def agreement_page(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    try:
        case, agreement = _latest(user, case_id)
    except ApplicationError:
        return _not_found(request)
    en = is_english()
    staff = user.has_perm_code(Perm.AGREEMENT_DRAFT)
    return render(
        request,
        "agreements/agreement.html",
        {
            "case": case,
            "agreement": agreement,
            "view": agreements.agreement_view(agreement, en=en) if agreement else None,
            "can_draft": staff
            and getattr(case, "state", "") == "accepted"
            and (agreement is None or agreement.state != AgreementState.SIGNED),
            "can_send": staff and agreement is not None and agreement.state == AgreementState.DRAFT,
            "can_sign": user.role == Role.CREDITOR
            and agreement is not None
            and agreement.state == AgreementState.SENT,
            "points": contact_points_verified(user) if user.role == Role.CREDITOR else [],
        },
    )


def _act(
    request: HttpRequest, case_id: int, action: Callable[[User, Case, Agreement | None], str]
) -> HttpResponse:
    user = _user(request)
    try:
        case, agreement = _latest(user, case_id)
    except ApplicationError:
        return _not_found(request)
    try:
        done = action(user, case, agreement)
    except ApplicationError as exc:
        messages.error(request, exc.message_for("en" if is_english() else "zh"))
    else:
        messages.success(request, done)
    return redirect("reports:agreement", case_id=case_id)


def _require(agreement: Agreement | None) -> Agreement:
    if agreement is None:
        raise ApplicationError(
            "该案件还没有协议。", "This case has no agreement yet.", code="no_agreement"
        )
    return agreement


@login_required
@require_POST
def agreement_draft(request: HttpRequest, case_id: int) -> HttpResponse:
    def run(user: User, case: Case, _a: Agreement | None) -> str:
        row = agreements.agreement_draft(case=case, actor=user)
        return f"Draft v{row.version} created." if is_english() else f"已起草第 {row.version} 版。"

    return _act(request, case_id, run)


@login_required
@require_POST
def agreement_send(request: HttpRequest, case_id: int) -> HttpResponse:
    def run(user: User, _c: Case, a: Agreement | None) -> str:
        agreements.agreement_send(agreement=_require(a), actor=user)
        return "Sent to the creditor for signing." if is_english() else "已发送债权人签署。"

    return _act(request, case_id, run)


@login_required
@require_POST
def agreement_code(request: HttpRequest, case_id: int) -> HttpResponse:
    raw = request.POST.get("point", "")

    def run(user: User, _c: Case, a: Agreement | None) -> str:
        agreements.agreement_code_request(
            agreement=_require(a), actor=user, point_id=int(raw) if raw.isdigit() else None
        )
        return (
            "A one-time code was sent (valid 10 minutes)."
            if is_english()
            else "验证码已发送，10 分钟内有效。"
        )

    return _act(request, case_id, run)


@login_required
@require_POST
def agreement_sign(request: HttpRequest, case_id: int) -> HttpResponse:
    def run(user: User, _c: Case, a: Agreement | None) -> str:
        row = agreements.agreement_sign(
            agreement=_require(a),
            actor=user,
            typed_name=request.POST.get("typed_name", ""),
            code=request.POST.get("code", ""),
        )
        return (
            f"Signed. Document SHA-256 {row.signed_sha256}."
            if is_english()
            else f"已签署。文件 SHA-256 {row.signed_sha256}。"
        )

    return _act(request, case_id, run)


@login_required
@require_GET
def agreement_download(request: HttpRequest, case_id: int, fmt: str) -> HttpResponse:
    user = _user(request)
    try:
        _case, agreement = _latest(user, case_id)
    except ApplicationError:
        return _not_found(request)
    if agreement is None or fmt not in ("docx", "pdf"):
        return _not_found(request)
    if fmt == "docx":
        body = agreements.agreement_docx(agreement)
        ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    elif agreement.signed_pdf:
        body, ctype = bytes(agreement.signed_pdf), "application/pdf"
    else:
        body, ctype = agreements.agreement_pdf(agreement, en=is_english()), "application/pdf"
    response = HttpResponse(body, content_type=ctype)
    name = f"agreement-{agreement.case.reference}-v{agreement.version}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
