"""Obligations and options from JSON (the API's body), pure: no Django.

``{"obligations": [{"id", "debtor", "creditor", "amount", "due"?, "status"?}, …],
"options": {…}?}``. Amounts are decimal strings in yuan (integers are accepted; floats are
refused, as everywhere money is parsed). Every refused row raises a :class:`NettingError`
whose messages start with the row's JSON path, ``obligations[3]`` (0-based), and whose
``details`` carry ``index`` and ``id``.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from itertools import repeat
from typing import Any, Final

from qingqian.netting.csvio import (
    CHUNK_ROWS,
    STATUS_WORDS,
    ArrowIds,
    arrow_rows,
    fen_arrow,
    joined_bytes,
)
from qingqian.netting.errors import NettingError
from qingqian.netting.solver import (
    AGE_MODES,
    IntArray,
    NettingOptions,
    NettingResult,
    Obligation,
    fen_texts,
    solve,
)

MAX_OBLIGATIONS: Final = 200_000
_FIELDS: Final = ("id", "debtor", "creditor", "amount")
_OPTION_KEYS: Final = frozenset(
    {"exclude_disputed", "exclude_unconfirmed", "non_consenting", "min_amount", "caps",
     "age_tie_break"}
)  # fmt: skip


def _row(index: int, oid: object, code: str, zh: str, en: str, **details: str) -> NettingError:
    where = f"obligations[{index}]" + (f"（{oid}）" if oid not in (None, "") else "")
    where_en = f"obligations[{index}]" + (f" ({oid})" if oid not in (None, "") else "")
    return NettingError(
        f"{where}：{zh}",
        f"{where_en}: {en}",
        code=code,
        details={"index": index, "id": "" if oid is None else str(oid), **details},
    )


def _amount(raw: object) -> Decimal | str:
    if isinstance(raw, bool | float):
        return "float"
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, str):
        try:
            return Decimal(raw.strip())
        except InvalidOperation:
            return "nan"
    return "type"


def read_obligations(items: object) -> list[Obligation]:
    if not isinstance(items, list):
        raise NettingError(
            "obligations 应为数组。",
            "obligations must be an array.",
            code="obligations_invalid",
        )
    if len(items) > MAX_OBLIGATIONS:
        raise NettingError(
            f"一次最多提交 {MAX_OBLIGATIONS} 条债务。",
            f"At most {MAX_OBLIGATIONS} obligations per request.",
            code="too_many_obligations",
            details={"limit": MAX_OBLIGATIONS},
            status=413,
        )
    out: list[Obligation] = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise _row(index, None, "row_invalid", "应为对象", "must be an object")
        oid = item.get("id")
        for name in _FIELDS:
            value = item.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise _row(index, oid, "missing_column", f"缺少 {name}", f"{name} is missing",
                           column=name)  # fmt: skip
        for name in ("id", "debtor", "creditor"):
            if not isinstance(item[name], str):
                raise _row(index, oid, "row_invalid", f"{name} 应为字符串",
                           f"{name} must be a string", column=name)  # fmt: skip
        amount = _amount(item["amount"])
        if isinstance(amount, str):
            raise _row(
                index, oid, "amount_invalid",
                "amount 应为十进制数字字符串（如 \"1200.50\"），不能是浮点数",
                'amount must be a decimal string such as "1200.50", never a float',
                value=str(item["amount"]),
            )  # fmt: skip
        due = None
        if item.get("due") not in (None, ""):
            try:
                due = dt.date.fromisoformat(str(item["due"]))
            except ValueError:
                raise _row(index, oid, "due_invalid", "due 应为 YYYY-MM-DD",
                           "due must be YYYY-MM-DD", value=str(item["due"])) from None  # fmt: skip
        status = STATUS_WORDS.get(str(item.get("status") or "").lower())
        if status is None:
            raise _row(
                index, oid, "status_invalid",
                "status 应为 confirmed、unconfirmed 或 disputed",
                "status must be confirmed, unconfirmed or disputed",
                value=str(item.get("status")),
            )  # fmt: skip
        out.append(Obligation(item["id"], item["debtor"], item["creditor"], amount, due, status))
    return out


def read_options(raw: object) -> NettingOptions:
    if raw is None:
        return NettingOptions()
    if not isinstance(raw, Mapping) or set(raw) - _OPTION_KEYS:
        raise NettingError(
            "options 含未知的选项。",
            "options has unknown keys.",
            code="option_invalid",
            details={"allowed": sorted(_OPTION_KEYS)},
        )
    kwargs: dict[str, Any] = {}
    for key in ("exclude_disputed", "exclude_unconfirmed"):
        if key in raw:
            if not isinstance(raw[key], bool):
                raise NettingError(f"{key} 应为 true 或 false。", f"{key} must be true or false.",
                                   code="option_invalid", details={"option": key})  # fmt: skip
            kwargs[key] = raw[key]
    if "non_consenting" in raw:
        kwargs["non_consenting"] = frozenset(map(str, raw["non_consenting"] or ()))
    if raw.get("min_amount") not in (None, ""):
        value = _amount(raw["min_amount"])
        if isinstance(value, str):
            raise NettingError("min_amount 应为十进制数字字符串。",
                               "min_amount must be a decimal string.",
                               code="option_invalid", details={"option": "min_amount"})  # fmt: skip
        kwargs["min_amount"] = value
    if raw.get("caps"):
        caps: dict[str, Decimal] = {}
        for firm, cap in dict(raw["caps"]).items():
            value = _amount(cap)
            if isinstance(value, str):
                raise NettingError(f"caps[{firm}] 应为十进制数字字符串。",
                                   f"caps[{firm}] must be a decimal string.",
                                   code="option_invalid", details={"option": "caps"})  # fmt: skip
            caps[str(firm)] = value
        kwargs["caps"] = caps
    if "age_tie_break" in raw:
        if raw["age_tie_break"] not in AGE_MODES:
            raise NettingError(
                "age_tie_break 应为 auto、global 或 parallel。",
                "age_tie_break must be auto, global or parallel.",
                code="option_invalid",
                details={"option": "age_tie_break"},
            )
        kwargs["age_tie_break"] = raw["age_tie_break"]
    return NettingOptions(**kwargs)


def solve_json(body: Mapping[str, Any]) -> NettingResult:
    """Solve a JSON request; solver errors about one row get that row's path in front."""
    obligations = read_obligations(body.get("obligations"))
    options = read_options(body.get("options"))
    try:
        return solve(obligations, options)
    except NettingError as exc:
        index = exc.details.get("index")
        if isinstance(index, int) and not exc.message_en.startswith("obligations["):
            raise _row(
                index, exc.details.get("id"), exc.code, exc.message_zh, exc.message_en,
                **{k: str(v) for k, v in exc.details.items() if k not in ("index", "id")},
            ) from None  # fmt: skip
        raise


