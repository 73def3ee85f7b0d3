"""Writes for money: payments (recorded once, allocated by Civil Code Arts. 560 and 561),
reversals, commission accrual and the trust journal.

Every payment changes invoices, the case's denormalised ``outstanding``, the case log
(timeline → ledger entry), the audit log and the trust journal in ONE transaction, with the
case, its invoices and the touched trust balances locked ``FOR UPDATE``. The idempotency key
is unique per organisation; the same key again returns the payment already recorded."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Perm
from qingqian.audit.services import audit_record
from qingqian.cases.models import Case, Invoice
from qingqian.cases.services import require, timeline_add
from qingqian.common import bounds, clock
from qingqian.common.exceptions import Conflict, ValidationFailed
from qingqian.common.language import in_record_language
from qingqian.common.money import display_amount as _y
from qingqian.common.money import parse_amount
from qingqian.common.tz import BUSINESS_TZ
from qingqian.fees.commission import commission_for_recovery
from qingqian.payments import allocation, trust
from qingqian.payments.allocation import ChargeState, DebtState, Share, to_fen, to_yuan
from qingqian.payments.errors import PaymentsError
from qingqian.payments.models import (
    COST_KINDS,
    INTEREST_KINDS,
    NON_CASH_KINDS,
    Charge,
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
_SHANGHAI = BUSINESS_TZ


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


def _check_received(received_at: dt.datetime) -> dt.datetime:
    """A payment's date lies in the general range (``common.bounds``; business time zone)."""
    day = received_at.date()
    if received_at.tzinfo is not None and bounds.DATE_MIN < day < bounds.DATE_MAX:
        day = received_at.astimezone(_SHANGHAI).date()
    bounds.check_date(day, field="received_at")
    return received_at


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
        details: dict[str, Any] = {"idempotency_key": existing.idempotency_key}
        if existing.case_id == case.pk:
            # The recorded payment is the caller's own case's: say what it was. Under another
            # case (another scope) say nothing of it (security finding 15).
            details |= {
                "payment_id": existing.pk,
                "recorded_amount": str(existing.amount),
                "amount": str(amount),
            }
        raise Conflict(
            "同一幂等键已记录了另一笔收款（案件、金额或方式不同）。",
            "A different payment (case, amount or kind) was already recorded under this "
            "idempotency key.",
            code="payment_key_conflict",
            details=details,
        )
    return existing


# --------------------------------------------------------------------------- allocation


def debts_of(case: Case, invoices: Sequence[Invoice], charges: Iterable[Charge]) -> list[DebtState]:
    """The case's debts for allocation: one per invoice (principal = ``Invoice.outstanding``)
    with its cost and interest rows, or the case itself when it has no invoices."""
    by_invoice: dict[int | None, list[ChargeState]] = {}
    for c in sorted(charges, key=lambda c: c.pk):
        by_invoice.setdefault(c.invoice_id, []).append(
            ChargeState(c.pk, c.component, to_fen(c.outstanding))
        )
    if not invoices:
        return [DebtState(None, case.due_date, to_fen(case.outstanding), by_invoice.get(None, []))]
    return [
        DebtState(
            i.pk,
            i.due_date or i.issue_date or case.due_date,
            to_fen(i.outstanding),
            by_invoice.get(i.pk, []),
            i.number,
        )
        for i in invoices
    ]


def allocation_plan(
    *,
    case: Case,
    invoices: Sequence[Invoice],
    amount: Decimal,
    on: dt.date,
    invoice_amounts: Mapping[int, Decimal] | None = None,
    charges: Iterable[Charge] = (),
) -> list[Share]:
    """How ``amount`` is applied (pure given its inputs; no writes): Art. 561 within each
    debt (costs, interest, principal), Art. 560 across them unless the debtor pinned the
    amounts per invoice. See ``payments.allocation``."""
    pinned = None
    if invoice_amounts is not None:
        pinned = {k: _check_amount(v) for k, v in invoice_amounts.items()}
    return allocation.plan(debts_of(case, invoices, charges), amount, on=on, pinned=pinned)


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
    return "，".join(f"{labels[k]} {_y(v)}" for k, v in allocation.totals(shares).items())


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
    if received_at is not None:
        _check_received(received_at)
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


