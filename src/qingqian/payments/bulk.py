"""Bulk posting of many payments (bank-statement batches, provider settlement files, data
migrations): the same rules as ``payment_record`` (idempotency key once per organisation,
Arts. 560/561 component by component via ``payments.allocation``, cumulative commission,
the trust kernel's guards, timeline + ledger entry + audit row per payment).

Each chunk is one transaction holding row locks on its cases, their invoices and cost /
interest rows, and the touched trust balances. The chunk is planned in memory on plain
tuples and integer fen (no model instances), then written with a fixed number of
statements whatever its size: on PostgreSQL, ids come from the sequences in one query per
table, new rows go in with ``COPY``, and the changed invoices, charges and cases are
``COPY``-ed into session temp tables and applied with one ``UPDATE … FROM`` each. Elsewhere
(SQLite, the tests) the same plan is written with ``bulk_create`` / ``bulk_update``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import translation

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Perm
from qingqian.audit.services import audit_record_many
from qingqian.cases.models import Case, Invoice, TimelineEvent
from qingqian.cases.services import require
from qingqian.common import clock
from qingqian.common.bounds import AMOUNT_MAX
from qingqian.common.bulk import bulk_insert
from qingqian.common.money import display_amount as _y
from qingqian.fees.commission import commission_for_recovery
from qingqian.ledger.services import NewEntry, ledger_append_many, timeline_statement
from qingqian.payments import allocation, trust
from qingqian.payments.allocation import ChargeState, DebtState, Share, to_fen, to_yuan
from qingqian.payments.errors import PaymentsError
from qingqian.payments.models import (
    NON_CASH_KINDS,
    Charge,
    Component,
    JournalEntry,
    JournalLine,
    Payment,
    PaymentAllocation,
    PaymentKind,
    TrustBalance,
)
from qingqian.payments.selectors import BatchCommission, CommissionRate
from qingqian.payments.services import (
    _business_day,
    _check_amount,
    _check_key,
    _check_received,
)
from qingqian.payments.signals import payments_bulk_posted

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
_SKIP_SETOFF = "set-offs must pin invoices: use payment_record"
# Rendered in Chinese whatever language is active on import: they go into timeline notes.
with translation.override("zh-hans"):
    _LABELS = {c.value: str(c.label) for c in Component}
    _KIND_LABELS = {k.value: str(k.label) for k in PaymentKind}


@dataclass(frozen=True, slots=True)
class BulkPayment:
    case_id: int
    amount: Decimal
    kind: str
    idempotency_key: str
    received_at: dt.datetime
    reference: str = ""


@dataclass(frozen=True, slots=True)
class BulkResult:
    created: int
    duplicates: int


def payments_post_bulk(
    *,
    organisation: Organisation,
    items: Iterable[BulkPayment],
    actor: User | None,
    chunk: int = 10_000,
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


# --------------------------------------------------------------------------- SQL helpers


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _table(model: type[Any]) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _in(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column IN values`` as a placeholder list (SQLite; PostgreSQL uses ``_keyed``)."""
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _keyed(values: Sequence[Any], sql_type: str) -> tuple[str, list[Any]]:
    """PostgreSQL: the values as a relation ``k(key)`` to join on. One array parameter (no
    per-value placeholders for the driver to parse), and a join the planner drives from the
    keys through the table's index; ``col = ANY(array)`` next to another condition lets it
    pick an index on the other column and filter every row of the organisation instead."""
    return f"unnest(%s::{sql_type}[]) AS k(key)", [list(values)]


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _reserve_ids(model: type[Any], n: int) -> list[int]:
    """``n`` primary keys from the table's sequence (PostgreSQL), so rows can be written
    with COPY and still be referenced."""
    rows = _fetch(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [model._meta.db_table, n],
    )
    return [int(r[0]) for r in rows]


def _insert(model: type[Any], fields: Sequence[str], rows: list[tuple[Any, ...]]) -> list[int]:
    """Insert ``rows`` (tuples in ``fields`` order, foreign keys as ids) and return their
    ids: reserved ids + COPY on PostgreSQL, ``bulk_create`` elsewhere."""
    if not rows:
        return []
    if _pg():
        ids = _reserve_ids(model, len(rows))
        bulk_insert(
            model,
            ("id", *fields),
            ((pk, *row) for pk, row in zip(ids, rows, strict=True)),
            batch_size=len(rows),
        )
        return ids
    attnames = [model._meta.get_field(f).attname for f in fields]
    made = model.objects.bulk_create(
        [model(**dict(zip(attnames, row, strict=True))) for row in rows], batch_size=2000
    )
    return [int(m.pk) for m in made]


