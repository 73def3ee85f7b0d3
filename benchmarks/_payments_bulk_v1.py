"""The peer for ``benchmarks/payments.py``: ``payments.bulk`` as it was before the set-based
rewrite (commit a7ed366), kept verbatim apart from this note so both run in the same
process on the same data. Principal-only: it does not know cost and interest rows.

Bulk posting of many payments (bank-statement batches, provider settlement files, data
migrations): the same rules as ``payment_record`` (idempotency key once per organisation,
Arts. 560/561 via ``allocation_plan``, cumulative commission, the trust kernel's guards,
timeline + ledger entry + audit row per payment), written chunk by chunk with multi-row
inserts. Each chunk is one transaction holding row locks on its cases, their invoices and the
touched trust balances."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Perm
from qingqian.audit.services import audit_record_many
from qingqian.cases.models import Case, Invoice, TimelineEvent
from qingqian.cases.services import require
from qingqian.common import clock
from qingqian.common.bulk import bulk_insert
from qingqian.ledger.services import NewEntry, ledger_append_many, timeline_statement
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
    TrustBalance,
)
from qingqian.payments.selectors import CommissionRate, commission_rate
from qingqian.payments.services import (
    Share,
    _business_day,
    _check_amount,
    _check_key,
    allocation_plan,
)

ZERO = Decimal("0.00")
_SKIP_SETOFF = "set-offs must pin invoices: use payment_record"


@dataclass(frozen=True, slots=True)
class BulkPayment:
    case_id: int
    amount: Decimal
    kind: str
    idempotency_key: str
    received_at: dt.datetime
    reference: str = ""


def _reserve_ids(model: type[Any], n: int) -> list[int] | None:
    """``n`` primary keys from the table's sequence (PostgreSQL), so rows can be written with
    COPY and still be referenced; ``None`` elsewhere (the caller falls back to bulk_create)."""
    if connection.vendor != "postgresql" or n == 0:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, n],
        )
        return [int(r[0]) for r in cursor.fetchall()]


def _update_rows(
    model: type[Any], objs: Sequence[Any], fields: Sequence[str], casts: Sequence[str]
) -> None:
    """``UPDATE … FROM (VALUES …)`` on PostgreSQL (Django's bulk_update builds a CASE per
    field); bulk_update elsewhere."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, list(fields), batch_size=2000)
        return
    qn = connection.ops.quote_name
    columns = [model._meta.get_field(f).column for f in fields]
    sets = ", ".join(f"{qn(c)} = v.{qn(c)}::{cast}" for c, cast in zip(columns, casts, strict=True))
    names = ", ".join(["id", *(qn(c) for c in columns)])
    table = qn(model._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), 5000):
            part = objs[start : start + 5000]
            marks = ", ".join(["(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"] * len(part))
            params: list[Any] = []
            for obj in part:
                params.append(obj.pk)
                params.extend(
                    None if getattr(obj, f) is None else str(getattr(obj, f)) for f in fields
                )
            cursor.execute(
                f"UPDATE {table} AS t SET {sets} FROM (VALUES {marks}) AS v({names}) "  # noqa: S608
                f"WHERE t.id = v.id::bigint",
                params,
            )


def _insert(model: type[Any], objs: list[Any], fields: Sequence[str]) -> list[Any]:
    """Write ``objs`` with COPY when ids can be reserved, else ``bulk_create``; returns them
    with primary keys set."""
    ids = _reserve_ids(model, len(objs))
    if ids is None:
        return list(model.objects.bulk_create(objs, batch_size=2000))
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
    bulk_insert(
        model,
        ("id", *fields),
        ([obj.pk, *(getattr(obj, model._meta.get_field(f).attname) for f in fields)]
         for obj in objs),
    )  # fmt: skip
    return objs


@dataclass(frozen=True, slots=True)
class BulkResult:
    created: int
    duplicates: int


def payments_post_bulk(
    *,
    organisation: Organisation,
    items: Iterable[BulkPayment],
    actor: User | None,
    chunk: int = 5000,
) -> BulkResult:
    require(actor, Perm.CASE_TRANSITION)
    created = duplicates = 0
    batch: list[BulkPayment] = []
    for item in items:
        batch.append(item)
        if len(batch) >= chunk:
            c, d = _post_chunk(organisation, batch, actor)
            created, duplicates, batch = created + c, duplicates + d, []
    if batch:
        c, d = _post_chunk(organisation, batch, actor)
        created, duplicates = created + c, duplicates + d
    return BulkResult(created, duplicates)


