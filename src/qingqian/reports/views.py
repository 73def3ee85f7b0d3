"""Feasibility report pages and the public price list: parse, check access, call one service
or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from qingqian.accounts.http import staff_user as _user
from qingqian.cases.selectors import case_get_for_user
from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError
from qingqian.fees import selectors as fee_selectors
from qingqian.reports import selectors, services
from qingqian.reports.models import Decision
from qingqian.reports.pdf import report_pdf
from qingqian.reports.present import decision_label, view_model
from qingqian.reports.templatetags.reports_tags import is_english


def _version(request: HttpRequest) -> int | None:
    raw = request.GET.get("version") or request.POST.get("version") or ""
    return int(raw) if raw.isdigit() else None


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "web/not_found.html", status=404)


@login_required
@require_GET
def feasibility(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    try:
        case, reports = selectors.reports_for_case(user, case_id)
    except ApplicationError:
        return _not_found(request)
    version = _version(request)
    report = next((r for r in reports if version is None or r.version == version), None)
    if version is not None and report is None:
        return _not_found(request)
    en = is_english()
    latest = reports[0] if reports else None
    return render(
        request,
        "reports/feasibility.html",
        {
            "case": case,
            "report": report,
            "vm": view_model(report.data, en=en) if report else None,
            "decision": decision_label(report.decision, en=en) if report else "",
            "versions": [r.version for r in reports],
            "can_regenerate": services.can_regenerate(user),
            "can_decide": services.can_decide(user),
            "decidable": report is not None
            and report is latest
            and report.decision == Decision.PENDING
            and case.state == "evidence_review",
        },
    )


@login_required
@require_GET
def feasibility_pdf(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    try:
        report = selectors.report_for_user(user, case_id, _version(request))
    except ApplicationError:
        return _not_found(request)
    en = is_english()
    pdf = report_pdf(report, en=en)
    if not en:
        services.feasibility_report_pdf_record(report=report, pdf=pdf)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"feasibility-{report.case.reference}-v{report.version}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def feasibility_regenerate(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    try:
        case = case_get_for_user(user, case_id)
    except ApplicationError:
        return _not_found(request)
    try:
        report = services.feasibility_report_generate(case=case, actor=user)
    except ApplicationError as exc:
        messages.error(request, exc.message_for("en" if is_english() else "zh"))
    else:
        messages.success(
            request,
            f"Version {report.version} generated."
            if is_english()
            else f"已生成第 {report.version} 版。",
        )
    return redirect("reports:feasibility", case_id=case_id)


@login_required
@require_POST
def feasibility_decide(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    choice = request.POST.get("decision", "")
    try:
        report = selectors.report_for_user(user, case_id, _version(request))
    except ApplicationError:
        return _not_found(request)
    if choice not in ("accept", "reject"):
        messages.error(
            request, "Choose accept or reject." if is_english() else "请选择接案或不予接案。"
        )
        return redirect("reports:feasibility", case_id=case_id)
    try:
        services.feasibility_report_decide(
            report=report,
            actor=user,
            accept=choice == "accept",
            reason=request.POST.get("reason", ""),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message_for("en" if is_english() else "zh"))
    else:
        messages.success(request, "Decision recorded." if is_english() else "审查结论已记录。")
    return redirect("reports:feasibility", case_id=case_id)


@require_GET
def prices(request: HttpRequest) -> HttpResponse:
    """The public price list (明码标价): no login."""
    from qingqian.compliance.selectors import insurances_in_force

    data = fee_selectors.prices_page(clock.today())
    return render(
        request,
        "reports/prices.html",
        {"prices": data, "en": is_english(), "insurances": insurances_in_force(clock.today())},
    )