def _update(
    model: type[Any], fields: Sequence[str], casts: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Set ``fields`` on the rows ``(id, *values)``: COPY into a session temp table and one
    ``UPDATE … FROM`` on PostgreSQL; ``bulk_update`` elsewhere."""
    if not rows:
        return
    columns = [model._meta.get_field(f).column for f in fields]
    if not _pg():
        attnames = [model._meta.get_field(f).attname for f in fields]
        objs = []
        for row in rows:
            obj = model(pk=row[0])
            for name, value in zip(attnames, row[1:], strict=True):
                setattr(obj, name, value)
            objs.append(obj)
        model.objects.bulk_update(objs, list(fields), batch_size=2000)
        return
    qn = connection.ops.quote_name
    temp = f"qq_bulk_{model._meta.db_table}"
    defs = ", ".join(
        ["id bigint", *(f"{qn(c)} {cast}" for c, cast in zip(columns, casts, strict=True))]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {temp} ({defs}) ON COMMIT DELETE ROWS")
        names = ", ".join(["id", *(qn(c) for c in columns)])
        with cursor.cursor.copy(f"COPY {temp} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        sets = ", ".join(f"{qn(c)} = v.{qn(c)}" for c in columns)
        cursor.execute(
            f"UPDATE {_table(model)} AS t SET {sets} FROM {temp} AS v WHERE t.id = v.id"  # noqa: S608
        )
        cursor.execute(f"TRUNCATE {temp}")


# --------------------------------------------------------------------------- the chunk


@dataclass(slots=True)
class _CaseRow:
    pk: int
    outstanding: int  # principal, fen
    last_payment_date: dt.date | None
    creditor_id: int
    debt_type: str
    reference: str
    due_date: dt.date | None
    has_invoices: bool = False
    changed: bool = False


_BULK_KINDS = frozenset(PaymentKind.values) - {"reversal", "setoff"}


def _check_items(items: Sequence[BulkPayment]) -> None:
    for item in items:
        amount = item.amount
        # The common case checked inline; anything else goes through the full parser.
        if not (
            type(amount) is Decimal
            and amount.is_finite()
            and 0 < amount <= AMOUNT_MAX
            and amount.as_tuple().exponent in (0, -1, -2)
        ):
            _check_amount(amount)
        _check_received(item.received_at)
        key = item.idempotency_key
        if not (isinstance(key, str) and 0 < len(key) <= 128 and key == key.strip()):
            _check_key(key)
        if item.kind not in _BULK_KINDS:
            raise PaymentsError(
                f"批量入账不支持的收款方式：{item.kind}",
                f"Bulk posting does not take the kind {item.kind} ({_SKIP_SETOFF}).",
                code="payment_kind_invalid",
                details={"kind": item.kind},
            )


def _lock_cases(organisation: Organisation, case_ids: list[int]) -> dict[int, _CaseRow]:
    if _pg():
        keyed, params = _keyed(case_ids, "bigint")
        rows = _fetch(
            f"SELECT c.id, c.outstanding, c.last_payment_date, c.creditor_id, c.debt_type, "  # noqa: S608
            f"c.reference, c.due_date, c.organisation_id FROM {keyed} "
            f"JOIN {_table(Case)} c ON c.id = k.key ORDER BY c.id FOR UPDATE OF c",
            params,
        )
        # The organisation is checked here, not in SQL (see ``_keyed``); a foreign case
        # aborts the chunk, and the rollback releases its lock.
        rows = [r for r in rows if r[7] == organisation.pk]
    else:
        rows = list(
            Case.objects.select_for_update()
            .filter(pk__in=case_ids, organisation=organisation)
            .order_by("pk")
            .values_list(
                "pk", "outstanding", "last_payment_date", "creditor_id", "debt_type",
                "reference", "due_date",
            )
        )  # fmt: skip
    cases = {
        int(r[0]): _CaseRow(int(r[0]), to_fen(Decimal(r[1])), r[2], int(r[3]), r[4], r[5], r[6])
        for r in rows
    }
    if len(cases) != len(case_ids):
        missing = sorted(set(case_ids) - set(cases))[:10]
        raise PaymentsError(
            f"案件不存在或不属于本机构：{missing}",
            f"Cases not found in this organisation: {missing}",
            code="payment_case_unknown",
            details={"case_ids": missing},
        )
    return cases


def _lock_debts(
    cases: dict[int, _CaseRow], case_ids: list[int]
) -> tuple[dict[int, list[DebtState]], dict[int, Decimal], dict[int, Decimal]]:
    """Each case's debts (as ``services.debts_of`` builds them), locked in the same order as
    the interactive path (case → invoices → charges), and the loaded outstanding of every
    invoice and charge (to write back only what changed)."""
    if _pg():
        keyed, params = _keyed(case_ids, "bigint")
        invoice_rows = _fetch(
            f"SELECT i.id, i.case_id, i.outstanding, i.due_date, i.issue_date, i.number "  # noqa: S608
            f"FROM {keyed} JOIN {_table(Invoice)} i ON i.case_id = k.key "
            f"ORDER BY i.due_date, i.id FOR UPDATE OF i",
            params,
        )
        charge_rows = _fetch(
            f"SELECT ch.id, ch.case_id, ch.invoice_id, ch.component, ch.outstanding "  # noqa: S608
            f"FROM {keyed} JOIN {_table(Charge)} ch ON ch.case_id = k.key "
            f"ORDER BY ch.id FOR UPDATE OF ch",
            params,
        )
    else:
        invoice_rows = list(
            Invoice.objects.select_for_update()
            .filter(case_id__in=case_ids)
            .order_by("due_date", "id")
            .values_list("id", "case_id", "outstanding", "due_date", "issue_date", "number")
        )
        charge_rows = list(
            Charge.objects.select_for_update()
            .filter(case_id__in=case_ids)
            .order_by("id")
            .values_list("id", "case_id", "invoice_id", "component", "outstanding")
        )
    charges: dict[tuple[int, int | None], list[ChargeState]] = defaultdict(list)
    loaded_charges: dict[int, Decimal] = {}
    for pk, case_id, invoice_id, component, outstanding in charge_rows:
        charges[(case_id, invoice_id)].append(ChargeState(pk, component, to_fen(outstanding)))
        loaded_charges[pk] = outstanding
    debts: dict[int, list[DebtState]] = defaultdict(list)
    loaded_invoices: dict[int, Decimal] = {}
    for pk, case_id, outstanding, due, issued, number in invoice_rows:
        case = cases[case_id]
        case.has_invoices = True
        debts[case_id].append(
            DebtState(
                pk, due or issued or case.due_date, to_fen(outstanding), charges[(case_id, pk)],
                number,
            )
        )  # fmt: skip
        loaded_invoices[pk] = outstanding
    for case in cases.values():
        if not case.has_invoices:
            debts[case.pk] = [
                DebtState(None, case.due_date, case.outstanding, charges[(case.pk, None)])
            ]
    return debts, loaded_invoices, loaded_charges


def _recovered(case_ids: list[int]) -> dict[int, dict[str, Decimal]]:
    """Σ commissionable per case and kind (``services._recovered_before`` sums the kinds the
    schedule counts, and reversals)."""
    if _pg():
        keyed, params = _keyed(case_ids, "bigint")
        sql = (
            f"SELECT p.case_id, p.kind, SUM(p.commissionable) FROM {keyed} "  # noqa: S608
            f"JOIN {_table(Payment)} p ON p.case_id = k.key GROUP BY p.case_id, p.kind"
        )
    else:
        where, params = _in("case_id", case_ids)
        sql = (
            f"SELECT case_id, kind, SUM(commissionable) FROM {_table(Payment)} "  # noqa: S608
            f"WHERE {where} GROUP BY case_id, kind"
        )
    out: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for case_id, kind, total in _fetch(sql, params):
        out[case_id][kind] = Decimal(total).quantize(Decimal("0.01"))
    return out


def _describe(totals: dict[str, Decimal]) -> str:
    return "，".join(f"{_LABELS[k]} {_y(v)}" for k, v in totals.items())


def _balance_note(case: _CaseRow, debts: list[DebtState]) -> str:
    principal = to_yuan(case.outstanding)
    costs = sum(d.owed("costs") for d in debts)
    interest = sum(d.owed("interest") for d in debts)
    if not costs and not interest:
        return f"未收余额 {_y(principal)}"
    return (
        f"未收余额 {_y(to_yuan(case.outstanding + costs + interest))}（费用 {_y(to_yuan(costs))}，"
        f"利息 {_y(to_yuan(interest))}，本金 {_y(principal)}）"
    )


@transaction.atomic
def _post_chunk(
    organisation: Organisation, items: Sequence[BulkPayment], actor: User | None
) -> tuple[int, int]:
    _check_items(items)
    case_ids = sorted({i.case_id for i in items})
    cases = _lock_cases(organisation, case_ids)
    keys = [i.idempotency_key for i in items]
    if _pg():
        keyed, params = _keyed(keys, "text")
        sql = (
            f"SELECT p.idempotency_key FROM {keyed} JOIN {_table(Payment)} p "  # noqa: S608
            f"ON p.organisation_id = %s AND p.idempotency_key = k.key"
        )
        params = [*params, organisation.pk]
    else:
        where, params = _in("idempotency_key", keys)
        sql = (
            f"SELECT idempotency_key FROM {_table(Payment)} "  # noqa: S608
            f"WHERE organisation_id = %s AND {where}"
        )
        params = [organisation.pk, *params]
    existing = {r[0] for r in _fetch(sql, params)}
    fresh: list[BulkPayment] = []
    for item in items:
        if item.idempotency_key in existing:
            continue
        existing.add(item.idempotency_key)
        fresh.append(item)
    duplicates = len(items) - len(fresh)
    if not fresh:
        return 0, duplicates
    debts, loaded_invoices, loaded_charges = _lock_debts(cases, case_ids)
    recovered_by_kind = _recovered(case_ids)
    recovered: dict[int, Decimal] = {}
    # The terms depend on the case (its signed agreement, its claim) and the day; what they
    # are read from is read once for the whole chunk.
    fees = BatchCommission(organisation, case_ids)
    rates: dict[tuple[int, dt.date], CommissionRate | None] = {}
    now = clock.now()
    actor_id = actor.pk if actor is not None else None
    org_id = organisation.pk
    payment_rows: list[tuple[Any, ...]] = []
    plans: list[list[Share]] = []
    meta: list[tuple[int, dt.date, Decimal, Decimal, str]] = []  # case, on, surplus, fee, note
    for item in fresh:
        case = cases[item.case_id]
        case_debts = debts[case.pk]
        on = _business_day(item.received_at)
        # As ``payment_record`` parses it: two places, so notes and journal read the same.
        amount = item.amount.quantize(CENT)
        shares = allocation.plan(case_debts, amount, on=on)
        case.outstanding += allocation.apply_shares(case_debts, shares, sign=-1)
        case.changed = True
        totals = allocation.totals(shares)
        surplus = totals.get("surplus", ZERO)
        applied = amount - surplus
        if case.last_payment_date is None or on > case.last_payment_date:
            case.last_payment_date = on
        rate_key = (case.pk, on)
        if rate_key not in rates:
            rates[rate_key] = fees.rate(case.pk, case.debt_type, on)
        rate = rates[rate_key]
        commission = ZERO
        commissionable = ZERO
        if rate is not None and item.kind in rate.counts and applied > 0:
            commissionable = applied
            before = recovered.get(case.pk)
            if before is None:
                kinds = recovered_by_kind.get(case.pk, {})
                before = sum(
                    (v for k, v in kinds.items() if k == "reversal" or k in rate.counts), ZERO
                )
            commission = commission_for_recovery(
                rate.schedule, recovered_before=before, amount=applied
            ).commission
            recovered[case.pk] = before + applied
        payment_rows.append(
            (org_id, case.pk, item.kind, amount, item.received_at, item.idempotency_key,
             item.reference[:64], "", None, actor_id, commissionable, commission, now)
        )  # fmt: skip
        plans.append(shares)
        note = (
            f"收款 {_y(amount)} 元（{_KIND_LABELS[item.kind]}）：{_describe(totals)}；"
            f"{_balance_note(case, case_debts)}"
        )
        meta.append((case.pk, on, surplus, commission, note))
    payment_ids = _insert(
        Payment,
        ("organisation", "case", "kind", "amount", "received_at", "idempotency_key",
         "reference", "note", "reverses", "actor", "commissionable", "commission", "created_at"),
        payment_rows,
    )  # fmt: skip
    allocation_rows = [
        (pid, s.invoice_id, s.charge_id, s.component, s.amount)
        for pid, shares in zip(payment_ids, plans, strict=True)
        for s in shares
    ]
    if _pg():
        bulk_insert(
            PaymentAllocation,
            ("payment", "invoice", "charge", "component", "amount"),
            allocation_rows,
            batch_size=max(1, len(allocation_rows)),
        )
    else:
        _insert(
            PaymentAllocation, ("payment", "invoice", "charge", "component", "amount"),
            allocation_rows,
        )  # fmt: skip
    _write_debts(cases, debts, loaded_invoices, loaded_charges, now)
    _post_trust(organisation, cases, payment_ids, payment_rows, meta)
    event_rows = [
        (case_id, now, actor_id, "payment", "", "", note) for case_id, _, _, _, note in meta
    ]
    event_ids = _insert(
        TimelineEvent, ("case", "at", "actor", "kind", "from_state", "to_state", "note"),
        event_rows,
    )  # fmt: skip
    ledger_append_many(
        NewEntry(
            kind="case.payment",
            case_id=row[0],
            statement=timeline_statement(
                case_id=row[0],
                reference=cases[row[0]].reference,
                event_id=event_id,
                kind="payment",
                at=now,
                actor_id=actor_id,
                from_state="",
                to_state="",
                note=row[6],
            ),
        )
        for event_id, row in zip(event_ids, event_rows, strict=True)
    )
    audit_record_many(
        actor=actor,
        organisation=organisation,
        action="payment.record",
        object_type="payments.payment",
        rows=(
            (
                pid,
                {
                    "kind": row[2],
                    "amount": str(row[3]),
                    "idempotency_key": row[5],
                    "commission": str(row[11]),
                    "bulk": True,
                },
            )
            for pid, row in zip(payment_ids, payment_rows, strict=True)
        ),
    )
    if payment_ids:
        payments_bulk_posted.send(
            sender=Payment,
            organisation_id=organisation.pk,
            case_ids=sorted({row[1] for row in payment_rows}),
            received=sorted({row[4] for row in payment_rows}),
        )
    return len(payment_ids), duplicates


def _write_debts(
    cases: dict[int, _CaseRow],
    debts: dict[int, list[DebtState]],
    loaded_invoices: dict[int, Decimal],
    loaded_charges: dict[int, Decimal],
    now: dt.datetime,
) -> None:
    invoice_rows: list[tuple[Any, ...]] = []
    charge_rows: list[tuple[Any, ...]] = []
    for case_id, case_debts in debts.items():
        if not cases[case_id].changed:
            continue
        for debt in case_debts:
            if debt.invoice_id is not None:
                value = to_yuan(debt.principal)
                if value != loaded_invoices[debt.invoice_id]:
                    invoice_rows.append((debt.invoice_id, value))
            for charge in debt.charges:
                value = to_yuan(charge.outstanding)
                if value != loaded_charges[charge.charge_id]:
                    charge_rows.append((charge.charge_id, value))
    _update(Invoice, ["outstanding"], ["numeric(14,2)"], invoice_rows)
    _update(Charge, ["outstanding"], ["numeric(14,2)"], charge_rows)
    _update(
        Case,
        ["outstanding", "last_payment_date", "updated_at"],
        ["numeric(14,2)", "date", "timestamptz"],
        [
            (c.pk, to_yuan(c.outstanding), c.last_payment_date, now)
            for c in cases.values()
            if c.changed
        ],
    )


def _post_trust(
    organisation: Organisation,
    cases: dict[int, _CaseRow],
    payment_ids: Sequence[int],
    payment_rows: Sequence[tuple[Any, ...]],
    meta: Sequence[tuple[int, dt.date, Decimal, Decimal, str]],
) -> None:
    txns: list[tuple[int, trust.Transaction]] = []
    for pid, row, (case_id, on, surplus, commission, _) in zip(
        payment_ids, payment_rows, meta, strict=True
    ):
        c = str(cases[case_id].creditor_id)
        method = trust.Method.SETOFF if row[2] in NON_CASH_KINDS else trust.Method.CASH
        txns.append((pid, trust.receipt(f"p{pid}", c, row[3], on, method=method, reference=row[6])))
        if surplus:
            txns.append((pid, trust.hold(f"p{pid}h", c, surplus, on, reference="surplus")))
        if commission:
            txns.append((pid, trust.commission(f"p{pid}c", c, commission, on)))
    creditors = {t.creditor for _, t in txns}
    accounts = sorted({a for c in creditors for a in trust.creditor_accounts(c)})
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
    changed = [b for a, b in rows.items() if b.fen != balances[a]]
    for balance in changed:
        balance.fen = balances[balance.account]
    TrustBalance.objects.bulk_update(changed, ["fen"])
    now = clock.now()
    org_id = organisation.pk
    entry_ids = _insert(
        JournalEntry,
        ("organisation", "txn_id", "kind", "creditor", "on", "reverses", "reference", "payment",
         "remittance", "created_at"),
        [
            (org_id, t.txn_id, t.kind.value, int(t.creditor), t.on, "", t.reference, pid, None,
             now)
            for pid, t in txns
        ],
    )  # fmt: skip
    bulk_insert(
        JournalLine,
        ("entry", "account", "fen"),
        [
            (eid, posting.account, posting.fen)
            for eid, (_, t) in zip(entry_ids, txns, strict=True)
            for posting in t.postings
        ],
        batch_size=max(1, 4 * len(txns)),
    )
