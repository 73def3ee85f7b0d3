"""Canonical plan terms and their SHA-256 (pure kernel).

Both parties accept a plan by citing one hash. The hash is over **canonical JSON bytes**:

* UTF-8, no insignificant whitespace (``,`` and ``:`` separators), object keys sorted by
  Unicode code point, strings and keys in Unicode NFC;
* no floats anywhere (refused); ``Decimal`` written as a string in its shortest plain form
  (``Decimal("0.120")`` → ``"0.12"``, ``Decimal("7500.00")`` → ``"7500"``); money in
  :func:`plan_terms` is written as two-decimal strings before hashing (``"7500.00"``);
* integers only within ±(2⁵³−1) so any JSON reader keeps them exact; ``bool`` and ``None``
  as ``true``/``false``/``null``; ``date`` as ``YYYY-MM-DD``; aware ``datetime`` in UTC as
  ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (naive datetimes refused).

A version document wraps the terms: ``{"schema", "version", "previous", "terms"}``. Version 1
has ``previous = null``; any change is a new version whose ``previous`` is the hash of the
version it replaces, so the versions form a hash chain (:func:`verify_chain`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from qingqian.negotiation.errors import NegotiationError
from qingqian.negotiation.plans import Schedule

SCHEMA = "qingqian.plan-terms/1"
MAX_SAFE_INT = 2**53 - 1


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 JSON bytes of ``value`` (see module docstring)."""
    plain = _plain(value, "$")
    text = json.dumps(
        plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def sha256_hex(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def _refuse(path: str, what: str, what_zh: str) -> NegotiationError:
    return NegotiationError(
        f"条款无法规范化：{path} 处{what_zh}。",
        f"The terms cannot be canonicalised: {what} at {path}.",
        code="terms_not_canonical",
        details={"path": path, "problem": what},
    )


def _plain(value: Any, path: str) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INT:
            raise _refuse(path, "an integer beyond 2^53-1", "整数超出 2^53-1")
        return value
    if isinstance(value, float):
        raise _refuse(path, "a float (use Decimal or a decimal string)", "出现浮点数")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _refuse(path, "a non-finite Decimal", "出现非有限的 Decimal")
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "0") else text
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise _refuse(path, "a naive datetime", "出现无时区的时间")
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _refuse(path, f"a non-string key {key!r}", f"出现非字符串键 {key!r}")
            normal = unicodedata.normalize("NFC", key)
            if normal in result:
                raise _refuse(path, f"duplicate key {normal!r}", f"键 {normal!r} 重复")
            result[normal] = _plain(item, f"{path}.{normal}")
        return result
    if isinstance(value, list | tuple):
        return [_plain(item, f"{path}[{index}]") for index, item in enumerate(value)]
    raise _refuse(path, f"an unsupported type {type(value).__name__}", "出现不支持的类型")


def plan_terms(
    schedule: Schedule,
    *,
    case_ref: str,
    creditor: str,
    debtor: str,
    grace_days: int,
    consequence: str,
    trigger_overdue_count: int = 1,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The agreed terms of a plan as a plain mapping (money as two-decimal strings)."""
    terms: dict[str, Any] = {
        "case": case_ref,
        "creditor": creditor,
        "debtor": debtor,
        "kind": schedule.kind,
        "total": _money(schedule.total),
        "amount_total": _money(schedule.amount_total),
        "installments": [
            {
                "number": i.number,
                "due": i.due.isoformat(),
                "principal": _money(i.principal),
                "interest": _money(i.interest),
                "amount": _money(i.amount),
            }
            for i in schedule.installments
        ],
        "interest": None,
        "breach": {
            "grace_days": grace_days,
            "consequence": consequence,
            "trigger_overdue_count": trigger_overdue_count,
        },
    }
    if schedule.interest is not None:
        terms["interest"] = {
            "annual_rate": schedule.interest.annual_rate,
            "cap": schedule.interest.cap,
            "accrues_from": schedule.interest.accrues_from.isoformat(),
            "day_basis": schedule.interest.day_basis,
        }
    if extra:
        clash = sorted(set(extra) & set(terms))
        if clash:
            raise _refuse(
                "$", f"extra keys overwrite plan terms: {clash}", f"附加键覆盖条款 {clash}"
            )
        terms.update(extra)
    return terms


@dataclass(frozen=True, slots=True)
class TermsVersion:
    version: int
    previous: str | None
    """SHA-256 hex of the version this one replaces (``None`` for version 1)."""
    terms: Mapping[str, Any]
    canonical: bytes
    sha256: str

    def document(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "version": self.version,
            "previous": self.previous,
            "terms": self.terms,
        }


def terms_version(
    terms: Mapping[str, Any], *, previous: TermsVersion | None = None
) -> TermsVersion:
    """Version 1 of ``terms``, or the version after ``previous`` (a change: both parties must
    accept the new hash again)."""
    number = 1 if previous is None else previous.version + 1
    previous_hash = None if previous is None else previous.sha256
    if previous is not None and canonical_json(previous.terms) == canonical_json(terms):
        raise NegotiationError(
            "新版本条款与上一版本完全相同，无需新版本。",
            "The new terms are identical to the previous version; no new version is needed.",
            code="terms_unchanged",
            details={"previous": previous.sha256},
        )
    document = {"schema": SCHEMA, "version": number, "previous": previous_hash, "terms": terms}
    canonical = canonical_json(document)
    return TermsVersion(
        version=number,
        previous=previous_hash,
        terms=terms,
        canonical=canonical,
        sha256=hashlib.sha256(canonical).hexdigest(),
    )


def verify_chain(versions: Sequence[TermsVersion]) -> None:
    """Check numbering, links and hashes of a version history; raise at the first break."""
    previous: TermsVersion | None = None
    for index, version in enumerate(versions):
        expected_number = 1 if previous is None else previous.version + 1
        expected_previous = None if previous is None else previous.sha256
        canonical = canonical_json(version.document())
        digest = hashlib.sha256(canonical).hexdigest()
        problem = None
        if version.version != expected_number:
            problem = "version number"
        elif version.previous != expected_previous:
            problem = "previous hash"
        elif canonical != version.canonical or digest != version.sha256:
            problem = "hash does not match the terms"
        if problem is not None:
            raise NegotiationError(
                f"条款版本链在第 {index + 1} 个版本处断开（{problem}）。",
                f"The terms version chain breaks at entry {index + 1} ({problem}).",
                code="terms_chain_broken",
                details={"index": index, "problem": problem},
            )
        previous = version


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))
