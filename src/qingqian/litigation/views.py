"""Staff pages of the judicial route: the case panel's forms (htmx: the panel is re-rendered
in place; without htmx, back to the case page), the deadlines calendar and its iCalendar
feed. Each view checks access, calls one service or selector, and renders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingqian.accounts.http import staff_user as _user
from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm
from qingqian.cases.models import Case
from qingqian.cases.selectors import case_get_for_user
from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError, NotFound, ValidationFailed
from qingqian.common.money import parse_amount
from qingqian.litigation import documents, feeds, selectors, services
from qingqian.litigation.models import AssetClue, CourtDeadline, LitigationDocument, Proceeding
from qingqian.litigation.panel import panel_context


def _date(raw: str, field: str, *, required: bool = False) -> dt.date | None:
    if not raw:
        if required:
            raise ValidationFailed(
                "请填写日期。",
                "A date is required.",
                code="date_required",
                details={"field": field},
            )
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            "日期格式错误。", "Invalid date.", code="bad_date", details={"field": field}
        ) from None


def _money(raw: str) -> Decimal | None:
    return parse_amount(raw) if raw.strip() else None


def _forbidden(request: HttpRequest, perm: Perm) -> HttpResponse:
    return render(request, "web/forbidden.html", {"perm": perm.value}, status=403)


def _case_or_refusal(
    request: HttpRequest, user: User, case_id: int, perm: Perm
) -> Case | HttpResponse:
    """The case if the user may see it and holds ``perm``; else the 404 or 403 page."""
    try:
        case = case_get_for_user(user, case_id)
    except ApplicationError:
        return render(request, "web/not_found.html", status=404)
    if not user.has_perm_code(perm):
        return _forbidden(request, perm)
    return case


def _act(
    request: HttpRequest,
    case_id: int,
    act: Callable[[User, Case], str],
    perm: Perm = Perm.LITIGATION_WORK,
) -> HttpResponse:
    """Run ``act`` on a case the user can see; answer with the panel (htmx) or a redirect."""
    user = _user(request)
    case = _case_or_refusal(request, user, case_id, perm)
    if isinstance(case, HttpResponse):
        return case
    message = error = None
    try:
        message = act(user, case)
    except ApplicationError as exc:
        if exc.status == 404:
            return render(request, "web/not_found.html", status=404)
        error = exc.message_for(get_language())
    if getattr(request, "htmx", False):
        ctx = panel_context(case, user, request=request)
        ctx.update({"flash": message, "flash_error": error})
        return render(
            request, "litigation/_case_panel_body.html", ctx, status=422 if error else 200
        )
    if error:
        messages.error(request, error)
    elif message:
        messages.success(request, message)
    return redirect("web:case_detail", case_id=case_id)


def _proceeding(case: Case, pk: int) -> Proceeding:
    p = Proceeding.objects.filter(case=case, pk=pk).first()
    if p is None:
        raise NotFound("未找到该程序。", "No such proceeding.")
    return p


def _proceeding_fields(request: HttpRequest) -> dict[str, Any]:
    p = request.POST
    out: dict[str, Any] = {}
    for name in services.TEXT_FIELDS:
        if name in p:
            out[name] = p[name].strip()
    for name in services.DATE_FIELDS:
        if name in p:
            out[name] = _date(p[name], name)
    for name in services.MONEY_FIELDS:
        if name in p:
            out[name] = _money(p[name])
    if "outcome" in p:
        out["outcome"] = p["outcome"]
    if p.get("flags_present"):
        for name in services.FLAG_FIELDS:
            out[name] = bool(p.get(name))
    return out


@login_required
@require_POST
def proceeding_add(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(user: User, case: Case) -> str:
        fields = _proceeding_fields(request)
        court = fields.pop("court", "")
        p = services.proceeding_create(
            case=case, actor=user, kind=request.POST.get("kind", ""), court=court, **fields
        )
        return _("已登记程序：%(kind)s") % {"kind": p.get_kind_display()}

    return _act(request, case_id, act)


@login_required
@require_POST
def proceeding_edit(request: HttpRequest, case_id: int, proceeding_id: int) -> HttpResponse:
    def act(user: User, case: Case) -> str:
        p = _proceeding(case, proceeding_id)
        services.proceeding_update(proceeding=p, actor=user, **_proceeding_fields(request))
        return _("程序已更新，期限已重新计算。")

    return _act(request, case_id, act)


@login_required
@require_POST
def hearing_add(request: HttpRequest, case_id: int, proceeding_id: int) -> HttpResponse:
    def act(user: User, case: Case) -> str:
        p = _proceeding(case, proceeding_id)
        raw = request.POST.get("at", "")
        try:
            naive = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise ValidationFailed(
                "开庭时间格式错误。",
                "Invalid hearing time.",
                code="bad_datetime",
                details={"field": "at"},
            ) from None
        at = naive.replace(tzinfo=clock.BUSINESS_TZ) if naive.tzinfo is None else naive
        services.hearing_add(
            proceeding=p, actor=user, at=at, place=request.POST.get("place", ""),
            note=request.POST.get("note", ""),
        )  # fmt: skip
        return _("已登记开庭。")

    return _act(request, case_id, act)


@login_required
@require_POST
def recovery_add(request: HttpRequest, case_id: int, proceeding_id: int) -> HttpResponse:
    def act(user: User, case: Case) -> str:
        p = _proceeding(case, proceeding_id)
        amount = parse_amount(request.POST.get("amount", ""))
        payment = services.court_recovery_record(
            proceeding=p, actor=user, amount=amount,
            received_on=_date(request.POST.get("received_on", ""), "received_on", required=True)
            or clock.today(),
            reference=request.POST.get("reference", ""),
        )  # fmt: skip
        return _("法院执行款 ¥%(amount)s 已入账。") % {"amount": f"{payment.amount:,.2f}"}

    return _act(request, case_id, act)


@login_required
@require_POST
def deadline_done(request: HttpRequest, case_id: int, deadline_id: int) -> HttpResponse:
    def act(user: User, case: Case) -> str:
        row = CourtDeadline.objects.filter(case=case, pk=deadline_id).first()
        if row is None:
            raise NotFound("未找到该期限。", "No such deadline.")
        services.deadline_mark_done(deadline=row, actor=user, on=clock.today())
        return _("期限已标记为已办理。")

    return _act(request, case_id, act)


@login_required
@require_POST
def clue_add(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(user: User, case: Case) -> str:
        p = request.POST
        services.asset_clue_add(
            case=case, actor=user, kind=p.get("kind", ""), summary=p.get("summary", ""),
            source=p.get("source", ""),
            source_date=_date(p.get("source_date", ""), "source_date", required=True)
            or clock.today(),
            detail=p.get("detail", ""), estimated_value=_money(p.get("estimated_value", "")),
        )  # fmt: skip
        return _("已登记财产线索。")

    return _act(request, case_id, act)


@login_required
@require_POST
def clue_reveal(request: HttpRequest, case_id: int, clue_id: int) -> HttpResponse:
    user = _user(request)
    case = _case_or_refusal(request, user, case_id, Perm.LITIGATION_WORK)
    if isinstance(case, HttpResponse):
        return case
    clue = AssetClue.objects.filter(case=case, pk=clue_id).first()
    if clue is None:
        return render(request, "web/not_found.html", status=404)
    value = services.asset_clue_reveal(clue=clue, actor=user)
    return render(request, "litigation/_revealed.html", {"value": value})


@login_required
@require_POST
def interruption_add(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(user: User, case: Case) -> str:
        p = request.POST
        event = services.limitation_event_record(
            case=case, actor=user, kind=p.get("kind", ""),
            day=_date(p.get("day", ""), "day", required=True) or clock.today(),
            note=p.get("note", ""),
        )  # fmt: skip
        return _("已记录时效中断：%(kind)s") % {"kind": event.get_kind_display()}

    return _act(request, case_id, act, Perm.CASE_TRANSITION)


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """Deadlines and hearings of the cases the user may see, by month."""
    user = _user(request)
    today = clock.today()
    rows = []
    for d in selectors.deadlines_visible_to(user).filter(due__gte=today - dt.timedelta(days=31)):
        rows.append({"deadline": d, "urgency": selectors.deadline_urgency(d, today)})
    return render(
        request,
        "litigation/calendar.html",
        {
            "rows": rows,
            "today": today,
            "hearings": selectors.hearings_visible_to(user, since=today),
            "feed_url": request.session.pop("litigation_feed_url", None),
            "has_feed": feeds.feed_exists(user),
        },
    )


@login_required
@require_POST
def feed_rotate(request: HttpRequest) -> HttpResponse:
    """Issue (or replace) the user's calendar subscription link; it is shown once."""
    user = _user(request)
    token = feeds.feed_issue(user=user)
    request.session["litigation_feed_url"] = request.build_absolute_uri(
        f"/deadlines/feed/{token}.ics"
    )
    messages.success(request, _("已生成新的订阅链接，旧链接已失效。"))
    return redirect("litigation:calendar")


