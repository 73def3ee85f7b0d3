"""Costs and interest as components of the debt (Civil Code Art. 561): stored per invoice
(or per case without invoices), paid costs → interest → principal, across invoices per
Art. 560, restored exactly by reversals; set-offs follow the same rule; bulk posting gives
the same result as posting one by one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingqian.calculators.allocation import allocate
from qingqian.cases.models import Case, Invoice, TimelineEvent
from qingqian.cases.services import InvoiceInput, case_open
from qingqian.negotiation.selectors import case_balance
from qingqian.payments.errors import PaymentsError
from qingqian.payments.models import Charge, JournalLine, Payment, PaymentAllocation
from qingqian.payments.remittance import reconciliation_report
from qingqian.payments.services import (
    charge_add,
    interest_accrue,
    payment_record,
    payment_reverse,
)

pytestmark = pytest.mark.django_db
AT = dt.datetime(2027, 2, 1, 10, 0, tzinfo=dt.UTC)
D = Decimal


def _one_invoice_case(org: Any, users: Any, creditor: Any, debtor: Any, amount: str) -> Case:
    return case_open(
        organisation=org, actor=users["lawyer"], creditor=creditor, debtors=[debtor],
        debt_type="private_loan", channel="web", contract_date=dt.date(2025, 6, 10),
        invoices=[InvoiceInput("LOAN-1", D(amount), dt.date(2025, 6, 10), dt.date(2026, 6, 10))],
    )  # fmt: skip


def _split(payment: Payment) -> list[tuple[str, str, Decimal]]:
    return [
        (a.component, a.charge.kind if a.charge else "", a.amount)
        for a in PaymentAllocation.objects.filter(payment=payment)
        .select_related("charge")
        .order_by("id")
    ]


def test_worked_example_p2_costs_then_interest_then_principal(
    org: Any, users: Any, creditor: Any, debtor: Any
) -> None:
    """legal-rules.md P2: principal 100,000, interest 8,000, costs 3,320 (court fee 2,300 +
    preservation 1,020); 50,000 paid → costs 3,320, interest 8,000, principal 38,680."""
    case = _one_invoice_case(org, users, creditor, debtor, "100000.00")
    invoice = Invoice.objects.get(case=case)
    actor = users["lawyer"]
    charge_add(case=case, kind="court_fee", amount="2300", actor=actor, invoice=invoice)
    charge_add(case=case, kind="preservation_fee", amount="1020", actor=actor, invoice=invoice)
    Charge.objects.create(
        organisation=org, case=case, invoice=invoice, component="interest",
        kind="contract_interest", amount=D("8000.00"), outstanding=D("8000.00"),
        period_start=dt.date(2025, 6, 10), period_end=dt.date(2026, 6, 10),
    )  # fmt: skip
    before = case_balance(Case.objects.get(pk=case.pk), today=dt.date(2027, 2, 1))
    assert (before.costs, before.interest, before.principal) == (D("3320"), D("8000"), D("1e5"))
    assert before.total == D("111320.00") == before.due_now
    # The same balance from the charges a caller already read (the case page's panel).
    given = list(Charge.objects.filter(case=case))
    with CaptureQueriesContext(connection) as reads:
        again = case_balance(Case.objects.get(pk=case.pk), today=dt.date(2027, 2, 1), charges=given)
    assert again == before
    assert not any("payments_charge" in q["sql"] for q in reads.captured_queries)
    payment, _ = payment_record(
        case=case, amount=D("50000.00"), kind="bank_transfer", idempotency_key="p2",
        actor=None, received_at=AT,
    )  # fmt: skip
    assert _split(payment) == [
        ("costs", "court_fee", D("2300.00")),
        ("costs", "preservation_fee", D("1020.00")),
        ("interest", "contract_interest", D("8000.00")),
        ("principal", "", D("38680.00")),
    ]
    case.refresh_from_db()
    invoice.refresh_from_db()
    assert case.outstanding == invoice.outstanding == D("61320.00")
    assert list(Charge.objects.values_list("outstanding", flat=True)) == [D("0.00")] * 3
    # The kernel gives the same split.
    figures = allocate("50000", costs="3320", interest="8000", principal="100000").figures
    assert (figures["to_costs"], figures["to_interest"], figures["to_principal"]) == (
        D("3320.00"), D("8000.00"), D("38680.00"),
    )  # fmt: skip
    note = TimelineEvent.objects.filter(case=case, kind="payment").get().note
    assert "实现债权的费用 3,320.00" in note and "利息 8,000.00" in note
    assert reconciliation_report(organisation=org).ok
    # Reversal restores every component exactly.
    payment_reverse(payment=payment, actor=None, reason="退票")
    case.refresh_from_db()
    assert case.outstanding == D("100000.00")
    assert sorted(Charge.objects.values_list("outstanding", flat=True)) == [
        D("1020.00"), D("2300.00"), D("8000.00"),
    ]  # fmt: skip
    assert reconciliation_report(organisation=org).ok


def test_art_560_across_invoices_then_561_within(case: Any, users: Any) -> None:
    """INV-001 (12,000.50, due first) carries interest 100; INV-002 (8,000) costs 500.
    13,000 → INV-001: interest 100, principal 12,000.50; INV-002: costs 500, principal
    399.50."""
    inv1, inv2 = Invoice.objects.filter(case=case).order_by("due_date")
    Charge.objects.create(
        organisation=case.organisation, case=case, invoice=inv1, component="interest",
        kind="late_interest", amount=D("100.00"), outstanding=D("100.00"),
    )  # fmt: skip
    charge_add(case=case, kind="court_fee", amount="500", actor=users["lawyer"], invoice=inv2)
    payment, _ = payment_record(
        case=case, amount=D("13000.00"), kind="cash", idempotency_key="x", actor=None,
        received_at=AT,
    )  # fmt: skip
    rows = [
        (a.invoice.number, a.component, a.amount)
        for a in PaymentAllocation.objects.filter(payment=payment).select_related("invoice")
    ]
    assert rows == [
        ("INV-001", "interest", D("100.00")),
        ("INV-001", "principal", D("12000.50")),
        ("INV-002", "costs", D("500.00")),
        ("INV-002", "principal", D("399.50")),
    ]
    inv2.refresh_from_db()
    assert inv2.outstanding == D("7600.50")
    assert reconciliation_report(organisation=case.organisation).ok


def test_setoff_pinned_to_an_invoice_pays_its_costs_first(case: Any, users: Any) -> None:
    _, inv2 = Invoice.objects.filter(case=case).order_by("due_date")
    charge_add(case=case, kind="enforcement_fee", amount="300", actor=users["lawyer"], invoice=inv2)
    payment, _ = payment_record(
        case=case, amount=D("1000.00"), kind="setoff", idempotency_key="s", actor=None,
        received_at=AT, invoice_amounts={inv2.pk: D("1000.00")},
    )  # fmt: skip
    assert [(a.component, a.amount) for a in payment.allocations.order_by("id")] == [
        ("costs", D("300.00")),
        ("principal", D("700.00")),
    ]
    # Pinning more than the invoice owes in all (principal + costs + interest) is refused.
    with pytest.raises(PaymentsError) as exc:
        payment_record(
            case=case, amount=D("7300.01"), kind="setoff", idempotency_key="s2", actor=None,
            received_at=AT, invoice_amounts={inv2.pk: D("7300.01")},
        )  # fmt: skip
    assert exc.value.code == "payment_invoice_overpaid"
    assert reconciliation_report(organisation=case.organisation).ok


def test_case_without_invoices_carries_its_own_components(
    org: Any, users: Any, creditor: Any, debtor: Any
) -> None:
    case = case_open(
        organisation=org, actor=users["lawyer"], creditor=creditor, debtors=[debtor],
        debt_type="trade", channel="web", principal=D("1000.00"),
    )  # fmt: skip
    charge_add(case=case, kind="announcement_fee", amount="260", actor=users["lawyer"])
    payment, _ = payment_record(
        case=case, amount=D("1500.00"), kind="cash", idempotency_key="n", actor=None,
        received_at=AT,
    )  # fmt: skip
    assert [(a.invoice_id, a.component, a.amount) for a in payment.allocations.order_by("id")] == [
        (None, "costs", D("260.00")),
        (None, "principal", D("1000.00")),
        (None, "surplus", D("240.00")),
    ]
    case.refresh_from_db()
    assert case.outstanding == D("0.00")
    assert reconciliation_report(organisation=org).ok


def test_charges_must_name_an_invoice_of_the_case(case: Any, users: Any) -> None:
    with pytest.raises(PaymentsError) as exc:
        charge_add(case=case, kind="court_fee", amount="10", actor=users["lawyer"])
    assert exc.value.code == "charge_invoice_required"
    with pytest.raises(PaymentsError) as exc:
        charge_add(case=case, kind="lunch", amount="10", actor=users["lawyer"])
    assert exc.value.code == "charge_kind_invalid"
    assert Charge.objects.count() == 0


def test_contract_interest_is_capped_at_four_times_lpr_and_never_overlaps(
    org: Any, users: Any, creditor: Any, debtor: Any
) -> None:
    """legal-rules.md §3 example: 100,000 lent 2025-06-10 at 18 %; the LPR then was 3.00 %,
    so the cap is 12 % and one year's interest is 12,000, not 18,000."""
    case = _one_invoice_case(org, users, creditor, debtor, "100000.00")
    invoice = Invoice.objects.get(case=case)
    charge = interest_accrue(
        case=case, kind="contract_interest", start=dt.date(2025, 6, 10),
        end=dt.date(2026, 6, 10), actor=users["lawyer"], invoice=invoice, agreed_rate="18",
    )  # fmt: skip
    assert (charge.component, charge.amount, charge.outstanding) == (
        "interest", D("12000.00"), D("12000.00"),
    )  # fmt: skip
    assert charge.basis["claimed"] == "18000.00"
    with pytest.raises(PaymentsError) as exc:
        interest_accrue(
            case=case, kind="late_interest", start=dt.date(2026, 6, 1),
            end=dt.date(2026, 7, 1), actor=users["lawyer"], invoice=invoice,
        )  # fmt: skip
    assert exc.value.code == "charge_period_overlap"
    late = interest_accrue(
        case=case, kind="late_interest", start=dt.date(2026, 6, 10),
        end=dt.date(2026, 7, 10), actor=users["lawyer"], invoice=invoice,
    )  # fmt: skip
    assert late.basis["calculator"] == "trade_receivable_rate"
    assert D(0) < late.amount < D("12000.00") / 12
    assert TimelineEvent.objects.filter(case=case, kind="charge.interest").count() == 2


