"""Reconciliation of the trust ledger, the payments and the cases, to the fen.

Two implementations give the same answer (``tests/payments/test_reconciliation.py`` corrupts
each kind of row and compares them):

* :func:`reconciliation_report` (the one in use) runs one set-based SQL aggregate per check
  and brings back only per-account / per-creditor sums (a few rows per creditor) and the
  rows that differ. Memory stays flat whatever the size of the journal.
* :func:`reconciliation_report_python` loads every journal entry and runs the pure kernel
  :func:`qingqian.payments.trust.reconcile` over them. It is kept as the test oracle and as
  the benchmark's peer (``benchmarks/reconcile.py``).

Money in SQL is summed in integer fen: every decimal column is turned into fen row by row
(``CAST(ROUND(x * 100) AS BIGINT)``) before it is summed. That is exact on PostgreSQL
(``numeric``) and on SQLite, where Django stores decimals with REAL affinity: a stored
amount with two places is the double nearest to it, which rounds back to the same fen,
and the sum of integers is exact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from qingqian.accounts.models import Organisation
from qingqian.cases.models import Case, Invoice
from qingqian.payments import trust
from qingqian.payments.models import (
    JournalEntry,
    JournalLine,
    Payment,
    PaymentAllocation,
    TrustBalance,
)
from qingqian.payments.services import journal_transactions

ZERO = Decimal("0.00")


@dataclass
class ReconciliationReport:
    trust: trust.Reconciliation
    differences: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.trust.ok and not self.differences


def _q(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _diff(scope: str, key: str, check: str, expected: Decimal, actual: Decimal) -> dict[str, str]:
    return {
        "scope": scope,
        "key": key,
        "check": check,
        "expected": str(expected),
        "actual": str(actual),
        "difference": str(actual - expected) if actual.is_finite() else "",
    }


_IDENTITY = "received − remitted − commission − held"
_NAN = Decimal("NaN")

#: What a difference's scope and check mean, in words, for pages (the report and the API
#: keep the codes). Beside the checks below, so a new check gets its words here.
SCOPE_LABELS = {
    "creditor": _("债权人"),
    "payments": _("债权人"),
    "commission": _("债权人"),
    "case": _("案件"),
    "entry": _("分录"),
    "balance": _("账户余额"),
    "bank": _("银行账户"),
}
CHECK_LABELS = {
    _IDENTITY: _("收款 − 已汇付 − 佣金 − 在账"),
    "debits − credits": _("借方 − 贷方"),
    "stored vs journal": _("存储余额与日记账"),
    "statement vs book": _("对账单与账面"),
    "book vs creditors' cash": _("账面与各债权人资金"),
    "payments vs receipts": _("回款与收款记录"),
    "payments vs journal": _("回款佣金与日记账"),
    "principal − applied": _("本金 − 已冲抵本金"),
    "invoices' outstanding": _("发票未收合计"),
}


def _trust_differences(result: trust.Reconciliation) -> Iterator[dict[str, str]]:
    """The differences the trust kernel's result shows, in the report's order."""
    for line in result.lines:
        if line.difference:
            yield _diff("creditor", line.creditor, _IDENTITY, ZERO, line.difference)
    for txn_id in result.unbalanced:
        yield _diff("entry", txn_id, "debits − credits", ZERO, _NAN)
    for account in result.stored_mismatches:
        yield _diff("balance", account, "stored vs journal", ZERO, _NAN)
    if result.bank_statement is not None and result.bank_statement != result.bank_book:
        yield _diff(
            "bank", trust.BANK, "statement vs book", result.bank_statement, result.bank_book
        )
    if result.bank_book != result.cash_share_total:
        yield _diff(
            "bank", trust.BANK, "book vs creditors' cash", result.cash_share_total, result.bank_book
        )


def _payment_differences(
    lines: Sequence[trust.CreditorLine],
    paid: dict[str, Decimal],
    commission: dict[str, Decimal],
    accrued: dict[str, Decimal],
) -> Iterator[dict[str, str]]:
    by_creditor = {line.creditor: line for line in lines}
    for c in sorted(set(paid) | set(by_creditor)):
        received = by_creditor[c].received if c in by_creditor else ZERO
        if paid.get(c, ZERO) != received:
            yield _diff("payments", c, "payments vs receipts", paid.get(c, ZERO), received)
        if commission.get(c, ZERO) != accrued.get(c, ZERO):
            yield _diff(
                "commission",
                c,
                "payments vs journal",
                commission.get(c, ZERO),
                accrued.get(c, ZERO),
            )


def _case_differences(
    case_id_ref: str, expected: Decimal | None, invoices: Decimal | None, outstanding: Decimal
) -> Iterator[dict[str, str]]:
    if expected is not None and outstanding != expected:
        yield _diff("case", case_id_ref, "principal − applied", expected, outstanding)
    if invoices is not None and invoices != outstanding:
        yield _diff("case", case_id_ref, "invoices' outstanding", invoices, outstanding)


# --------------------------------------------------------------------------- the SQL path


def _t(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _fen(column: str) -> str:
    """``column`` (a decimal in yuan) as integer fen, row by row."""
    return f"CAST(ROUND({column} * 100) AS BIGINT)"


def _rows(sql: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        while True:
            chunk = cur.fetchmany(2000)
            if not chunk:
                return
            yield from chunk


def reconciliation_report(
    *, organisation: Organisation, bank_statement: Decimal | None = None
) -> ReconciliationReport:
    """Check, to the fen and in SQL: every creditor's ``received = remitted + commission +
    held``; every entry balanced; the stored running balances against the journal; the bank
    book against the creditors' cash and the statement balance (when given); per creditor,
    Σ payments against the journal's receipts and Σ commission against the journal; per
    case, ``outstanding = principal − Σ applied to principal`` (costs and interest are
    ``Charge`` rows) and ``= Σ invoice outstanding``. Lists
    every difference, in the same order and form as :func:`reconciliation_report_python`."""
    org = organisation.pk
    entry, line, balance = _t(JournalEntry), _t(JournalLine), _t(TrustBalance)
    journal = f"{line} l JOIN {entry} e ON e.id = l.entry_id"

    # Journal balances by account, next to the stored balances (one pass over the lines).
    balances: dict[str, int] = {}
    stored_mismatches: list[str] = []
    for account, stored, booked, n in _rows(
        f"""SELECT account, SUM(s), SUM(j), SUM(n) FROM (
                SELECT account, fen AS s, 0 AS j, 0 AS n FROM {balance}
                 WHERE organisation_id = %s
                UNION ALL
                SELECT l.account, 0, l.fen, 1 FROM {journal} WHERE e.organisation_id = %s
            ) x GROUP BY account""",  # noqa: S608 (quoted model metadata)
        [org, org],
    ):
        if n:
            balances[account] = int(booked)
        if int(stored) != int(booked):
            stored_mismatches.append(account)
    stored_mismatches.sort()

    # Flows per creditor; a reversal counts as the kind of the earlier entry it reverses.
    flows: dict[str, dict[str, int]] = {}
    for creditor, received, remitted, earned, matched in _rows(
        f"""SELECT c, SUM(CASE WHEN k = 'receipt' AND rm = 1 THEN fen ELSE 0 END),
                      SUM(CASE WHEN k = 'remit' AND rm = 1 THEN -fen ELSE 0 END),
                      SUM(CASE WHEN k = 'commission' AND cp = 1 THEN -fen ELSE 0 END),
                      SUM(CASE WHEN (k IN ('receipt', 'remit') AND rm = 1)
                                 OR (k = 'commission' AND cp = 1) THEN 1 ELSE 0 END)
            FROM (
                SELECT e.creditor_id AS c, l.fen AS fen,
                       CASE WHEN e.kind = 'reversal' THEN COALESCE(o.kind, 'reversal')
                            ELSE e.kind END AS k,
                       CASE WHEN l.account = %s
                              OR l.account = 'setoff:' || CAST(e.creditor_id AS TEXT)
                            THEN 1 ELSE 0 END AS rm,
                       CASE WHEN l.account = 'commission_payable:' || CAST(e.creditor_id AS TEXT)
                            THEN 1 ELSE 0 END AS cp
                FROM {journal}
                LEFT JOIN {entry} o
                  ON e.kind = 'reversal' AND o.organisation_id = e.organisation_id
                 AND o.txn_id = e.reverses AND o.id < e.id
                WHERE e.organisation_id = %s
            ) x GROUP BY c""",  # noqa: S608 (quoted model metadata)
        [trust.BANK, org],
    ):
        if matched:
            flows[str(creditor)] = {
                "received": int(received),
                "remitted": int(remitted),
                "commission": int(earned),
            }
    creditors = sorted(set(flows) | {a.split(":", 1)[1] for a in balances if ":" in a})
    lines = []
    for c in creditors:
        held_fen = -balances.get(trust.held(c), 0) - balances.get(trust.on_hold(c), 0)
        f = flows.get(c, {})
        received, remitted, earned = (
            f.get("received", 0),
            f.get("remitted", 0),
            f.get("commission", 0),
        )
        lines.append(
            trust.CreditorLine(
                creditor=c,
                received=trust.to_yuan(received),
                remitted=trust.to_yuan(remitted),
                commission=trust.to_yuan(earned),
                held=trust.to_yuan(held_fen),
                on_hold=trust.to_yuan(-balances.get(trust.on_hold(c), 0)),
                cash_share=trust.to_yuan(
                    -balances.get(trust.held(c), 0)
                    - balances.get(trust.on_hold(c), 0)
                    - balances.get(trust.commission_payable(c), 0)
                    - balances.get(trust.setoff(c), 0)
                ),
                difference=trust.to_yuan(received - remitted - earned - held_fen),
            )
        )
    total = trust.CreditorLine(
        creditor="*",
        received=sum((x.received for x in lines), ZERO),
        remitted=sum((x.remitted for x in lines), ZERO),
        commission=sum((x.commission for x in lines), ZERO),
        held=sum((x.held for x in lines), ZERO),
        on_hold=sum((x.on_hold for x in lines), ZERO),
        cash_share=sum((x.cash_share for x in lines), ZERO),
        difference=sum((x.difference for x in lines), ZERO),
    )

    # Unbalanced entries: only the entries whose lines do not sum to zero come back.
    unbalanced = tuple(
        str(txn_id)
        for (txn_id,) in _rows(
            f"""SELECT e.txn_id FROM {journal} WHERE e.organisation_id = %s
                GROUP BY e.id, e.txn_id HAVING SUM(l.fen) <> 0 ORDER BY e.id""",  # noqa: S608 (quoted model metadata)
            [org],
        )
    )
    result = trust.Reconciliation(
        lines=tuple(lines),
        total=total,
        unbalanced=unbalanced,
        bank_book=trust.to_yuan(balances.get(trust.BANK, 0)),
        cash_share_total=total.cash_share,
        bank_statement=bank_statement,
        stored_mismatches=tuple(stored_mismatches),
    )
    report = ReconciliationReport(result)
    report.differences.extend(_trust_differences(result))

    # Payments against the journal, per creditor.
    payment, case_t = _t(Payment), _t(Case)
    paid: dict[str, Decimal] = {}
    commission: dict[str, Decimal] = {}
    for creditor, amount_fen, commission_fen in _rows(
        f"""SELECT c.creditor_id, SUM({_fen("p.amount")}), SUM({_fen("p.commission")})
            FROM {payment} p JOIN {case_t} c ON c.id = p.case_id
            WHERE p.organisation_id = %s GROUP BY c.creditor_id""",  # noqa: S608 (quoted model metadata)
        [org],
    ):
        paid[str(creditor)] = trust.to_yuan(int(amount_fen))
        commission[str(creditor)] = trust.to_yuan(int(commission_fen))
    accrued: dict[str, Decimal] = {}
    for creditor, fen in _rows(
        f"""SELECT e.creditor_id, SUM(l.fen) FROM {journal}
            WHERE e.organisation_id = %s AND e.kind = 'commission'
              AND e.payment_id IS NOT NULL AND SUBSTR(l.account, 1, 19) = %s
            GROUP BY e.creditor_id""",  # noqa: S608 (quoted model metadata)
        [org, "commission_payable:"],
    ):
        accrued[str(creditor)] = -trust.to_yuan(int(fen))
    report.differences.extend(_payment_differences(lines, paid, commission, accrued))

    # Cases: only the cases that differ come back.
    allocation, invoice = _t(PaymentAllocation), _t(Invoice)
    for _pk, reference, principal, outstanding, applied, invoiced in _rows(
        f"""SELECT c.id, c.reference, {_fen("c.principal")}, {_fen("c.outstanding")},
                   a.fen, i.fen
            FROM {case_t} c
            LEFT JOIN (
                SELECT p.case_id AS case_id, SUM({_fen("pa.amount")}) AS fen
                FROM {allocation} pa JOIN {payment} p ON p.id = pa.payment_id
                WHERE p.organisation_id = %s AND pa.component = 'principal'
                GROUP BY p.case_id
            ) a ON a.case_id = c.id
            LEFT JOIN (
                SELECT iv.case_id AS case_id, SUM({_fen("iv.outstanding")}) AS fen
                FROM {invoice} iv JOIN {case_t} c2 ON c2.id = iv.case_id
                WHERE c2.organisation_id = %s
                GROUP BY iv.case_id
            ) i ON i.case_id = c.id
            WHERE c.organisation_id = %s
              AND ((a.case_id IS NOT NULL AND {_fen("c.outstanding")}
                                              <> {_fen("c.principal")} - a.fen)
                OR (i.case_id IS NOT NULL AND i.fen <> {_fen("c.outstanding")}))
            ORDER BY c.id""",  # noqa: S608 (quoted model metadata)
        [org, org, org],
    ):
        report.differences.extend(
            _case_differences(
                str(reference),
                trust.to_yuan(int(principal) - int(applied)) if applied is not None else None,
                trust.to_yuan(int(invoiced)) if invoiced is not None else None,
                trust.to_yuan(int(outstanding)),
            )
        )
    return report


# --------------------------------------------------------------------------- the oracle


def reconciliation_report_python(
    *, organisation: Organisation, bank_statement: Decimal | None = None
) -> ReconciliationReport:
    """The same report computed in Python over every journal entry (the pure kernel's
    ``reconcile``). Memory grows with the journal; kept as the oracle and the peer."""
    entries = (
        JournalEntry.objects.filter(organisation=organisation)
        .prefetch_related("lines")
        .order_by("id")
    )
    stored = {b.account: b.fen for b in TrustBalance.objects.filter(organisation=organisation)}
    result = trust.reconcile(
        journal_transactions(entries), bank_statement=bank_statement, stored_balances=stored
    )
    report = ReconciliationReport(result)
    report.differences.extend(_trust_differences(result))
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    commission: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in (
        Payment.objects.filter(organisation=organisation)
        .values("case__creditor_id")
        .annotate(amount=Sum("amount"), commission=Sum("commission"))
    ):
        paid[str(row["case__creditor_id"])] = _q(row["amount"])
        commission[str(row["case__creditor_id"])] = _q(row["commission"])
    accrued: dict[str, Decimal] = {}
    for row in (
        JournalLine.objects.filter(
            entry__organisation=organisation,
            entry__kind="commission",
            entry__payment__isnull=False,
            account__startswith="commission_payable:",
        )
        .values("entry__creditor_id")
        .annotate(fen=Sum("fen"))
    ):
        accrued[str(row["entry__creditor_id"])] = -trust.to_yuan(int(row["fen"] or 0))
    report.differences.extend(
        _payment_differences(result.lines, dict(paid), dict(commission), accrued)
    )
    invoice_sums = {
        row["case_id"]: _q(row["total"])
        for row in Invoice.objects.filter(case__organisation=organisation)
        .values("case_id")
        .annotate(total=Sum("outstanding"))
    }
    applied = {
        row["payment__case_id"]: _q(row["total"])
        for row in PaymentAllocation.objects.filter(
            payment__organisation=organisation, component="principal"
        )
        .values("payment__case_id")
        .annotate(total=Sum("amount"))
    }
    cases = (
        Case.objects.filter(organisation=organisation)
        .filter(Q(pk__in=list(applied)) | Q(pk__in=list(invoice_sums)))
        .order_by("pk")
    )
    for case_id, reference, principal, outstanding in cases.values_list(
        "pk", "reference", "principal", "outstanding"
    ):
        report.differences.extend(
            _case_differences(
                reference,
                principal - applied[case_id] if case_id in applied else None,
                invoice_sums.get(case_id),
                outstanding,
            )
        )
    return report
