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

import contextlib
import csv
import datetime as dt
import importlib
import io
import operator
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from itertools import repeat
from typing import Any, Final, overload

import numpy as np

from qingqian.common.spreadsheet import FORMULA_STARTS, escape_cell
from qingqian.netting.errors import NettingError
from qingqian.netting.solver import (
    CONFIRMED,
    DISPUTED,
    MAX_AMOUNT_FEN,
    STATUSES,
    UNCONFIRMED,
    NettingResult,
    Obligation,
    ObligationColumns,
    fen_texts,
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


CHUNK_ROWS: Final = 1 << 20  # rows per piece of the streamed CSV and JSON
_CHUNK: Final = CHUNK_ROWS
_POW10: Final = 10 ** np.arange(19, dtype=np.int64)


def read_obligation_columns(data: bytes) -> ObligationColumns | None:
    """The obligations of a CSV file's bytes (UTF-8, BOM allowed) as validated columns.

    The fast path for large files: pyarrow's multi-threaded parser (pandas' C parser when
    pyarrow is missing) and column-wise checks, no object per row. It accepts only what
    :func:`read_obligations` accepts, with the same values; for anything it cannot vouch
    for (any error, quotes, a lone carriage return, an amount that is not plain digits with
    at most two decimals, a date not ``YYYY-MM-DD`` …) it answers ``None`` and the caller
    reads the text with :func:`read_obligations`, which accepts it or raises the precise
    error naming the line.
    """
    read = read_obligation_columns_unchecked(data)
    if read is None:
        return None
    columns, verify = read
    return columns if verify() else None


def read_obligation_columns_unchecked(
    data: bytes,
) -> tuple[ObligationColumns, Callable[[], bool]] | None:
    """:func:`read_obligation_columns` with the checks the solver does not need put off:
    ``(columns, verify)``, where ``verify()`` checks that no line is longer than the csv
    module's field limit and that the ids are non-blank and distinct. The columns stand
    only once ``verify()`` has answered true (``netting.cli`` runs it on the second core
    while OR-Tools solves); if it answers false, the caller must drop whatever it computed
    from them and read the text with :func:`read_obligations`."""
    if b'"' in data or b"\x00" in data:
        return None
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return None
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - pyarrow is a dependency; pandas does the same
        if _longest_line(data) > csv.field_size_limit():
            return None
        columns = _pandas_columns(data)
        return None if columns is None else (columns, lambda: True)
    return _arrow_columns(data)


def _pandas_columns(data: bytes) -> ObligationColumns | None:
    """:func:`read_obligation_columns` by pandas' C parser (one Python string per cell)."""
    import pandas as pd

    try:
        with warnings.catch_warnings():
            # index_col=False: never take a first column as the index when rows have one
            # cell more than the header (pandas would shift every column); its warning
            # about such rows, like any other, sends the file to the row-by-row reader.
            warnings.simplefilter("error")
            frame = pd.read_csv(
                io.BytesIO(data), dtype=object, na_filter=False, keep_default_na=False,
                encoding="utf-8-sig", engine="c", skip_blank_lines=True, index_col=False,
            )  # fmt: skip
    except Exception:
        return None
    if not isinstance(frame.index, pd.RangeIndex):
        return None
    header = [str(c).strip().lower().lstrip("\ufeff") for c in frame.columns]
    if len(set(header)) != len(header) or any(c not in header for c in REQUIRED_COLUMNS):
        return None
    column = {name: frame.columns[header.index(name)] for name in header}
    m = len(frame)
    ids = list(map(str.strip, frame[column["id"]].tolist()))
    if "" in ids or len(set(ids)) != m:
        return None
    debtor, creditor, firms = _firm_codes(
        frame[column["debtor"]].to_numpy(), frame[column["creditor"]].to_numpy()
    )
    if firms is None or (debtor == creditor).any():
        return None
    fen = _amounts_fen(frame[column["amount"]].tolist())
    if fen is None:
        return None
    due = np.full(m, -1, dtype=np.int64)
    if "due" in column:
        due_codes = _coded(frame[column["due"]].to_numpy(), _due_ordinal)
        if due_codes is None:
            return None
        due = due_codes
    status = np.zeros(m, dtype=np.int8)
    if "status" in column:
        status_codes = _coded(frame[column["status"]].to_numpy(), _status_index)
        if status_codes is None:
            return None
        status = status_codes.astype(np.int8)
    del frame
    return ObligationColumns(ids, firms, debtor, creditor, fen, due, status)


# What ``str.strip()`` removes (``str.isspace``), for pyarrow's ``utf8_trim``.
_PY_WHITESPACE: Final = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_AMOUNT_PATTERN: Final = r"^[0-9]{1,15}(\.[0-9]{1,2})?$"


def _arrow_columns(data: bytes) -> tuple[ObligationColumns, Callable[[], bool]] | None:
    """:func:`read_obligation_columns_unchecked` by pyarrow: a multi-threaded columnar
    parser and vectorised checks, with no Python object per cell (the ids stay in one Arrow
    array, :class:`ArrowIds`). From ``_THREAD_MIN_ROWS`` rows the firm names are encoded in
    a second thread while the ids, amounts, dates and statuses are read. It answers
    ``None`` (or ``verify()`` false) for all that the pandas reader would."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    def verify_lines() -> bool:
        return _longest_line(raw) <= csv.field_size_limit()

    raw = data
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    end = data.find(b"\n")
    first = data if end < 0 else data[:end]
    try:
        header_text = first.decode("utf-8").removesuffix("\r")
    except UnicodeDecodeError:
        return None
    header = [cell.strip().lower() for cell in header_text.split(",")]
    if not header_text.strip() or len(set(header)) != len(header):
        return None
    if any(c not in header for c in REQUIRED_COLUMNS):
        return None
    wanted = {name: f"c{header.index(name)}" for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
              if name in header}  # fmt: skip
    if len(data) >= _WARM_IMPORTS_MIN_BYTES:  # while the parser's threads hold no GIL
        threading.Thread(target=_warm_imports, name="netting-imports", daemon=True).start()
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(
                column_names=[f"c{i}" for i in range(len(header))], skip_rows=1,
                block_size=1 << 24,
            ),
            parse_options=pacsv.ParseOptions(
                quote_char=False, double_quote=False, escape_char=False,
                newlines_in_values=False, ignore_empty_lines=True,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in wanted.values()},
                include_columns=list(wanted.values()), strings_can_be_null=False,
                null_values=[], check_utf8=True,
            ),
        )  # fmt: skip
    except (pa.ArrowException, ValueError):
        return None
    m = table.num_rows

    def column(name: str) -> Any:
        return table.column(wanted[name]).combine_chunks()

    if m == 0:
        empty = np.zeros(0, dtype=np.int64)
        no_rows = ObligationColumns([], [], empty, empty, empty, empty, np.zeros(0, dtype=np.int8))
        return no_rows, verify_lines
    if m < _THREAD_MIN_ROWS:
        firm_codes = _arrow_firm_codes(column("debtor"), column("creditor"))
        rest = _arrow_rest(column, wanted)
    else:
        with ThreadPoolExecutor(max_workers=1) as pool:
            coding = pool.submit(_arrow_firm_codes, column("debtor"), column("creditor"))
            rest = _arrow_rest(column, wanted)
            firm_codes = coding.result()
    if firm_codes is None or rest is None:
        return None
    firms, debtor, creditor = firm_codes
    ids, fen, due, status = rest

    def verify() -> bool:
        return verify_lines() and _ids_valid(ids)

    columns = ObligationColumns(ArrowIds(ids), firms, debtor, creditor, fen, due, status)
    return columns, verify


# From this many bytes _arrow_columns imports what comes next while pyarrow parses.
_WARM_IMPORTS_MIN_BYTES: Final = 1 << 24


def _warm_imports() -> None:
    """Import pandas (pyarrow's first conversion to numpy imports it, about 0.7 s) and
    scipy's graph routines (the SCCs) ahead of their first use."""
    for name in ("pandas", "scipy.sparse.csgraph"):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


# From this many rows _arrow_columns reads the firm names and the rest in two threads.
_THREAD_MIN_ROWS: Final = 200_000


def _arrow_firm_codes(
    debtors: Any, creditors: Any
) -> tuple[list[str], np.ndarray[Any, Any], np.ndarray[Any, Any]] | None:
    """Firm names (trimmed, sorted) and each row's debtor and creditor number in them, or
    ``None`` for a blank name or a debtor equal to its creditor."""
    import pyarrow as pa
    import pyarrow.compute as pc

    m = len(debtors)
    names = pc.utf8_trim(pa.chunked_array([debtors, creditors]), characters=_PY_WHITESPACE)
    encoded = pc.dictionary_encode(names).combine_chunks()
    dictionary = encoded.dictionary
    if pc.any(pc.equal(pc.binary_length(dictionary), 0)).as_py():
        return None
    # UTF-8 byte order is code point order, which is the order of Python's str.
    by_name = pc.sort_indices(dictionary).to_numpy()
    rank = np.empty(len(by_name), dtype=np.int64)
    rank[by_name] = np.arange(len(by_name), dtype=np.int64)
    firms = dictionary.take(pa.array(by_name)).to_pylist()
    codes = rank[encoded.indices.to_numpy()]
    debtor, creditor = codes[:m], codes[m:]
    if (debtor == creditor).any():
        return None
    return firms, debtor, creditor


def _arrow_rest(column: Callable[[str], Any], wanted: dict[str, str]) -> tuple[Any, ...] | None:
    """The trimmed ids (Arrow), the amounts in fen, the due ordinals and status indices, or
    ``None`` for an amount, date or status the row-by-row reader may judge otherwise."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = pc.utf8_trim(column("id"), characters=_PY_WHITESPACE)
    m = len(ids)
    amount = column("amount")
    if not pc.all(pc.match_substring_regex(amount, _AMOUNT_PATTERN)).as_py():
        return None
    digits = pc.cast(pc.replace_substring(amount, ".", ""), pa.int64()).to_numpy()
    dot = pc.find_substring(amount, ".").to_numpy().astype(np.int64)
    length = pc.binary_length(amount).to_numpy().astype(np.int64)
    decimals = np.where(dot < 0, 0, length - dot - 1)
    fen = digits * _POW10[2 - decimals]
    if fen.min() <= 0 or fen.max() > MAX_AMOUNT_FEN:
        return None
    due = np.full(m, -1, dtype=np.int64)
    if "due" in wanted:
        due_codes = _arrow_coded(column("due"), _due_ordinal)
        if due_codes is None:
            return None
        due = due_codes
    status = np.zeros(m, dtype=np.int8)
    if "status" in wanted:
        status_codes = _arrow_coded(column("status"), _status_index)
        if status_codes is None:
            return None
        status = status_codes.astype(np.int8)
    return ids, fen, due, status


def _ids_valid(ids: Any) -> bool:
    """Whether the (trimmed) ids of an Arrow string array are non-blank and distinct."""
    import pyarrow.compute as pc

    if pc.any(pc.equal(pc.binary_length(ids), 0)).as_py():
        return False
    return _distinct(ids)


_MIX: Final = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))


def _distinct(ids: Any) -> bool:
    """Whether the texts of an Arrow string array are pairwise distinct.

    Ids of one length up to 16 bytes (the usual invoice numbers) are read as two 64-bit
    words each, straight from the array's buffer, and mixed into one 64-bit hash; one sort
    shows whether all hashes differ, and distinct hashes mean distinct ids. Any repeated
    hash, and any other shape of ids, is decided exactly by Arrow's hash count (which
    costs about three times as much on ten million ids)."""
    import pyarrow.compute as pc

    m = len(ids)
    lengths = pc.binary_length(ids)
    width = pc.min_max(lengths).as_py()
    if m > 1 and width["min"] == width["max"] and 1 <= width["max"] <= 16:
        size = int(width["max"])
        _, offsets, values = ids.buffers()
        start = int(np.frombuffer(offsets, dtype=np.int32, count=1, offset=4 * ids.offset)[0])
        rows = np.frombuffer(values, dtype=np.uint8, count=m * size, offset=start)
        padded = np.zeros((m, 16), dtype=np.uint8)
        padded[:, :size] = rows.reshape(m, size)
        words = padded.view(np.uint64)
        hashed = np.sort(words[:, 0] * _MIX[0] ^ (words[:, 1] + np.uint64(size)) * _MIX[1])
        if not (hashed[1:] == hashed[:-1]).any():
            return True
    return bool(pc.count_distinct(ids).as_py() == m)


def _arrow_coded(values: Any, decode: Any) -> np.ndarray[Any, Any] | None:
    """:func:`_coded` for an Arrow string array."""
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(values)
    decoded = [decode(u) for u in encoded.dictionary.to_pylist()]
    if None in decoded:
        return None
    table = np.asarray(decoded, dtype=np.int64)
    return table[encoded.indices.to_numpy()]


class ArrowIds(Sequence[str]):
    """Obligation ids held in one Arrow string array, read as a sequence of ``str``.

    ``arrow`` is the array itself, for the column-wise writers (:func:`setoffs_csv_chunks`,
    ``jsonio.result_json_chunks``); ``take_list`` gathers some ids as Python strings.
    """

    __slots__ = ("arrow",)

    def __init__(self, array: Any) -> None:
        self.arrow = array

    def __len__(self) -> int:
        return len(self.arrow)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self.arrow))
            if step == 1:
                texts: list[str] = self.arrow.slice(start, max(0, stop - start)).to_pylist()
                return texts
            return [self[i] for i in range(start, stop, step)]
        if index < 0:
            index += len(self.arrow)
        if not 0 <= index < len(self.arrow):
            raise IndexError(index)
        text: str = self.arrow[index].as_py()
        return text

    def __iter__(self) -> Iterator[str]:
        for lo in range(0, len(self.arrow), _CHUNK):
            yield from self.arrow.slice(lo, _CHUNK).to_pylist()

    def take_list(self, positions: Sequence[int]) -> list[str]:
        import pyarrow as pa

        texts: list[str] = self.arrow.take(pa.array(positions, type=pa.int64())).to_pylist()
        return texts


def _longest_line(data: bytes) -> int:
    longest, start = 0, 0
    for lo in range(0, len(data), 1 << 26):
        block = np.frombuffer(data, dtype=np.uint8, count=min(1 << 26, len(data) - lo), offset=lo)
        ends = np.flatnonzero(block == 10) + lo
        if len(ends):
            longest = max(longest, int(ends[0]) - start, int(np.diff(ends).max(initial=0)))
            start = int(ends[-1]) + 1
    return max(longest, len(data) - start)


def _firm_codes(
    debtors: np.ndarray[Any, Any], creditors: np.ndarray[Any, Any]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], list[str] | None]:
    """Firm numbers in sorted name order (names stripped), or ``None`` for a blank name."""
    import pandas as pd

    m = len(debtors)
    codes, uniques = pd.factorize(np.concatenate((debtors, creditors)))
    names = [str(u).strip() for u in uniques]
    if "" in names:
        return codes[:m], codes[m:], None
    distinct = sorted(set(names))
    rank = {name: i for i, name in enumerate(distinct)}
    remap = np.asarray([rank[name] for name in names], dtype=np.int64)
    codes = remap[codes]
    return codes[:m], codes[m:], distinct


def _due_ordinal(cell: str) -> int | None:
    cell = cell.strip()
    if not cell:
        return -1
    try:
        return dt.date.fromisoformat(cell).toordinal()
    except ValueError:
        return None


def _status_index(cell: str) -> int | None:
    status = STATUS_WORDS.get(cell.strip().lower())
    return None if status is None else STATUSES.index(status)


def _coded(values: np.ndarray[Any, Any], decode: Any) -> np.ndarray[Any, Any] | None:
    """``decode`` applied once per distinct cell; ``None`` if it refuses one."""
    import pandas as pd

    codes, uniques = pd.factorize(values)
    decoded = [decode(str(u)) for u in uniques]
    if None in decoded:
        return None
    table = np.asarray(decoded, dtype=np.int64)
    return table[codes] if len(codes) else np.zeros(0, dtype=np.int64)


def _amounts_fen(cells: list[str]) -> np.ndarray[Any, Any] | None:
    """Fen per amount written as ASCII digits with at most two decimals, else ``None``.

    The data holds no NUL (checked first), so a cell's end is where its padding starts.
    """
    m = len(cells)
    fen = np.zeros(m, dtype=np.int64)
    for lo in range(0, m, _CHUNK):
        text = np.asarray(cells[lo : lo + _CHUNK], dtype=str)
        width = text.dtype.itemsize // 4
        if width == 0 or width > 18:
            return None
        codes = text.view(np.uint32).reshape(len(text), width)
        digit = (codes - 48) <= 9  # unsigned: everything below "0" wraps round
        dot = codes == 46
        if not (digit | dot | (codes == 0)).all():
            return None
        length = np.strings.str_len(text)
        dots = dot.sum(axis=1)
        dot_at = np.where(dots == 1, dot.argmax(axis=1), length)
        decimals = np.where(dots == 1, length - dot_at - 1, 0)
        if (dots > 1).any() or (dot_at < 1).any() or (dot_at > 15).any():
            return None
        if ((dots == 1) & ((decimals < 1) | (decimals > 2))).any():
            return None
        value = np.zeros(len(text), dtype=np.int64)
        for j in range(width):  # Horner over the digits; dots and padding are skipped
            d = codes[:, j].astype(np.int64) - 48
            value = np.where(digit[:, j], value * 10 + d, value)
        fen[lo : lo + len(text)] = value * _POW10[2 - decimals]
    if m and (fen.min() <= 0 or fen.max() > MAX_AMOUNT_FEN):
        return None
    return fen


def setoffs_csv(result: NettingResult) -> str:
    """``id,setoff,remaining`` for every obligation, in input order."""
    return "".join(setoffs_csv_chunks(result))


_CSV_SPECIAL: Final = re.compile(r'[,"\r\n]')


def setoffs_csv_chunks(result: NettingResult) -> Iterator[str]:
    """:func:`setoffs_csv` in pieces, built column-wise when no id needs quoting or
    escaping (else row by row through the csv writer, as before)."""
    yield "id,setoff,remaining\n"
    ids, setoff, amount = result.ids, result.setoff_fen_array(), result.amount_fen()
    if isinstance(ids, ArrowIds) and not _arrow_needs_escaping(ids.arrow):
        for lo in range(0, len(ids), _CHUNK):
            yield arrow_rows(
                ",", "\n", ids.arrow.slice(lo, _CHUNK), fen_arrow(setoff[lo : lo + _CHUNK]),
                fen_arrow(amount[lo : lo + _CHUNK] - setoff[lo : lo + _CHUNK]),
            )  # fmt: skip
        return
    for lo in range(0, len(ids), _CHUNK):
        part = list(ids[lo : lo + _CHUNK])
        cleared = fen_texts(setoff[lo : lo + _CHUNK])
        left = fen_texts(amount[lo : lo + _CHUNK] - setoff[lo : lo + _CHUNK])
        if _CSV_SPECIAL.search("".join(part)) or not FORMULA_STARTS.isdisjoint(
            {i[:1] for i in part}
        ):
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerows(zip(map(escape_cell, part), cleared, left, strict=True))
            yield out.getvalue()
            continue
        rows = map(operator.add, map(operator.add, part, repeat(",")), cleared)
        rows = map(operator.add, map(operator.add, rows, repeat(",")), left)
        yield "\n".join(rows) + "\n"


def _arrow_needs_escaping(ids: Any) -> bool:
    """Whether an id needs quoting or escaping in the set-off CSV (see ``escape_cell``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pc.any(pc.match_substring_regex(ids, r'[,"\r\n]')).as_py():
        return True
    first = pc.utf8_slice_codeunits(ids, 0, 1)
    starts = pa.array(sorted(FORMULA_STARTS), type=pa.string())
    return bool(pc.any(pc.is_in(first, value_set=starts)).as_py())


_CENTS_TEXT: Final = [f".{r:02d}" for r in range(100)]


def fen_arrow(values: np.ndarray[Any, Any]) -> Any:
    """Non-negative fen as an Arrow array of yuan texts (``1234`` -> ``"12.34"``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    yuan = pc.cast(pa.array(values // 100), pa.string())
    cents = pa.array(_CENTS_TEXT, type=pa.string()).take(pa.array(values % 100))
    return pc.binary_join_element_wise(yuan, cents, "")


def arrow_rows(separator: str, terminator: str, *columns: Any) -> str:
    """Arrow string columns as text: each row's cells joined by ``separator`` and ended by
    ``terminator`` (the rows' bytes are one buffer, decoded once)."""
    import pyarrow.compute as pc

    parts: list[Any] = []
    for column in columns:
        parts += [column, separator]
    parts[-1] = terminator
    return joined_text(pc.binary_join_element_wise(*parts, ""))


def joined_text(array: Any) -> str:
    """The concatenation of the values of an Arrow string array without nulls."""
    if len(array) == 0:
        return ""
    _, offsets, values = array.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int32)
    first, last = int(bounds[array.offset]), int(bounds[array.offset + len(array)])
    return str(memoryview(values)[first:last], "utf-8")


def joined_bytes(array: Any) -> memoryview:
    """:func:`joined_text` as UTF-8 bytes, without a copy (a view of the Arrow buffer)."""
    if len(array) == 0:
        return memoryview(b"")
    _, offsets, values = array.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int32)
    first, last = int(bounds[array.offset]), int(bounds[array.offset + len(array)])
    return memoryview(values)[first:last]


def fen_arrow_chunks(values: np.ndarray[Any, Any], workers: int = 1) -> list[Any]:
    """:func:`fen_arrow` of ``values`` in slices of ``_CHUNK`` (in ``workers`` threads)."""
    starts = range(0, len(values), _CHUNK)
    if workers < 2 or len(starts) < 2:
        return [fen_arrow(values[lo : lo + _CHUNK]) for lo in starts]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda lo: fen_arrow(values[lo : lo + _CHUNK]), starts))