@in_record_language
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
    invoices, charges = _lock_debts(locked)
    on = _business_day(received_at)
    shares = allocation_plan(
        case=locked,
        invoices=invoices,
        amount=amount,
        on=on,
        invoice_amounts=invoice_amounts,
        charges=charges,
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
                payment=payment,
                invoice_id=s.invoice_id,
                charge_id=s.charge_id,
                component=s.component,
                amount=s.amount,
            )
            for s in shares
        ]
    )
    _apply_to_debt(locked, invoices, charges, shares, sign=-1, on=on)
    _post_payment(locked, payment, on=on, surplus=surplus, commission=commission)
    # In the record language whatever the recorder reads (``@in_record_language``).
    note = (
        f"收款 {_y(amount)} 元（{PaymentKind(kind).label}）：{_describe(shares)}；"
        f"{_balance_note(locked, charges)}"
    )
    timeline_add(case=locked, actor=actor, kind="payment", note=note)
    audit_record(
        actor=actor,
        organisation=locked.organisation,
        action="payment.record",
        obj=payment,
        after=_snapshot(payment, shares) | {"case_outstanding": str(locked.outstanding)},
    )
    case.outstanding = locked.outstanding
    return payment, True


def _balance_note(case: Case, charges: Iterable[Charge]) -> str:
    costs = sum((c.outstanding for c in charges if c.component == "costs"), ZERO)
    interest = sum((c.outstanding for c in charges if c.component == "interest"), ZERO)
    if not costs and not interest:
        return f"未收余额 {_y(case.outstanding)}"
    return (
        f"未收余额 {_y(case.outstanding + costs + interest)}（费用 {_y(costs)}，"
        f"利息 {_y(interest)}，本金 {_y(case.outstanding)}）"
    )


def _lock_debts(case: Case) -> tuple[list[Invoice], list[Charge]]:
    """The case's invoices and cost / interest rows, locked ``FOR UPDATE`` (the case row is
    already locked, so the order is case → invoices → charges everywhere)."""
    invoices = list(
        Invoice.objects.select_for_update().filter(case=case).order_by("due_date", "id")
    )
    charges = list(Charge.objects.select_for_update().filter(case=case).order_by("id"))
    return invoices, charges


def _apply_to_debt(
    case: Case,
    invoices: list[Invoice],
    charges: list[Charge],
    shares: list[Share],
    *,
    sign: int,
    on: dt.date | None,
) -> None:
    """Move invoices, cost / interest rows and the case by ``sign`` × the shares and save
    them. ``Case.outstanding`` is the outstanding principal (Σ invoices' when it has any)."""
    debts = debts_of(case, invoices, charges)
    principal = allocation.apply_shares(debts, shares, sign=sign)
    by_invoice = {d.invoice_id: d for d in debts}
    touched_invoices = []
    for invoice in invoices:
        value = to_yuan(by_invoice[invoice.pk].principal)
        if value != invoice.outstanding:
            invoice.outstanding = value
            touched_invoices.append(invoice)
    if touched_invoices:
        Invoice.objects.bulk_update(touched_invoices, ["outstanding"])
    states = {c.charge_id: c for d in debts for c in d.charges}
    touched_charges = []
    for charge in charges:
        value = to_yuan(states[charge.pk].outstanding)
        if value != charge.outstanding:
            charge.outstanding = value
            touched_charges.append(charge)
    if touched_charges:
        Charge.objects.bulk_update(touched_charges, ["outstanding"])
    case.outstanding += to_yuan(principal)
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
            {
                "invoice": s.invoice_id,
                "charge": s.charge_id,
                "component": s.component,
                "amount": str(s.amount),
            }
            for s in shares
        ],
    }


