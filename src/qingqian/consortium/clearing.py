"""Consortium netting rounds: the commitments (pure kernel, no Django, no clock).

A participating member submits the obligations its firm holds as creditor as **lines**
(``Line``): an opaque id, the debtor's and the creditor's credit codes, the amount in
integer fen, the due date and a random 128-bit salt chosen by the submitter. A line's
**leaf** is ``merkle.leaf_hash("qingqian-netting/v1 line\\n" || RFC 8785 JSON of the
line)``; the salt makes it impossible to guess a line from its leaf.

The running member orders every submitted leaf by value and builds two RFC 9162 Merkle
trees over the same positions:

* the **input tree** of line leaves: its root is the round's *input digest*;
* the **result tree** of set-off leaves, ``leaf_hash("qingqian-netting/v1 setoff\\n" ||
  JSON {line, setoff, remaining})`` with amounts in fen.

The *result digest* is SHA-256 of the JSON ``{v, round, input_root, result_root, size}``.
Each participant receives, signed, the two roots, the size and, for each of its own lines
only, its position, set-off and remainder and the two inclusion proofs. It recomputes its
leaves from what it submitted and checks both proofs (``verify_own``): its lines are in the
input and its set-offs are in the signed result, and it has seen nothing of anyone else's
lines but sibling hashes of salted leaves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qingqian.consortium.protocol import ProtocolError
from qingqian.ledger import merkle
from qingqian.ledger.canonical import canonicalize
from qingqian.ledger.errors import LedgerError

VERSION = "qingqian-netting/v1"
LINE_TAG = f"{VERSION} line\n".encode()
SETOFF_TAG = f"{VERSION} setoff\n".encode()
MAX_LINES = 10_000  # per submission (about 2 MB, under the 4 MiB message limit)
MAX_FEN = 99_999_999_999_999  # 999,999,999,999.99 yuan, as the solver
_HEX32 = re.compile(r"[0-9a-f]{32}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CODE = re.compile(r"[0-9A-Z]{18}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ClearingError(ProtocolError):
    """A submission or result that must be refused (``code``, both languages)."""


def _bad(code: str, zh: str, en: str) -> ClearingError:
    return ClearingError(code, zh, en)


@dataclass(frozen=True)
class Line:
    """One obligation a member's firm holds as creditor: ``debtor`` owes ``creditor``."""

    member: str
    id: str
    debtor: str
    creditor: str
    amount: int  # fen
    due: str | None
    salt: str

    def wire(self) -> dict[str, Any]:
        """What the submitter sends (the member is the message's sender)."""
        return {
            "id": self.id,
            "debtor": self.debtor,
            "creditor": self.creditor,
            "amount": self.amount,
            "due": self.due,
            "salt": self.salt,
        }

    def leaf(self) -> bytes:
        return merkle.leaf_hash(LINE_TAG + canonicalize({"member": self.member, **self.wire()}))

    @classmethod
    def from_wire(cls, member: str, data: object) -> Line:
        """Check one submitted line; raises ``ClearingError`` (``line_invalid``)."""
        if not isinstance(data, Mapping) or set(data) != {
            "id",
            "debtor",
            "creditor",
            "amount",
            "due",
            "salt",
        }:
            raise _bad("line_invalid", "提交的债务行格式无效。", "A submitted line is malformed.")
        lid, debtor, creditor = data["id"], data["debtor"], data["creditor"]
        amount, due, salt = data["amount"], data["due"], data["salt"]
        ok = (
            isinstance(lid, str)
            and bool(_HEX32.fullmatch(lid))
            and isinstance(salt, str)
            and bool(_HEX32.fullmatch(salt))
            and isinstance(debtor, str)
            and bool(_CODE.fullmatch(debtor))
            and isinstance(creditor, str)
            and bool(_CODE.fullmatch(creditor))
            and debtor != creditor
            and isinstance(amount, int)
            and not isinstance(amount, bool)
            and 0 < amount <= MAX_FEN
            and (due is None or (isinstance(due, str) and _valid_date(due)))
        )
        if not ok:
            raise _bad(
                "line_invalid",
                "提交的债务行无效（编号、信用代码、以分计的正整数金额、日期或盐值）。",
                "A submitted line is invalid (id, credit codes, a positive amount in fen, "
                "the date or the salt).",
            )
        return cls(member, lid, debtor, creditor, amount, due, salt)


def _valid_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def lines_digest(lines: Sequence[Line]) -> str:
    """SHA-256 of the canonical list of one submission's lines (sorted by id): the submitter
    states it, the runner recomputes it, a mismatch is refused."""
    ordered = sorted(lines, key=lambda x: x.id)
    return hashlib.sha256(canonicalize([x.wire() for x in ordered])).hexdigest()


def setoff_leaf(line_leaf: bytes, setoff: int, remaining: int) -> bytes:
    body = {"line": line_leaf.hex(), "setoff": setoff, "remaining": remaining}
    return merkle.leaf_hash(SETOFF_TAG + canonicalize(body))


def result_digest(round_id: str, input_root: str, result_root: str, size: int) -> str:
    body = {
        "v": VERSION,
        "round": round_id,
        "input_root": input_root,
        "result_root": result_root,
        "size": size,
    }
    return hashlib.sha256(canonicalize(body)).hexdigest()


@dataclass(frozen=True)
class Placed:
    """One line's place in the signed result."""

    line: Line
    index: int
    setoff: int
    remaining: int
    input_proof: tuple[str, ...]
    result_proof: tuple[str, ...]

    def wire(self) -> dict[str, Any]:
        return {
            "id": self.line.id,
            "index": self.index,
            "setoff": self.setoff,
            "remaining": self.remaining,
            "input_proof": list(self.input_proof),
            "result_proof": list(self.result_proof),
        }