# --------------------------------------------------------------------------- bulk == one by one


def _snapshot(org: Any) -> dict[str, Any]:
    """Everything the postings decide, by stable names (ids differ between the runs)."""
    payments = {
        p.idempotency_key: (p.amount, p.commissionable, p.commission, p.reference)
        for p in Payment.objects.filter(organisation=org)
    }
    allocations = sorted(
        (a.payment.idempotency_key, a.invoice.number if a.invoice else "",
         a.charge.kind if a.charge else "", a.component, a.amount)
        for a in PaymentAllocation.objects.filter(payment__organisation=org).select_related(
            "payment", "invoice", "charge"
        )
    )  # fmt: skip
    journal = sorted(
        (line.entry.payment.idempotency_key, line.entry.kind, line.entry.reference,
         line.account, line.fen)
        for line in JournalLine.objects.filter(entry__organisation=org).select_related(
            "entry__payment"
        )
    )  # fmt: skip
    return {
        "payments": payments,
        "allocations": allocations,
        "journal": journal,
        "cases": sorted(
            Case.objects.filter(organisation=org).values_list(
                "reference", "outstanding", "last_payment_date"
            )
        ),
        "invoices": sorted(Invoice.objects.filter(case__organisation=org).values_list(
            "number", "outstanding")),
        "charges": sorted((k, n or "", o) for k, n, o in Charge.objects.filter(
            organisation=org).values_list("kind", "invoice__number", "outstanding")),
        "notes": sorted(TimelineEvent.objects.filter(case__organisation=org, kind="payment")
                        .values_list("note", flat=True)),
    }  # fmt: skip