@transaction.atomic
def _post_chunk(
    organisation: Organisation, items: Sequence[BulkPayment], actor: User | None
) -> tuple[int, int]:
    for item in items:
        _check_amount(item.amount)
        _check_key(item.idempotency_key)
        if item.kind not in PaymentKind.values or item.kind in ("reversal", "setoff"):
            raise PaymentsError(
                f"批量入账不支持的收款方式：{item.kind}",
                f"Bulk posting does not take the kind {item.kind} ({_SKIP_SETOFF}).",
                code="payment_kind_invalid",
                details={"kind": item.kind},
            )
    case_ids = sorted({i.case_id for i in items})
    cases = {
        c.pk: c
        for c in Case.objects.select_for_update()
        .filter(pk__in=case_ids, organisation=organisation)
        .order_by("pk")
    }
    if len(cases) != len(case_ids):
        missing = sorted(set(case_ids) - set(cases))[:10]
        raise PaymentsError(
            f"案件不存在或不属于本机构：{missing}",
            f"Cases not found in this organisation: {missing}",
            code="payment_case_unknown",
            details={"case_ids": missing},
        )
    keys = [i.idempotency_key for i in items]
    existing = set(
        Payment.objects.filter(organisation=organisation, idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    fresh: list[BulkPayment] = []
    seen: set[str] = set()
    for item in items:
        if item.idempotency_key in existing or item.idempotency_key in seen:
            continue
        seen.add(item.idempotency_key)
        fresh.append(item)
    duplicates = len(items) - len(fresh)
    if not fresh:
        return 0, duplicates
    invoices: dict[int, list[Invoice]] = defaultdict(list)
    for inv in (
        Invoice.objects.select_for_update().filter(case_id__in=case_ids).order_by("due_date", "id")
    ):
        invoices[inv.case_id].append(inv)
    # The schedule depends on the debt type and the day only.
    rates: dict[tuple[str, dt.date], CommissionRate | None] = {}
    recovered = {
        row["case_id"]: row["s"] or ZERO
        for row in Payment.objects.filter(case_id__in=case_ids)
        .exclude(kind="reversal")
        .values("case_id")
        .annotate(s=Sum("commissionable"))
    }
    recovered = {k: Decimal(str(v)).quantize(Decimal("0.01")) for k, v in recovered.items()}
    now = clock.now()
    payment_rows: list[Payment] = []
    plans: list[list[Share]] = []
    for item in fresh:
        case = cases[item.case_id]
        on = _business_day(item.received_at)
        shares = allocation_plan(case=case, invoices=invoices[case.pk], amount=item.amount, on=on)
        by_id = {i.pk: i for i in invoices[case.pk]}
        applied = ZERO
        for s in shares:
            if s.component == Component.SURPLUS:
                continue
            applied += s.amount
            if s.invoice_id is not None and s.component == Component.PRINCIPAL:
                by_id[s.invoice_id].outstanding -= s.amount
        case.outstanding -= applied
        if case.last_payment_date is None or on > case.last_payment_date:
            case.last_payment_date = on
        rate_key = (case.debt_type, on)
        if rate_key not in rates:
            rates[rate_key] = commission_rate(case, on)
        rate = rates[rate_key]
        commission = ZERO
        commissionable = ZERO
        if rate is not None and item.kind in rate.counts and applied > 0:
            commissionable = applied
            before = recovered.get(case.pk, ZERO)
            commission = commission_for_recovery(
                rate.schedule, recovered_before=before, amount=applied
            ).commission
            recovered[case.pk] = before + applied
        payment_rows.append(
            Payment(
                organisation=organisation,
                case_id=case.pk,
                kind=item.kind,
                amount=item.amount,
                received_at=item.received_at,
                idempotency_key=item.idempotency_key,
                reference=item.reference[:64],
                actor=actor,
                commissionable=commissionable,
                commission=commission,
            )
        )
        plans.append(shares)
    for p in payment_rows:
        p.created_at = now
    payments = _insert(
        Payment,
        payment_rows,
        ("organisation", "case", "kind", "amount", "received_at", "idempotency_key",
         "reference", "note", "reverses", "actor", "commissionable", "commission", "created_at"),
    )  # fmt: skip
    bulk_insert(
        PaymentAllocation,
        ("payment", "invoice", "component", "amount"),
        (
            (p.pk, s.invoice_id, s.component, s.amount)
            for p, shares in zip(payments, plans, strict=True)
            for s in shares
        ),
    )
    _update_rows(
        Invoice, [i for rows in invoices.values() for i in rows], ["outstanding"], ["numeric"]
    )
    for case in cases.values():
        case.updated_at = now
    _update_rows(
        Case,
        list(cases.values()),
        ["outstanding", "last_payment_date", "updated_at"],
        ["numeric", "date", "timestamptz"],
    )
    _post_trust(organisation, payments, plans, cases)
    events = _insert(
        TimelineEvent,
        [
            TimelineEvent(
                case_id=p.case_id,
                at=now,
                actor=actor,
                kind="payment",
                note=f"收款 {p.amount} 元（{PaymentKind(p.kind).label}）",
            )
            for p in payments
        ],
        ("case", "at", "actor", "kind", "from_state", "to_state", "note"),
    )
    ledger_append_many(
        NewEntry(
            kind="case.payment",
            case_id=e.case_id,
            statement=timeline_statement(
                case_id=e.case_id,
                reference=cases[e.case_id].reference,
                event_id=e.pk,
                kind="payment",
                at=e.at,
                actor_id=actor.pk if actor else None,
                from_state="",
                to_state="",
                note=e.note,
            ),
        )
        for e in events
    )
    audit_record_many(
        actor=actor,
        organisation=organisation,
        action="payment.record",
        object_type="payments.payment",
        rows=(
            (
                p.pk,
                {
                    "kind": p.kind,
                    "amount": str(p.amount),
                    "idempotency_key": p.idempotency_key,
                    "commission": str(p.commission),
                    "bulk": True,
                },
            )
            for p in payments
        ),
    )
    return len(payments), duplicates


def _post_trust(
    organisation: Organisation,
    payments: Sequence[Payment],
    plans: Sequence[Sequence[Share]],
    cases: dict[int, Case],
) -> None:
    txns: list[tuple[Payment, trust.Transaction]] = []
    for p, shares in zip(payments, plans, strict=True):
        c = str(cases[p.case_id].creditor_id)
        on = _business_day(p.received_at)
        method = trust.Method.SETOFF if p.kind in NON_CASH_KINDS else trust.Method.CASH
        txns.append((p, trust.receipt(f"p{p.pk}", c, p.amount, on, method=method)))
        surplus = sum(
            (s.amount for s in shares if s.component == Component.SURPLUS),
            ZERO,
        )
        if surplus:
            txns.append((p, trust.hold(f"p{p.pk}h", c, surplus, on, reference="surplus")))
        if p.commission:
            txns.append((p, trust.commission(f"p{p.pk}c", c, p.commission, on)))
    accounts = sorted({a for _, t in txns for a in trust.creditor_accounts(t.creditor)})
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
    balances = {a: r.fen for a, r in rows.items()}
    for _, t in txns:
        balances.update(trust.check_posting(balances, t))
    for account, row in rows.items():
        row.fen = balances[account]
    TrustBalance.objects.bulk_update(list(rows.values()), ["fen"])
    now = clock.now()
    entries = _insert(
        JournalEntry,
        [
            JournalEntry(
                organisation=organisation,
                txn_id=t.txn_id,
                kind=t.kind.value,
                creditor_id=int(t.creditor),
                on=t.on,
                reference=t.reference,
                payment=p,
                created_at=now,
            )
            for p, t in txns
        ],
        ("organisation", "txn_id", "kind", "creditor", "on", "reverses", "reference", "payment",
         "remittance", "created_at"),
    )  # fmt: skip
    bulk_insert(
        JournalLine,
        ("entry", "account", "fen"),
        (
            (e.pk, posting.account, posting.fen)
            for e, (_, t) in zip(entries, txns, strict=True)
            for posting in t.postings
        ),
    )
