"""Hypothesis: through any sequence of payments (cash, over-payments, set-offs), reversals,
remittances and new costs or interest, money is conserved to the fen: every creditor's
received = remitted + commission + held, the stored balances equal the journal, each case's
outstanding principal plus what was applied to principal equals its principal, every cost or
interest row's outstanding plus what was applied to it equals its amount, and every payment
is split exactly (components + surplus = amount), costs before interest before principal
within each invoice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingqian.cases.models import Case, Invoice
from qingqian.payments.errors import PaymentsError
from qingqian.payments.models import Charge, Payment, PaymentAllocation
from qingqian.payments.reconciliation import reconciliation_report_python
from qingqian.payments.remittance import reconciliation_report, remittance_run
from qingqian.payments.services import payment_record, payment_reverse

pytestmark = pytest.mark.django_db

_fen = st.integers(min_value=1, max_value=2_500_000)
_op = st.one_of(
    st.tuples(st.just("pay"), _fen, st.sampled_from(["cash", "bank_transfer", "goods"])),
    st.tuples(st.just("setoff"), _fen, st.integers(0, 1)),
    st.tuples(st.just("reverse"), st.integers(0, 50), st.just(None)),
    st.tuples(st.just("remit"), st.sampled_from(["net", "gross"]), st.integers(0, 5)),
    st.tuples(st.just("charge"), _fen, st.tuples(st.integers(0, 1), st.booleans())),
)


class _Rollback(Exception):
    pass


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(_op, min_size=1, max_size=10))
def test_money_is_conserved(case: Any, ops: list[tuple[Any, Any, Any]]) -> None:
    try:
        with transaction.atomic():
            _run(case, ops)
            raise _Rollback
    except _Rollback:
        pass


def _run(case: Any, ops: list[tuple[Any, Any, Any]]) -> None:
    principal = Case.objects.get(pk=case.pk).principal
    invoices = list(Invoice.objects.filter(case=case).order_by("id"))
    month = 0
    for index, (op, a, b) in enumerate(ops):
        at = dt.datetime(2027, 1 + month, 15, tzinfo=dt.UTC)
        try:
            if op == "charge":
                which, interest = b
                Charge.objects.create(
                    organisation=case.organisation, case=case, invoice=invoices[which],
                    component="interest" if interest else "costs",
                    kind="late_interest" if interest else "court_fee",
                    amount=Decimal(a) / 100, outstanding=Decimal(a) / 100,
                )  # fmt: skip
            elif op == "pay":
                payment_record(
                    case=case, amount=Decimal(a) / 100, kind=b, idempotency_key=f"k{index}",
                    actor=None, received_at=at,
                )  # fmt: skip
            elif op == "setoff":
                invoice = Invoice.objects.get(pk=invoices[b].pk)
                amount = min(Decimal(a) / 100, invoice.outstanding)
                if amount > 0:
                    payment_record(
                        case=case, amount=amount, kind="setoff", idempotency_key=f"k{index}",
                        actor=None, received_at=at, invoice_amounts={invoice.pk: amount},
                    )  # fmt: skip
            elif op == "reverse":
                candidates = list(
                    Payment.objects.filter(case=case, reversed_by__isnull=True)
                    .exclude(kind="reversal")
                    .order_by("id")
                )
                if candidates:
                    payment_reverse(
                        payment=candidates[a % len(candidates)], actor=None, reason="test"
                    )
            elif op == "remit" and month < 10:
                remittance_run(
                    organisation=case.organisation, period=f"2027-{1 + month:02d}", basis=a,
                    actor=None, today=dt.date(2027, 12, 31),
                )  # fmt: skip
                month += 1
        except PaymentsError as exc:
            refused = exc.code
        else:
            refused = "trust_overdraw"
        # The only refusal allowed: reversing money already remitted would overdraw.
        assert refused == "trust_overdraw"
        report = reconciliation_report(organisation=case.organisation)
        assert report.ok, (ops[: index + 1], report.differences, report.trust)
        oracle = reconciliation_report_python(organisation=case.organisation)
        assert (report.trust, report.differences) == (oracle.trust, oracle.differences)
        _check_components(case, principal)


def _check_components(case: Any, principal: Decimal) -> None:
    fresh = Case.objects.get(pk=case.pk)
    allocations = list(PaymentAllocation.objects.filter(payment__case=case).order_by("id"))
    applied = sum((al.amount for al in allocations if al.component == "principal"), Decimal(0))
    assert fresh.outstanding + applied == principal
    assert 0 <= fresh.outstanding <= principal
    for charge in Charge.objects.filter(case=case):
        paid = sum((al.amount for al in allocations if al.charge_id == charge.pk), Decimal(0))
        assert charge.outstanding + paid == charge.amount
        assert 0 <= charge.outstanding <= charge.amount
        assert {al.component for al in allocations if al.charge_id == charge.pk} <= {
            charge.component
        }
    rank = {"costs": 0, "interest": 1, "principal": 2, "surplus": 3}
    for payment in Payment.objects.filter(case=case):
        rows = [al for al in allocations if al.payment_id == payment.pk]
        assert sum((al.amount for al in rows), Decimal(0)) == payment.amount
        for invoice_id in {al.invoice_id for al in rows}:
            order = [rank[al.component] for al in rows if al.invoice_id == invoice_id]
            assert order == sorted(order)