class _Rollback(Exception):
    pass


def test_bulk_posting_equals_one_by_one_with_components(
    case: Any, org: Any, users: Any, creditor: Any, debtor: Any
) -> None:
    from qingqian.payments.bulk import BulkPayment, payments_post_bulk

    inv1, inv2 = Invoice.objects.filter(case=case).order_by("due_date")
    charge_add(case=case, kind="court_fee", amount="150.25", actor=users["lawyer"], invoice=inv2)
    Charge.objects.create(
        organisation=org, case=case, invoice=inv1, component="interest",
        kind="late_interest", amount=D("88.80"), outstanding=D("88.80"),
    )  # fmt: skip
    bare = case_open(
        organisation=org, actor=users["lawyer"], creditor=creditor, debtors=[debtor],
        debt_type="trade", channel="web", principal=D("900.00"),
    )  # fmt: skip
    charge_add(case=bare, kind="appraisal_fee", amount="99.99", actor=users["lawyer"])
    # A reversal before the batch: the cumulative commission must count it in both paths.
    first, _ = payment_record(
        case=case, amount=D("2000.00"), kind="bank_transfer", idempotency_key="pre",
        actor=None, received_at=AT,
    )  # fmt: skip
    payment_reverse(payment=first, actor=None, reason="退票")
    items = [
        # References with a tab, a backslash and a newline go through COPY's escaping.
        BulkPayment(c.pk, D(a), k, f"k{n}", AT + dt.timedelta(days=n), reference=f"R\t{n}\\N\n")
        for n, (c, a, k) in enumerate(
            [
                (case, "100.00", "bank_transfer"), (bare, "50.00", "cash"),
                (case, "7000.33", "provider"), (bare, "1000.00", "portal"),
                (case, "9999.99", "goods"), (case, "5000.00", "bank_transfer"),
                (bare, "1.00", "cash"), (case, "0.01", "cash"),
            ]
        )
    ]  # fmt: skip
    snapshots = []
    for mode in ("single", "bulk"):
        try:
            with transaction.atomic():
                if mode == "single":
                    for item in items:
                        payment_record(
                            case=Case.objects.get(pk=item.case_id), amount=item.amount,
                            kind=item.kind, idempotency_key=item.idempotency_key, actor=None,
                            received_at=item.received_at, reference=item.reference,
                        )  # fmt: skip
                else:
                    result = payments_post_bulk(organisation=org, items=items, actor=None, chunk=3)
                    assert (result.created, result.duplicates) == (len(items), 0)
                assert reconciliation_report(organisation=org).ok
                snapshots.append(_snapshot(org))
                raise _Rollback
        except _Rollback:
            pass
    single, bulk = snapshots
    for key in single:
        assert single[key] == bulk[key], (key, single[key], bulk[key])
    assert any(row[3] == "costs" for row in bulk["allocations"])
    assert any(row[3] == "interest" for row in bulk["allocations"])
    assert any(row[3] == "surplus" for row in bulk["allocations"])


