"""The case book's operations under ``/api/v1``: cases, their transitions and handlers,
the aging report, ledger imports and revealing a party's identifiers on a visible case."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from qingqian.accounts.http import api_user as _user
from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm, Role
from qingqian.cases import selectors, services
from qingqian.cases.aging import bucket_for, needs_judicial_route
from qingqian.cases.imports import ledger_import
from qingqian.cases.lifecycle import State, allowed_targets
from qingqian.cases.models import Case, PartyRole
from qingqian.cases.schemas import (
    AssignIn,
    CaseDetailOut,
    CaseIn,
    CaseListOut,
    ImportOut,
    PartyIn,
    RevealIn,
    RevealOut,
    TransitionIn,
)
from qingqian.common import bounds, clock
from qingqian.common.api_errors import ERRORS
from qingqian.common.exceptions import NotFound, PermissionDenied, ValidationFailed
from qingqian.common.money import format_amount, parse_amount
from qingqian.parties.models import Party
from qingqian.parties.services import party_create, party_reveal

router = Router()


def _need(user: User, perm: Perm) -> None:
    if not user.has_perm_code(perm):
        raise PermissionDenied(
            "您没有执行此操作的权限。",
            "You do not have permission to do this.",
            details={"permission": perm.value},
        )


def party_ref(p: Party) -> dict[str, Any]:
    return {"id": p.pk, "name": p.name, "kind": p.kind, "identifier_masked": p.identifier_masked}


def case_item(case: Case, as_of: dt.date) -> dict[str, Any]:
    links = getattr(case, "debtor_links", None)
    if links is None:
        links = [cp for cp in case.case_parties.all() if cp.role == PartyRole.DEBTOR]
    days = (as_of - case.oldest_due_date).days if case.oldest_due_date else None
    return {
        "id": case.pk,
        "reference": case.reference,
        "state": case.state,
        "outcome": case.outcome,
        "debt_type": case.debt_type,
        "principal": str(case.principal),
        "outstanding": str(case.outstanding),
        "currency": case.currency,
        "creditor": party_ref(case.creditor),
        "debtors": [party_ref(cp.party) for cp in links],
        "handler": case.handler.get_username() if case.handler else None,
        "oldest_due_date": case.oldest_due_date,
        "days_overdue": days,
        "aging_bucket": bucket_for(days).key if days is not None else None,
        "judicial_route": bool(days is not None and case.is_open and needs_judicial_route(days)),
        "channel": case.channel,
        "created_at": case.created_at,
    }


def case_detail(case: Case, as_of: dt.date) -> dict[str, Any]:
    data = case_item(case, as_of)
    data.update(
        guarantors=[
            party_ref(cp.party) for cp in case.case_parties.all() if cp.role == PartyRole.GUARANTOR
        ],
        interest_rate=str(case.interest_rate) if case.interest_rate is not None else None,
        interest_terms=case.interest_terms,
        contract_date=case.contract_date,
        funds_transfer_date=case.funds_transfer_date,
        due_date=case.due_date,
        last_payment_date=case.last_payment_date,
        summary=case.summary,
        invoices=[
            {
                "id": i.pk,
                "number": i.number,
                "amount": str(i.amount),
                "outstanding": str(i.outstanding),
                "issue_date": i.issue_date,
                "due_date": i.due_date,
            }
            for i in case.invoices.all()
        ],
        timeline=[
            {
                "at": t.at,
                "kind": t.kind,
                "from_state": t.from_state,
                "to_state": t.to_state,
                "note": t.note,
                "actor": t.actor.get_username() if t.actor else None,
            }
            for t in case.timeline.select_related("actor").all()[:200]
        ],
        allowed_transitions=sorted(allowed_targets(State(case.state))),
    )
    return data


class CaseQuery(Schema):
    q: str = ""
    state: str = ""
    debt_type: str = ""
    creditor_id: int | None = None
    bucket: str = ""
    judicial: bool = False
    as_of: dt.date | None = None
    page: int = 1
    per_page: int = 50


@router.get("/cases", response={200: CaseListOut, **ERRORS}, tags=["cases"])
def cases_list(request: HttpRequest, query: Query[CaseQuery]) -> dict[str, Any]:
    user = _user(request)
    _need(user, Perm.CASE_VIEW)
    if not 1 <= query.per_page <= 200:
        raise ValidationFailed(
            "每页条数应在 1–200 之间。",
            "per_page must be between 1 and 200.",
            code="invalid_page_size",
        )
    if not 1 <= query.page <= bounds.PAGE_MAX:
        raise ValidationFailed(
            f"页码应在 1–{bounds.PAGE_MAX} 之间。",
            f"page must be between 1 and {bounds.PAGE_MAX}.",
            code="invalid_page",
        )
    if query.creditor_id is not None:
        bounds.check_id(query.creditor_id, field="creditor_id")
    as_of = bounds.check_date(query.as_of, field="as_of") if query.as_of else clock.today()
    filters = selectors.CaseFilters(
        q=query.q,
        state=query.state,
        debt_type=query.debt_type,
        creditor_id=query.creditor_id,
        bucket=query.bucket,
        judicial=query.judicial,
        as_of=as_of,
    )
    rows, count, exact = selectors.case_list_page(
        user, filters, page=query.page, per_page=query.per_page
    )
    return {
        "items": [case_item(c, as_of) for c in rows],
        "count": count,
        "count_exact": exact,
        "page": query.page,
        "per_page": query.per_page,
    }


def _party_from_input(user: User, data: PartyIn) -> Party:
    org = user.organisation
    assert org is not None
    if data.id is not None:
        # Only a party the user can already see: on a case in the user's scope, or the
        # user's own creditor (staff who see every case see every party of the firm).
        party = Party.objects.filter(organisation=org, pk=data.id).first()
        if party is not None and not (
            (user.role != Role.CREDITOR and user.has_perm_code(Perm.CASE_VIEW_ALL))
            or party.pk == user.creditor_id
            or selectors.cases_visible_to(user).filter(case_parties__party_id=party.pk).exists()
        ):
            party = None
        if party is None:
            raise NotFound(
                "当事人不存在。",
                "Party not found.",
                code="party_not_found",
                details={"party_id": data.id},
            )
        return party
    if not data.kind or not data.name:
        raise ValidationFailed(
            "新当事人需要类型和名称。",
            "A new party needs a kind and a name.",
            code="party_incomplete",
        )
    return party_create(
        organisation=org,
        actor=user,
        kind=data.kind,
        name=data.name,
        credit_code=data.credit_code,
        id_number=data.id_number,
        phone=data.phone,
        city=data.city,
        district=data.district,
        address=data.address,
    )


@router.post("/cases", response={201: CaseDetailOut, **ERRORS}, tags=["cases"])
def cases_create(request: HttpRequest, payload: CaseIn) -> Status[dict[str, Any]]:
    from django.db import transaction

    user = _user(request)
    _need(user, Perm.CASE_CREATE)
    org = user.organisation
    if org is None:
        raise PermissionDenied("用户不属于任何机构。", "The user has no organisation.")
    with transaction.atomic():
        creditor = Party.objects.filter(organisation=org, pk=payload.creditor_id).first()
        if creditor is None:
            raise NotFound("债权人不存在。", "Creditor not found.", code="creditor_not_found")
        if user.role == Role.CREDITOR and user.creditor_id != creditor.pk:
            raise PermissionDenied(
                "只能为本债权人提交案件。",
                "You can only submit cases for your own creditor.",
                code="creditor_scope",
            )
        debtors = [_party_from_input(user, d) for d in payload.debtors]
        guarantors = [_party_from_input(user, g) for g in payload.guarantors]
        handler = None
        if payload.handler_id is not None:
            handler = User.objects.filter(organisation=org, pk=payload.handler_id).first()
            if handler is None:
                raise NotFound("承办人不存在。", "Handler not found.", code="handler_not_found")
        invoices = [
            services.InvoiceInput(
                number=i.number.strip(),
                amount=parse_amount(i.amount, field="invoices.amount"),
                issue_date=i.issue_date,
                due_date=i.due_date,
                note=i.note,
            )
            for i in payload.invoices
        ]
        for inv in invoices:
            if inv.issue_date and inv.due_date and inv.due_date < inv.issue_date:
                raise ValidationFailed(
                    f"发票 {inv.number} 的到期日早于开票日期。",
                    f"Invoice {inv.number} is due before it was issued.",
                    code="due_before_issue",
                    details={"invoice": inv.number},
                )
        rate = None
        if payload.interest_rate not in (None, ""):
            try:
                rate = Decimal(str(payload.interest_rate))
            except ArithmeticError:
                raise ValidationFailed(
                    "利率不是数字。", "The interest rate is not a number.", code="invalid_rate"
                ) from None
        case = services.case_open(
            organisation=org,
            actor=user,
            creditor=creditor,
            debtors=debtors,
            guarantors=guarantors,
            debt_type=payload.debt_type,
            principal=payload.principal,
            invoices=invoices,
            channel="api",
            currency=payload.currency,
            interest_rate=rate,
            interest_terms=payload.interest_terms,
            contract_date=payload.contract_date,
            funds_transfer_date=payload.funds_transfer_date,
            due_date=payload.due_date,
            last_payment_date=payload.last_payment_date,
            summary=payload.summary,
            handler=handler,
        )
    case = selectors.case_get_for_user(user, case.pk, for_detail=True)
    return Status(201, case_detail(case, clock.today()))


@router.get("/cases/{case_id}", response={200: CaseDetailOut, **ERRORS}, tags=["cases"])
def cases_get(request: HttpRequest, case_id: int) -> dict[str, Any]:
    case = selectors.case_get_for_user(_user(request), case_id, for_detail=True)
    return case_detail(case, clock.today())


@router.post("/cases/{case_id}/transition", response={200: CaseDetailOut, **ERRORS}, tags=["cases"])
def cases_transition(request: HttpRequest, case_id: int, payload: TransitionIn) -> dict[str, Any]:
    user = _user(request)
    case = selectors.case_get_for_user(user, case_id)
    services.case_transition(
        case=case, actor=user, to_state=payload.to_state, outcome=payload.outcome, note=payload.note
    )
    return case_detail(selectors.case_get_for_user(user, case_id, for_detail=True), clock.today())


@router.post("/cases/{case_id}/assign", response={200: CaseDetailOut, **ERRORS}, tags=["cases"])
def cases_assign(request: HttpRequest, case_id: int, payload: AssignIn) -> dict[str, Any]:
    user = _user(request)
    case = selectors.case_get_for_user(user, case_id)
    handler = None
    if payload.handler_id is not None:
        handler = User.objects.filter(organisation=user.organisation, pk=payload.handler_id).first()
        if handler is None:
            raise NotFound("承办人不存在。", "Handler not found.", code="handler_not_found")
    services.case_assign(case=case, actor=user, handler=handler)
    return case_detail(selectors.case_get_for_user(user, case_id, for_detail=True), clock.today())


@router.get("/aging", response={200: dict[str, Any], **ERRORS}, tags=["cases"])
def aging(
    request: HttpRequest, as_of: dt.date | None = None, group_by: str = "creditor"
) -> dict[str, Any]:
    user = _user(request)
    _need(user, Perm.REPORT_VIEW)
    if group_by not in ("creditor", "debtor"):
        raise ValidationFailed(
            "group_by 只能是 creditor 或 debtor。",
            "group_by must be creditor or debtor.",
            code="invalid_group_by",
        )
    as_of = bounds.check_date(as_of, field="as_of") if as_of else clock.today()
    report = selectors.aging_report(user, as_of, group_by=group_by)
    report.pop("buckets")

    def money(d: dict[str, Any]) -> dict[str, Any]:
        return {
            k: {"amount": format_amount(v["amount"]), "count": v["count"]} for k, v in d.items()
        }

    return {
        "as_of": str(report["as_of"]),
        "group_by": group_by,
        "totals": money(report["totals"]),
        "groups": [
            {"id": g["id"], "name": g["name"], "buckets": money(g["buckets"])}
            for g in report["groups"]
        ],
    }


@router.post("/imports", response={200: ImportOut, **ERRORS}, tags=["imports"])
def imports_create(
    request: HttpRequest,
    creditor_id: Form[int],
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
) -> dict[str, Any]:
    user = _user(request)
    _need(user, Perm.IMPORT_RUN)
    org = user.organisation
    creditor = Party.objects.filter(organisation=org, pk=creditor_id).first()
    if org is None or creditor is None:
        raise NotFound("债权人不存在。", "Creditor not found.", code="creditor_not_found")
    if file.size and file.size > settings.QINGQIAN_MAX_IMPORT_BYTES:
        raise ValidationFailed(
            "文件过大。",
            "The file is too large.",
            code="file_too_large",
            status=413,
            details={"limit": settings.QINGQIAN_MAX_IMPORT_BYTES},
        )
    result = ledger_import(
        organisation=org,
        creditor=creditor,
        actor=user,
        file=file,
        filename=file.name or "ledger.csv",
        dry_run=dry_run,
    )
    if result.errors:
        more = "+" if result.errors_truncated else ""
        raise ValidationFailed(
            f"{len(result.errors)}{more} 行有错误，未导入任何数据。",
            f"{len(result.errors)}{more} row(s) are invalid; nothing was imported.",
            code="ledger_rows_invalid",
            details=result.as_dict(),
        )
    return result.as_dict()


@router.post("/parties/{party_id}/reveal", response={200: RevealOut, **ERRORS}, tags=["parties"])
def parties_reveal(request: HttpRequest, party_id: int, payload: RevealIn) -> dict[str, str]:
    user = _user(request)
    field: Literal["id_number", "phone"]
    if payload.field == "id_number":
        field = "id_number"
    elif payload.field == "phone":
        field = "phone"
    else:
        raise ValidationFailed(
            "field 只能是 id_number 或 phone。",
            "field must be id_number or phone.",
            code="invalid_field",
        )
    # A party is visible through a case the user can see (or as the user's own creditor).
    visible = selectors.cases_visible_to(user).filter(case_parties__party_id=party_id).exists()
    party = Party.objects.filter(pk=party_id, organisation=user.organisation).first()
    if party is None or not visible:
        raise NotFound("当事人不存在。", "Party not found.", code="party_not_found")
    return {"field": field, "value": party_reveal(actor=user, party=party, field=field)}
