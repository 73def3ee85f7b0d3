"""``/api/v1/payments``: the provider webhook (authenticated by its signature), staff
recording of payments, and the bank-transfer instructions of a case."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.responses import Status

from qingqian.accounts.models import User
from qingqian.cases.selectors import case_get_for_user
from qingqian.common.api_errors import ERRORS
from qingqian.common.money import parse_amount
from qingqian.payments.provider import wechatpay_notify
from qingqian.payments.services import payment_record

router = Router(tags=["payments"])


class PaymentIn(Schema):
    amount: str
    kind: str
    idempotency_key: str
    reference: str = ""
    note: str = ""


class AllocationOut(Schema):
    invoice: str | None
    component: str
    amount: str


class PaymentOut(Schema):
    id: int
    case: str
    kind: str
    amount: str
    received_at: str
    reference: str
    commission: str
    created: bool
    case_outstanding: str
    allocations: list[AllocationOut]


def _out(payment: Any, created: bool) -> dict[str, Any]:
    return {
        "id": payment.pk,
        "case": payment.case.reference,
        "kind": payment.kind,
        "amount": str(payment.amount),
        "received_at": payment.received_at.isoformat(),
        "reference": payment.reference,
        "commission": str(payment.commission),
        "created": created,
        "case_outstanding": str(payment.case.outstanding),
        "allocations": [
            {
                "invoice": a.invoice.number if a.invoice else None,
                "component": a.component,
                "amount": str(a.amount),
            }
            for a in payment.allocations.select_related("invoice").order_by("id")
        ],
    }


@router.post("/wechatpay/notify", auth=None, response={204: None, **ERRORS})
def wechatpay_notification(request: HttpRequest) -> HttpResponse:
    """WeChat Pay APIv3 payment notice. 204 when recorded (or already recorded); 4xx with
    ``{"code", "message", "details"}`` otherwise, so the provider retries."""
    wechatpay_notify(headers=dict(request.headers), body=request.body)
    return HttpResponse(status=204)


@router.post("/cases/{case_id}/payments", response={200: PaymentOut, 201: PaymentOut, **ERRORS})
def case_payment_record(request: HttpRequest, case_id: int, data: PaymentIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    case = case_get_for_user(user, case_id)
    payment, created = payment_record(
        case=case,
        amount=parse_amount(data.amount),
        kind=data.kind,
        idempotency_key=data.idempotency_key,
        actor=user,
        reference=data.reference,
        note=data.note,
    )
    return Status(201 if created else 200, _out(payment, created))