def test_bulk_posting_writes_a_fixed_number_of_statements(
    case: Any, django_assert_max_num_queries: Any
) -> None:
    from qingqian.payments.bulk import BulkPayment, payments_post_bulk

    def post(n: int, prefix: str) -> None:
        items = [BulkPayment(case.pk, D("1.00"), "cash", f"{prefix}{i}", AT) for i in range(n)]
        payments_post_bulk(organisation=case.organisation, items=items, actor=None)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        post(2, "a")
    with CaptureQueriesContext(connection) as large:
        post(40, "b")
    # SQLite falls back to batched inserts, which also do not grow with 40 rows.
    assert len(large.captured_queries) == len(small.captured_queries)


# --------------------------------------------------------------------------- due now and plans


def test_acceleration_makes_everything_due_without_counting_it_twice(
    case: Any, users: Any, debtor: Any
) -> None:
    import time_machine

    from qingqian.negotiation.models import BreachRecord
    from qingqian.negotiation.services import (
        plan_accept_debtor,
        plan_accept_staff,
        plan_debtor_code_send,
        plan_propose,
        plan_schedule,
        plans_breach_check,
    )

    with time_machine.travel(dt.datetime(2026, 12, 15, 2, tzinfo=dt.UTC), tick=False):
        _, inv2 = Invoice.objects.filter(case=case).order_by("due_date")
        charge_add(case=case, kind="court_fee", amount="500", actor=users["lawyer"], invoice=inv2)
        today = dt.date(2026, 12, 15)
        before = case_balance(Case.objects.get(pk=case.pk), today=today)
        assert (before.basis, before.total, before.due_now) == (
            "invoices", D("20500.50"), D("20500.50"),
        )  # fmt: skip
        schedule = plan_schedule(
            kind="seasonal", total=D("12000"), months=6, start="2027-01", profile="1,1,2,1,1,3"
        )
        version = plan_propose(
            case=case, actor=users["collector"], schedule=schedule, grace_days=5,
            consequence="acceleration", profile="1,1,2,1,1,3",
        )  # fmt: skip
        plan_accept_staff(version=version, actor=users["collector"])
        sent: list[str] = []
        plan_debtor_code_send(version=version, party=debtor, deliver=sent.append)
        version = plan_accept_debtor(version=version, party=debtor, code=sent[0])
        # The plan defers 12,000; the other 8,500.50 (with the court fee) is still due.
        agreed = case_balance(Case.objects.get(pk=case.pk), today=today)
        assert (agreed.basis, agreed.due_now) == ("plan", D("8500.50"))
    first, second = version.installments.order_by("number")[:2]
    payment_record(
        case=case, amount=first.amount, kind="bank_transfer", idempotency_key="i1",
        actor=None, received_at=dt.datetime(2027, 1, 20, 2, tzinfo=dt.UTC),
    )  # fmt: skip
    total = D("20500.50") - first.amount
    day = second.due + dt.timedelta(days=1)
    on_plan = case_balance(Case.objects.get(pk=case.pk), today=day)
    assert (on_plan.total, on_plan.due_now) == (total, second.amount + D("8500.50"))
    assert plans_breach_check(today=second.due + dt.timedelta(days=6))["breached"] == 1
    record = BreachRecord.objects.get(version=version)
    assert record.accelerated_balance == D("12000.00") - first.amount
    accelerated = case_balance(Case.objects.get(pk=case.pk), today=day)
    # Everything is due now; the accelerated plan balance is inside the total, not on top.
    assert (accelerated.basis, accelerated.due_now, accelerated.total) == (
        "accelerated", total, total,
    )  # fmt: skip
    assert accelerated.accelerated_balance == record.accelerated_balance
    payment_record(
        case=case, amount=D("1000.00"), kind="cash", idempotency_key="i2", actor=None,
        received_at=dt.datetime(2027, 3, 20, 2, tzinfo=dt.UTC),
    )  # fmt: skip
    after = case_balance(Case.objects.get(pk=case.pk), today=day)
    assert after.due_now == after.total == total - D("1000.00")