_JSON_ESCAPED: Final = re.compile(r'[\x00-\x1f"\\]')
_JSON_CHUNK: Final = CHUNK_ROWS  # the slices of csvio.fen_arrow_chunks


def result_json_chunks(result: NettingResult) -> Iterator[str]:
    """``json.dumps(result.as_dict(), ensure_ascii=False)`` in pieces, built column-wise
    (no dict per obligation): the CLI streams a million set-offs this way."""
    yield _result_head(result)
    ids, setoff = result.ids, result.setoff_fen_array()
    if isinstance(ids, ArrowIds) and not _arrow_needs_escaping(ids.arrow):
        for lo in range(0, len(ids), _JSON_CHUNK):
            text = arrow_rows(
                "", "", ', {"id": "', ids.arrow.slice(lo, _JSON_CHUNK), '", "amount": "',
                fen_arrow(setoff[lo : lo + _JSON_CHUNK]), '"}',
            )  # fmt: skip
            yield text[2:] if lo == 0 else text
        yield _net_positions_tail(*result.net_fen())
        return
    for lo in range(0, len(ids), _JSON_CHUNK):
        part = list(ids[lo : lo + _JSON_CHUNK])
        if _JSON_ESCAPED.search("".join(part)):
            part = [json.dumps(i, ensure_ascii=False)[1:-1] for i in part]
        amounts = fen_texts(setoff[lo : lo + _JSON_CHUNK])
        rows = map(operator.add, map(operator.add, part, repeat('", "amount": "')), amounts)
        yield ('{"id": "' if lo == 0 else ', {"id": "') + '"}, {"id": "'.join(rows) + '"}'
    yield _net_positions_tail(*result.net_fen())


def _result_head(result: NettingResult) -> str:
    head = json.dumps(
        {"total": str(result.total), "cleared": str(result.cleared),
         "remaining": str(result.remaining)}, ensure_ascii=False,
    )  # fmt: skip
    return head[:-1] + ', "setoffs": ['


def _net_positions_tail(names: list[str], net: IntArray) -> str:
    text = json.dumps(dict(zip(names, fen_texts(net), strict=True)), ensure_ascii=False)
    return '], "net_positions": ' + text + "}"


class PreparedResultJson:
    """:func:`result_json_chunks` for ids held in Arrow that need no escaping, with all
    that does not depend on the set-offs built ahead (``netting.cli`` builds it while
    OR-Tools solves): each row's ``{"id": "…", "amount": "`` in slices of ``_JSON_CHUNK``
    rows and the net positions, which no set-off changes. :meth:`chunks` then adds the
    totals and the set-offs; the bytes are those of ``result_json_chunks``."""

    def __init__(self, ids: Any, firms: list[str], net_fen: IntArray) -> None:
        import pyarrow.compute as pc

        self._prefixes = [
            pc.binary_join_element_wise(
                ', {"id": "', ids.slice(lo, _JSON_CHUNK), '", "amount": "', ""
            )
            for lo in range(0, len(ids), _JSON_CHUNK)
        ]
        self._tail = _net_positions_tail(firms, net_fen).encode()

    @classmethod
    def of(
        cls, ids: Sequence[str], firms: list[str], net_fen: IntArray
    ) -> PreparedResultJson | None:
        """The prepared JSON, or ``None`` when the ids are not in Arrow or need escaping."""
        if not isinstance(ids, ArrowIds) or _arrow_needs_escaping(ids.arrow):
            return None
        return cls(ids.arrow, firms, net_fen)

    def chunks(
        self, result: NettingResult, setoff_texts: list[Any]
    ) -> Iterator[bytes | memoryview]:
        """The JSON's UTF-8 bytes, given the result and its set-offs as text in slices of
        ``_JSON_CHUNK`` (``csvio.fen_arrow_chunks``)."""
        import pyarrow.compute as pc

        yield _result_head(result).encode()
        for i, prefix in enumerate(self._prefixes):
            rows = joined_bytes(pc.binary_join_element_wise(prefix, setoff_texts[i], '"}', ""))
            yield rows[2:] if i == 0 else rows
        yield self._tail


def _arrow_needs_escaping(ids: Any) -> bool:
    """Whether an id needs escaping in a JSON string (a control character, ``"`` or ``\\``)."""
    import pyarrow.compute as pc

    return bool(pc.any(pc.match_substring_regex(ids, r'[\x00-\x1f"\\]')).as_py())
