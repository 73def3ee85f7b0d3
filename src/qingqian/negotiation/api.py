"""``/api/v1/cases/{case_id}/promises`` and ``/api/v1/cases/{case_id}/plans``: negotiation
through the API, one service call per endpoint after the access check.

* A case the caller cannot see (another organisation, another creditor's case for a
  creditor user, a collector's unassigned case) is a 404, the same as a missing one.
* Writing (promise, plan proposal, staff acceptance) needs ``case.transition``: 403 without.
* Bad input is a 422 with a snake_case ``code`` (the planner's and the services' codes:
  ``plan_exceeds_balance``, ``custom_sum_mismatch``, ``promise_date`` …); an acceptance of a
  version that is no longer proposed is a 409 ``plan_not_proposed``.
* Amounts are decimal strings (floats are refused), dates ``YYYY-MM-DD``, months ``YYYY-MM``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from qingqian.accounts.http import api_user as _user
from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm
from qingqian.cases.models import Case
from qingqian.cases.selectors import case_get_for_user
from qingqian.common.api_errors import ERRORS
from qingqian.common.exceptions import NotFound, PermissionDenied, ValidationFailed
from qingqian.common.money import parse_amount
from qingqian.negotiation import selectors, services
from qingqian.negotiation.models import InstallmentPlan, PlanVersion, Promise, PromiseSource
from qingqian.payments.services import payment_reference_for

router = Router(tags=["negotiation"])


# --------------------------------------------------------------------------- schemas


class PromiseIn(Schema):
    amount: str
    due_date: dt.date
    source: Literal["handler", "transcript"] = "handler"


class PromiseOut(Schema):
    id: int
    amount: str
    due_date: dt.date
    made_on: dt.date
    source: str
    state: str
    paid: str
    decided_on: dt.date | None
    confirmed_by: str | None


class PromiseListOut(Schema):
    items: list[PromiseOut]


class CustomInstallmentIn(Schema):
    due: dt.date
    amount: str


class PlanIn(Schema):
    kind: Literal["equal", "seasonal", "custom"]
    total: str = ""
    """Defaults to the case's outstanding balance."""
    months: int | None = None
    start: str = ""
    """``YYYY-MM`` (equal and seasonal)."""
    profile: str = ""
    """Seasonal weights, comma-separated (``1,1,2,3``)."""
    min_installment: str = ""
    installments: list[CustomInstallmentIn] = []
    """Custom plans: the agreed dates and amounts."""
    grace_days: int = 7
    consequence: str = "reminder"
    plan_id: int | None = None
    """Propose a new version of this plan (it supersedes the current one)."""


class InstallmentOut(Schema):
    number: int
    due: dt.date
    principal: str
    interest: str
    amount: str


class PlanVersionOut(Schema):
    id: int
    plan_id: int
    version: int
    kind: str
    state: str
    sha256: str
    previous_sha256: str
    total: str
    grace_days: int
    consequence: str
    profile: list[str]
    proposed_by_debtor: bool
    accepted_by_staff: str | None
    accepted_by_staff_at: dt.datetime | None
    accepted_by_debtor_at: dt.datetime | None
    agreed_at: dt.datetime | None
    created_at: dt.datetime
    installments: list[InstallmentOut]


class PlanOut(Schema):
    id: int
    created_at: dt.datetime
    versions: list[PlanVersionOut]


class PlanListOut(Schema):
    items: list[PlanOut]


# --------------------------------------------------------------------------- helpers


def _need(user: User, perm: Perm) -> None:
    if not user.has_perm_code(perm):
        raise PermissionDenied(
            "您没有执行此操作的权限。",
            "You do not have permission to do this.",
            details={"permission": perm.value},
        )


def _case(request: HttpRequest, case_id: int, *, write: bool = False) -> tuple[User, Case]:
    user = _user(request)
    _need(user, Perm.CASE_VIEW)
    case = case_get_for_user(user, case_id)  # 404 when out of scope
    if write:
        _need(user, Perm.CASE_TRANSITION)
    return user, case


def _promise(p: Promise) -> dict[str, Any]:
    return {
        "id": p.pk,
        "amount": str(p.amount),
        "due_date": p.due_date,
        "made_on": p.made_on,
        "source": p.source,
        "state": p.state,
        "paid": str(p.paid),
        "decided_on": p.decided_on,
        "confirmed_by": p.confirmed_by.get_username() if p.confirmed_by else None,
    }


def _version(v: PlanVersion) -> dict[str, Any]:
    return {
        "id": v.pk,
        "plan_id": v.plan_id,
        "version": v.version,
        "kind": v.kind,
        "state": v.state,
        "sha256": v.sha256,
        "previous_sha256": v.previous_sha256,
        "total": str(v.terms.get("amount_total", "")),
        "grace_days": v.grace_days,
        "consequence": v.consequence,
        "profile": [str(x) for x in v.profile],
        "proposed_by_debtor": v.proposed_by_debtor,
        "accepted_by_staff": v.accepted_by_staff.get_username() if v.accepted_by_staff else None,
        "accepted_by_staff_at": v.accepted_by_staff_at,
        "accepted_by_debtor_at": v.accepted_by_debtor_at,
        "agreed_at": v.agreed_at,
        "created_at": v.created_at,
        "installments": [
            {
                "number": i.number,
                "due": i.due,
                "principal": str(i.principal),
                "interest": str(i.interest),
                "amount": str(i.amount),
            }
            for i in sorted(v.installments.all(), key=lambda i: i.number)
        ],
    }


