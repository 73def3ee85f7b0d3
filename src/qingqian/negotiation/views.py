"""Staff actions on a case's promises and plans: check access, call one service, go back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingqian.accounts.models import User
from qingqian.cases.models import Case
from qingqian.cases.selectors import case_get_for_user
from qingqian.common.exceptions import ApplicationError, ValidationFailed
from qingqian.common.money import parse_amount
from qingqian.negotiation import services
from qingqian.negotiation.models import PlanVersion
from qingqian.payments.selectors import case_debt_total


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed("日期格式错误。", "Invalid date.", code="bad_date") from None


def _int(raw: str, field: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed(
            f"{field} 须为整数。", f"{field} must be a whole number.", code="not_int"
        ) from None


def _act(request: HttpRequest, case_id: int, act: Callable[[Case], str]) -> HttpResponse:
    try:
        case = case_get_for_user(_user(request), case_id)
        messages.success(request, act(case))
    except ApplicationError as exc:
        if exc.status == 404:
            return render(request, "web/not_found.html", status=404)
        messages.error(request, exc.message_for(get_language()))
    return redirect("web:case_detail", case_id=case_id)


def _schedule(request: HttpRequest, total_default: str = "") -> object:
    p = request.POST
    return services.plan_schedule(
        kind=p.get("kind", "seasonal"),
        total=parse_amount(p.get("total", "") or total_default),
        months=_int(p.get("months", ""), "months"),
        start=p.get("start", ""),
        profile=p.get("profile", ""),
        min_installment=parse_amount(p["min"]) if p.get("min") else None,
    )


@login_required
@require_POST
def plan_preview(request: HttpRequest, case_id: int) -> HttpResponse:
    """The planner's schedule for the form's numbers (htmx fragment; nothing is written)."""
    case = case_get_for_user(_user(request), case_id)
    try:
        schedule = _schedule(request, str(case_debt_total(case)))
        return render(request, "negotiation/_preview.html", {"schedule": schedule})
    except ApplicationError as exc:
        return render(
            request, "negotiation/_preview.html", {"error": exc.message_for(get_language())}
        )


@login_required
@require_POST
def plan_propose(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(case: Case) -> str:
        version = services.plan_propose(
            case=case,
            actor=_user(request),
            schedule=_schedule(request, str(case_debt_total(case))),  # type: ignore[arg-type]
            grace_days=_int(request.POST.get("grace", "7"), "grace"),
            consequence=request.POST.get("consequence", "reminder"),
            profile=request.POST.get("profile", ""),
        )
        return _("已提出还款计划第 %(n)s 版。") % {"n": version.version}

    return _act(request, case_id, act)


@login_required
@require_POST
def plan_accept(request: HttpRequest, case_id: int, version_id: int) -> HttpResponse:
    def act(case: Case) -> str:
        version = PlanVersion.objects.filter(pk=version_id, plan__case=case).first()
        if version is None:
            raise ValidationFailed("计划不存在。", "No such plan.", code="plan_nf", status=404)
        services.plan_accept_staff(version=version, actor=_user(request))
        return _("已代表债权人确认该计划。")

    return _act(request, case_id, act)


@login_required
@require_POST
def promise_add(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(case: Case) -> str:
        services.promise_record(
            case=case,
            amount=parse_amount(request.POST.get("amount", "")),
            due_date=_date(request.POST.get("due", "")),
            source=request.POST.get("source", "handler"),
            actor=_user(request),
        )
        return _("已记录还款承诺。")

    return _act(request, case_id, act)


@login_required
@require_POST
def offer_add(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(case: Case) -> str:
        services.settlement_offer_make(
            case=case,
            actor=_user(request),
            discount_percent=parse_amount(request.POST.get("discount", ""), field="discount"),
            expires_on=_date(request.POST.get("expires", "")),
        )
        return _("已提出和解要约。")

    return _act(request, case_id, act)
