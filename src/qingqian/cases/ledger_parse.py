"""Reading a creditor's receivables ledger (pure: no Django).

Reads CSV (UTF-8, UTF-8 with BOM, or GB18030 as Chinese Excel saves it) or XLSX, maps Chinese
or English column headers to fields, and validates every row. It never stops at the first
bad row: the caller gets every valid row and every error with its line number, so a user
can fix the whole file in one go.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from qingqian.common.bounds import check_date
from qingqian.common.exceptions import ApplicationError, ValidationFailed
from qingqian.common.money import parse_amount
from qingqian.common.spreadsheet import check_xlsx_archive, decode_text
from qingqian.parties.identifiers import normalise_phone, normalise_ric, normalise_uscc

# field → accepted headers (compared after normalisation: NFKC, lower case, no spaces/punctuation)
HEADERS: dict[str, tuple[str, ...]] = {
    "debtor_name": (
        "客户名称",
        "债务人",
        "债务人名称",
        "客户",
        "欠款单位",
        "debtor",
        "debtorname",
        "customer",
        "customername",
    ),
    "credit_code": (
        "统一社会信用代码",
        "信用代码",
        "社会信用代码",
        "creditcode",
        "uscc",
        "unifiedsocialcreditcode",
    ),
    "id_number": ("身份证号", "身份证号码", "idnumber", "residentid", "residentidnumber"),
    "invoice_no": (
        "发票号",
        "发票号码",
        "单据号",
        "发票编号",
        "invoiceno",
        "invoicenumber",
        "invoice",
        "documentno",
    ),
    "amount": ("金额", "应收金额", "欠款金额", "未收金额", "amount", "amountdue", "outstanding"),
    "issue_date": ("开票日期", "发票日期", "单据日期", "invoicedate", "issuedate", "issued"),
    "due_date": ("到期日", "到期日期", "应收日期", "duedate", "due"),
    "phone": ("联系电话", "电话", "手机", "手机号", "phone", "mobile", "telephone"),
    "city": ("城市", "所在城市", "city"),
    "district": ("区县", "区", "所在区", "district"),
    "address": ("地址", "联系地址", "address"),
    "debt_type": ("债务类型", "类型", "debttype"),
    "note": ("备注", "说明", "note", "notes", "remark", "remarks", "memo"),
}
REQUIRED = ("debtor_name", "invoice_no", "amount", "due_date")
#: Each field as the user calls it (Chinese, English): never the internal key on a screen.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "debtor_name": ("客户名称", "Debtor name"),
    "credit_code": ("统一社会信用代码", "Credit code"),
    "id_number": ("身份证号", "ID number"),
    "invoice_no": ("发票号", "Invoice number"),
    "amount": ("金额", "Amount"),
    "issue_date": ("开票日期", "Invoice date"),
    "due_date": ("到期日", "Due date"),
    "phone": ("联系电话", "Phone"),
    "city": ("城市", "City"),
    "district": ("区县", "District"),
    "address": ("地址", "Address"),
    "debt_type": ("债务类型", "Debt type"),
    "note": ("备注", "Note"),
}
IGNORE = ""  # a mapping's value for a column to leave out
DEBT_TYPES = {
    "trade": "trade",
    "企业商账": "trade",
    "商账": "trade",
    "货款": "trade",
    "construction": "construction",
    "工程欠款": "construction",
    "工程款": "construction",
    "privateloan": "private_loan",
    "个人借贷": "private_loan",
    "借款": "private_loan",
    "other": "other",
    "其他": "other",
}
_COMPANY_HINT = re.compile(r"(公司|厂|店|中心|集团|合作社|事务所|商行|工作室|酒店|旅行社|馆)$")


def _norm_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    return re.sub(r"[\s._\-/:()（）：*]", "", text)


_LOOKUP = {_norm_header(h): f for f, names in HEADERS.items() for h in names}


@dataclass(frozen=True)
class LedgerRow:
    line: int
    debtor_name: str
    debtor_kind: str  # "company" | "person"
    credit_code: str
    id_number: str
    invoice_no: str
    amount: Decimal
    issue_date: dt.date | None
    due_date: dt.date
    phone: str
    city: str
    district: str
    address: str
    debt_type: str
    note: str


@dataclass(frozen=True)
class RowError:
    line: int
    code: str
    message: str  # "中文 / English"
    column: str = ""  # the field (machine name)
    header: str = ""  # the column as the file names it
    message_zh: str = ""
    message_en: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "code": self.code,
            "message": self.message,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "column": self.column,
            "header": self.header,
        }


@dataclass
class ParseResult:
    rows: list[LedgerRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_seen: int = 0
    #: Reading stopped at ``ReadLimits.max_errors``: later rows were not checked.
    errors_truncated: bool = False


class LedgerFileError(ApplicationError):
    """The file as a whole cannot be read (empty, wrong type, unknown or missing columns)."""

    status = 422
    code = "ledger_file_invalid"


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value: object, *, column: str) -> dt.date | None:
    """A date cell, within the range every entry point accepts (``common.bounds``)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return check_date(value.date(), field=column)
    if isinstance(value, dt.date):
        return check_date(value, field=column)
    text = unicodedata.normalize("NFKC", str(value)).strip()[:64]
    if not text:
        return None
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                day = dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
            return check_date(day, field=column)
    raise ValidationFailed(
        f"日期无法识别：{text}（请用 2024-03-31 这样的格式）",
        f"Unreadable date: {text} (use a format like 2024-03-31)",
        code="invalid_date",
        details={"column": column, "value": text},
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel stores digits-only invoice numbers as numbers; keep them as written.
        return str(int(value))
    return unicodedata.normalize("NFKC", str(value)).strip()


def _amount_cell(value: object) -> object:
    if isinstance(value, float):
        # Spreadsheet cells hold binary floats; repr() gives the shortest decimal that
        # round-trips, which is what the user typed (12000.1 stays 12000.1).
        return repr(value)
    return value


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on what one ledger file may make the reader hold (docs/security.md).

    With these, reading a file needs memory in proportion to the rows kept, never to what a
    hostile file claims: a cell is at most ``max_cell_chars``, the rows at most ``max_rows``,
    the reported errors at most ``max_errors`` (then reading stops and says how far it got),
    and an XLSX's parts at most ``max_unzipped_bytes`` once decompressed.
    """

    max_cell_chars: int = 4096
    max_rows: int = 200_000
    max_errors: int = 1000
    max_unzipped_bytes: int = 256 * 1024 * 1024


DEFAULT_LIMITS = ReadLimits()
Source = Path | IO[bytes]


def _binary(source: Source) -> IO[bytes]:
    """A readable binary file positioned at its start (a path is opened; the caller closes)."""
    if isinstance(source, Path):
        return source.open("rb")
    source.seek(0)
    return source


def _cell_too_large(line: int, limits: ReadLimits) -> LedgerFileError:
    return LedgerFileError(
        f"第 {line} 行有单元格超过 {limits.max_cell_chars} 个字符。",
        f"Line {line} has a cell longer than {limits.max_cell_chars} characters.",
        code="cell_too_large",
        status=413,
        details={"line": line, "limit": limits.max_cell_chars},
    )


def read_table(
    source: Source, filename: str, limits: ReadLimits = DEFAULT_LIMITS
) -> tuple[list[str], Iterator[tuple[int, list[object]]]]:
    """Header and an iterator of ``(line_number, cells)`` for CSV or XLSX files.

    ``source`` is a path or an open binary file (an upload, a storage file): the reader
    never needs a file name on disk, and the content decides the format, not the name.
    """
    suffix = Path(filename).suffix.lower()
    fh = _binary(source)
    head = fh.read(8)
    fh.seek(0)
    if head.startswith(b"PK\x03\x04") or suffix in {".xlsx", ".xlsm"}:
        if not head.startswith(b"PK\x03\x04"):
            raise LedgerFileError(
                "文件扩展名是 Excel，但内容不是 XLSX。",
                "The file is named like an Excel file but is not XLSX.",
                code="ledger_not_xlsx",
            )
        return _read_xlsx(fh, limits, owned=isinstance(source, Path))
    if head.startswith((b"\xd0\xcf\x11\xe0", b"%PDF")) or suffix in {".xls", ".pdf", ".doc"}:
        raise LedgerFileError(
            "不支持的文件类型：请上传 CSV 或 XLSX（旧版 .xls 请另存为 .xlsx）。",
            "Unsupported file type: upload CSV or XLSX (save old .xls files as .xlsx).",
            code="ledger_unsupported_type",
        )
    try:
        return _read_csv(fh, limits)
    finally:
        if isinstance(source, Path):
            fh.close()


def _read_xlsx(
    fh: IO[bytes], limits: ReadLimits, *, owned: bool
) -> tuple[list[str], Iterator[tuple[int, list[object]]]]:
    import openpyxl

    try:
        check_xlsx_archive(
            fh,
            max_unzipped_bytes=limits.max_unzipped_bytes,
            max_cell_chars=limits.max_cell_chars,
            max_rows=limits.max_rows,
            unreadable_code="ledger_unreadable",
        )
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except ApplicationError:
        if owned:
            fh.close()
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged file
        if owned:
            fh.close()
        raise LedgerFileError(
            "无法读取 XLSX 文件（文件可能已损坏）。",
            "Could not read the XLSX file (it may be damaged).",
            code="ledger_unreadable",
            details={"error": type(exc).__name__},
        ) from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header: list[str] = []
    for first in rows:
        header = [_cell(c) for c in first[:200]]
        break

    def gen() -> Iterator[tuple[int, list[object]]]:
        try:
            for i, r in enumerate(rows, start=2):
                cells = list(r[:200])
                if any(isinstance(c, str) and len(c) > limits.max_cell_chars for c in cells):
                    raise _cell_too_large(i, limits)
                yield i, cells
        finally:
            wb.close()
            if owned:
                fh.close()

    return header, gen()


def _decode(raw: bytes) -> IO[str]:
    text = decode_text(raw)
    if text is not None:
        return io.StringIO(text, newline="")
    raise LedgerFileError(
        "无法识别文件编码：请保存为 UTF-8 或 GBK 编码的 CSV。",
        "Unknown text encoding: save the CSV as UTF-8 or GBK.",
        code="ledger_bad_encoding",
    )


def _read_csv(
    fh: IO[bytes], limits: ReadLimits
) -> tuple[list[str], Iterator[tuple[int, list[object]]]]:
    text = _decode(fh.read())
    sample = text.read(4096)
    text.seek(0)
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.reader(text, delimiter=delimiter)

    def rows() -> Iterator[list[str]]:
        try:
            for row in reader:
                if any(len(c) > limits.max_cell_chars for c in row):
                    raise _cell_too_large(reader.line_num, limits)
                yield row[:200]
        except csv.Error:
            # The csv module's own cap (128 KB a field) or a malformed quote.
            raise _cell_too_large(reader.line_num + 1, limits) from None

    it = rows()
    header: list[str] = []
    for first in it:
        header = [_cell(c) for c in first]
        break

    def gen() -> Iterator[tuple[int, list[object]]]:
        for row in it:
            yield reader.line_num, list(row)

    return header, gen()


def estimate_rows(source: Source, filename: str) -> int:
    """Data rows in the file, cheaply: for a progress bar, not for validation."""
    fh = _binary(source)
    try:
        head = fh.read(4)
        if head.startswith(b"PK\x03\x04"):
            import openpyxl

            fh.seek(0)
            try:
                wb = openpyxl.load_workbook(fh, read_only=True)
                rows = wb.worksheets[0].max_row or 0
                wb.close()
            except Exception:  # a damaged file is reported by the real parse
                return 0
            return max(0, rows - 1)
        fh.seek(0)
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
        return max(0, lines - 1)
    finally:
        if isinstance(source, Path):
            fh.close()


def guess_field(header: str) -> str | None:
    """The field a column header names, if it is one of the accepted spellings."""
    return _LOOKUP.get(_norm_header(header))


def map_header(header: list[str], overrides: dict[str, str] | None = None) -> dict[int, str]:
    """Column index → field. ``overrides`` (the user's mapping step) maps a header as the
    file spells it to a field, or to ``IGNORE`` to leave the column out; it wins over the
    recognised spellings, and a column it names is never "unknown"."""
    if not any(h for h in header):
        raise LedgerFileError(
            "文件为空或没有表头。", "The file is empty or has no header row.", code="ledger_empty"
        )
    overrides = overrides or {}
    mapping: dict[int, str] = {}
    unknown: list[str] = []
    for idx, h in enumerate(header):
        if not h:
            continue
        f = overrides[h] if h in overrides else guess_field(h)
        if f == IGNORE:
            continue
        if f is None or f not in FIELD_LABELS:
            unknown.append(h)
        elif f in mapping.values():
            first = next(header[i] for i, g in mapping.items() if g == f)
            raise LedgerFileError(
                f"“{h}”和“{first}”都对应“{FIELD_LABELS[f][0]}”，请只保留一列。",
                f"“{h}” and “{first}” both map to “{FIELD_LABELS[f][1]}”; keep only one.",
                code="ledger_duplicate_column",
                details={"column": h},
            )
        else:
            mapping[idx] = f
    if unknown:
        known = "、".join(zh for zh, _en in FIELD_LABELS.values())
        known_en = ", ".join(en for _zh, en in FIELD_LABELS.values())
        raise LedgerFileError(
            f"无法识别的列：{'、'.join(unknown)}。请在“列对应”中选择对应的字段或忽略该列。"
            f"可用的字段：{known}",
            f"Unrecognised columns: {', '.join(unknown)}. Map each to a field or ignore it. "
            f"Fields: {known_en}",
            code="ledger_unknown_columns",
            details={"unknown": unknown},
        )
    missing = [f for f in REQUIRED if f not in mapping.values()]
    if missing:
        raise LedgerFileError(
            f"缺少必需的列：{'、'.join(FIELD_LABELS[f][0] for f in missing)}",
            f"Missing required columns: {', '.join(FIELD_LABELS[f][1] for f in missing)}",
            code="ledger_missing_columns",
            details={"missing": [FIELD_LABELS[f][0] for f in missing]},
        )
    return mapping


def read_header(source: Source, filename: str, limits: ReadLimits = DEFAULT_LIMITS) -> list[str]:
    """Only the header row (the mapping step reads it before any row is checked)."""
    header, rows = read_table(source, filename, limits)
    close = getattr(rows, "close", None)
    if close is not None:
        close()
    return header


_FIELD_OF_CODE = {
    "invalid_credit_code": "credit_code",
    "invalid_id_number": "id_number",
    "invalid_phone": "phone",
}


def _validated(line: int, rec: dict[str, object], cache: dict[str, str]) -> LedgerRow:
    name = _cell(rec.get("debtor_name"))
    if not name:
        raise ValidationFailed(
            "客户名称为空。",
            "The debtor name is empty.",
            code="name_missing",
            details={"column": "debtor_name"},
        )
    invoice_no = _cell(rec.get("invoice_no"))
    if not invoice_no:
        raise ValidationFailed(
            "发票号为空。",
            "The invoice number is empty.",
            code="invoice_no_missing",
            details={"column": "invoice_no"},
        )
    if len(invoice_no) > 64:
        raise ValidationFailed(
            "发票号过长（最多64个字符）。",
            "The invoice number is too long (64 max).",
            code="invoice_no_too_long",
            details={"column": "invoice_no"},
        )
    amount = parse_amount(_amount_cell(rec.get("amount")), field="amount")
    issue = parse_date(rec.get("issue_date"), column="issue_date")
    due = parse_date(rec.get("due_date"), column="due_date")
    if due is None:
        raise ValidationFailed(
            "到期日为空。",
            "The due date is empty.",
            code="due_date_missing",
            details={"column": "due_date"},
        )
    if issue is not None and due < issue:
        raise ValidationFailed(
            f"到期日 {due} 早于开票日期 {issue}。",
            f"The due date {due} is before the invoice date {issue}.",
            code="due_before_issue",
            details={"column": "due_date"},
        )
    raw_code = _cell(rec.get("credit_code"))
    credit_code = ""
    if raw_code:
        credit_code = cache.get(raw_code) or normalise_uscc(raw_code)
        cache[raw_code] = credit_code
    raw_id = _cell(rec.get("id_number"))
    id_number = normalise_ric(raw_id) if raw_id else ""
    if credit_code and id_number:
        raise ValidationFailed(
            "同一行不能同时填写信用代码和身份证号。",
            "A row cannot carry both a credit code and an ID number.",
            code="both_identifiers",
            details={"column": "id_number"},
        )
    kind = (
        "company"
        if credit_code
        else "person"
        if id_number
        else ("company" if _COMPANY_HINT.search(name) else "person")
    )
    raw_phone = _cell(rec.get("phone"))
    phone = normalise_phone(raw_phone) if raw_phone else ""
    raw_type = _norm_header(_cell(rec.get("debt_type")))
    debt_type = DEBT_TYPES.get(raw_type, "") if raw_type else "trade"
    if not debt_type:
        raise ValidationFailed(
            f"未知的债务类型：{_cell(rec.get('debt_type'))}",
            f"Unknown debt type: {_cell(rec.get('debt_type'))}",
            code="invalid_debt_type",
            details={"column": "debt_type"},
        )
    return LedgerRow(
        line=line,
        debtor_name=name[:200],
        debtor_kind=kind,
        credit_code=credit_code,
        id_number=id_number,
        invoice_no=invoice_no,
        amount=amount,
        issue_date=issue,
        due_date=due,
        phone=phone,
        city=_cell(rec.get("city"))[:50],
        district=_cell(rec.get("district"))[:50],
        address=_cell(rec.get("address"))[:300],
        debt_type=debt_type,
        note=_cell(rec.get("note"))[:300],
    )


def parse_ledger(
    source: Source,
    filename: str,
    *,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 2000,
    limits: ReadLimits = DEFAULT_LIMITS,
    columns: dict[str, str] | None = None,
) -> ParseResult:
    """Validate every row; return the valid rows and every error (with its line number).

    Stops at ``limits.max_errors`` errors (``errors_truncated``) and refuses a file of more
    than ``limits.max_rows`` rows, so a hostile file cannot grow the result without bound.
    """
    header, rows = read_table(source, filename, limits)
    mapping = map_header(header, columns)
    header_of = {f: header[i] for i, f in mapping.items()}
    result = ParseResult()
    seen_invoices: dict[str, int] = {}
    code_cache: dict[str, str] = {}
    for line, cells in rows:
        if not any(_cell(c) for c in cells):
            continue  # blank lines are not rows
        result.rows_seen += 1
        if result.rows_seen > limits.max_rows:
            raise LedgerFileError(
                f"文件超过 {limits.max_rows} 行，请拆分后分批导入。",
                f"The file has more than {limits.max_rows} rows; split it and import in parts.",
                code="too_many_rows",
                status=413,
                details={"limit": limits.max_rows},
            )
        if len(result.errors) >= limits.max_errors:
            result.rows_seen -= 1
            result.errors_truncated = True
            break
        rec = {f: (cells[i] if i < len(cells) else None) for i, f in mapping.items()}
        try:
            row = _validated(line, rec, code_cache)
        except ValidationFailed as exc:
            column = str(
                exc.details.get("column")
                or exc.details.get("field")
                or _FIELD_OF_CODE.get(exc.code, "")
            )
            result.errors.append(
                RowError(
                    line=line,
                    code=exc.code,
                    message=exc.message,
                    column=column,
                    header=header_of.get(column, ""),
                    message_zh=exc.message_zh,
                    message_en=exc.message_en,
                )
            )
        else:
            first = seen_invoices.get(row.invoice_no)
            if first is not None:
                result.errors.append(
                    RowError(
                        line=line,
                        code="duplicate_in_file",
                        column="invoice_no",
                        header=header_of["invoice_no"],
                        message=f"发票号 {row.invoice_no} 与第 {first} 行重复。 / "
                        f"Invoice number {row.invoice_no} repeats line {first}.",
                        message_zh=f"发票号 {row.invoice_no} 与第 {first} 行重复。",
                        message_en=f"Invoice number {row.invoice_no} repeats line {first}.",
                    )
                )
            else:
                seen_invoices[row.invoice_no] = line
                result.rows.append(row)
        if progress is not None and result.rows_seen % progress_every == 0:
            progress(result.rows_seen)
    if result.rows_seen == 0:
        raise LedgerFileError(
            "文件没有数据行。", "The file has a header but no data rows.", code="ledger_no_rows"
        )
    return result