def test_case_page_shows_the_components_and_what_is_due(case: Any, users: Any) -> None:
    from django.test import Client

    _, inv2 = Invoice.objects.filter(case=case).order_by("due_date")
    client = Client()
    client.force_login(users["lawyer"])
    response = client.post(
        f"/cases/{case.pk}/charges/", {"kind": "court_fee", "amount": "321.00", "invoice": inv2.pk}
    )
    assert response.status_code == 302
    assert Charge.objects.get().amount == D("321.00")
    payment_record(
        case=case, amount=D("13000.00"), kind="cash", idempotency_key="v", actor=None,
        received_at=AT,
    )  # fmt: skip
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="case-balance"' in html
    # 20,000.50 + 321 − 13,000 = 7,321.50; INV-002's court fee was paid first.
    assert "7,321.50" in html and "诉讼费" in html and "321.00" in html
    from qingqian.payments.statements import creditor_statement, statement_csv

    statement = creditor_statement(
        organisation=case.organisation, creditor=case.creditor,
        start=dt.date(2027, 2, 1), end=dt.date(2027, 2, 28),
    )  # fmt: skip
    row = statement.rows[0]
    assert (row.costs, row.interest, row.principal, row.surplus) == (
        D("321.00"), D("0.00"), D("12679.00"), D("0.00"),
    )  # fmt: skip
    assert "To costs" in statement_csv(statement).decode("utf-8-sig")


def test_bulk_refuses_a_case_of_another_organisation_and_writes_nothing(
    case: Any, org: Any
) -> None:
    from qingqian.accounts.models import Organisation
    from qingqian.payments.bulk import BulkPayment, payments_post_bulk

    other = Organisation.objects.create(name="别的中心", short_code="other")
    items = [BulkPayment(case.pk, D("10.00"), "cash", "f1", AT)]
    with pytest.raises(PaymentsError) as exc:
        payments_post_bulk(organisation=other, items=items, actor=None)
    assert exc.value.code == "payment_case_unknown"
    assert Payment.objects.count() == 0