def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed: the token in the URL is the credential (no session)."""
    user = feeds.feed_user(token)
    if user is None:
        raise Http404
    body = feeds.ics(user, today=clock.today())
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


# --- documents -----------------------------------------------------------------------


def _document(case: Case, pk: int) -> LitigationDocument:
    doc = LitigationDocument.objects.filter(case=case, pk=pk).first()
    if doc is None:
        raise NotFound("未找到该文书。", "No such document.")
    return doc


@login_required
@require_POST
def document_new(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(user: User, case: Case) -> str:
        doc = documents.document_draft(case=case, kind=request.POST.get("kind", ""), actor=user)
        return _("已生成草稿：%(kind)s") % {"kind": doc.get_kind_display()}

    return _act(request, case_id, act)


@login_required
@require_POST
def document_edit(request: HttpRequest, case_id: int, document_id: int) -> HttpResponse:
    def act(user: User, case: Case) -> str:
        doc = _document(case, document_id)
        documents.document_edit(document=doc, actor=user, text=request.POST.get("text", ""))
        return _("草稿已保存。")

    return _act(request, case_id, act)


@login_required
@require_POST
def document_final(request: HttpRequest, case_id: int, document_id: int) -> HttpResponse:
    def act(user: User, case: Case) -> str:
        doc = documents.document_finalise(document=_document(case, document_id), actor=user)
        return _("已定稿，SHA-256 已记入案件日志：%(sha)s") % {"sha": doc.sha256}

    return _act(request, case_id, act)


@login_required
def document_download(
    request: HttpRequest, case_id: int, document_id: int, fmt: str
) -> HttpResponse:
    user = _user(request)
    if fmt not in ("docx", "pdf"):
        raise Http404
    case = _case_or_refusal(request, user, case_id, Perm.LITIGATION_WORK)
    if isinstance(case, HttpResponse):
        return case
    try:
        doc = _document(case, document_id)
    except ApplicationError:
        return render(request, "web/not_found.html", status=404)
    data = documents.document_file(doc, fmt)
    content_type = (
        "application/pdf"
        if fmt == "pdf"
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{doc.kind}-{case.reference}.{fmt}"'
    return response


@login_required
def bundle(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = _case_or_refusal(request, user, case_id, Perm.LITIGATION_WORK)
    if isinstance(case, HttpResponse):
        return case
    try:
        data = documents.bundle_build(case=case, actor=user)
    except ApplicationError as exc:
        messages.error(request, exc.message_for(get_language()))
        return redirect("web:case_detail", case_id=case_id)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="filing-{case.reference}.zip"'
    return response
