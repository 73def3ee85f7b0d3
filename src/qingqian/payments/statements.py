"""Creditor statements (per creditor and period) and their CSV / XLSX exports.

Amounts are decimal strings in CSV and numeric cells with a ``0.00`` format in XLSX (openpyxl
stores them as numbers; the statement's totals are computed in ``Decimal`` before writing)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from qingqian.accounts.models import Organisation
from qingqian.common.spreadsheet import csv_text, xlsx_append
from qingqian.common.tz import BUSINESS_TZ
from qingqian.parties.models import Party
from qingqian.payments.models import Payment, PaymentAllocation, PaymentKind, RemittanceBatch

ZERO = Decimal("0.00")
_SHANGHAI = BUSINESS_TZ
HEADERS = (
    ("收款日期", "Date"),
    ("案号", "Case"),
    ("债务人", "Debtor"),
    ("方式", "Kind"),
    ("付款参考号", "Reference"),
    ("金额", "Amount"),
    ("冲抵费用", "To costs"),
    ("冲抵利息", "To interest"),
    ("冲抵本金", "To principal"),
    ("超付待退", "Surplus"),
    ("佣金", "Commission"),
    ("净额", "Net"),
)


@dataclass(frozen=True, slots=True)
class StatementRow:
    on: dt.date
    case_reference: str
    debtor: str
    kind: str
    reference: str
    amount: Decimal
    commission: Decimal
    costs: Decimal = ZERO
    interest: Decimal = ZERO
    principal: Decimal = ZERO
    surplus: Decimal = ZERO
    """How the payment was applied (Art. 561); a reversal shows the negated split."""

    @property
    def net(self) -> Decimal:
        return self.amount - self.commission


@dataclass(frozen=True, slots=True)
class Statement:
    creditor: Party
    start: dt.date
    end: dt.date
    rows: tuple[StatementRow, ...]
    received: Decimal
    commission: Decimal
    remitted: Decimal
    batches: tuple[RemittanceBatch, ...]

    @property
    def net(self) -> Decimal:
        return self.received - self.commission


def creditor_statement(
    *, organisation: Organisation, creditor: Party, start: dt.date, end: dt.date
) -> Statement:
    """Every payment (and reversal) on the creditor's cases received from ``start`` to
    ``end`` inclusive (Asia/Shanghai dates), and the remittances for those months."""
    payments = (
        Payment.objects.filter(
            organisation=organisation,
            case__creditor=creditor,
            received_at__date__gte=start,
            received_at__date__lte=end,
        )
        .select_related("case")
        .order_by("received_at", "id")
    )
    labels = dict(PaymentKind.choices)
    split: dict[int, dict[str, Decimal]] = {}
    for payment_id, component, total in (
        PaymentAllocation.objects.filter(payment__in=payments)
        .values_list("payment_id", "component")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        split.setdefault(payment_id, {})[component] = Decimal(str(total)).quantize(ZERO)
    rows = tuple(
        StatementRow(
            on=p.received_at.astimezone(_SHANGHAI).date(),
            case_reference=p.case.reference,
            debtor=p.case.debtor_name,
            kind=str(labels[p.kind]),
            reference=p.reference,
            amount=p.amount,
            commission=p.commission,
            costs=split.get(p.pk, {}).get("costs", ZERO),
            interest=split.get(p.pk, {}).get("interest", ZERO),
            principal=split.get(p.pk, {}).get("principal", ZERO),
            surplus=split.get(p.pk, {}).get("surplus", ZERO),
        )
        for p in payments
    )
    months = {
        f"{y:04d}-{m:02d}"
        for y in range(start.year, end.year + 1)
        for m in range(1, 13)
        if dt.date(y, m, 1) <= end and (y, m) >= (start.year, start.month)
    }
    batches = tuple(
        RemittanceBatch.objects.filter(
            organisation=organisation, creditor=creditor, period__in=months
        ).order_by("period")
    )
    remitted = RemittanceBatch.objects.filter(pk__in=[b.pk for b in batches]).aggregate(
        s=Sum("amount")
    )["s"]
    return Statement(
        creditor=creditor,
        start=start,
        end=end,
        rows=rows,
        received=sum((r.amount for r in rows), ZERO),
        commission=sum((r.commission for r in rows), ZERO),
        remitted=ZERO if remitted is None else Decimal(str(remitted)).quantize(ZERO),
        batches=batches,
    )


def _table(statement: Statement) -> list[list[str]]:
    table = [[f"{zh} / {en}" for zh, en in HEADERS]]
    for r in statement.rows:
        table.append(
            [
                r.on.isoformat(),
                r.case_reference,
                r.debtor,
                r.kind,
                r.reference,
                str(r.amount),
                str(r.costs),
                str(r.interest),
                str(r.principal),
                str(r.surplus),
                str(r.commission),
                str(r.net),
            ]
        )
    sums = [
        sum((getattr(r, f) for r in statement.rows), ZERO)
        for f in ("costs", "interest", "principal", "surplus")
    ]
    table.append(
        ["合计 / Total", "", "", "", "", str(statement.received), *map(str, sums),
         str(statement.commission), str(statement.net)]
    )  # fmt: skip
    return table


def statement_csv(statement: Statement) -> bytes:
    """UTF-8 with a BOM so Excel on Chinese Windows opens it correctly; every cell escaped
    against formula injection (``common.spreadsheet``)."""
    return csv_text(_table(statement), bom=True).encode("utf-8")


def statement_xlsx(statement: Statement) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "statement"
    xlsx_append(sheet, [f"{statement.creditor.name} {statement.start} – {statement.end}"])
    for index, row in enumerate(_table(statement)):
        if index == 0:
            xlsx_append(sheet, row)
            continue
        cells: list[object] = list(row[:5]) + [Decimal(x) for x in row[5:]]
        xlsx_append(sheet, cells)
        for cell in sheet[sheet.max_row][5:12]:
            cell.number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
