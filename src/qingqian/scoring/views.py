"""Debt-radar pages: the handler's work queue, the model registry and cards, and the
public-record form for a case's debtor. Each view checks access and calls one selector or
service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qingqian.accounts.http import staff_user as _user
from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm
from qingqian.cases.models import PartyRole
from qingqian.cases.selectors import case_get_for_user
from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError
from qingqian.contact.selectors import certificate_problem
from qingqian.scoring import selectors, services
from qingqian.scoring.forms import DebtorProfileForm, ExperimentForm, ThresholdForm
from qingqian.scoring.models import DebtorProfile


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "web/not_found.html", status=404)


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    get = request.GET
    page = get.get("page", "1")
    query = selectors.QueueQuery(
        page=int(page) if page.isdigit() else 1,
        sort=get.get("sort", "rank"),
        q=get.get("q", "")[:100],
        tier=get.get("tier", ""),
        callbacks=get.get("callbacks") == "1",
    )
    data = selectors.work_queue(user, today=clock.today(), query=query)
    can_set = user.has_perm_code(Perm.CASE_ASSIGN)
    params = get.copy()
    params.pop("page", None)
    return render(
        request,
        "scoring/queue.html",
        {
            **data,
            "can_set_threshold": can_set,
            "threshold_form": ThresholdForm(initial={"threshold": data["threshold"]}),
            # h19a: the desk's filters, order and pages; why an expired certificate sees less
            "certificate": certificate_problem(user),
            "keep": params.urlencode(),
            "sorts": [
                ("rank", _("推荐顺序")),
                ("callback", _("约定回电时间")),
                ("deadline", _("截止日")),
                ("balance", _("余额")),
                ("score", _("评分")),
                ("value", _("每小时预期回收")),
            ],
            "tiers": [
                ("0", _("截止日临近")),
                ("1", _("高于阈值")),
                ("2", _("低于阈值")),
                ("3", _("暂不得联系")),
            ],
        },
    )


@login_required
@require_POST
def threshold(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.has_perm_code(Perm.CASE_ASSIGN) or user.organisation is None:
        return render(request, "web/forbidden.html", status=403)
    form = ThresholdForm(request.POST)
    if form.is_valid():
        services.threshold_set(
            organisation=user.organisation, threshold=form.cleaned_data["threshold"], actor=user
        )
        messages.success(request, _("阈值已更新。"))
    else:
        messages.error(request, _("阈值须为 0 到 100 之间的整数。"))
    return redirect("scoring:queue")


@login_required
@require_GET
def models(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.has_perm_code(Perm.REPORT_VIEW):
        return render(request, "web/forbidden.html", status=403)
    return render(
        request,
        "scoring/models.html",
        {
            "models": list(selectors.model_list(user.organisation_id)[:50]),
            "training": selectors.training_status(user.organisation_id),
            "min_rows": services.MIN_TRAINING_ROWS,
        },
    )


@login_required
@require_GET
def model_detail(request: HttpRequest, version: str) -> HttpResponse:
    user = _user(request)
    if not user.has_perm_code(Perm.REPORT_VIEW):
        return render(request, "web/forbidden.html", status=403)
    model = selectors.model_get(version, user.organisation_id)
    if model is None:
        return _not_found(request)
    card = model.card
    primary = card.get("primary", "scorecard")
    return render(
        request,
        "scoring/model.html",
        {
            "model": model,
            "card": card,
            "primary_metrics": card.get("models", {}).get(primary, {}),
            "models_metrics": card.get("models", {}),
            "candidates": (card.get("selection") or {}).get("candidates", {}),
            "monitors": list(model.monitors.all()[:10]),
        },
    )


def _staff_reader(user: User) -> bool:
    """Firm staff who read reports: creditor users never see firm-wide experiment figures."""
    return (
        user.has_perm_code(Perm.REPORT_VIEW)
        and not user.is_creditor_user
        and user.organisation is not None
    )


@login_required
@require_GET
def experiment(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not _staff_reader(user):
        return render(request, "web/forbidden.html", status=403)
    assert user.organisation is not None
    report = selectors.experiment_report(user.organisation.pk, today=clock.today())
    current = selectors.experiment_settings(user.organisation.pk)
    initial: dict[str, Any] = (
        {"fifo_share": "0"}
        if current is None
        else {
            "fifo_share": current.fifo_share,
            "salt": current.salt,
            "started_on": current.started_on,
        }
    )
    return render(
        request,
        "scoring/experiment.html",
        {
            "report": report,
            "measures": _experiment_rows(report),
            "can_set": user.has_perm_code(Perm.CASE_ASSIGN),
            "form": ExperimentForm(initial=initial),
        },
    )


def _experiment_rows(report: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The report's three measures as rows for the page, with their labels."""
    if report is None:
        return []
    labels = {
        "paid_share": (_("已回款案件占比"), "share"),
        "days_to_first_payment": (_("受理至首笔回款天数（已回款案件）"), "days"),
        "recovered": (_("每案回收金额"), "money"),
    }
    rows = []
    for key, (label, kind) in labels.items():
        m = report[key]
        diff = m["difference"]
        rows.append(
            {
                "label": label,
                "fifo": _cell(kind, m["fifo"]),
                "score": _cell(kind, m["score"]),
                "difference": "—" if diff is None else _cell(kind, diff, signed=True),
            }
        )
    return rows