_item = st.tuples(
    st.integers(0, 1),
    st.integers(1, 1_500_000),
    st.sampled_from(["bank_transfer", "cash", "provider", "portal", "goods"]),
)
_charge = st.tuples(
    st.integers(0, 2), st.sampled_from(["court_fee", "late_interest"]), st.integers(1, 300_000)
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    charges=st.lists(_charge, max_size=4),
    items=st.lists(_item, min_size=1, max_size=8),
    chunk=st.integers(1, 5),
)
def test_bulk_equals_one_by_one_for_any_batch(
    case: Any, users: Any, creditor: Any, debtor: Any, charges: Any, items: Any, chunk: int
) -> None:
    """Property: for any costs and interest and any batch, bulk posting and posting one by
    one leave the same outstanding per component, allocations, commission, journal and
    timeline (each run rolled back before the other)."""
    from qingqian.payments.bulk import BulkPayment, payments_post_bulk

    org = case.organisation
    snapshots = []
    for mode in ("single", "bulk"):
        try:
            with transaction.atomic():
                bare = case_open(
                    organisation=org, actor=users["lawyer"], creditor=creditor,
                    debtors=[debtor], debt_type="trade", channel="web", principal=D("9000.00"),
                )  # fmt: skip
                inv1, inv2 = Invoice.objects.filter(case=case).order_by("due_date")
                targets = [(case, inv1), (case, inv2), (bare, None)]
                for where, kind, fen in charges:
                    target_case, invoice = targets[where]
                    Charge.objects.create(
                        organisation=org, case=target_case, invoice=invoice,
                        component="interest" if kind.endswith("interest") else "costs",
                        kind=kind, amount=D(fen) / 100, outstanding=D(fen) / 100,
                    )  # fmt: skip
                batch = [
                    BulkPayment((case, bare)[c].pk, D(fen) / 100, kind, f"h{n}",
                                AT + dt.timedelta(hours=n))
                    for n, (c, fen, kind) in enumerate(items)
                ]  # fmt: skip
                if mode == "single":
                    for item in batch:
                        payment_record(
                            case=Case.objects.get(pk=item.case_id), amount=item.amount,
                            kind=item.kind, idempotency_key=item.idempotency_key, actor=None,
                            received_at=item.received_at,
                        )  # fmt: skip
                else:
                    payments_post_bulk(organisation=org, items=batch, actor=None, chunk=chunk)
                assert reconciliation_report(organisation=org).ok
                snapshot = _snapshot(org)
                snapshot["cases"] = [row[1:] for row in snapshot["cases"]]  # references differ
                snapshots.append(snapshot)
                raise _Rollback
        except _Rollback:
            pass
    single, bulk = snapshots
    for key in single:
        assert single[key] == bulk[key], (key, single[key], bulk[key])


def test_transfer_instructions_ask_for_everything_owed_not_principal_only(
    org: Any, users: Any, creditor: Any, debtor: Any
) -> None:
    """The API's transfer instructions answer from ``case_balance``, as the portal does: the
    worked example's 100,000 principal + 3,320 costs + 8,000 interest is 111,320.00 owed."""
    from django.test import Client

    case = _one_invoice_case(org, users, creditor, debtor, "100000.00")
    invoice = Invoice.objects.get(case=case)
    charge_add(case=case, kind="court_fee", amount="3320", actor=users["lawyer"], invoice=invoice)
    Charge.objects.create(
        organisation=org, case=case, invoice=invoice, component="interest",
        kind="contract_interest", amount=D("8000.00"), outstanding=D("8000.00"),
        period_start=dt.date(2025, 6, 10), period_end=dt.date(2026, 6, 10),
    )  # fmt: skip
    client = Client()
    client.force_login(users["lawyer"])
    info = client.get(f"/api/v1/payments/cases/{case.pk}/transfer-instructions").json()
    assert info["reference"].startswith("QQ")
    assert (info["outstanding"], info["principal"], info["costs"], info["interest"]) == (
        "111320.00", "100000.00", "3320.00", "8000.00",
    )  # fmt: skip
    assert info["due_now"] == "111320.00" and info["basis"] == "invoices"
    again = client.get(f"/api/v1/payments/cases/{case.pk}/transfer-instructions").json()
    assert again["reference"] == info["reference"]
