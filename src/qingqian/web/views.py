"""Staff UI views: parse input, check access, call one service or selector, render."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from qingqian.accounts.http import staff_user as _user
from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import ROLE_LABELS, Perm, Role
from qingqian.cases import selectors, services
from qingqian.cases.aging import BUCKETS, bucket_for, needs_judicial_route
from qingqian.cases.lifecycle import (
    OUTCOME_LABELS,
    STATE_LABELS,
    Outcome,
    State,
    allowed_targets,
)
from qingqian.cases.models import Case, DebtType, HotlineCall, ImportJob, PartyRole
from qingqian.common import bounds, clock
from qingqian.common.exceptions import ApplicationError, PermissionDenied
from qingqian.common.spreadsheet import csv_writer
from qingqian.parties.models import Party
from qingqian.parties.services import party_find_or_create, party_reveal
from qingqian.web import import_views
from qingqian.web.forms import SUZHOU_DISTRICTS, CaseForm, HotlineForm, ImportForm, TransitionForm
from qingqian.web.role_panel import role_panel

View = Callable[..., HttpResponse]


def _lang_index() -> int:
    lang = get_language() or "zh-hans"
    return 1 if lang.startswith("en") else 0


def state_label(state: str) -> str:
    try:
        return STATE_LABELS[State(state)][_lang_index()]
    except ValueError:
        return state


EVENT_LABELS: dict[str, tuple[str, str]] = {
    "opened": ("立案", "Case opened"),
    "state_changed": ("状态变更", "State changed"),
    "assigned": ("分派承办人", "Handler assigned"),
    "hotline_linked": ("关联热线来电", "Hotline call linked"),
    "invoices_added": ("追加发票", "Invoices added"),
    "feasibility_report": ("可行性报告", "Feasibility report"),
    "agreement_drafted": ("协议起草", "Agreement drafted"),
    "agreement_sent": ("协议发送", "Agreement sent"),
    "agreement_signed": ("协议签署", "Agreement signed"),
    "contact_hold_placed": ("暂停联系", "Contact hold placed"),
    "contact_hold_lifted": ("解除暂停", "Contact hold lifted"),
    "contact_outcome": ("联系结果", "Contact outcome"),
    "transcript_analysed": ("通话/记录分析", "Transcript analysed"),
    "followup_done": ("人工跟进完成", "Follow-up closed"),
    "invoice_disputed": ("发票争议", "Invoice disputed"),
    "payment": ("收款", "Payment"),
    "payment_reversed": ("收款冲正", "Payment reversed"),
    "strategy_started": ("策略启动", "Strategy started"),
    "strategy_step": ("策略步骤", "Strategy step"),
    "strategy_ended": ("策略结束", "Strategy ended"),
    "strategy_none": ("无适用策略", "No playbook applies"),
    "evidence_added": ("新增证据", "Evidence added"),
    "evidence_version": ("证据新版本", "New evidence version"),
    # h19d: every kind the services write, so no timeline row shows a raw code
    "contact_unreachable": ("标记无法联系", "Marked unreachable"),
    "contact_unreachable_cleared": ("恢复联系", "Reachable again"),
    "court_deadline_done": ("法院期限已办", "Court deadline done"),
    "court_recovery": ("法院执行回款", "Recovered through the court"),
    "asset_clue_added": ("新增财产线索", "Asset lead added"),
    "document_drafted": ("文书起草", "Document drafted"),
    "document_final": ("文书定稿", "Document finalised"),
    "hearing_scheduled": ("安排开庭", "Hearing scheduled"),
    "limitation_interrupted": ("诉讼时效中断", "Limitation interrupted"),
    "limitation_updated": ("诉讼时效更新", "Limitation period updated"),
    "proceeding_added": ("新增诉讼程序", "Proceeding added"),
    "proceeding_updated": ("诉讼程序更新", "Proceeding updated"),
    "plan.proposed": ("提出还款计划", "Plan proposed"),
    "plan.agreed": ("还款计划生效", "Plan agreed"),
    "plan.debtor_accepted": ("债务人接受计划", "Debtor accepted the plan"),
    "plan.completed": ("还款计划履行完毕", "Plan completed"),
    "plan.breach.reminder": ("计划违约：提醒", "Plan breach: reminder"),
    "plan.breach.acceleration": ("计划违约：余额加速到期", "Plan breach: balance accelerated"),
    "plan.breach.return_to_strategy": ("计划违约：退回催收策略", "Plan breach: back to strategy"),
    "promise.recorded": ("记录还款承诺", "Promise recorded"),
    "promise.kept": ("承诺已履行", "Promise kept"),
    "promise.broken": ("承诺未履行", "Promise broken"),
    "settlement.offered": ("提出和解方案", "Settlement offered"),
    "settlement.accepted": ("和解方案被接受", "Settlement accepted"),
    "settlement.expired": ("和解方案过期", "Settlement expired"),
    "portal.link_sent": ("发送自助链接", "Portal link sent"),
    "charge.costs": ("计入实现债权的费用", "Recovery costs charged"),
    "charge.interest": ("计入利息", "Interest charged"),
    "charge.principal": ("计入本金", "Principal charged"),
    # h19a: the collector's desk
    "contact_disposition": ("通话结果", "Call result"),
    "contact_sent": ("已发送联系", "Message sent"),
    "followup_sent": ("已发送催告", "Follow-up sent"),
    "followup_refused": ("催告未发送", "Follow-up not sent"),
    # h19b: the creditor's message thread
    "message_creditor": ("债权人留言", "Message from the creditor"),
    "message_staff": ("经办方回复", "Reply from the firm"),
}


def _event_label(kind: str) -> str:
    labels = EVENT_LABELS.get(kind) or ("案件事件", "Case event")  # never the raw code
    return labels[_lang_index()]


def staff_view(perm: Perm) -> Callable[[View], View]:
    """Login required, then the permission; a 403 page names what is missing."""

    def deco(view: View) -> View:
        @functools.wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            assert isinstance(user, User)
            if user.organisation_id is None or not user.has_perm_code(perm):
                return HttpResponseForbidden(
                    render_to_string("web/forbidden.html", {"perm": perm.value}, request=request)
                )
            return view(request, *args, **kwargs)

        return wrapped

    return deco


def _org(user: User) -> Organisation:
    if user.organisation is None:
        raise PermissionDenied("用户不属于任何机构。", "The user belongs to no organisation.")
    return user.organisation


def creditors_for(user: User) -> QuerySet[Party]:
    qs = Party.objects.filter(organisation=_org(user), is_client=True).order_by("name")
    if user.role == Role.CREDITOR:
        qs = qs.filter(creditor_users=user)
    return qs


def _parse_date(value: str | None) -> dt.date | None:
    """A date from the query string; unreadable or out of range (``common.bounds``): None."""
    try:
        day = dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day is not None and bounds.DATE_MIN <= day <= bounds.DATE_MAX else None


@staff_view(Perm.CASE_VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    as_of = _parse_date(request.GET.get("as_of")) or clock.today()
    stats = selectors.dashboard_stats(user, as_of)
    states = [
        {
            "key": s.value,
            "label": state_label(s.value),
            "count": stats["by_state"].get(s.value, {}).get("count", 0),
            "outstanding": stats["by_state"].get(s.value, {}).get("outstanding", 0),
        }
        for s in State
    ]
    aging = [
        {"key": b.key, "label": (b.label_zh, b.label_en)[_lang_index()], **stats["aging"][b.key]}
        for b in BUCKETS
    ]
    max_amt = max((a["amount"] for a in aging), default=0) or 1
    for a in aging:
        # In steps of 5% (CSS classes w0…w100): the CSP allows no inline style attributes.
        a["width"] = int(a["amount"] * 20 / max_amt) * 5
    return render(
        request,
        "web/dashboard.html",
        {
            "stats": stats,
            "states": states,
            "aging": aging,
            "as_of": as_of,
            "role_label": ROLE_LABELS[Role(user.role)][_lang_index()],
            "panel": role_panel(user, clock.today()),  # h19c: the role's landing panel
        },
    )


def _filters(request: HttpRequest) -> selectors.CaseFilters:
    g = request.GET
    creditor = g.get("creditor", "")
    return selectors.CaseFilters(
        q=g.get("q", "")[:100],
        state=g.get("state", ""),
        debt_type=g.get("debt_type", ""),
        creditor_id=int(creditor) if creditor.isdigit() else None,
        bucket=g.get("bucket", ""),
        judicial=g.get("judicial") == "1",
        as_of=_parse_date(g.get("as_of")) or clock.today(),
    )


def _rows(cases: list[Case], as_of: dt.date) -> list[dict[str, Any]]:
    """The list's rows with their cells already as text: 50 rows of URL reversals, lookups
    and ``floatformat|intcomma`` filters were half of the list page's time."""
    url = reverse("web:case_detail", args=[0])[: -len("0/")]
    rows = []
    for c in cases:
        days = (as_of - c.oldest_due_date).days if c.oldest_due_date else None
        handler = c.handler
        rows.append(
            {
                "case": c,
                "url": f"{url}{c.pk}/",
                "state_label": state_label(c.state),
                "debtors": [link.party for link in getattr(c, "debtor_links", [])],
                "creditor": c.creditor.name,
                "debt_type": c.get_debt_type_display(),
                # Grouped by thousands with two decimals, as floatformat:2|intcomma writes it.
                "outstanding": f"{c.outstanding:,.2f}",
                "handler": (handler.get_full_name() or handler.username) if handler else "—",
                "days": days,
                "bucket": bucket_for(days) if days is not None else None,
                "judicial": bool(days is not None and c.is_open and needs_judicial_route(days)),
            }
        )
    return rows


