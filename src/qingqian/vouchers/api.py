"""``/api/v1/vouchers`` and ``/api/v1/cases/{case_id}/vouchers``: list, read, issue, record
an assignment, its notice, a settlement or a cancellation, and download the PDF. Access,
scope and audit are the services'."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.responses import Status

from qingqian.accounts.http import api_user as _user
from qingqian.common.api_errors import ERRORS as COMMON_ERRORS
from qingqian.common.api_errors import ErrorOut
from qingqian.vouchers import services

router = Router(tags=["vouchers"])
ERRORS: dict[int | str, Any] = {**COMMON_ERRORS, 429: ErrorOut}  # and the rate limit


class VoucherPartyOut(Schema):
    name: str
    code: str


class VoucherEventOut(Schema):
    seq: int
    kind: str
    at: dt.datetime
    log_index: int | None


class VoucherOut(Schema):
    id: int
    number: str
    sha256: str
    case_id: int
    document: dict[str, Any]
    status: str
    holder: VoucherPartyOut
    acknowledged: bool
    notice_given: bool | None
    settled: str
    remaining: str
    events: list[VoucherEventOut]


class VoucherIssueIn(Schema):
    amount: str
    due_date: dt.date | None = None


class VoucherAssignIn(Schema):
    assignee: str
    code: str = ""


class VoucherNoticeIn(Schema):
    channel: Literal["email", "letter"]


class VoucherSettleIn(Schema):
    amount: str


class VoucherCancelIn(Schema):
    reason: str


@router.get("/vouchers", response={200: list[VoucherOut], **ERRORS})
def voucher_list(request: HttpRequest) -> list[dict[str, Any]]:
    rows = services.vouchers_visible_to(_user(request)).order_by("-created_at", "-pk")[:200]
    events = "events", "events__log_entry"
    return [
        services.voucher_json(v, sorted(v.events.all(), key=lambda e: e.seq))
        for v in rows.prefetch_related(*events)
    ]


@router.get("/vouchers/{voucher_id}", response={200: VoucherOut, **ERRORS})
def voucher_get(request: HttpRequest, voucher_id: int) -> dict[str, Any]:
    return services.voucher_json(services.voucher_read(_user(request), voucher_id))


@router.get("/vouchers/{voucher_id}/pdf", response={200: None, **ERRORS})
def voucher_pdf(request: HttpRequest, voucher_id: int) -> HttpResponse:
    user = _user(request)
    voucher = services.voucher_get_for_user(user, voucher_id)
    response = HttpResponse(
        services.voucher_pdf(voucher, actor=user), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{voucher.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.post("/cases/{case_id}/vouchers", response={201: VoucherOut, **ERRORS})
def voucher_issue(
    request: HttpRequest, case_id: int, body: VoucherIssueIn
) -> Status[dict[str, Any]]:
    voucher = services.voucher_issue(
        actor=_user(request), case_id=case_id, amount=body.amount, due_date=body.due_date
    )
    return Status(201, services.voucher_json(voucher))


def _event(request: HttpRequest, voucher_id: int, action: str, body: Any) -> dict[str, Any]:
    user = _user(request)
    voucher = services.voucher_get_for_user(user, voucher_id)
    if action == "assign":
        services.voucher_assign(actor=user, voucher=voucher, assignee=body.assignee, code=body.code)
    elif action == "notice":
        services.voucher_notice_send(actor=user, voucher=voucher, channel=body.channel)
    elif action == "settle":
        services.voucher_settle(actor=user, voucher=voucher, amount=body.amount)
    else:
        services.voucher_cancel(actor=user, voucher=voucher, reason=body.reason)
    return services.voucher_json(voucher)


@router.post("/vouchers/{voucher_id}/assign", response={200: VoucherOut, **ERRORS})
def voucher_assign(request: HttpRequest, voucher_id: int, body: VoucherAssignIn) -> dict[str, Any]:
    return _event(request, voucher_id, "assign", body)


@router.post("/vouchers/{voucher_id}/notice", response={200: VoucherOut, **ERRORS})
def voucher_notice(request: HttpRequest, voucher_id: int, body: VoucherNoticeIn) -> dict[str, Any]:
    return _event(request, voucher_id, "notice", body)


@router.post("/vouchers/{voucher_id}/settle", response={200: VoucherOut, **ERRORS})
def voucher_settle(request: HttpRequest, voucher_id: int, body: VoucherSettleIn) -> dict[str, Any]:
    return _event(request, voucher_id, "settle", body)


@router.post("/vouchers/{voucher_id}/cancel", response={200: VoucherOut, **ERRORS})
def voucher_cancel(request: HttpRequest, voucher_id: int, body: VoucherCancelIn) -> dict[str, Any]:
    return _event(request, voucher_id, "cancel", body)
