"""payment_record / payment_reverse: allocation, denormalised outstanding, trust journal."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from qingqian.audit.models import AuditEvent
from qingqian.cases.models import Case, Invoice, TimelineEvent
from qingqian.common.exceptions import Conflict, PermissionDenied, ValidationFailed
from qingqian.common.system import acting_as_system
from qingqian.payments import trust
from qingqian.payments.errors import PaymentsError
from qingqian.payments.models import JournalEntry, Payment, PaymentAllocation, TrustBalance
from qingqian.payments.services import (
    journal_transactions,
    payment_record,
    payment_reference_check,
    payment_reference_for,
    payment_reverse,
)

pytestmark = pytest.mark.django_db
AT = dt.datetime(2027, 2, 1, 10, 0, tzinfo=dt.UTC)


def _invoices(case: Any) -> dict[str, Decimal]:
    return {i.number: i.outstanding for i in Invoice.objects.filter(case=case)}


def _reconciled(org: Any) -> trust.Reconciliation:
    entries = JournalEntry.objects.filter(organisation=org).prefetch_related("lines").order_by("id")
    stored = {b.account: b.fen for b in TrustBalance.objects.filter(organisation=org)}
    result = trust.reconcile(journal_transactions(entries), stored_balances=stored)
    assert result.ok, result
    return result


def test_payment_allocates_oldest_due_first_and_updates_outstanding(case: Any, users: Any) -> None:
    payment, created = payment_record(
        case=case,
        amount=Decimal("15000.00"),
        kind="bank_transfer",
        idempotency_key="bank-1",
        actor=users["collector"],
        received_at=AT,
    )
    assert created
    # Art. 560: both due; INV-001 due first takes its 12,000.50, the rest goes to INV-002.
    assert _invoices(case) == {"INV-001": Decimal("0.00"), "INV-002": Decimal("5000.50")}
    case.refresh_from_db()
    assert case.outstanding == Decimal("5000.50")
    assert case.last_payment_date == dt.date(2027, 2, 1)
    rows = list(payment.allocations.values_list("invoice__number", "component", "amount"))
    assert rows == [
        ("INV-001", "principal", Decimal("12000.50")),
        ("INV-002", "principal", Decimal("2999.50")),
    ]
    assert TimelineEvent.objects.filter(case=case, kind="payment").count() == 1
    assert AuditEvent.objects.filter(action="payment.record").count() == 1
    # The mediation centre's seed schedule is in force in 2027: commission accrued.
    assert payment.commission > 0
    result = _reconciled(case.organisation)
    assert result.total.received == Decimal("15000.00")
    assert result.total.commission == payment.commission


def test_same_key_is_a_no_op_and_a_different_amount_conflicts(case: Any, users: Any) -> None:
    kwargs: dict[str, Any] = {
        "case": case,
        "kind": "provider",
        "idempotency_key": "wx-4200001",
        "actor": None,
        "received_at": AT,
    }
    first, created = payment_record(amount=Decimal("100.00"), **kwargs)
    again, created_again = payment_record(amount=Decimal("100.00"), **kwargs)
    assert created and not created_again and again.pk == first.pk
    with pytest.raises(Conflict) as info:
        payment_record(amount=Decimal("100.01"), **kwargs)
    assert info.value.status == 409
    assert Payment.objects.count() == 1
    case.refresh_from_db()
    assert case.outstanding == Decimal("19900.50")


def test_overpayment_is_held_as_surplus_not_commissioned(case: Any, users: Any) -> None:
    payment, _ = payment_record(
        case=case,
        amount=Decimal("25000.00"),
        kind="cash",
        idempotency_key="cash-1",
        actor=users["collector"],
        received_at=AT,
    )
    assert payment.commissionable == Decimal("20000.50")
    surplus = PaymentAllocation.objects.get(payment=payment, component="surplus")
    assert surplus.amount == Decimal("4999.50") and surplus.invoice_id is None
    case.refresh_from_db()
    assert case.outstanding == Decimal("0.00")
    result = _reconciled(case.organisation)
    assert result.total.on_hold == Decimal("4999.50")


def test_setoff_pins_invoices_and_books_no_cash(case: Any, users: Any) -> None:
    inv2 = Invoice.objects.get(case=case, number="INV-002")
    payment, _ = payment_record(
        case=case,
        amount=Decimal("3000.00"),
        kind="setoff",
        idempotency_key="round-7:case",
        actor=users["lawyer"],
        received_at=AT,
        invoice_amounts={inv2.pk: Decimal("3000.00")},
    )
    assert _invoices(case) == {"INV-001": Decimal("12000.50"), "INV-002": Decimal("5000.00")}
    result = _reconciled(case.organisation)
    assert result.bank_book == Decimal("0.00")
    assert payment.kind == "setoff"
    with pytest.raises(PaymentsError) as info:
        payment_record(
            case=case,
            amount=Decimal("1.00"),
            kind="setoff",
            idempotency_key="round-7:b",
            actor=None,
            received_at=AT,
        )
    assert info.value.code == "payment_setoff_unpinned"
    with pytest.raises(PaymentsError) as info:
        payment_record(
            case=case,
            amount=Decimal("6000.00"),
            kind="setoff",
            idempotency_key="round-7:c",
            actor=None,
            invoice_amounts={inv2.pk: Decimal("6000.00")},
        )
    assert info.value.code == "payment_invoice_overpaid"


def test_bad_input_is_refused_in_both_languages(case: Any, users: Any) -> None:
    for amount, kind, code in (
        (Decimal("0"), "cash", "amount_not_positive"),
        (Decimal("-5"), "cash", "amount_not_positive"),
        (Decimal("5.001"), "cash", "amount_too_precise"),
        (Decimal("5"), "reversal", "payment_kind_invalid"),
        (Decimal("5"), "bitcoin", "payment_kind_invalid"),
    ):
        with pytest.raises(ValidationFailed) as info:
            payment_record(case=case, amount=amount, kind=kind, idempotency_key="k", actor=None)
        assert info.value.code == code and info.value.message_zh and info.value.message_en
    with pytest.raises(PermissionDenied):
        payment_record(
            case=case,
            amount=Decimal("5"),
            kind="cash",
            idempotency_key="k",
            actor=users["creditor"],
        )
    assert Payment.objects.count() == 0


def test_reversal_restores_debt_and_trust_exactly(case: Any, users: Any) -> None:
    before = {b.account: b.fen for b in TrustBalance.objects.all()}
    payment, _ = payment_record(
        case=case,
        amount=Decimal("15000.00"),
        kind="bank_transfer",
        idempotency_key="bank-2",
        actor=users["collector"],
        received_at=AT,
    )
    reversal = payment_reverse(payment=payment, actor=users["lawyer"], reason="银行退票")
    assert reversal.amount == Decimal("-15000.00")
    assert reversal.commission == -payment.commission
    assert _invoices(case) == {"INV-001": Decimal("12000.50"), "INV-002": Decimal("8000.00")}
    case.refresh_from_db()
    assert case.outstanding == Decimal("20000.50")
    after = {b.account: b.fen for b in TrustBalance.objects.all() if b.fen}
    assert after == {k: v for k, v in before.items() if v}
    result = _reconciled(case.organisation)
    assert result.total.received == 0 and result.total.commission == 0
    with pytest.raises(Conflict):
        payment_reverse(payment=payment, actor=users["lawyer"], reason="again")
    with pytest.raises(PaymentsError):
        payment_reverse(payment=reversal, actor=users["lawyer"], reason="again")
    assert TimelineEvent.objects.filter(case=case, kind="payment_reversed").count() == 1


def test_case_without_invoices_takes_payment_on_its_outstanding(
    org: Any, users: Any, creditor: Any, debtor: Any
) -> None:
    from qingqian.cases.services import case_open

    case = case_open(
        organisation=org,
        actor=users["lawyer"],
        creditor=creditor,
        debtors=[debtor],
        debt_type="private_loan",
        channel="web",
        principal="5000",
    )
    payment_record(
        case=case, amount=Decimal("1200.00"), kind="cash", idempotency_key="c", actor=None
    )
    assert Case.objects.get(pk=case.pk).outstanding == Decimal("3800.00")


def test_payment_reference_is_unique_and_checked(case: Any) -> None:
    ref = payment_reference_for(case)
    assert payment_reference_for(case).code == ref.code
    assert payment_reference_check(ref.code)
    body = ref.code[2:]
    wrong = f"QQ{body[:3]}{(int(body[3]) + 1) % 10}{body[4:]}"
    assert not payment_reference_check(wrong)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_webhook_twenty_times_at_once_is_recorded_once(case: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises whole transactions")
    threads = 20
    barrier = threading.Barrier(threads)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            barrier.wait()
            # A new thread starts with no declared job: each delivery declares the provider's.
            with acting_as_system("payments.provider"):
                payment, created = payment_record(
                    case=case,
                    amount=Decimal("888.88"),
                    kind="provider",
                    idempotency_key="wxpay:4200002026112900001",
                    actor=None,
                    received_at=AT,
                )
            results.append((payment.pk, created))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=deliver) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    assert len(results) == threads
    assert len({pk for pk, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert Payment.objects.count() == 1
    assert JournalEntry.objects.filter(kind="receipt").count() == 1
    case.refresh_from_db()
    assert case.outstanding == Decimal("20000.50") - Decimal("888.88")
    _reconciled(case.organisation)


def test_bulk_posting_follows_the_same_rules(case: Any, users: Any) -> None:
    from qingqian.payments.bulk import BulkPayment, payments_post_bulk

    items = [
        BulkPayment(case.pk, Decimal("5000.00"), "bank_transfer", f"b{i}", AT) for i in range(5)
    ]
    result = payments_post_bulk(
        organisation=case.organisation, items=items + items[:2], actor=None, chunk=3
    )
    assert (result.created, result.duplicates) == (5, 2)
    case.refresh_from_db()
    assert case.outstanding == Decimal("0.00")
    assert _invoices(case) == {"INV-001": Decimal("0.00"), "INV-002": Decimal("0.00")}
    # 20,000.50 applied; 4,999.50 surplus held; commission cumulative as one by one.
    single = Payment.objects.order_by("id")
    assert sum(p.commissionable for p in single) == Decimal("20000.50")
    from qingqian.fees.commission import commission_on_total
    from qingqian.payments.selectors import commission_rate

    rate = commission_rate(case, AT.date())
    assert rate is not None
    assert sum(p.commission for p in single) == commission_on_total(
        rate.schedule, Decimal("20000.50")
    )
    assert TimelineEvent.objects.filter(case=case, kind="payment").count() == 5
    assert AuditEvent.objects.filter(action="payment.record").count() == 5
    result = _reconciled(case.organisation)
    assert result.total.on_hold == Decimal("4999.50")
    from qingqian.payments.remittance import reconciliation_report

    assert reconciliation_report(organisation=case.organisation).ok


def test_the_timeline_note_is_chinese_whatever_the_recorders_language(case: Any) -> None:
    """The note goes into the case log: one language, not the UI language of the person who
    recorded the payment (a staff user with English chosen)."""
    from django.utils import translation

    with translation.override("en"):
        payment_record(
            case=case, amount=Decimal("100.00"), kind="bank_transfer", idempotency_key="en-1",
            actor=None,
        )  # fmt: skip
    note = case.timeline.filter(kind="payment").latest("at").note
    assert "银行转账" in note and "Bank transfer" not in note
