"""Bank-statement import (CSV): incoming transfers matched to cases by the payment reference
the debtor wrote in the memo, recorded through ``payment_record``; the rest listed for a human.

Chinese banks export different headers for the same thing. Recognised (first match wins):

* date: 交易日期, 记账日期, 交易时间, 入账日期
* credit amount: 收入金额, 贷方发生额, 贷方金额, 收入, 贷方
* counterparty: 对方户名, 对方账户名称, 对方名称, 对方账户名
* memo (all present are searched): 摘要, 附言, 用途, 备注, 交易附言
* bank serial (optional, makes re-imports exact): 交易流水号, 流水号, 凭证号

Files are UTF-8 (with or without BOM) or GB18030 (the usual online-banking export). Bank
exports often start with a few title lines: the header is the first line that names a date
and a credit column. Amounts may carry thousands separators. Debit-only rows are skipped.

Re-importing the same file records nothing twice: the idempotency key is the bank serial
when there is one, else ``bank:<date>:<reference>:<amount>:<n>`` (``n`` counts identical rows
in the file)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from qingqian.accounts.models import Organisation, User
from qingqian.common.exceptions import ApplicationError
from qingqian.common.spreadsheet import decode_text
from qingqian.payments.errors import PaymentsError
from qingqian.payments.models import (
    BankStatementLine,
    PaymentReference,
    StatementLineStatus,
)
from qingqian.payments.services import payment_record, payment_reference_check

DATE_COLUMNS = ("交易日期", "记账日期", "交易时间", "入账日期")
CREDIT_COLUMNS = ("收入金额", "贷方发生额", "贷方金额", "收入", "贷方")
PARTY_COLUMNS = ("对方户名", "对方账户名称", "对方名称", "对方账户名")
MEMO_COLUMNS = ("摘要", "附言", "用途", "备注", "交易附言")
SERIAL_COLUMNS = ("交易流水号", "流水号", "凭证号")
REFERENCE = re.compile(r"QQ\s*(\d{10})", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ImportResult:
    matched: int
    duplicates: int
    unmatched: int
    lines: tuple[BankStatementLine, ...]


def _decode(content: bytes) -> str:
    text = decode_text(content)
    if text is not None:
        return text
    raise PaymentsError(  # pragma: no cover - gb18030 decodes any byte string
        "无法识别文件编码（应为 UTF-8 或 GBK）。",
        "Unrecognised file encoding (expected UTF-8 or GBK).",
        code="bank_csv_encoding",
    )


def _pick(header: list[str], names: tuple[str, ...]) -> int | None:
    cleaned = [h.strip().strip("\ufeff") for h in header]
    for name in names:
        if name in cleaned:
            return cleaned.index(name)
    return None


def _date(raw: str) -> dt.date | None:
    text = raw.strip()[:10].replace("/", "-").replace(".", "-")
    if re.fullmatch(r"\d{8}", raw.strip()[:8]) and "-" not in text:
        text = f"{text[:4]}-{text[4:6]}-{text[6:8]}"
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _money(raw: str) -> Decimal | None:
    text = raw.strip().replace(",", "").replace("¥", "").replace("￥", "")
    if not text or text in {"-", "--"}:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def bank_statement_import(
    *, organisation: Organisation, filename: str, content: bytes, actor: User | None
) -> ImportResult:
    """Import one statement file. Each matched row is its own transaction (a refused payment
    leaves that row unmatched with the reason, and the others stand)."""
    try:
        rows = list(csv.reader(io.StringIO(_decode(content))))
    except csv.Error:  # a field past the csv module's 128 KB cap, or a broken quote
        raise PaymentsError(
            "无法读取银行流水 CSV（格式错误或单元格过大）。",
            "Could not read the bank statement CSV (malformed, or a cell is too large).",
            code="bank_csv_invalid",
            status=422,
        ) from None
    start = None
    for index, row in enumerate(rows[:30]):
        if _pick(row, DATE_COLUMNS) is not None and _pick(row, CREDIT_COLUMNS) is not None:
            start = index
            break
    if start is None:
        raise PaymentsError(
            "找不到表头：需要交易日期列和收入金额（或贷方发生额）列。",
            "No header found: a date column and a credit-amount column are required.",
            code="bank_csv_header",
            details={"date": list(DATE_COLUMNS), "credit": list(CREDIT_COLUMNS)},
        )
    header = rows[start]
    i_date = _pick(header, DATE_COLUMNS)
    i_credit = _pick(header, CREDIT_COLUMNS)
    i_party = _pick(header, PARTY_COLUMNS)
    i_serial = _pick(header, SERIAL_COLUMNS)
    memo_idx = [i for i in (_pick(header, (m,)) for m in MEMO_COLUMNS) if i is not None]
    assert i_date is not None
    assert i_credit is not None
    seen: dict[str, int] = {}
    lines: list[BankStatementLine] = []
    counts = {"matched": 0, "duplicate": 0, "unmatched": 0}
    for number, row in enumerate(rows[start + 1 :], start=start + 2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(i: int | None, row: list[str] = row) -> str:
            return row[i] if i is not None and i < len(row) else ""

        amount = _money(cell(i_credit))
        on = _date(cell(i_date))
        if amount is None or amount <= 0 or on is None:
            continue
        memo = " ".join(cell(i).strip() for i in memo_idx if cell(i).strip())
        party = cell(i_party).strip()
        line = BankStatementLine(
            organisation=organisation,
            filename=filename[:255],
            row=number,
            booked_on=on,
            amount=amount,
            counterparty=party[:200],
            memo=memo[:300],
            status=StatementLineStatus.UNMATCHED,
        )
        codes = [f"QQ{m}" for m in REFERENCE.findall(memo) if payment_reference_check(f"QQ{m}")]
        target = (
            PaymentReference.objects.filter(code__in=codes, case__organisation=organisation)
            .select_related("case")
            .first()
            if codes
            else None
        )
        if target is not None:
            serial = cell(i_serial).strip()
            if serial:
                key = f"bank:{serial}"
            else:
                base = f"bank:{on.isoformat()}:{target.code}:{amount}"
                seen[base] = seen.get(base, 0) + 1
                key = f"{base}:{seen[base]}"
            if len(key) > 128:
                key = "bank:" + hashlib.sha256(key.encode()).hexdigest()
            try:
                payment, created = payment_record(
                    case=target.case,
                    amount=amount,
                    kind="bank_transfer",
                    idempotency_key=key,
                    actor=actor,
                    received_at=dt.datetime.combine(on, dt.time(12), tzinfo=dt.UTC),
                    reference=target.code,
                    note=f"{party} {memo}"[:300],
                )
            except ApplicationError as exc:
                line.memo = f"{memo} [{exc.code}]"[:300]
            else:
                line.payment = payment
                line.status = (
                    StatementLineStatus.MATCHED if created else StatementLineStatus.DUPLICATE
                )
        counts[{"matched": "matched", "duplicate": "duplicate"}.get(line.status, "unmatched")] += 1
        line.save()
        lines.append(line)
    return ImportResult(
        matched=counts["matched"],
        duplicates=counts["duplicate"],
        unmatched=counts["unmatched"],
        lines=tuple(lines),
    )
