"""RFC 8785 JSON Canonicalization Scheme (JCS) for log entry statements.

Covers the subset the log uses: objects, arrays, strings, integers, booleans and null.
Numbers other than integers are refused (money travels as decimal strings, e.g.
``"12345.60"``), and integers must lie in the I-JSON safe range ``±(2**53 - 1)`` so that
every JSON implementation reads them exactly.

Rules implemented (RFC 8785 §3.2): no whitespace; object members sorted by their names
compared as arrays of UTF-16 code units; strings with only the mandatory escapes (``"``,
``\\``, the short forms ``\\b \\t \\n \\f \\r`` and ``\\u00xx`` in lower-case hex for the
other control characters), everything else as literal UTF-8; output encoded in UTF-8.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from qingqian.ledger.errors import LedgerError

MAX_SAFE_INTEGER = (1 << 53) - 1
MAX_DEPTH = 64

_ESCAPES: dict[int, str] = {code: f"\\u{code:04x}" for code in range(0x20)}
_ESCAPES.update(
    {
        ord("\b"): "\\b",
        ord("\t"): "\\t",
        ord("\n"): "\\n",
        ord("\f"): "\\f",
        ord("\r"): "\\r",
        ord('"'): '\\"',
        ord("\\"): "\\\\",
    }
)


def canonicalize(value: object) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``value``."""
    parts: list[str] = []
    _write(value, parts, "$", 0)
    return "".join(parts).encode("utf-8")


def utf16_key(name: str) -> bytes:
    """Sort key of RFC 8785 §3.2.3: the name as big-endian UTF-16 code units."""
    return name.encode("utf-16-be", "surrogatepass")


def parse_canonical(data: bytes) -> Any:
    """Parse a statement and require it to be exactly in canonical form.

    Refuses non-UTF-8 input, duplicate member names, non-integer numbers, ``NaN`` and
    ``Infinity``, and any spelling that differs from :func:`canonicalize` of the result.
    """
    if not isinstance(data, bytes):
        raise _error("statement_invalid", "语句必须是字节串。", "A statement must be bytes.", {})
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error(
            "statement_invalid",
            "语句不是有效的 UTF-8。",
            "The statement is not valid UTF-8.",
            {"offset": exc.start},
        ) from exc
    try:
        value = json.loads(
            text,
            parse_float=_refuse_float,
            parse_constant=_refuse_float,
            object_pairs_hook=_unique_members,
        )
    except ValueError as exc:
        if isinstance(exc, LedgerError):
            raise
        raise _error(
            "statement_invalid",
            "语句不是有效的 JSON。",
            "The statement is not valid JSON.",
            {"reason": str(exc)},
        ) from exc
    if canonicalize(value) != data:
        raise _error(
            "statement_not_canonical",
            "语句不是 RFC 8785 规范形式。",
            "The statement is not in RFC 8785 canonical form.",
            {},
        )
    return value


# --------------------------------------------------------------------------- internals


def _write(value: object, out: list[str], path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise _error(
            "statement_too_deep",
            "语句嵌套过深。",
            "The statement is nested too deeply.",
            {"path": path},
        )
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise _error(
                "integer_out_of_range",
                "整数超出 ±(2^53-1) 的安全范围；大数请用字符串。",
                "Integer outside ±(2^53-1); send large numbers as strings.",
                {"path": path},
            )
        out.append(str(value))
    elif isinstance(value, float | Decimal):
        raise _error(
            "float_not_allowed",
            '语句中不允许小数；金额请以十进制字符串表示（如 "12345.60"）。',
            'Non-integer numbers are not allowed; send amounts as decimal strings ("12345.60").',
            {"path": path},
        )
    elif isinstance(value, str):
        _write_string(value, out, path)
    elif isinstance(value, Mapping):
        members = list(value.items())
        for name, _ in members:
            if not isinstance(name, str):
                raise _error(
                    "statement_invalid",
                    "对象的键必须是字符串。",
                    "Object member names must be strings.",
                    {"path": path, "name": repr(name)},
                )
        members.sort(key=lambda member: utf16_key(member[0]))
        out.append("{")
        for position, (name, item) in enumerate(members):
            if position:
                out.append(",")
            _write_string(name, out, path)
            out.append(":")
            _write(item, out, f"{path}.{name}", depth + 1)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for position, item in enumerate(value):
            if position:
                out.append(",")
            _write(item, out, f"{path}[{position}]", depth + 1)
        out.append("]")
    else:
        raise _error(
            "statement_invalid",
            "语句中含有不支持的值类型。",
            "The statement holds a value of an unsupported type.",
            {"path": path, "type": type(value).__name__},
        )


def _write_string(value: str, out: list[str], path: str) -> None:
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise _error(
            "statement_invalid",
            "字符串含有孤立的代理码位。",
            "A string holds a lone surrogate code point.",
            {"path": path},
        )
    out.append('"')
    out.append(value.translate(_ESCAPES))
    out.append('"')


def _refuse_float(text: str) -> Any:
    raise _error(
        "float_not_allowed",
        "语句中不允许小数；金额请以十进制字符串表示。",
        "Non-integer numbers are not allowed; send amounts as decimal strings.",
        {"number": text},
    )


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members: dict[str, Any] = {}
    for name, item in pairs:
        if name in members:
            raise _error(
                "statement_invalid",
                "对象中有重复的键。",
                "An object has a duplicate member name.",
                {"name": name},
            )
        members[name] = item
    return members


class _StatementError(LedgerError, ValueError):
    """A LedgerError that can travel through ``json.loads`` hooks."""


def _error(code: str, zh: str, en: str, details: dict[str, Any]) -> LedgerError:
    return _StatementError(code, zh, en, details)


# --------------------------------------------------------------------------- commitments

COMMITMENT_DOMAIN = b"qingqian/statement-commitment/v1\x00"


def statement_commitment(statement: bytes) -> bytes:
    """The public log entry of a private statement: ``SHA-256(domain ‖ statement)``, 32
    bytes. The statement carries a random 128-bit salt, so the entry reveals nothing about
    it (no template can be tried without the salt); the statement is disclosed only inside
    an evidence package, where anyone can recompute the entry and check its proof."""
    return hashlib.sha256(COMMITMENT_DOMAIN + statement).digest()