@in_record_language
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
    invoices, charges = _lock_debts(case)
    shares = [
        Share(a.invoice_id, a.component, a.amount, a.charge_id)
        for a in original.allocations.order_by("id")
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
                payment=reversal,
                invoice_id=s.invoice_id,
                charge_id=s.charge_id,
                component=s.component,
                amount=-s.amount,
            )
            for s in shares
        ]
    )
    _apply_to_debt(case, invoices, charges, shares, sign=1, on=None)
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
        note=f"冲正收款 {_y(original.amount)} 元：{reason}；{_balance_note(case, charges)}",
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


# --------------------------------------------------------------------------- costs and interest


def _charge_target(case: Case, invoice: Invoice | None) -> Invoice | None:
    has_invoices = Invoice.objects.filter(case=case).exists()
    if invoice is None and has_invoices:
        raise PaymentsError(
            "本案有发票：费用和利息须记在某张发票上。",
            "This case has invoices: a cost or interest amount must belong to one of them.",
            code="charge_invoice_required",
            details={"field": "invoice"},
        )
    if invoice is not None and invoice.case_id != case.pk:
        raise PaymentsError(
            f"发票 {invoice.pk} 不属于本案。",
            f"Invoice {invoice.pk} does not belong to this case.",
            code="payment_invoice_unknown",
            details={"invoice_id": invoice.pk},
        )
    return invoice


@in_record_language
def _charge_write(
    *,
    case: Case,
    invoice: Invoice | None,
    component: str,
    kind: str,
    amount: Decimal,
    actor: User | None,
    note: str,
    basis: dict[str, Any],
    period: tuple[dt.date, dt.date] | None = None,
) -> Charge:
    charge = Charge.objects.create(
        organisation_id=case.organisation_id,
        case=case,
        invoice=invoice,
        component=component,
        kind=kind,
        amount=amount,
        outstanding=amount,
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
        basis=basis,
        note=note[:300],
        actor=actor,
    )
    case.save(update_fields=["updated_at"])
    label = "费用" if component == "costs" else "利息"
    timeline_add(
        case=case,
        actor=actor,
        kind=f"charge.{component}",
        note=f"记入{label} {amount} 元（{charge.get_kind_display()}"
        + (f"，{period[0]} 至 {period[1]}" if period else "")
        + (f"，发票 {invoice.number}" if invoice else "")
        + "）",
    )
    audit_record(
        actor=actor,
        organisation=case.organisation,
        action=f"charge.{component}",
        obj=charge,
        after={"kind": kind, "amount": str(amount), "invoice": invoice.pk if invoice else None}
        | ({"period": [period[0].isoformat(), period[1].isoformat()]} if period else {})
        | {"basis": basis},
    )
    return charge


@transaction.atomic
def charge_add(
    *,
    case: Case,
    kind: str,
    amount: object,
    actor: User | None,
    invoice: Invoice | None = None,
    note: str = "",
) -> Charge:
    """Record a cost of enforcing the claim (court fee, preservation fee, …) actually
    incurred, on an invoice (or on the case when it has no invoices). Payments reach costs
    first (Art. 561)."""
    require(actor, Perm.CASE_TRANSITION)
    if kind not in COST_KINDS:
        raise PaymentsError(
            f"未知的费用类别：{kind}",
            f"Unknown cost kind: {kind}",
            code="charge_kind_invalid",
            details={"field": "kind", "kinds": sorted(COST_KINDS)},
        )
    value = _check_amount(amount)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    target = _charge_target(locked, invoice)
    return _charge_write(
        case=locked,
        invoice=target,
        component="costs",
        kind=kind,
        amount=value,
        actor=actor,
        note=note,
        basis={"entered": str(value)},
    )


