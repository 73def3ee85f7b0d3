"""Obligations from CSV, set-offs to CSV (pure: text in, text out, no file system).

The header must name ``id,debtor,creditor,amount`` (any order). Optional columns:

* ``due``: the date the obligation fell due, ``YYYY-MM-DD`` (empty: unknown);
* ``status``: ``confirmed`` (default when empty), ``unconfirmed`` or ``disputed``, also
  written ``已确认`` / ``未确认`` / ``有争议`` (or ``争议``).

Other columns are ignored. Amounts are yuan written as plain decimals with at most two
decimals (``12000``, ``12000.5``, ``12000.50``). Every refused row raises a
:class:`NettingError` naming its line (the header is line 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Final

from qingqian.common.spreadsheet import escape_cell
from qingqian.netting.errors import NettingError
from qingqian.netting.solver import (
    CONFIRMED,
    DISPUTED,
    UNCONFIRMED,
    NettingResult,
    Obligation,
    to_fen,
)

REQUIRED_COLUMNS: Final = ("id", "debtor", "creditor", "amount")
OPTIONAL_COLUMNS: Final = ("due", "status")
STATUS_WORDS: Final = {
    "": CONFIRMED,
    "confirmed": CONFIRMED,
    "已确认": CONFIRMED,
    "确认": CONFIRMED,
    "unconfirmed": UNCONFIRMED,
    "未确认": UNCONFIRMED,
    "disputed": DISPUTED,
    "有争议": DISPUTED,
    "争议": DISPUTED,
}
_COLUMN_ZH: Final = {
    "id": "编号",
    "debtor": "债务人",
    "creditor": "债权人",
    "amount": "金额",
    "due": "到期日",
    "status": "状态",
}


def _row_error(line: int, code: str, zh: str, en: str, **details: str) -> NettingError:
    return NettingError(
        f"第 {line} 行：{zh}",
        f"Line {line}: {en}",
        code=code,
        details={"line": line, **details},
    )


def read_obligations(lines: Iterable[str]) -> list[Obligation]:
    """Parse CSV text (an iterable of lines, e.g. an open file) into obligations.

    Blank lines are skipped. Refuses a header without a required column, rows with a
    missing or empty required cell, bad amounts (not a number, zero or negative, more than
    two decimals), a debtor equal to its creditor, a repeated id, a bad date or status.
    """
    reader = csv.reader(lines)
    try:
        return _read(reader)
    except csv.Error as exc:
        raise _row_error(
            reader.line_num, "csv_invalid", f"CSV 格式错误：{exc}", f"malformed CSV: {exc}"
        ) from None


def _read(reader: Any) -> list[Obligation]:
    header: list[str] | None = None
    for row in reader:
        if any(cell.strip() for cell in row):
            header = [cell.strip().lower().lstrip("\ufeff") for cell in row]
            break
    if header is None:
        raise NettingError(
            "CSV 文件为空，缺少表头 id,debtor,creditor,amount",
            "The CSV file is empty; expected the header id,debtor,creditor,amount",
            code="missing_column",
            details={"line": 1, "columns": ",".join(REQUIRED_COLUMNS)},
        )
    header_line = reader.line_num
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        names = ",".join(missing)
        raise _row_error(
            header_line,
            "missing_column",
            f"表头缺少列 {names}（需要 id,debtor,creditor,amount）",
            f"the header lacks the column(s) {names} (need id,debtor,creditor,amount)",
            columns=names,
        )
    position = {name: header.index(name) for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
                if name in header}  # fmt: skip
    obligations: list[Obligation] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        cells: dict[str, str] = {}
        for name, at in position.items():
            if at >= len(row):
                if name in REQUIRED_COLUMNS:
                    raise _row_error(
                        line, "missing_column",
                        f"缺少“{_COLUMN_ZH[name]}”（{name}）列的值",
                        f"the row has no value for the column {name}",
                        column=name,
                    )  # fmt: skip
                cells[name] = ""
            else:
                cells[name] = row[at].strip()
        for name in REQUIRED_COLUMNS:
            if not cells[name]:
                raise _row_error(
                    line, "missing_value",
                    f"“{_COLUMN_ZH[name]}”（{name}）为空",
                    f"the {name} is empty",
                    column=name,
                )  # fmt: skip
        oid, debtor, creditor = cells["id"], cells["debtor"], cells["creditor"]
        if oid in seen:
            raise _row_error(
                line, "duplicate_id",
                f"编号 {oid} 重复（首次出现在第 {seen[oid]} 行）",
                f"the id {oid} repeats (first on line {seen[oid]})",
                id=oid, first_line=str(seen[oid]),
            )  # fmt: skip
        seen[oid] = line
        if debtor == creditor:
            raise _row_error(
                line, "self_loop",
                f"债务人与债权人相同：{debtor}",
                f"the debtor and the creditor are the same firm: {debtor}",
                id=oid, firm=debtor,
            )  # fmt: skip
        try:
            fen = to_fen(cells["amount"], field_name="amount", where={}, allow_zero=False)
        except NettingError as exc:
            raise _row_error(
                line, exc.code, exc.message_zh, exc.message_en, id=oid, value=cells["amount"]
            ) from None
        due: dt.date | None = None
        if cells.get("due"):
            try:
                due = dt.date.fromisoformat(cells["due"])
            except ValueError:
                raise _row_error(
                    line, "due_invalid",
                    f"到期日应为 YYYY-MM-DD：{cells['due']}",
                    f"the due date must be YYYY-MM-DD: {cells['due']}",
                    id=oid, value=cells["due"],
                ) from None  # fmt: skip
        raw_status = cells.get("status", "")
        status = STATUS_WORDS.get(raw_status.lower())
        if status is None:
            raise _row_error(
                line, "status_invalid",
                f"状态应为 confirmed、unconfirmed 或 disputed：{raw_status}",
                f"the status must be confirmed, unconfirmed or disputed: {raw_status}",
                id=oid, value=raw_status,
            )  # fmt: skip
        obligations.append(Obligation(oid, debtor, creditor, Decimal(fen).scaleb(-2), due, status))
    return obligations


def setoffs_csv(result: NettingResult) -> str:
    """``id,setoff,remaining`` for every obligation, in input order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "setoff", "remaining"])
    for s in result.setoffs:
        writer.writerow([escape_cell(s.id), str(s.setoff), str(s.remaining)])
    return out.getvalue()