def _fmt(kind: str, value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    sign = "+" if signed and value > 0 else ""
    if kind == "share":
        return f"{sign}{value * 100:.1f}%"
    if kind == "money":
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
        return f"{sign}¥{amount:,.2f}" if amount >= 0 else f"-¥{-amount:,.2f}"
    return f"{sign}{value:.1f}"


def _cell(kind: str, m: dict[str, Any], signed: bool = False) -> str:
    """Mean [95 % interval] in the page's units."""
    if m.get("mean") is None:
        return "—"
    return (
        f"{_fmt(kind, m['mean'], signed)} "
        f"[{_fmt(kind, m['low'], signed)}, {_fmt(kind, m['high'], signed)}]"
    )


@login_required
@require_POST
def experiment_settings(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.has_perm_code(Perm.CASE_ASSIGN) or user.organisation is None:
        return render(request, "web/forbidden.html", status=403)
    form = ExperimentForm(request.POST)
    if form.is_valid():
        try:
            services.experiment_set(
                organisation=user.organisation,
                fifo_share=form.cleaned_data["fifo_share"],
                salt=form.cleaned_data["salt"] or "",
                started_on=form.cleaned_data["started_on"],
                actor=user,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message_for(get_language()))
        else:
            messages.success(request, _("实验设置已保存。"))
    else:
        messages.error(request, _("实验设置有误：比例须在 0 到 0.9 之间，日期格式为 YYYY-MM-DD。"))
    return redirect("scoring:experiment")


@login_required
@require_http_methods(["GET", "POST"])
def debtor_profile(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    try:
        case = case_get_for_user(user, case_id, for_detail=True)
    except ApplicationError:
        return _not_found(request)
    if not user.has_perm_code(Perm.CASE_TRANSITION):
        return render(request, "web/forbidden.html", status=403)
    link = next((cp for cp in case.case_parties.all() if cp.role == PartyRole.DEBTOR), None)
    if link is None:
        return _not_found(request)
    profile = DebtorProfile.objects.filter(party=link.party).first()
    form = DebtorProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.debtor_profile_save(party_id=link.party_id, data=form.cleaned_data, actor=user)
        except ApplicationError as exc:
            form.add_error(None, exc.message_for(get_language()))
        else:
            messages.success(request, _("债务人公开信息已保存，下次评分时生效。"))
            return redirect("web:case_detail", case.pk)
    return render(
        request, "scoring/debtor_profile.html", {"case": case, "party": link.party, "form": form}
    )