@dataclass(frozen=True)
class Commitment:
    round_id: str
    input_root: str
    result_root: str
    size: int
    placed: tuple[Placed, ...]

    @property
    def result_digest(self) -> str:
        return result_digest(self.round_id, self.input_root, self.result_root, self.size)

    def for_member(self, member: str) -> dict[str, Any]:
        """The signed result's body for ``member``: the roots and only its own lines."""
        return {
            "round_id": self.round_id,
            "input_root": self.input_root,
            "result_root": self.result_root,
            "size": self.size,
            "result_digest": self.result_digest,
            "lines": [p.wire() for p in self.placed if p.line.member == member],
        }


def commit(round_id: str, lines: Sequence[Line], setoff: Mapping[bytes, int]) -> Commitment:
    """Both trees over ``lines`` (ordered by leaf) with ``setoff`` (by line leaf, in fen)."""
    if not lines:
        raise _bad("no_lines", "本轮没有任何债务行。", "The round has no lines.")
    ordered = sorted(((x.leaf(), x) for x in lines), key=lambda p: p[0])
    leaves = [leaf for leaf, _ in ordered]
    if len(set(leaves)) != len(leaves):
        raise _bad("line_duplicate", "有重复的债务行。", "A line was submitted twice.")
    results = []
    for leaf, x in ordered:
        s = int(setoff.get(leaf, 0))
        if not 0 <= s <= x.amount:
            raise _bad("setoff_invalid", "抵销金额超出债务金额。", "A set-off exceeds its line.")
        results.append((s, x.amount - s))
    input_tree = merkle.DenseTree(leaves)
    result_tree = merkle.DenseTree(
        setoff_leaf(leaf, s, r) for leaf, (s, r) in zip(leaves, results, strict=True)
    )
    size = len(leaves)
    placed = tuple(
        Placed(
            x,
            i,
            s,
            r,
            tuple(h.hex() for h in merkle.inclusion_proof(i, size, input_tree)),
            tuple(h.hex() for h in merkle.inclusion_proof(i, size, result_tree)),
        )
        for i, ((_leaf, x), (s, r)) in enumerate(zip(ordered, results, strict=True))
    )
    return Commitment(round_id, input_tree.root().hex(), result_tree.root().hex(), size, placed)


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _hex_list(value: object) -> list[bytes]:
    if not isinstance(value, list) or not all(
        isinstance(h, str) and _HEX64.fullmatch(h) for h in value
    ):
        raise _bad("result_malformed", "结果消息格式无效。", "The result message is malformed.")
    return [bytes.fromhex(h) for h in value]


def verify_own(round_id: str, body: Mapping[str, Any], own: Sequence[Line]) -> list[Placed]:
    """A participant's check of a signed result: the digest is that of the stated roots;
    every line it submitted (and no other) is there, its leaf is in the input tree and its
    set-off leaf in the result tree. Returns the placed lines; raises ``ClearingError``."""
    input_root, result_root = body.get("input_root"), body.get("result_root")
    size, lines = body.get("size"), body.get("lines")
    if (
        body.get("round_id") != round_id
        or not isinstance(input_root, str)
        or not _HEX64.fullmatch(input_root)
        or not isinstance(result_root, str)
        or not _HEX64.fullmatch(result_root)
        or not isinstance(size, int)
        or isinstance(size, bool)
        or size < 1
        or not isinstance(lines, list)
    ):
        raise _bad("result_malformed", "结果消息格式无效。", "The result message is malformed.")
    if body.get("result_digest") != result_digest(round_id, input_root, result_root, size):
        raise _bad(
            "digest_mismatch",
            "结果摘要与所列的根哈希不符。",
            "The result digest does not match the stated roots.",
        )
    mine = {x.id: x for x in own}
    seen: dict[str, Placed] = {}
    for item in lines:
        if not isinstance(item, Mapping) or item.get("id") not in mine or item["id"] in seen:
            raise _bad(
                "proof_invalid",
                "结果中有不属于本机构提交的债务行。",
                "The result lists a line this member did not submit.",
            )
        x = mine[item["id"]]
        index, setoff, remaining = item.get("index"), item.get("setoff"), item.get("remaining")
        if not (_count(index) and _count(setoff) and _count(remaining)):
            raise _bad("result_malformed", "结果消息格式无效。", "The result message is malformed.")
        assert isinstance(index, int)
        assert isinstance(setoff, int)
        assert isinstance(remaining, int)
        if not (0 <= setoff <= x.amount and remaining == x.amount - setoff):
            raise _bad(
                "proof_invalid",
                "抵销金额与提交的债务金额不符。",
                "A set-off does not fit the submitted amount.",
            )
        in_proof = _hex_list(item.get("input_proof"))
        out_proof = _hex_list(item.get("result_proof"))
        leaf = x.leaf()
        try:
            merkle.verify_inclusion(leaf, index, size, in_proof, bytes.fromhex(input_root))
            merkle.verify_inclusion(
                setoff_leaf(leaf, setoff, remaining),
                index,
                size,
                out_proof,
                bytes.fromhex(result_root),
            )
        except LedgerError as exc:
            raise _bad(
                "proof_invalid",
                "包含证明不成立：本机构的债务行或抵销结果不在签名的结果中。",
                "An inclusion proof failed: a line or its set-off is not in the signed result.",
            ) from exc
        seen[x.id] = Placed(
            x, index, setoff, remaining, tuple(h.hex() for h in in_proof),
            tuple(h.hex() for h in out_proof),
        )  # fmt: skip
    if set(seen) != set(mine):
        raise _bad(
            "proof_invalid",
            "结果中缺少本机构提交的债务行。",
            "The result leaves out a line this member submitted.",
        )
    return [seen[x.id] for x in own]