@staff_view(Perm.CASE_VIEW)
def case_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    filters = _filters(request)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    per_page = 50
    cases, count, exact = selectors.case_list_page(
        user, filters, page=page, per_page=per_page, list_columns=True
    )
    paginator = Paginator(range(count), per_page)
    ctx = {
        "rows": _rows(cases, filters.as_of or clock.today()),
        "count": count,
        "count_exact": exact,
        "page": page,
        "num_pages": paginator.num_pages,
        "filters": filters,
        "states": [(s.value, state_label(s.value)) for s in State],
        "debt_types": DebtType.choices,
        "buckets": [(b.key, (b.label_zh, b.label_en)[_lang_index()]) for b in BUCKETS],
        "creditors": creditors_for(user),
        "query": request.GET.urlencode(),
    }
    template = "web/_case_rows.html" if request.htmx else "web/case_list.html"  # type: ignore[attr-defined]
    return render(request, template, ctx)


@staff_view(Perm.CASE_VIEW)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    try:
        case = selectors.case_get_for_user(user, case_id, for_detail=True)
    except ApplicationError:
        return render(request, "web/not_found.html", status=404)
    as_of = clock.today()
    days = (as_of - case.oldest_due_date).days if case.oldest_due_date else None
    parties = list(case.case_parties.all())
    order = list(State)
    targets = [
        (s.value, state_label(s.value))
        for s in sorted(allowed_targets(State(case.state)), key=order.index)
    ]
    timeline = [
        {
            "event": t,
            "kind": _event_label(t.kind),
            "from": state_label(t.from_state) if t.from_state else "",
            "to": state_label(t.to_state) if t.to_state else "",
        }
        for t in case.timeline.select_related("actor")[:100]
    ]
    if user.is_creditor_user:  # h19b: the creditor's own page, without staff forms
        from qingqian.creditors.views import creditor_case_page

        return creditor_case_page(
            request,
            case,
            {
                "state_label": state_label(case.state),
                "outcome_label": (
                    OUTCOME_LABELS[Outcome(case.outcome)][_lang_index()] if case.outcome else ""
                ),
                "debtors": [cp.party for cp in parties if cp.role == PartyRole.DEBTOR],
                "invoices": list(case.invoices.all()),
                "timeline": timeline,
                "days": days,
            },
        )
    from qingqian.creditors.services import case_messages  # h19b: the creditor's thread

    return render(
        request,
        "web/case_detail.html",
        {
            "thread": case_messages(case),
            "case": case,
            "state_label": state_label(case.state),
            "outcome_label": OUTCOME_LABELS[case.outcome][_lang_index()] if case.outcome else "",  # type: ignore[index]
            "debtors": [cp.party for cp in parties if cp.role == PartyRole.DEBTOR],
            "guarantors": [cp.party for cp in parties if cp.role == PartyRole.GUARANTOR],
            "invoices": list(case.invoices.all()),
            "timeline": timeline,
            "days": days,
            "bucket": bucket_for(days) if days is not None else None,
            "judicial": bool(days is not None and case.is_open and needs_judicial_route(days)),
            "targets": targets,
            "outcomes": [(o.value, lab[_lang_index()]) for o, lab in OUTCOME_LABELS.items()],
            "can_transition": user.has_perm_code(Perm.CASE_TRANSITION),
            "can_assign": user.has_perm_code(Perm.CASE_ASSIGN),
            "handlers": handler_choices(user) if user.has_perm_code(Perm.CASE_ASSIGN) else [],
            "can_reveal": user.has_perm_code(Perm.PARTY_REVEAL),
            "state_labels": {s.value: state_label(s.value) for s in State},
        },
    )