@transaction.atomic
def interest_accrue(
    *,
    case: Case,
    kind: str,
    start: dt.date,
    end: dt.date,
    actor: User | None,
    invoice: Invoice | None = None,
    agreed_rate: object = None,
    formed: dt.date | None = None,
    note: str = "",
) -> Charge:
    """Accrue interest on the outstanding principal of an invoice (or of a case without
    invoices) from ``start`` to ``end`` with the calculators, capped per legal-rules.md §3:

    * ``contract_interest`` (and ``late_interest`` with an agreed rate): the agreed annual
      rate in percent, never above 4 × the one-year LPR at formation (``formed``, default
      the case's contract date) — ``calculators.interest.private_lending_interest``;
    * ``late_interest`` without an agreed rate: the loss on a late payment for goods, at the
      lower bound LPR at breach + 30 % — ``calculators.interest.trade_receivable_rate``.

    Periods of interest on one debt may not overlap (no interest counted twice)."""
    from qingqian.calculators.interest import private_lending_interest, trade_receivable_rate

    require(actor, Perm.CASE_TRANSITION)
    if kind not in INTEREST_KINDS:
        raise PaymentsError(
            f"未知的利息类别：{kind}",
            f"Unknown interest kind: {kind}",
            code="charge_kind_invalid",
            details={"field": "kind", "kinds": sorted(INTEREST_KINDS)},
        )
    if end <= start:
        raise PaymentsError(
            "计息止日必须晚于起日。",
            "The end of the interest period must be after its start.",
            code="charge_period_invalid",
            details={"start": start.isoformat(), "end": end.isoformat()},
        )
    locked = Case.objects.select_for_update().get(pk=case.pk)
    target = _charge_target(locked, invoice)
    if target is not None:
        target = Invoice.objects.select_for_update().get(pk=target.pk)
    overlap = Charge.objects.filter(
        case=locked,
        invoice=target,
        component="interest",
        period_start__lt=end,
        period_end__gt=start,
    ).first()
    if overlap is not None:
        raise PaymentsError(
            f"该期间与已计利息（{overlap.period_start} 至 {overlap.period_end}）重叠。",
            f"The period overlaps interest already accrued ({overlap.period_start} to "
            f"{overlap.period_end}).",
            code="charge_period_overlap",
            details={"charge_id": overlap.pk},
        )
    principal = target.outstanding if target is not None else locked.outstanding
    if principal <= 0:
        raise PaymentsError(
            "本金已清偿，无从计息。",
            "No principal is outstanding to bear interest.",
            code="charge_no_principal",
            details={"principal": str(principal)},
        )
    if agreed_rate is not None and agreed_rate != "":
        formation = formed or locked.contract_date or start
        result = private_lending_interest(
            principal, formed=formation, start=max(start, formation), end=end,
            agreed_rate=str(agreed_rate),
        )  # fmt: skip
        value = Decimal(str(result.figures["supported_interest"])).quantize(CENT)
        basis: dict[str, Any] = {
            "calculator": "private_lending_interest",
            "principal": str(principal),
            "agreed_rate": str(agreed_rate),
            "formed": formation.isoformat(),
            "cap_regime": str(result.figures.get("regime", "")),
            "claimed": str(result.figures["claimed_interest"]),
            "supported": str(value),
        }
    elif kind == "late_interest":
        result = trade_receivable_rate(start, amount=principal, days=(end - start).days)
        value = Decimal(str(result.figures["loss_low"])).quantize(CENT)
        basis = {
            "calculator": "trade_receivable_rate",
            "principal": str(principal),
            "rate": str(result.figures["rate_low"]),
            "lpr": str(result.figures["lpr"]),
            "days": (end - start).days,
        }
    else:
        raise PaymentsError(
            "约定利息须填写约定年利率。",
            "Contract interest needs the agreed annual rate.",
            code="charge_rate_missing",
            details={"field": "agreed_rate"},
        )
    if value <= 0:
        raise PaymentsError(
            "该期间利息为零，未记入。",
            "The interest for this period is zero; nothing was recorded.",
            code="charge_zero",
            details={"start": start.isoformat(), "end": end.isoformat()},
        )
    return _charge_write(
        case=locked,
        invoice=target,
        component="interest",
        kind=kind,
        amount=value,
        actor=actor,
        note=note,
        basis=basis,
        period=(start, end),
    )


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