def _versions() -> Any:
    return PlanVersion.objects.select_related("accepted_by_staff").prefetch_related("installments")


# --------------------------------------------------------------------------- promises


@router.get("/{case_id}/promises", response={200: PromiseListOut, **ERRORS})
def promises_list(request: HttpRequest, case_id: int) -> dict[str, Any]:
    _, case = _case(request, case_id)
    rows = Promise.objects.filter(case=case).select_related("confirmed_by").order_by("-pk")
    return {"items": [_promise(p) for p in rows]}


@router.post("/{case_id}/promises", response={201: PromiseOut, **ERRORS})
def promises_create(
    request: HttpRequest, case_id: int, payload: PromiseIn
) -> Status[dict[str, Any]]:
    user, case = _case(request, case_id, write=True)
    promise = services.promise_record(
        case=case,
        amount=parse_amount(payload.amount),
        due_date=payload.due_date,
        source=PromiseSource(payload.source),
        actor=user,
    )
    return Status(201, _promise(promise))


# --------------------------------------------------------------------------- plans


@router.get("/{case_id}/plans", response={200: PlanListOut, **ERRORS})
def plans_list(request: HttpRequest, case_id: int) -> dict[str, Any]:
    _, case = _case(request, case_id)
    versions: dict[int, list[dict[str, Any]]] = {}
    for v in _versions().filter(plan__case=case).order_by("plan_id", "version"):
        versions.setdefault(v.plan_id, []).append(_version(v))
    plans = InstallmentPlan.objects.filter(case=case).order_by("-pk")
    return {
        "items": [
            {"id": p.pk, "created_at": p.created_at, "versions": versions.get(p.pk, [])}
            for p in plans
        ]
    }


def _schedule(case: Case, data: PlanIn) -> Any:
    total = parse_amount(data.total, field="total") if data.total else case.outstanding
    minimum = (
        parse_amount(data.min_installment, field="min_installment")
        if data.min_installment
        else None
    )
    if data.kind == "custom":
        if not data.installments:
            raise ValidationFailed(
                "自定义计划需要列出每期的日期和金额。",
                "A custom plan needs the date and amount of each installment.",
                code="custom_installments_missing",
            )
        rows = [
            (row.due, parse_amount(row.amount, field=f"installments[{n}].amount"))
            for n, row in enumerate(data.installments)
        ]
        return services.plan_schedule(
            kind="custom",
            total=total,
            months=len(rows),
            start=data.start or rows[0][0].strftime("%Y-%m"),
            min_installment=minimum,
            custom=rows,
        )
    if data.months is None or not data.start:
        raise ValidationFailed(
            "等额和季节性计划需要月数（months）和起始月（start，YYYY-MM）。",
            "Equal and seasonal plans need months and start (YYYY-MM).",
            code="plan_months_start_missing",
            details={"fields": ["months", "start"]},
        )
    return services.plan_schedule(
        kind=data.kind,
        total=total,
        months=data.months,
        start=data.start,
        profile=data.profile,
        min_installment=minimum,
    )


@router.post("/{case_id}/plans", response={201: PlanVersionOut, **ERRORS})
def plans_propose(request: HttpRequest, case_id: int, payload: PlanIn) -> Status[dict[str, Any]]:
    user, case = _case(request, case_id, write=True)
    plan = None
    if payload.plan_id is not None:
        plan = InstallmentPlan.objects.filter(pk=payload.plan_id, case=case).first()
        if plan is None:
            raise NotFound(
                "还款计划不存在。",
                "No such plan on this case.",
                code="plan_not_found",
                details={"plan_id": payload.plan_id},
            )
    if payload.grace_days < 0 or payload.grace_days > 365:
        raise ValidationFailed(
            "宽限期须在 0–365 天之间。",
            "grace_days must be between 0 and 365.",
            code="grace_days",
        )
    version = services.plan_propose(
        case=case,
        actor=user,
        schedule=_schedule(case, payload),
        grace_days=payload.grace_days,
        consequence=payload.consequence,
        profile=payload.profile if payload.kind == "seasonal" else "",
        plan=plan,
    )
    return Status(201, _version(_versions().get(pk=version.pk)))


@router.post("/{case_id}/plans/{version_id}/accept", response={200: PlanVersionOut, **ERRORS})
def plans_accept(request: HttpRequest, case_id: int, version_id: int) -> dict[str, Any]:
    """Accept a proposed version (``version_id`` is the version's ``id`` from the list) on
    the creditor's side. It becomes ``active`` once the debtor has accepted it too."""
    user, case = _case(request, case_id, write=True)
    version = PlanVersion.objects.filter(pk=version_id, plan__case=case).first()
    if version is None:
        raise NotFound(
            "还款计划版本不存在。",
            "No such plan version on this case.",
            code="plan_not_found",
            details={"version_id": version_id},
        )
    services.plan_accept_staff(version=version, actor=user)
    return _version(_versions().get(pk=version.pk))


# --- transfer instructions: what is owed and how to pay it ---------------------------------
# Under /payments (the path clients know), served from here: the amounts are the plan-aware
# balance of ``negotiation.selectors.case_balance``.

transfer_router = Router(tags=["payments"])


@transfer_router.get(
    "/cases/{case_id}/transfer-instructions", response={200: dict[str, str], **ERRORS}
)
def case_transfer_instructions(request: HttpRequest, case_id: int) -> dict[str, str]:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    case = case_get_for_user(user, case_id)
    return selectors.transfer_instructions(case, payment_reference_for(case).code)
