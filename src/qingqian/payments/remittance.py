"""Monthly remittance to creditors, and the reconciliation of the trust ledger to the fen.

A batch remits what was held for the creditor at the end of the period (receipts, reversals
and commission dated after it stay for the next batch). ``net``: the creditor receives the
money net of the commission already accrued. ``gross``: the accrued commission is credited
back to the creditor (the firm invoices it separately) and everything is remitted. Money
received by set-off is settled in kind (Dr held / Cr setoff); only the rest leaves the bank.
One batch per creditor and period: running the month again changes nothing."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Perm
from qingqian.audit.services import audit_record
from qingqian.cases.services import require
from qingqian.common import clock
from qingqian.payments import trust
from qingqian.payments.errors import PaymentsError
from qingqian.payments.models import (
    JournalLine,
    Payment,
    RemittanceBasis,
    RemittanceBatch,
    TrustBalance,
)
from qingqian.payments.reconciliation import (  # noqa: F401 (re-exported)
    ReconciliationReport,
    reconciliation_report,
    reconciliation_report_python,
)
from qingqian.payments.services import journal_post

ZERO = Decimal("0.00")


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """``"2027-02"`` → (2027-02-01, 2027-02-28)."""
    try:
        year, month = (int(x) for x in period.split("-"))
        first = dt.date(year, month, 1)
    except ValueError:
        raise PaymentsError(
            f"期间格式应为 YYYY-MM：{period!r}",
            f"The period must be YYYY-MM: {period!r}",
            code="period_invalid",
            details={"field": "period"},
        ) from None
    return first, first.replace(day=calendar.monthrange(year, month)[1])


def _fen_sum(qs: object) -> dict[int, int]:
    return {row["entry__creditor_id"]: int(row["fen"] or 0) for row in qs}  # type: ignore[attr-defined]


@transaction.atomic
def remittance_run(
    *,
    organisation: Organisation,
    period: str,
    basis: str,
    actor: User | None,
    today: dt.date | None = None,
) -> list[RemittanceBatch]:
    """Create the period's remittance batch for every creditor with money held. Returns the
    new batches (creditors already remitted for the period are skipped)."""
    require(actor, Perm.MONEY_MANAGE)
    if basis not in RemittanceBasis.values:
        raise PaymentsError(
            f"未知的汇付口径：{basis}",
            f"Unknown remittance basis: {basis}",
            code="remittance_basis_invalid",
            details={"field": "basis", "choices": RemittanceBasis.values},
        )
    first, last = period_bounds(period)
    on = today or clock.today()
    if on <= last:
        raise PaymentsError(
            f"期间 {period} 尚未结束，不能汇付。",
            f"The period {period} has not ended yet; it cannot be remitted.",
            code="remittance_period_open",
            details={"period": period},
        )
    lines = JournalLine.objects.filter(entry__organisation=organisation)
    held_now = _fen_sum(
        lines.filter(account__startswith="held:")
        .values("entry__creditor_id")
        .annotate(fen=Sum("fen"))
    )
    held_later = _fen_sum(
        lines.filter(account__startswith="held:", entry__on__gt=last)
        .exclude(entry__kind="remit")
        .values("entry__creditor_id")
        .annotate(fen=Sum("fen"))
    )
    payable_now = _fen_sum(
        lines.filter(account__startswith="commission_payable:")
        .values("entry__creditor_id")
        .annotate(fen=Sum("fen"))
    )
    done = set(
        RemittanceBatch.objects.filter(organisation=organisation, period=period).values_list(
            "creditor_id", flat=True
        )
    )
    stats = {
        row["case__creditor_id"]: row
        for row in Payment.objects.filter(
            organisation=organisation,
            received_at__date__gte=first,
            received_at__date__lte=last,
        )
        .values("case__creditor_id")
        .annotate(commission=Sum("commission"), cases=Count("case", distinct=True))
    }
    batches: list[RemittanceBatch] = []
    for creditor_id in sorted(set(held_now) | set(payable_now)):
        if creditor_id in done:
            continue
        available = -(held_now.get(creditor_id, 0) - held_later.get(creditor_id, 0))
        credit_back = -payable_now.get(creditor_id, 0) if basis == RemittanceBasis.GROSS else 0
        amount_fen = available + credit_back
        if amount_fen <= 0:
            continue
        info = stats.get(creditor_id, {})
        batch = RemittanceBatch.objects.create(
            organisation=organisation,
            creditor_id=creditor_id,
            period=period,
            basis=basis,
            amount=trust.to_yuan(amount_fen),
            commission=_q(info.get("commission")),
            cases=info.get("cases") or 0,
            actor=actor,
        )
        c = str(creditor_id)
        if credit_back:
            journal_post(
                organisation=organisation,
                txn=trust.commission(
                    f"b{batch.pk}g", c, -trust.to_yuan(credit_back), on, reference="gross"
                ),
                remittance=batch,
            )
        setoff_fen = _balance(organisation, trust.setoff(c))
        in_kind = min(setoff_fen, amount_fen)
        if in_kind:
            journal_post(
                organisation=organisation,
                txn=trust.remit(
                    f"b{batch.pk}k", c, trust.to_yuan(in_kind), on, method=trust.Method.SETOFF
                ),
                remittance=batch,
            )
        if amount_fen - in_kind:
            journal_post(
                organisation=organisation,
                txn=trust.remit(f"b{batch.pk}", c, trust.to_yuan(amount_fen - in_kind), on),
                remittance=batch,
            )
        audit_record(
            actor=actor,
            organisation=organisation,
            action="remittance.create",
            obj=batch,
            after={"period": period, "basis": basis, "amount": str(batch.amount)},
        )
        batches.append(batch)
    return batches


def _q(value: object) -> Decimal:
    """A database sum as an exact two-place Decimal (SQLite sums decimals as floats)."""
    return ZERO if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _balance(organisation: Organisation, account: str) -> int:
    row = TrustBalance.objects.filter(organisation=organisation, account=account).first()
    return row.fen if row else 0


# --------------------------------------------------------------------------- reconciliation
# The report lives in ``payments.reconciliation`` (SQL aggregates; the Python oracle beside it).
