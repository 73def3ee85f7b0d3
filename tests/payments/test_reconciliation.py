"""The SQL reconciliation against its oracle, the Python ``reconcile`` over every entry.

Each test corrupts one kind of row and checks that both paths list exactly the same
differences (and the same per-creditor lines), and that the difference expected is there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from qingqian.cases.models import Case, Invoice
from qingqian.cases.services import InvoiceInput, case_open
from qingqian.payments.models import JournalEntry, JournalLine, Payment, TrustBalance
from qingqian.payments.reconciliation import (
    reconciliation_report,
    reconciliation_report_python,
)
from qingqian.payments.remittance import remittance_run
from qingqian.payments.services import payment_record, payment_reverse

pytestmark = pytest.mark.django_db
JAN = dt.datetime(2027, 1, 12, 3, 0, tzinfo=dt.UTC)
FEB = dt.datetime(2027, 2, 10, 3, 0, tzinfo=dt.UTC)


def _pay(case: Any, amount: str, key: str, *, at: dt.datetime = FEB, **kw: Any) -> Payment:
    return payment_record(
        case=case, amount=Decimal(amount), kind=kw.pop("kind", "bank_transfer"),
        idempotency_key=key, actor=None, received_at=at, **kw,
    )[0]  # fmt: skip


@pytest.fixture
def world(case: Any, users: Any, creditor_b: Any, debtor: Any) -> dict[str, Any]:
    """Two creditors; receipts with fen, a set-off, a surplus, a reversal and a remittance."""
    other = case_open(
        organisation=case.organisation, actor=users["lawyer"], creditor=creditor_b,
        debtors=[debtor], debt_type="trade", channel="web",
        invoices=[InvoiceInput("B-1", Decimal("3000.33"), dt.date(2025, 1, 1),
                               dt.date(2025, 2, 1))],
    )  # fmt: skip
    _pay(case, "1234.56", "a1", at=JAN)
    remittance_run(
        organisation=case.organisation, period="2027-01", basis="net", actor=None,
        today=dt.date(2027, 2, 1),
    )  # fmt: skip
    wrong = _pay(case, "100.01", "a2")
    payment_reverse(payment=wrong, actor=None, reason="错账")
    inv = Invoice.objects.get(case=case, number="INV-002")
    _pay(case, "500.00", "a3", kind="setoff", invoice_amounts={inv.pk: Decimal("500.00")})
    _pay(other, "3100.00", "b1")  # 99.67 beyond the debt: surplus on hold (and 0.01 more next)
    _pay(other, "0.01", "b2", kind="cash")
    return {"case": case, "other": other, "org": case.organisation}


def _both(org: Any, bank: Decimal | None = None) -> tuple[Any, Any]:
    sql = reconciliation_report(organisation=org, bank_statement=bank)
    oracle = reconciliation_report_python(organisation=org, bank_statement=bank)
    assert sql.differences == oracle.differences
    assert sql.trust == oracle.trust
    assert sql.ok == oracle.ok
    return sql, oracle


def _checks(report: Any) -> set[tuple[str, str, str]]:
    return {(d["scope"], d["key"], d["check"]) for d in report.differences}


def test_clean_ledger_reconciles_on_both_paths(world: dict[str, Any]) -> None:
    sql, _ = _both(world["org"])
    assert sql.ok, sql.differences
    assert len(sql.trust.lines) == 2
    assert sql.trust.total.received == Decimal("4834.57")
    assert sql.trust.total.remitted > 0 and sql.trust.total.on_hold == Decimal("99.68")


def test_sql_path_runs_a_fixed_number_of_queries(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    for n in range(5):
        _pay(world["case"], "1.00", f"more{n}")
    with django_assert_max_num_queries(6):
        reconciliation_report(organisation=world["org"])


def _unbalanced(w: dict[str, Any]) -> tuple[str, str, str]:
    line = JournalLine.objects.filter(
        entry__payment__idempotency_key="b1", entry__kind="receipt", account="trust_bank"
    ).get()
    JournalLine.objects.filter(pk=line.pk).update(fen=line.fen + 1)
    return ("entry", line.entry.txn_id, "debits − credits")


def _stored_balance(w: dict[str, Any]) -> tuple[str, str, str]:
    account = f"held:{w['case'].creditor_id}"
    row = TrustBalance.objects.get(organisation=w["org"], account=account)
    TrustBalance.objects.filter(pk=row.pk).update(fen=row.fen - 1)
    return ("balance", account, "stored vs journal")


def _case_outstanding(w: dict[str, Any]) -> tuple[str, str, str]:
    other = w["other"]
    Case.objects.filter(pk=other.pk).update(outstanding=Decimal("0.01"))
    return ("case", other.reference, "principal − applied")


def _invoice_outstanding(w: dict[str, Any]) -> tuple[str, str, str]:
    inv = Invoice.objects.get(case=w["case"], number="INV-002")
    Invoice.objects.filter(pk=inv.pk).update(outstanding=inv.outstanding + Decimal("0.01"))
    return ("case", w["case"].reference, "invoices' outstanding")


def _missing_receipt(w: dict[str, Any]) -> tuple[str, str, str]:
    entry = JournalEntry.objects.get(payment__idempotency_key="b2", kind="receipt")
    entry.lines.all().delete()
    entry.delete()
    return ("payments", str(w["other"].creditor_id), "payments vs receipts")


def _commission(w: dict[str, Any]) -> tuple[str, str, str]:
    p = Payment.objects.get(idempotency_key="a3")
    Payment.objects.filter(pk=p.pk).update(commission=p.commission + Decimal("0.01"))
    return ("commission", str(w["case"].creditor_id), "payments vs journal")


def _identity(w: dict[str, Any]) -> tuple[str, str, str]:
    # A receipt line moved to the wrong account breaks the creditor's identity.
    c = w["other"].creditor_id
    line = JournalLine.objects.get(
        entry__payment__idempotency_key="b2", entry__kind="receipt", account=f"held:{c}"
    )
    JournalLine.objects.filter(pk=line.pk).update(account=f"commission_payable:{c}")
    return ("creditor", str(c), "received − remitted − commission − held")


CORRUPTIONS: dict[str, Callable[[dict[str, Any]], tuple[str, str, str]]] = {
    "unbalanced_entry": _unbalanced,
    "stored_balance_off_by_a_fen": _stored_balance,
    "case_outstanding_off_by_a_fen": _case_outstanding,
    "invoice_outstanding_off_by_a_fen": _invoice_outstanding,
    "missing_receipt": _missing_receipt,
    "payment_commission_off_by_a_fen": _commission,
    "creditor_identity": _identity,
}


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_each_corruption_is_listed_identically(world: dict[str, Any], name: str) -> None:
    expected = CORRUPTIONS[name](world)
    sql, _ = _both(world["org"])
    assert not sql.ok
    assert expected in _checks(sql), sql.differences


def test_amounts_in_a_difference_are_exact_to_the_fen(world: dict[str, Any]) -> None:
    _case_outstanding(world)
    _missing_receipt(world)
    sql, _ = _both(world["org"])
    by_check = {d["check"]: d for d in sql.differences}
    case = by_check["principal − applied"]
    assert (case["expected"], case["actual"], case["difference"]) == ("0.00", "0.01", "0.01")
    pay = by_check["payments vs receipts"]
    assert (pay["expected"], pay["actual"], pay["difference"]) == ("3100.01", "3100.00", "-0.01")


def test_bank_statement_difference_on_both_paths(world: dict[str, Any]) -> None:
    book = reconciliation_report(organisation=world["org"]).trust.bank_book
    sql, _ = _both(world["org"], bank=book - Decimal("0.01"))
    assert ("bank", "trust_bank", "statement vs book") in _checks(sql)
    assert _both(world["org"], bank=book)[0].ok


def test_other_organisations_are_not_counted(world: dict[str, Any], other_org: Any) -> None:
    _both(other_org)
    assert reconciliation_report(organisation=other_org).trust.lines == ()
