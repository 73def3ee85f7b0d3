"""The compliance officer's pages (h19c): the audit trail with filters and export, the
organisation's regulatory records (liability insurance, licences, collectors' certificates)
and compliance incidents. Parse, call one service or selector, render."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qingqian.accounts.models import User
from qingqian.accounts.roles import ROLE_LABELS, Role
from qingqian.common import bounds, clock
from qingqian.common.exceptions import ApplicationError, ValidationFailed
from qingqian.common.tz import BUSINESS_TZ
from qingqian.compliance import labels, selectors, services
from qingqian.compliance.models import (
    Incident,
    IncidentKind,
    IncidentState,
    RecordKind,
    RegulatoryRecord,
)

PAGE_SIZE = 100
EXPORT_MAX_ROWS = 100_000


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _en() -> bool:
    return (get_language() or "").startswith("en")


def _message(exc: ApplicationError) -> str:
    return exc.message_for(get_language())


def _date(value: str | None) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day is not None and bounds.DATE_MIN <= day <= bounds.DATE_MAX else None


def _filters(request: HttpRequest) -> selectors.AuditFilters:
    g = request.GET
    return selectors.AuditFilters(
        actor=g.get("actor", "")[:20],
        action=g.get("action", "")[:64],
        case_reference=g.get("case", "")[:64].strip(),
        start=_date(g.get("start")),
        end=_date(g.get("end")),
    )


def _action_choices(user: User) -> list[tuple[str, str]]:
    en = _en()
    present = selectors.audit_actions_present(user.organisation_id or 0)
    families = [
        ("reveal", "查看身份信息（全部）" if not en else "identifiers viewed (all)"),
        ("contact", "联系债务人（全部）" if not en else "contacts (all)"),
    ]
    return families + sorted(
        ((a, labels.action_words(a, en=en)) for a in present), key=lambda p: p[1]
    )


def _people(user: User) -> list[tuple[str, str]]:
    en = _en()
    people = User.objects.filter(organisation_id=user.organisation_id or 0).order_by("username")
    out = [("system", "系统（自动）" if not en else "system (automatic)")]
    for p in people:
        try:
            role = ROLE_LABELS[Role(p.role)][1 if en else 0]
        except ValueError:
            role = ""
        out.append((str(p.pk), f"{p.get_full_name() or p.username} · {role}"))
    return out


@login_required
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    """Who saw whose identifiers, who contacted whom, who changed what."""
    user = _user(request)
    filters = _filters(request)
    events = selectors.audit_events(user, filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "compliance/audit.html",
        {
            "page": page,
            "f": filters,
            "query": query.urlencode(),
            "actions": _action_choices(user),
            "people": _people(user),
            "case_missing": bool(filters.case_reference) and not events.exists(),
        },
    )


def _export_rows(user: User, events: Any) -> list[list[object]]:
    from qingqian.compliance.templatetags.compliance_tags import actor_words

    en = _en()
    header = (
        ["time", "by", "action", "action code", "object", "request id", "before", "after"]
        if en
        else ["时间", "操作人", "操作", "操作代码", "对象", "请求号", "变更前", "变更后"]
    )
    import json

    rows: list[list[object]] = [list(header)]
    for e in events:
        rows.append(
            [
                e.at.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M:%S"),
                actor_words(e),
                labels.action_words(e.action, en=en),
                e.action,
                selectors.object_words(e, en=en),
                e.request_id,
                "" if e.before is None else json.dumps(e.before, ensure_ascii=False),
                "" if e.after is None else json.dumps(e.after, ensure_ascii=False),
            ]
        )
    return rows


@login_required
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered audit trail as CSV or XLSX, every cell safe from formula injection.
    The export is itself audited."""
    from qingqian.audit.services import audit_record
    from qingqian.common.spreadsheet import csv_text, xlsx_append

    user = _user(request)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        return HttpResponse(
            "导出格式只能是 csv 或 xlsx。" if not _en() else "The format is csv or xlsx.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filters = _filters(request)
    events = selectors.audit_events(user, filters)
    count = events.count()
    if count > EXPORT_MAX_ROWS:
        return HttpResponse(
            f"一次最多导出 {EXPORT_MAX_ROWS:,} 条，当前 {count:,} 条，请缩小时间范围。"
            if not _en()
            else f"At most {EXPORT_MAX_ROWS:,} rows per export ({count:,} match); narrow it.",
            status=422,
            content_type="text/plain; charset=utf-8",
        )
    rows = _export_rows(user, events.iterator(chunk_size=2000))
    audit_record(
        actor=user,
        organisation=user.organisation,
        action="audit.export",
        obj=user,
        after={
            "format": fmt,
            "rows": count,
            "actor": filters.actor,
            "action": filters.action,
            "case": filters.case_reference,
            "start": filters.start.isoformat() if filters.start else None,
            "end": filters.end.isoformat() if filters.end else None,
        },
    )
    stamp = clock.today().strftime("%Y%m%d")
    if fmt == "csv":
        response = HttpResponse(
            csv_text(rows, bom=True).encode("utf-8"), content_type="text/csv; charset=utf-8"
        )
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "audit"
        for row in rows:
            xlsx_append(sheet, row)
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{fmt}"'
    return response


# --------------------------------------------------------------------------- records


def _decimal(value: str) -> Decimal | None:
    text = value.replace(",", "").replace("，", "").replace("¥", "").strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationFailed(
            "保险金额应为数字，例如 5000000。",
            "The cover must be a number such as 5000000.",
            code="bad_amount",
        ) from None
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e14"):
        raise ValidationFailed(
            "保险金额应大于零。", "The cover must be above zero.", code="bad_amount"
        )
    return amount.quantize(Decimal("0.01"))


def _required_date(value: str | None, zh: str, en: str) -> dt.date:
    day = _date(value)
    if day is None:
        raise ValidationFailed(f"请填写有效的{zh}。", f"Enter a valid {en}.", code="bad_date")
    return day


@login_required
@require_http_methods(["GET", "POST"])
def records(request: HttpRequest) -> HttpResponse:
    """Liability insurance and licences (add a new one: a renewal is a new record), and the
    collectors' certificates, with what has expired or expires soon."""
    user = _user(request)
    assert user.organisation is not None
    today = clock.today()
    form: dict[str, str] = {}
    error = ""
    status = 200
    if request.method == "POST":
        fields = ("kind", "title", "issuer", "number", "cover", "valid_from", "valid_until", "note")
        form = {k: request.POST.get(k, "")[:300] for k in fields}
        try:
            record = services.regulatory_record_add(
                actor=user,
                kind=form["kind"],
                title=form["title"],
                issuer=form["issuer"],
                number=form["number"],
                cover=_decimal(form["cover"]),
                valid_from=_required_date(form["valid_from"], "生效日期", "start date"),
                valid_until=_required_date(form["valid_until"], "有效期", "end date"),
                note=form["note"],
            )
        except ApplicationError as exc:
            error, status = _message(exc), exc.status
        else:
            messages.success(
                request,
                f"已登记：{record.title}（{record.number}）"
                if not _en()
                else f"Recorded: {record.title} ({record.number})",
            )
            return redirect("compliance:records")
    collectors = User.objects.filter(
        organisation=user.organisation, role=Role.COLLECTOR, is_active=True
    ).order_by("username")
    return render(
        request,
        "compliance/records.html",
        {
            "records": RegulatoryRecord.objects.filter(organisation=user.organisation),
            "insurance": selectors.insurance_in_force(user.organisation, today),
            "warnings": selectors.expiry_warnings(user.organisation, today),
            "collectors": collectors,
            "kinds": RecordKind.choices,
            "form": form,
            "error": error,
            "today": today,
        },
        status=status,
    )


@login_required
@require_POST
def certificate_set(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _user(request)
    target = User.objects.filter(pk=user_id, organisation_id=user.organisation_id or 0).first()
    if target is None:
        return render(request, "web/not_found.html", status=404)
    try:
        services.user_certificate_set(
            actor=user,
            user=target,
            number=request.POST.get("number", "")[:64],
            issuer=request.POST.get("issuer", "")[:100],
            expires=_required_date(request.POST.get("expires"), "有效期", "expiry date"),
        )
    except ApplicationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, "证书已更新。" if not _en() else "Certificate updated.")
    return redirect("compliance:records")


@login_required
@require_http_methods(["GET", "POST"])
def incidents(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form: dict[str, str] = {}
    error = ""
    status = 200
    if request.method == "POST":
        from qingqian.cases.selectors import cases_visible_to

        form = {
            k: request.POST.get(k, "")[:2000] for k in ("kind", "occurred_on", "summary", "case")
        }
        try:
            case = None
            if form["case"].strip():
                case = cases_visible_to(user).filter(reference=form["case"].strip()).first()
                if case is None:
                    raise ValidationFailed(
                        "没有这个案号。", "No case with that reference.", code="no_case"
                    )
            incident = services.incident_open(
                actor=user,
                kind=form["kind"],
                occurred_on=_required_date(form["occurred_on"], "发生日期", "date"),
                summary=form["summary"],
                case=case,
            )
        except ApplicationError as exc:
            error, status = _message(exc), exc.status
        else:
            messages.success(
                request,
                f"已登记合规事件 #{incident.pk}"
                if not _en()
                else f"Incident #{incident.pk} recorded",
            )
            return redirect("compliance:incidents")
    rows = Incident.objects.filter(organisation_id=user.organisation_id or 0).select_related(
        "case", "reported_by"
    )
    return render(
        request,
        "compliance/incidents.html",
        {
            "open": rows.filter(state=IncidentState.OPEN),
            "closed": rows.filter(state=IncidentState.CLOSED)[:50],
            "kinds": IncidentKind.choices,
            "form": form,
            "error": error,
            "today": clock.today(),
        },
        status=status,
    )


@login_required
@require_POST
def incident_close(request: HttpRequest, incident_id: int) -> HttpResponse:
    user = _user(request)
    incident = Incident.objects.filter(
        pk=incident_id, organisation_id=user.organisation_id or 0
    ).first()
    if incident is None:
        return render(request, "web/not_found.html", status=404)
    try:
        services.incident_close(
            actor=user, incident=incident, resolution=request.POST.get("resolution", "")[:2000]
        )
    except ApplicationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, "事件已结案。" if not _en() else "Incident closed.")
    return redirect("compliance:incidents")
