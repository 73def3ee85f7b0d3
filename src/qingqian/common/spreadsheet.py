"""Spreadsheets in and out, safely (pure: no Django).

Out — formula injection (OWASP "CSV Injection"): a cell a user wrote (a debtor's name, a
payment reference, an obligation id) that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return (or their full-width forms) would run as a formula when the file is opened.
Every export goes through :func:`escape_cell` (CSV: the cell gets a leading ``'`` and every
cell is quoted) or :func:`xlsx_append` (XLSX: the cell is stored as text with Excel's
quote prefix, never as a formula). Plain numbers such as ``-12.50`` are left as they are.

In — :func:`decode_text` reads a CSV's bytes the way Chinese users save them (UTF-8 with or
without BOM, else GB18030, which Chinese Excel and online banks write), for every importer.
:func:`check_xlsx_archive` refuses an XLSX whose parts decompress past a limit or hold
a text node past a limit, streaming each part once in constant memory, before any XML
parser builds it in memory.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from typing import IO, Any

from qingqian.common.exceptions import ApplicationError

#: First characters that make a spreadsheet cell a formula (ASCII and full-width).
FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value[:1] in FORMULA_STARTS and not _PLAIN_NUMBER.match(value)


def escape_cell(value: object) -> object:
    """A CSV cell that no spreadsheet will run: formula-like text gets a leading ``'``."""
    if is_formula_like(value):
        return "'" + str(value)
    return value


def csv_text(rows: Iterable[Sequence[object]], *, bom: bool = False) -> str:
    """CSV with every cell escaped and quoted (``\\ufeff`` first when ``bom``)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for row in rows:
        writer.writerow([escape_cell(c) for c in row])
    return ("\ufeff" if bom else "") + out.getvalue()


def csv_writer(stream: Any) -> Any:
    """A writer for a response or file whose ``writerow`` escapes every cell."""
    inner = csv.writer(stream, quoting=csv.QUOTE_ALL)

    class _Safe:
        def writerow(self, row: Sequence[object]) -> Any:
            return inner.writerow([escape_cell(c) for c in row])

        def writerows(self, rows: Iterable[Sequence[object]]) -> None:
            for row in rows:
                self.writerow(row)

    return _Safe()


def xlsx_append(sheet: Any, row: Sequence[object]) -> None:
    """Append ``row`` to an openpyxl sheet; formula-like text is stored as text."""
    sheet.append(["" if is_formula_like(c) else c for c in row])
    cells = sheet[sheet.max_row]
    for cell, value in zip(cells, row, strict=False):
        if is_formula_like(value):
            cell.value = value
            cell.data_type = "s"  # openpyxl would store "=…" as a formula
            cell.quotePrefix = True  # and Excel keeps it text when the cell is edited


#: The encodings a CSV from a Chinese user may be in, tried in order. GB18030 is a superset
#: of GBK and GB2312; UTF-8 goes first because a GB18030 decode of UTF-8 bytes rarely fails.
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")


def decode_text(raw: bytes) -> str | None:
    """``raw`` as text in the first of :data:`TEXT_ENCODINGS` that decodes it, or ``None``
    (each importer answers with its own error code)."""
    for encoding in TEXT_ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


class SpreadsheetTooLarge(ApplicationError):
    status = 413
    code = "spreadsheet_too_large"


class SpreadsheetUnreadable(ApplicationError):
    status = 422
    code = "spreadsheet_unreadable"


def _scan_part(part: IO[bytes], limit: int, count_rows: bool) -> tuple[int, int]:
    """``(longest run of bytes without "<", rows)`` of an XML part, read in 1 MB chunks.

    Stops early once a run passes ``limit``. XML escapes ``<`` inside text, so the longest
    run bounds every cell; rows are counted as ``<row`` start tags (worksheets only). The
    work is done in C (``bytes.split``, ``bytes.count``, ``map``/``max``).
    """
    run = rows = 0
    tail = b""
    while chunk := part.read(1 << 20):
        if count_rows:
            window = tail + chunk
            rows += window.count(b"<row ") + window.count(b"<row>")
            tail = chunk[-4:]
        pieces = chunk.split(b"<")
        if len(pieces) == 1:
            run += len(chunk)
        else:
            longest = max(run + len(pieces[0]), max(map(len, pieces[1:])))
            if longest > limit:
                return longest, rows
            run = len(pieces[-1])
        if run > limit:
            return run, rows
    return run, rows


def check_xlsx_archive(
    fh: IO[bytes],
    *,
    max_unzipped_bytes: int,
    max_cell_chars: int,
    max_rows: int | None = None,
    unreadable_code: str = "spreadsheet_unreadable",
) -> None:
    """Refuse (413) an XLSX that decompresses past ``max_unzipped_bytes``, holds a text node
    longer than ``max_cell_chars`` or (when given) more than ``max_rows`` rows in its
    worksheets; 422 when it is not a readable archive. Counting rows here matters: an XML
    parser asked for a sheet without a size would otherwise read every row first.

    :mod:`zipfile` never produces more than a member's declared size, so the declared sizes
    bound the work; every XML part is then streamed once in 1 MB chunks. Leaves ``fh`` at 0.
    """
    try:
        archive = zipfile.ZipFile(fh)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise SpreadsheetUnreadable(
            "无法读取 XLSX 文件（文件可能已损坏）。",
            "Could not read the XLSX file (it may be damaged).",
            code=unreadable_code,
        ) from None
    total = sum(i.file_size for i in infos)
    if total > max_unzipped_bytes or len(infos) > 10_000:
        raise SpreadsheetTooLarge(
            f"XLSX 解压后过大（{total // (1024 * 1024)} MB），"
            f"上限 {max_unzipped_bytes // (1024 * 1024)} MB。",
            f"The XLSX decompresses to {total // (1024 * 1024)} MB; the limit is "
            f"{max_unzipped_bytes // (1024 * 1024)} MB.",
            code="unzipped_too_large",
            details={"unzipped_bytes": total, "limit": max_unzipped_bytes},
        )
    max_run = 4 * max_cell_chars + 256  # UTF-8 bytes of the longest cell, plus slack
    rows = 0
    for info in infos:
        if not info.filename.endswith(".xml"):
            continue
        sheet = info.filename.startswith("xl/worksheets/")
        try:
            with archive.open(info) as part:
                run, part_rows = _scan_part(part, max_run, count_rows=sheet)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError):
            raise SpreadsheetUnreadable(
                "无法读取 XLSX 文件（文件可能已损坏）。",
                "Could not read the XLSX file (it may be damaged).",
                code=unreadable_code,
            ) from None
        if run > max_run:
            raise SpreadsheetTooLarge(
                f"XLSX 中有单元格超过 {max_cell_chars} 个字符。",
                f"The XLSX holds a cell longer than {max_cell_chars} characters.",
                code="cell_too_large",
                details={"part": info.filename, "limit": max_cell_chars},
            )
        rows += part_rows
        if max_rows is not None and rows > max_rows + 1:  # the header row is not a data row
            raise SpreadsheetTooLarge(
                f"文件超过 {max_rows} 行，请拆分后分批导入。",
                f"The file has more than {max_rows} rows; split it and import in parts.",
                code="too_many_rows",
                details={"limit": max_rows},
            )
    fh.seek(0)
