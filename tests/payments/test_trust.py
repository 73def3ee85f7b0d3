"""Trust ledger: postings, guards, reversals, set-offs and reconciliation to the fen."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.payments import trust as t
from qingqian.payments.errors import PaymentsError

D = Decimal
ON = dt.date(2027, 3, 1)


def line(report, creditor):
    (found,) = [x for x in report.lines if x.creditor == creditor]
    return found


def worked_ledger() -> t.TrustLedger:
    ledger = t.TrustLedger()
    for txn in [
        t.receipt("r1", "A", D("10000"), ON, reference="QQ-0001"),
        t.commission("k1", "A", D("1800"), ON),
        t.remit("m1", "A", D("5000"), ON),
        t.hold("h1", "A", D("1000"), ON),
        t.receipt("s1", "B", D("3000"), ON, method=t.Method.SETOFF),
        t.commission("k2", "B", D("300"), ON),
        t.remit("m2", "B", D("2700"), ON, method=t.Method.SETOFF),
    ]:
        assert ledger.post(txn)
    return ledger


def test_worked_example_reconciles() -> None:
    ledger = worked_ledger()
    assert ledger.balances() == {
        "trust_bank": 500000,
        "held:A": -220000,
        "on_hold:A": -100000,
        "commission_payable:A": -180000,
        "setoff:B": 30000,
        "commission_payable:B": -30000,
    }
    report = t.reconcile(ledger.transactions, bank_statement=D("5000.00"))
    assert report.ok
    a = line(report, "A")
    assert (a.received, a.remitted, a.commission, a.held, a.on_hold, a.cash_share) == (
        D("10000.00"),
        D("5000.00"),
        D("1800.00"),
        D("3200.00"),
        D("1000.00"),
        D("5000.00"),
    )
    b = line(report, "B")
    assert (b.received, b.remitted, b.commission, b.held, b.cash_share) == (
        D("3000.00"),
        D("2700.00"),
        D("300.00"),
        D("0.00"),
        D("0.00"),
    )
    assert report.total.received == D("13000.00")
    assert report.total.received == (
        report.total.remitted + report.total.commission + report.total.held
    )
    assert report.bank_book == report.cash_share_total == D("5000.00")


def snapshot(ledger):
    return (ledger.balances(), ledger.transactions)


@pytest.mark.parametrize(
    ("txn", "code"),
    [
        # The commission on B's set-off is not backed by cash: the firm must invoice it.
        (t.withdraw("w1", "B", D("300"), ON), "trust_overdraw"),
        # A's money has been remitted: the receipt can no longer be reversed outright.
        (
            t.reversal("x1", t.receipt("r1", "A", D("10000"), ON, reference="QQ-0001"), ON),
            "trust_overdraw",
        ),
        (t.remit("m3", "A", D("2200.01"), ON), "trust_overdraw"),
        (t.release("l1", "A", D("1000.01"), ON), "trust_overdraw"),
        (t.remit("r1", "A", D("1"), ON), "trust_duplicate_id"),
        (
            t.Transaction("bad", t.Kind.RECEIPT, "A", ON, (t.Posting("trust_bank", 100),)),
            "trust_invalid_entry",
        ),
        (
            t.Transaction(
                "bad",
                t.Kind.RECEIPT,
                "A",
                ON,
                (t.Posting("trust_bank", 100), t.Posting("held:B", -100)),
            ),
            "trust_invalid_entry",
        ),
        (
            t.Transaction("bad", t.Kind.REVERSAL, "A", ON, (), reverses="nope"),
            "trust_invalid_entry",
        ),
        (t.reversal("x2", t.receipt("zz", "A", D("1"), ON), ON), "trust_reversal_unknown"),
        (t.reversal("x3", t.hold("h1", "A", D("999"), ON), ON), "trust_reversal_mismatch"),
    ],
)
def test_refused_entries_change_nothing(txn, code) -> None:
    ledger = worked_ledger()
    before = snapshot(ledger)
    with pytest.raises(PaymentsError) as caught:
        ledger.post(txn)
    assert caught.value.code == code
    assert snapshot(ledger) == before


def test_cash_of_one_creditor_never_pays_another() -> None:
    ledger = t.TrustLedger()
    ledger.post(t.receipt("b1", "B", D("5000"), ON))
    ledger.post(t.receipt("a1", "A", D("1000"), ON, method=t.Method.SETOFF))
    before = snapshot(ledger)
    with pytest.raises(PaymentsError) as caught:
        ledger.post(t.remit("a2", "A", D("1000"), ON))  # cash, but A only has set-off value
    assert caught.value.details["account"] == "cash_share:A"
    assert snapshot(ledger) == before
    assert ledger.post(t.remit("a3", "A", D("1000"), ON, method=t.Method.SETOFF))


def test_reversals_idempotency_and_negative_commission() -> None:
    ledger = worked_ledger()
    h1 = next(x for x in ledger.transactions if x.txn_id == "h1")
    assert ledger.post(t.reversal("x1", h1, ON))
    assert not ledger.post(t.reversal("x1", h1, ON))  # retried delivery: no-op
    with pytest.raises(PaymentsError) as caught:
        ledger.post(t.reversal("x2", h1, ON))
    assert caught.value.code == "trust_already_reversed"
    x1 = next(x for x in ledger.transactions if x.txn_id == "x1")
    with pytest.raises(PaymentsError) as caught:
        t.reversal("x3", x1, ON)
    assert caught.value.code == "trust_reversal_of_reversal"
    assert ledger.post(t.commission("k3", "A", D("-300"), ON))  # flat-band credit back
    report = t.reconcile(ledger.transactions)
    assert report.ok
    assert line(report, "A").commission == D("1500.00")
    assert line(report, "A").on_hold == D("0.00")


@pytest.mark.parametrize("amount", [D("0"), D("-1"), D("1.001"), D("NaN")])
def test_bad_amounts(amount) -> None:
    with pytest.raises(PaymentsError) as caught:
        t.receipt("r", "A", amount, ON)
    assert caught.value.code == "trust_amount_invalid"


def test_reconciliation_detects_tampering() -> None:
    txns = list(worked_ledger().transactions)
    good = t.reconcile(txns)
    assert good.ok
    # A receipt for A credited to B's account.
    forged = dataclasses.replace(
        txns[0], postings=(t.Posting("trust_bank", 1000000), t.Posting("held:B", -1000000))
    )
    report = t.reconcile([forged, *txns[1:]])
    assert not report.ok
    assert line(report, "A").difference == D("10000.00")
    assert line(report, "B").difference == D("-10000.00")
    # An unbalanced entry.
    skewed = dataclasses.replace(
        txns[2], postings=(t.Posting("held:A", 500000), t.Posting("trust_bank", -499999))
    )
    report = t.reconcile([*txns[:2], skewed, *txns[3:]])
    assert report.unbalanced == ("m1",)
    assert not report.ok
    # Stored balances and the bank statement.
    ledger = worked_ledger()
    stored = ledger.balances() | {"held:A": -219999}
    report = t.reconcile(txns, stored_balances=stored, bank_statement=D("4999.99"))
    assert report.stored_mismatches == ("held:A",)
    assert not report.ok
    assert t.reconcile(txns, stored_balances=ledger.balances()).ok


CREDITORS = ["A", "B", "C"]
BUILDERS = {
    "cash": (t.receipt, {}, 1),
    "setoff": (t.receipt, {"method": t.Method.SETOFF}, 1),
    "commission": (t.commission, {}, 1),
    "credit": (t.commission, {}, -1),
    "remit": (t.remit, {}, 1),
    "remit_kind": (t.remit, {"method": t.Method.SETOFF}, 1),
    "hold": (t.hold, {}, 1),
    "release": (t.release, {}, 1),
    "withdraw": (t.withdraw, {}, 1),
}
amounts = st.integers(1, 10**8).map(lambda f: (D(f) / 100).quantize(D("0.01")))
ops = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "cash",
                "setoff",
                "commission",
                "credit",
                "remit",
                "remit_kind",
                "hold",
                "release",
                "withdraw",
                "reverse",
            ]
        ),
        st.sampled_from(CREDITORS),
        amounts,
        st.integers(0, 10**6),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(ops)
def test_any_sequence_conserves_money(sequence) -> None:
    ledger = t.TrustLedger()
    for index, (op, c, amount, pick) in enumerate(sequence):
        txn_id = f"t{index}"
        try:
            if op == "reverse":
                candidates = [x for x in ledger.transactions if x.kind is not t.Kind.REVERSAL]
                if not candidates:
                    continue
                txn = t.reversal(txn_id, candidates[pick % len(candidates)], ON)
            else:
                builder, extra, sign = BUILDERS[op]
                txn = builder(txn_id, c, sign * amount, ON, **extra)
        except PaymentsError:
            continue
        before = snapshot(ledger)
        try:
            ledger.post(txn)
        except PaymentsError:
            assert snapshot(ledger) == before
    report = t.reconcile(ledger.transactions, stored_balances=ledger.balances())
    assert report.ok
    assert sum(ledger.balances().values()) == 0
    for x in report.lines:
        assert x.received == x.remitted + x.commission + x.held
        assert x.cash_share >= 0
        assert x.held >= 0
    assert report.bank_book == sum((x.cash_share for x in report.lines), D(0))
    assert report.bank_book >= 0
