"""The management dashboard, its drill-downs and their XLSX exports: parse, check, call the
selectors, render. Charts are server-drawn SVG (``kpis.svg``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from qingqian.accounts.http import staff_user as _user
from qingqian.accounts.models import User
from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError
from qingqian.kpis import charts, exports, selectors
from qingqian.kpis.measures import GROUPS
from qingqian.kpis.periods import GRAINS, Window
from qingqian.kpis.selectors import GROUP_LABELS, TEAMS
from qingqian.parties.models import Party

DRILLS = ("period", "creditor", "team")


def _language(request: HttpRequest) -> str:
    return "en" if (getattr(request, "LANGUAGE_CODE", "") or "").startswith("en") else "zh"


def _params(request: HttpRequest) -> dict[str, Any]:
    g = request.GET
    return {
        "window": selectors.parse_window(g.get("from"), g.get("to"), today=clock.today()),
        "grain": selectors.parse_choice(g.get("grain"), GRAINS, "grain"),
        "creditor_id": selectors.parse_id(g.get("creditor"), "creditor"),
        "team": selectors.parse_choice(g.get("team"), tuple(TEAMS), "team"),
    }


def _filters(user: User, params: dict[str, Any]) -> dict[str, Any]:
    # the creditors of the cases the user may see (filters apart): the scope's marking lets
    # a whole organisation's be read from the index
    creditors = Party.objects.filter(pk__in=selectors.creditor_ids(selectors.scope(user)))
    window: Window = params["window"]
    return {
        "creditors": list(creditors.order_by("name").values_list("pk", "name")),
        "teams": [(k, str(v)) for k, v in TEAMS.items()],
        "grains": [(g, label) for g, label in charts.grain_labels().items()],
        "groups": [(g, str(GROUP_LABELS[g])) for g in GROUPS],
        "query": {
            "from": window.start.isoformat(),
            "to": window.end.isoformat(),
            "grain": params.get("grain") or "",
            "creditor": params.get("creditor_id") or "",
            "team": params.get("team") or "",
        },
    }


def _bad_request(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return render(
        request,
        "kpis/error.html",
        {"message": exc.message_for(_language(request)), "code": exc.code},
        status=exc.status,
    )


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        params = _params(request)
        group_by = selectors.parse_choice(request.GET.get("group_by"), GROUPS, "group_by")
        data = selectors.dashboard(user, group_by=group_by or "creditor", **params)
    except ApplicationError as exc:
        return _bad_request(request, exc)
    return render(
        request,
        "kpis/dashboard.html",
        {"d": data, "charts": charts.dashboard_charts(data), **_filters(user, params)},
    )


@login_required
@require_GET
def drill(request: HttpRequest, by: str) -> HttpResponse:
    user = _user(request)
    if by not in DRILLS:
        return render(request, "web/not_found.html", status=404)
    try:
        params = _params(request)
        data = selectors.drill(user, by=by, **params)
    except ApplicationError as exc:
        return _bad_request(request, exc)
    return render(
        request,
        "kpis/drill.html",
        {
            "d": data,
            "chart": charts.drill_chart(data),
            "by_label": charts.drill_labels()[by],
            **_filters(user, params),
        },
    )


@login_required
@require_GET
def export(request: HttpRequest, table: str) -> HttpResponse:
    """One table of the dashboard or a drill-down as XLSX (cells that look like formulas are
    stored as text)."""
    user = _user(request)
    if table not in exports.TABLES:
        return render(request, "web/not_found.html", status=404)
    try:
        params = _params(request)
        group_by = selectors.parse_choice(request.GET.get("group_by"), GROUPS, "group_by")
        body = exports.xlsx(user, table, group_by=group_by or "creditor", **params)
    except ApplicationError as exc:
        return _bad_request(request, exc)
    window: Window = params["window"]
    name = f"kpis-{table}-{window.start:%Y%m%d}-{window.end:%Y%m%d}.xlsx"
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def title() -> str:
    return _("经营指标")


def _reports_for(user: User) -> Any:
    from qingqian.accounts.roles import Perm, Role
    from qingqian.kpis.models import CreditorReport

    qs = CreditorReport.objects.filter(organisation_id=user.organisation_id or 0).select_related(
        "creditor"
    )
    if user.role == Role.CREDITOR:
        return qs.filter(creditor_id=user.creditor_id)
    if user.has_perm_code(Perm.KPI_TEAM):
        return qs
    return qs.none()


@login_required
@require_GET
def creditor_reports(request: HttpRequest) -> HttpResponse:
    """The creditor's workspace for monthly reports: a creditor's users see their own, the
    firm's managers every creditor's."""
    reports = _reports_for(_user(request)).defer("pdf")
    return render(request, "kpis/creditor_reports.html", {"reports": reports})


@login_required
@require_GET
def creditor_report_pdf(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _reports_for(_user(request)).filter(pk=report_id).first()
    if report is None:
        return render(request, "web/not_found.html", status=404)
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    name = f"creditor-report-{report.creditor_id}-{report.period}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