class PreparedSetoffsCsv:
    """:func:`setoffs_csv` for ids held in Arrow that need no escaping, with all that does
    not depend on the set-offs built ahead (``netting.cli`` builds it while OR-Tools
    solves): each row's ``id,`` and each amount's text, in slices of ``_CHUNK`` rows.
    :meth:`chunks` then adds the set-offs; the bytes are those of ``setoffs_csv``."""

    def __init__(self, ids: Any, amount_fen: np.ndarray[Any, Any]) -> None:
        import pyarrow.compute as pc

        self._amount = amount_fen
        self._parts = [
            (
                pc.binary_join_element_wise(ids.slice(lo, _CHUNK), ",", ""),
                fen_arrow(amount_fen[lo : lo + _CHUNK]),
            )
            for lo in range(0, len(ids), _CHUNK)
        ]

    @classmethod
    def of(cls, ids: Sequence[str], amount_fen: np.ndarray[Any, Any]) -> PreparedSetoffsCsv | None:
        """The prepared CSV, or ``None`` when the ids are not in Arrow or need escaping."""
        if not isinstance(ids, ArrowIds) or _arrow_needs_escaping(ids.arrow):
            return None
        return cls(ids.arrow, amount_fen)

    def chunks(
        self, setoff_fen: np.ndarray[Any, Any], setoff_texts: list[Any]
    ) -> Iterator[bytes | memoryview]:
        """The CSV's bytes, given the set-offs in fen and as :func:`fen_arrow_chunks`."""
        import pyarrow as pa
        import pyarrow.compute as pc

        yield b"id,setoff,remaining\n"
        for i, (prefix, amount_text) in enumerate(self._parts):
            lo = i * _CHUNK
            setoff = setoff_fen[lo : lo + _CHUNK]
            changed = setoff != 0
            remaining = amount_text  # where nothing was set off, the amount itself
            if changed.any():
                at = np.flatnonzero(changed)
                left = fen_arrow(self._amount[lo : lo + _CHUNK][at] - setoff[at])
                remaining = pc.replace_with_mask(amount_text, pa.array(changed), left)
            yield joined_bytes(
                pc.binary_join_element_wise(prefix, setoff_texts[i], ",", remaining, "\n", "")
            )
