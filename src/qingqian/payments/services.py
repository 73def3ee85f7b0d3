"""Writes for money: payments (recorded once, allocated by Civil Code Arts. 560 and 561),
reversals, commission accrual and the trust journal.

Every payment changes invoices, the case's denormalised ``outstanding``, the case log
(timeline → ledger entry), the audit log and the trust journal in ONE transaction, with the
case, its invoices and the touched trust balances locked ``FOR UPDATE``. The idempotency key
is unique per organisation; the same key again returns the payment already recorded."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Perm
from qingqian.calculators.allocation import Debt, allocate, allocate_across
from qingqian.cases.models import Case, Invoice
from qingqian.cases.services import require, timeline_add
from qingqian.common import clock
from qingqian.common.exceptions import Conflict, ValidationFailed
from qingqian.common.money import parse_amount
from qingqian.compliance.services import audit_record
from qingqian.payments import trust
from qingqian.payments.commission import commission_for_recovery
from qingqian.payments.errors import PaymentsError
from qingqian.payments.models import (
    NON_CASH_KINDS,
    Component,
    JournalEntry,
    JournalLine,
    Payment,
    PaymentAllocation,
    PaymentKind,
    PaymentReference,
    TrustBalance,
)
from qingqian.payments.selectors import CommissionRate, commission_rate

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
_SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True, slots=True)
class Share:
    invoice_id: int | None
    component: str
    amount: Decimal


# --------------------------------------------------------------------------- validation


def _check_amount(amount: object) -> Decimal:
    value = parse_amount(amount, field="amount")
    if value <= 0:
        raise PaymentsError(
            "收款金额必须大于零。",
            "The payment amount must be greater than zero.",
            code="payment_amount_invalid",
            details={"field": "amount", "amount": str(value)},
        )
    return value


def _check_kind(kind: str) -> str:
    if kind not in PaymentKind.values or kind == PaymentKind.REVERSAL:
        raise PaymentsError(
            f"未知的收款方式：{kind}",
            f"Unknown payment kind: {kind}",
            code="payment_kind_invalid",
            details={"field": "kind", "kinds": [k for k in PaymentKind.values if k != "reversal"]},
        )
    return kind


def _check_key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > 128:
        raise PaymentsError(
            "幂等键必须为 1–128 个字符。",
            "The idempotency key must be 1 to 128 characters.",
            code="payment_key_invalid",
            details={"field": "idempotency_key"},
        )
    return key


def _same_or_conflict(existing: Payment, *, case: Case, amount: Decimal, kind: str) -> Payment:
    if existing.case_id != case.pk or existing.amount != amount or existing.kind != kind:
        raise Conflict(
            "同一幂等键已记录了另一笔收款（案件、金额或方式不同）。",
            "A different payment (case, amount or kind) was already recorded under this "
            "idempotency key.",
            code="payment_key_conflict",
            details={
                "idempotency_key": existing.idempotency_key,
                "payment_id": existing.pk,
                "recorded_amount": str(existing.amount),
                "amount": str(amount),
            },
        )
    return existing


# --------------------------------------------------------------------------- allocation


def allocation_plan(
    *,
    case: Case,
    invoices: Iterable[Invoice],
    amount: Decimal,
    on: dt.date,
    invoice_amounts: Mapping[int, Decimal] | None = None,
) -> list[Share]:
    """How ``amount`` is applied (pure given its inputs; no writes).

    Invoices carry principal only today (``Invoice.outstanding``), so Art. 561 puts every yuan
    on principal; costs and interest enter here when they are stored per invoice. Art. 560
    orders the invoices (due first, then earliest due, same due date pro rata); a case
    without invoices takes the payment on its own outstanding. What exceeds the debt is a
    ``surplus`` share, held for refund."""
    open_invoices = [i for i in invoices if i.outstanding > 0]
    shares: list[Share] = []
    if invoice_amounts is not None:
        by_id = {i.pk: i for i in invoices}
        total = ZERO
        for invoice_id, raw in invoice_amounts.items():
            part = _check_amount(raw)
            invoice = by_id.get(invoice_id)
            if invoice is None:
                raise PaymentsError(
                    f"发票 {invoice_id} 不属于本案。",
                    f"Invoice {invoice_id} does not belong to this case.",
                    code="payment_invoice_unknown",
                    details={"invoice_id": invoice_id},
                )
            if part > invoice.outstanding:
                raise PaymentsError(
                    f"发票 {invoice.number} 只欠 {invoice.outstanding}，不能冲抵 {part}。",
                    f"Invoice {invoice.number} has only {invoice.outstanding} outstanding, "
                    f"not {part}.",
                    code="payment_invoice_overpaid",
                    details={"invoice_id": invoice_id, "outstanding": str(invoice.outstanding)},
                )
            figures = allocate(part, principal=invoice.outstanding).figures
            for component in ("costs", "interest", "principal"):
                value = Decimal(str(figures[f"to_{component}"]))
                if value:
                    shares.append(Share(invoice_id, component, value))
            total += part
        if total != amount:
            raise PaymentsError(
                f"各发票冲抵金额合计 {total} 与收款金额 {amount} 不一致。",
                f"The invoice amounts add up to {total}, not the payment's {amount}.",
                code="payment_invoice_sum_mismatch",
                details={"sum": str(total), "amount": str(amount)},
            )
        return shares
    if not open_invoices:
        owed = case.outstanding if not list(invoices) else ZERO
        applied = min(owed, amount)
        if applied:
            shares.append(Share(None, Component.PRINCIPAL, applied))
        if amount - applied:
            shares.append(Share(None, Component.SURPLUS, amount - applied))
        return shares
    if len(open_invoices) == 1:
        # One debt: Art. 560 has nothing to order; Art. 561 within it.
        only = open_invoices[0]
        applied = min(amount, only.outstanding)
        shares.append(Share(only.pk, Component.PRINCIPAL, applied))
        if amount - applied:
            shares.append(Share(None, Component.SURPLUS, amount - applied))
        return shares
    debts = [
        Debt(
            id=str(i.pk),
            due=i.due_date or i.issue_date or case.due_date or on,
            principal=i.outstanding,
        )
        for i in open_invoices
    ]
    figures = allocate_across(amount, debts, as_of=on).figures
    for row in figures["debts"]:
        for component in ("costs", "interest", "principal"):
            value = row[f"to_{component}"]
            if value:
                shares.append(Share(int(row["id"]), component, value))
    surplus = figures["surplus"]
    if surplus:
        shares.append(Share(None, Component.SURPLUS, surplus))
    return shares


# --------------------------------------------------------------------------- trust journal


def journal_post(
    *,
    organisation: Organisation,
    txn: trust.Transaction,
    payment: Payment | None = None,
    remittance: Any = None,
) -> JournalEntry:
    """Persist one balanced trust transaction after the kernel's guards pass on the locked
    balances. Call inside a transaction."""
    accounts = sorted(
        {p.account for p in txn.postings} | set(trust.creditor_accounts(txn.creditor))
    )
    TrustBalance.objects.bulk_create(
        [TrustBalance(organisation=organisation, account=a, fen=0) for a in accounts],
        ignore_conflicts=True,
    )
    rows = {
        b.account: b
        for b in TrustBalance.objects.select_for_update()
        .filter(organisation=organisation, account__in=accounts)
        .order_by("account")
    }
    after = trust.check_posting({a: r.fen for a, r in rows.items()}, txn)
    for account, fen in after.items():
        rows[account].fen = fen
    TrustBalance.objects.bulk_update([rows[a] for a in after], ["fen"])
    entry = JournalEntry.objects.create(
        organisation=organisation,
        txn_id=txn.txn_id,
        kind=txn.kind.value,
        creditor_id=int(txn.creditor),
        on=txn.on,
        reverses=txn.reverses or "",
        reference=txn.reference,
        payment=payment,
        remittance=remittance,
    )
    JournalLine.objects.bulk_create(
        [JournalLine(entry=entry, account=p.account, fen=p.fen) for p in txn.postings]
    )
    return entry


def journal_transactions(entries: Iterable[JournalEntry]) -> list[trust.Transaction]:
    """Stored entries (with ``lines`` prefetched) as kernel transactions."""
    return [
        trust.Transaction(
            txn_id=e.txn_id,
            kind=trust.Kind(e.kind),
            creditor=str(e.creditor_id),
            on=e.on,
            postings=tuple(trust.Posting(x.account, x.fen) for x in e.lines.all()),
            reverses=e.reverses or None,
            reference=e.reference,
        )
        for e in entries
    ]


# --------------------------------------------------------------------------- payments


def _business_day(at: dt.datetime) -> dt.date:
    return at.astimezone(_SHANGHAI).date()


def _recovered_before(case: Case, rate: CommissionRate) -> Decimal:
    total = ZERO
    for kind, value in Payment.objects.filter(case=case).values_list("kind", "commissionable"):
        if kind == PaymentKind.REVERSAL or kind in rate.counts:
            total += value
    return total


def _describe(shares: list[Share]) -> str:
    labels = {c.value: str(c.label) for c in Component}
    totals: dict[str, Decimal] = {}
    for s in shares:
        totals[s.component] = totals.get(s.component, ZERO) + s.amount
    return "，".join(f"{labels[k]} {v}" for k, v in totals.items())


def payment_record(
    *,
    case: Case,
    amount: Decimal,
    kind: str,
    idempotency_key: str,
    actor: User | None,
    received_at: dt.datetime | None = None,
    reference: str = "",
    note: str = "",
    invoice_amounts: dict[int, Decimal] | None = None,
) -> tuple[Payment, bool]:
    """Record a payment once. Returns ``(payment, created)``; the same key again returns the
    recorded payment, and a different case, amount or kind under it is a 409 Conflict."""
    require(actor, Perm.CASE_TRANSITION)
    value = _check_amount(amount)
    kind = _check_kind(kind)
    key = _check_key(idempotency_key)
    existing = Payment.objects.filter(
        organisation_id=case.organisation_id, idempotency_key=key
    ).first()
    if existing is not None:
        return _same_or_conflict(existing, case=case, amount=value, kind=kind), False
    try:
        with transaction.atomic():
            return _record(
                case=case,
                amount=value,
                kind=kind,
                key=key,
                actor=actor,
                received_at=received_at or clock.now(),
                reference=reference[:64],
                note=note[:300],
                invoice_amounts=invoice_amounts,
            )
    except IntegrityError:
        # Another delivery with the same key committed between our check and insert.
        existing = Payment.objects.filter(
            organisation_id=case.organisation_id, idempotency_key=key
        ).first()
        if existing is None:
            raise
        return _same_or_conflict(existing, case=case, amount=value, kind=kind), False


def _record(
    *,
    case: Case,
    amount: Decimal,
    kind: str,
    key: str,
    actor: User | None,
    received_at: dt.datetime,
    reference: str,
    note: str,
    invoice_amounts: dict[int, Decimal] | None,
) -> tuple[Payment, bool]:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    # Deliveries of one key serialise on the case lock; the loser sees the winner's row.
    existing = Payment.objects.filter(
        organisation_id=locked.organisation_id, idempotency_key=key
    ).first()
    if existing is not None:
        return _same_or_conflict(existing, case=locked, amount=amount, kind=kind), False
    if kind == PaymentKind.SETOFF and not invoice_amounts:
        raise PaymentsError(
            "抵销必须指明冲抵的发票及金额。",
            "A set-off must name the invoices it settles and the amount for each.",
            code="payment_setoff_unpinned",
            details={"field": "invoice_amounts"},
        )
    invoices = list(
        Invoice.objects.select_for_update().filter(case=locked).order_by("due_date", "id")
    )
    on = _business_day(received_at)
    shares = allocation_plan(
        case=locked, invoices=invoices, amount=amount, on=on, invoice_amounts=invoice_amounts
    )
    surplus = sum((s.amount for s in shares if s.component == Component.SURPLUS), ZERO)
    applied = amount - surplus
    rate = commission_rate(locked, on)
    commission = ZERO
    commissionable = ZERO
    if rate is not None and kind in rate.counts and applied > 0:
        commissionable = applied
        commission = commission_for_recovery(
            rate.schedule, recovered_before=_recovered_before(locked, rate), amount=applied
        ).commission
    payment = Payment.objects.create(
        organisation_id=locked.organisation_id,
        case=locked,
        kind=kind,
        amount=amount,
        received_at=received_at,
        idempotency_key=key,
        reference=reference,
        note=note,
        actor=actor,
        commissionable=commissionable,
        commission=commission,
    )
    PaymentAllocation.objects.bulk_create(
        [
            PaymentAllocation(
                payment=payment, invoice_id=s.invoice_id, component=s.component, amount=s.amount
            )
            for s in shares
        ]
    )
    _apply_to_debt(locked, invoices, shares, sign=-1, on=on)
    _post_payment(locked, payment, on=on, surplus=surplus, commission=commission)
    timeline_add(
        case=locked,
        actor=actor,
        kind="payment",
        note=f"收款 {amount} 元（{PaymentKind(kind).label}）：{_describe(shares)}；"
        f"未收余额 {locked.outstanding}",
    )
    audit_record(
        actor=actor,
        organisation=locked.organisation,
        action="payment.record",
        obj=payment,
        after=_snapshot(payment, shares) | {"case_outstanding": str(locked.outstanding)},
    )
    case.outstanding = locked.outstanding
    return payment, True


def _apply_to_debt(
    case: Case, invoices: list[Invoice], shares: list[Share], *, sign: int, on: dt.date | None
) -> None:
    by_id = {i.pk: i for i in invoices}
    touched: dict[int, Invoice] = {}
    debt_change = ZERO
    for s in shares:
        if s.component == Component.SURPLUS:
            continue
        debt_change += s.amount
        if s.component == Component.PRINCIPAL and s.invoice_id is not None:
            invoice = by_id[s.invoice_id]
            invoice.outstanding += sign * s.amount
            touched[invoice.pk] = invoice
    if touched:
        Invoice.objects.bulk_update(list(touched.values()), ["outstanding"])
    case.outstanding += sign * debt_change
    fields = ["outstanding", "updated_at"]
    if on is not None and (case.last_payment_date is None or on > case.last_payment_date):
        case.last_payment_date = on
        fields.append("last_payment_date")
    case.save(update_fields=fields)


def _post_payment(
    case: Case, payment: Payment, *, on: dt.date, surplus: Decimal, commission: Decimal
) -> None:
    org = case.organisation
    creditor = str(case.creditor_id)
    method = trust.Method.SETOFF if payment.kind in NON_CASH_KINDS else trust.Method.CASH
    ref = payment.reference
    journal_post(
        organisation=org,
        txn=trust.receipt(
            f"p{payment.pk}", creditor, payment.amount, on, method=method, reference=ref
        ),
        payment=payment,
    )
    if surplus:
        journal_post(
            organisation=org,
            txn=trust.hold(f"p{payment.pk}h", creditor, surplus, on, reference="surplus"),
            payment=payment,
        )
    if commission:
        journal_post(
            organisation=org,
            txn=trust.commission(f"p{payment.pk}c", creditor, commission, on),
            payment=payment,
        )


def _snapshot(payment: Payment, shares: list[Share]) -> dict[str, Any]:
    return {
        "kind": payment.kind,
        "amount": str(payment.amount),
        "idempotency_key": payment.idempotency_key,
        "reference": payment.reference,
        "commission": str(payment.commission),
        "allocation": [
            {"invoice": s.invoice_id, "component": s.component, "amount": str(s.amount)}
            for s in shares
        ],
    }


@transaction.atomic
def payment_reverse(*, payment: Payment, actor: User | None, reason: str) -> Payment:
    """Reverse a payment (bounced transfer, recorded in error): the exact negation of its
    allocation and trust postings, and of its commission by the cumulative rule."""
    require(actor, Perm.CASE_TRANSITION)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "请填写冲正原因。",
            "A reason for the reversal is required.",
            code="reason_missing",
            details={"field": "reason"},
        )
    case = Case.objects.select_for_update().get(pk=payment.case_id)
    original = Payment.objects.select_for_update().get(pk=payment.pk)
    if original.kind == PaymentKind.REVERSAL:
        raise PaymentsError(
            "冲正记录不能再冲正；请重新登记收款。",
            "A reversal cannot be reversed; record the payment again instead.",
            code="payment_reversal_of_reversal",
            details={"payment_id": original.pk},
        )
    if Payment.objects.filter(reverses=original).exists():
        raise Conflict(
            "该笔收款已被冲正。",
            "This payment has already been reversed.",
            code="payment_already_reversed",
            details={"payment_id": original.pk},
        )
    invoices = list(
        Invoice.objects.select_for_update().filter(case=case).order_by("due_date", "id")
    )
    shares = [
        Share(a.invoice_id, a.component, a.amount) for a in original.allocations.order_by("id")
    ]
    today = clock.today()
    commission = ZERO
    rate = commission_rate(case, _business_day(original.received_at))
    if original.commissionable and rate is not None:
        commission = commission_for_recovery(
            rate.schedule,
            recovered_before=_recovered_before(case, rate),
            amount=-original.commissionable,
        ).commission
    reversal = Payment.objects.create(
        organisation_id=case.organisation_id,
        case=case,
        kind=PaymentKind.REVERSAL,
        amount=-original.amount,
        received_at=clock.now(),
        idempotency_key=f"reversal:{original.pk}",
        reference=original.reference,
        note=reason[:300],
        reverses=original,
        actor=actor,
        commissionable=-original.commissionable,
        commission=commission,
    )
    PaymentAllocation.objects.bulk_create(
        [
            PaymentAllocation(
                payment=reversal, invoice_id=s.invoice_id, component=s.component, amount=-s.amount
            )
            for s in shares
        ]
    )
    _apply_to_debt(case, invoices, shares, sign=1, on=None)
    org = case.organisation
    # Commission back first, so the creditor's held money covers the receipt's reversal.
    if commission:
        journal_post(
            organisation=org,
            txn=trust.commission(f"p{reversal.pk}c", str(case.creditor_id), commission, today),
            payment=reversal,
        )
    for entry in journal_transactions(
        JournalEntry.objects.filter(payment=original, kind__in=["receipt", "hold"])
        .prefetch_related("lines")
        .order_by("-id")
    ):
        journal_post(
            organisation=org,
            txn=trust.reversal(f"r{entry.txn_id}", entry, today, reference=reason[:64]),
            payment=reversal,
        )
    timeline_add(
        case=case,
        actor=actor,
        kind="payment_reversed",
        note=f"冲正收款 {original.amount} 元：{reason}；未收余额 {case.outstanding}",
    )
    audit_record(
        actor=actor,
        organisation=org,
        action="payment.reverse",
        obj=reversal,
        before={"payment_id": original.pk, "amount": str(original.amount)},
        after={"reason": reason, "commission": str(commission)},
    )
    return reversal


# --------------------------------------------------------------------------- references


def _check_digit(digits: str) -> str:
    """ISO 7064 MOD 11-10, so a mistyped digit in a transfer memo is caught."""
    product = 10
    for ch in digits:
        total = (int(ch) + product) % 10 or 10
        product = (total * 2) % 11
    return str((11 - product) % 10)


def payment_reference_check(code: str) -> bool:
    body = code.removeprefix("QQ")
    return len(body) == 10 and body.isdigit() and _check_digit(body[:-1]) == body[-1]


def payment_reference_for(case: Case) -> PaymentReference:
    """The case's unique bank-transfer reference (``QQ`` + 9 digits + check digit), created on
    first use."""
    found = PaymentReference.objects.filter(case=case).first()
    if found is not None:
        return found
    for _attempt in range(8):
        body = f"{secrets.randbelow(10**9):09d}"
        code = f"QQ{body}{_check_digit(body)}"
        try:
            with transaction.atomic():
                return PaymentReference.objects.create(case=case, code=code)
        except IntegrityError:
            found = PaymentReference.objects.filter(case=case).first()
            if found is not None:
                return found
    raise Conflict(  # pragma: no cover - 8 collisions in 10^9 codes
        "无法生成唯一的付款参考号，请重试。",
        "Could not generate a unique payment reference; try again.",
        code="payment_reference_exhausted",
    )