@require_POST
@staff_view(Perm.CASE_TRANSITION)
def case_transition(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    form = TransitionForm(request.POST)

    def act(case: Case) -> None:
        if not form.is_valid():
            messages.error(request, _("请选择有效的目标状态。"))
            return
        services.case_transition(
            case=case,
            actor=user,
            to_state=form.cleaned_data["to_state"],
            outcome=form.cleaned_data["outcome"] or None,
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("案件状态已更新。"))

    return _case_action(request, case_id, act)


@require_POST
@staff_view(Perm.CASE_ASSIGN)
def case_assign(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    raw = request.POST.get("handler", "")

    def act(case: Case) -> None:
        handler = None
        if raw:
            handler = User.objects.filter(
                organisation=_org(user), pk=int(raw) if raw.isdigit() else 0
            ).first()
            if handler is None:
                messages.error(request, _("承办人不存在。"))
                return
        services.case_assign(case=case, actor=user, handler=handler)
        messages.success(request, _("已分派承办人。"))

    return _case_action(request, case_id, act)


def _case_action(request: HttpRequest, case_id: int, act: Callable[[Case], None]) -> HttpResponse:
    """Run a POST action on a case the user may see, then go back to the case page.

    A case out of scope answers 404; a refused action (an ApplicationError) becomes a message
    in the user's language and nothing is written."""
    try:
        act(selectors.case_get_for_user(_user(request), case_id))
    except ApplicationError as exc:
        if exc.status == 404:
            return render(request, "web/not_found.html", status=404)
        messages.error(request, exc.message_for(get_language()))
    return redirect("web:case_detail", case_id=case_id)


def handler_choices(user: User) -> list[tuple[int, str, bool]]:
    """Staff who can handle cases: (id, label, certificate valid) — expired collectors are
    listed so the refusal is visible, but marked."""
    today = clock.today()
    rows = []
    # The organisation's id is enough (no read of the row); none: _org's refusal.
    org_id = user.organisation_id if user.organisation_id is not None else _org(user).pk
    for u in User.objects.filter(
        organisation_id=org_id,
        is_active=True,
        role__in=[Role.COLLECTOR, Role.LAWYER, Role.MEDIATOR],
    ).order_by("role", "username"):
        valid = u.role != Role.COLLECTOR or u.certification_valid_on(today)
        label = f"{u.get_full_name() or u.username}（{ROLE_LABELS[Role(u.role)][_lang_index()]}）"
        rows.append((u.pk, label, valid))
    return rows


@require_POST
@staff_view(Perm.PARTY_REVEAL)
def party_reveal_view(
    request: HttpRequest, case_id: int, party_id: int, field: str
) -> HttpResponse:
    user = _user(request)
    try:
        case = selectors.case_get_for_user(user, case_id)
    except ApplicationError:
        return render(request, "web/not_found.html", status=404)
    if (
        field not in ("id_number", "phone")
        or not case.case_parties.filter(party_id=party_id).exists()
    ):
        return render(request, "web/not_found.html", status=404)
    party = get_object_or_404(Party, pk=party_id, organisation=_org(user))
    value = party_reveal(actor=user, party=party, field=field)  # type: ignore[arg-type]
    return HttpResponse(f'<span class="revealed" data-field="{field}">{value}</span>')


def _case_from_form(user: User, form: CaseForm, *, call: HotlineCall | None = None) -> Case:
    d = form.cleaned_data
    org = user.organisation
    assert org is not None
    with transaction.atomic():
        debtor = party_find_or_create(
            organisation=org,
            actor=user,
            kind=d["debtor_kind"],
            name=d["debtor_name"],
            credit_code=d["debtor_credit_code"].strip(),
            id_number=d["debtor_id_number"].strip(),
            phone=d["debtor_phone"].strip(),
            city=d["debtor_city"],
            district=d["debtor_district"],
        )
        fields: dict[str, Any] = {
            "creditor": d["creditor"],
            "debtors": [debtor],
            "debt_type": d["debt_type"],
            "principal": d["principal"],
            "interest_rate": d["interest_rate"],
            "interest_terms": d["interest_terms"],
            "contract_date": d["contract_date"],
            "funds_transfer_date": d["funds_transfer_date"],
            "due_date": d["due_date"],
            "last_payment_date": d["last_payment_date"],
            "summary": d["summary"],
        }
        if call is not None:
            return services.hotline_call_open_case(call=call, actor=user, **fields)
        return services.case_open(organisation=org, actor=user, channel="web", **fields)


def _form_error(form: CaseForm, exc: ApplicationError) -> None:
    field = str(exc.details.get("field", ""))
    mapping = {
        "principal": "principal",
        "due_date": "due_date",
        "contract_date": "contract_date",
        "funds_transfer_date": "funds_transfer_date",
        "last_payment_date": "last_payment_date",
        "debt_type": "debt_type",
        "interest_rate": "interest_rate",
    }
    target = mapping.get(field)
    if exc.code in ("invalid_credit_code", "credit_code_for_person"):
        target = "debtor_credit_code"
    elif exc.code in ("invalid_id_number", "id_number_for_company"):
        target = "debtor_id_number"
    elif exc.code == "invalid_phone":
        target = "debtor_phone"
    form.add_error(target, exc.message_for(get_language()))


@require_http_methods(["GET", "POST"])
@staff_view(Perm.CASE_CREATE)
def case_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = CaseForm(request.POST or None, creditors=creditors_for(user))
    if request.method == "POST" and form.is_valid():
        try:
            case = _case_from_form(user, form)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("已立案：%(ref)s") % {"ref": case.reference})
            return redirect("web:case_detail", case_id=case.pk)
    return render(
        request,
        "web/case_form.html",
        {"form": form, "districts": SUZHOU_DISTRICTS, "title": _("网页立案")},
    )


@require_http_methods(["GET", "POST"])
@staff_view(Perm.HOTLINE_USE)
def hotline(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = HotlineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            call = services.hotline_call_record(
                organisation=_org(user),
                agent=user,
                **form.cleaned_data,
            )
        except ApplicationError as exc:
            form.add_error(
                "callback_phone" if exc.code == "invalid_phone" else None,
                exc.message_for(get_language()),
            )
        else:
            return redirect("web:hotline_case", call_id=call.pk)
    recent = (
        HotlineCall.objects.filter(organisation=_org(user))
        .select_related("case", "agent")
        .order_by("-received_at")[:10]
    )
    return render(request, "web/hotline.html", {"form": form, "recent": recent})


@require_http_methods(["GET", "POST"])
@staff_view(Perm.HOTLINE_USE)
def hotline_case(request: HttpRequest, call_id: int) -> HttpResponse:
    user = _user(request)
    call = get_object_or_404(HotlineCall, pk=call_id, organisation=_org(user))
    if call.case_id:
        return redirect("web:case_detail", case_id=call.case_id)
    form = CaseForm(
        request.POST or None, creditors=creditors_for(user), initial={"summary": call.summary}
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = _case_from_form(user, form, call=call)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("已立案：%(ref)s") % {"ref": case.reference})
            return redirect("web:case_detail", case_id=case.pk)
    return render(
        request,
        "web/case_form.html",
        {"form": form, "districts": SUZHOU_DISTRICTS, "call": call, "title": _("来电立案")},
    )


@require_http_methods(["GET", "POST"])
@staff_view(Perm.IMPORT_RUN)
def import_new(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    user = _user(request)
    form = ImportForm(request.POST or None, request.FILES or None, creditors=creditors_for(user))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.QINGQIAN_MAX_IMPORT_BYTES:
            form.add_error(
                "file",
                _("文件过大（上限 %(mb)d MB）。 / The file is too large.")
                % {"mb": settings.QINGQIAN_MAX_IMPORT_BYTES // (1024 * 1024)},
            )
        else:
            job = ImportJob.objects.create(
                organisation=_org(user),
                creditor=form.cleaned_data["creditor"],
                uploaded_by=user,
                file=upload,
                filename=upload.name[:255],
                dry_run=form.cleaned_data["dry_run"],
            )
            return import_views.start_or_map(job)  # h19d: map unknown columns first
    jobs = ImportJob.objects.filter(organisation=_org(user)).select_related("creditor")
    if user.role == Role.CREDITOR:
        jobs = jobs.filter(creditor_id=user.creditor_id)
    return render(request, "web/import.html", {"form": form, "jobs": jobs[:20]})


def _job_for(user: User, job_id: int) -> ImportJob:
    qs = ImportJob.objects.filter(organisation=_org(user)).select_related("creditor")
    if user.role == Role.CREDITOR:
        qs = qs.filter(creditor_id=user.creditor_id)
    return get_object_or_404(qs, pk=job_id)


@staff_view(Perm.IMPORT_RUN)
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_for(_user(request), job_id)
    template = "web/_import_status.html" if request.htmx else "web/import_detail.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {
            "job": job,
            "errors": import_views.error_rows(job.errors[:500]),
            "more_errors": max(0, len(job.errors) - 500),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_view(Perm.IMPORT_RUN)
def import_columns(request: HttpRequest, job_id: int) -> HttpResponse:
    return import_views.import_columns(request, _job_for(_user(request), job_id))


@staff_view(Perm.IMPORT_RUN)
def import_template(request: HttpRequest) -> HttpResponse:
    return import_views.import_template(request)


@staff_view(Perm.IMPORT_RUN)
def import_errors_csv(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_for(_user(request), job_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 CSV correctly with a BOM
    writer = csv_writer(response)  # cells escaped against formula injection
    writer.writerow([_("行号"), _("列"), _("说明")])
    for e in import_views.error_rows(job.errors):
        writer.writerow([e["line"], e["column"], e["message"]])
    return response


@staff_view(Perm.REPORT_VIEW)
def aging(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    as_of = _parse_date(request.GET.get("as_of")) or clock.today()
    group_by = request.GET.get("group_by", "creditor")
    if group_by not in ("creditor", "debtor"):
        group_by = "creditor"
    report = selectors.aging_report(user, as_of, group_by=group_by)
    groups = report["groups"]
    paginator = Paginator(groups, 100)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "web/aging.html",
        {
            "report": report,
            "page": page,
            "as_of": as_of,
            "group_by": group_by,
            "buckets": [(b.key, (b.label_zh, b.label_en)[_lang_index()]) for b in BUCKETS],
        },
    )
