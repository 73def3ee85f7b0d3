"""Proof documents: the JSON forms of the API and the C2SP tlog-proof text form.

JSON (base64 hashes)::

    {"leaf_index": I, "tree_size": N, "leaf_hash": "...", "root_hash": "...", "proof": [...]}
    {"old_size": M, "new_size": N, "old_root": "...", "new_root": "...", "proof": [...]}

tlog-proof (``c2sp.org/tlog-proof@v1``)::

    c2sp.org/tlog-proof@v1
    [extra <base64>]
    index <decimal>
    <base64 hash>            (zero or more, leaf sibling first)
    <empty line>
    <signed checkpoint, verbatim>

A tlog-proof is verified offline against the log's key and a witness policy; that is also
where the tree size becomes binding, since it is signed inside the checkpoint.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qingqian.ledger.checkpoint import Checkpoint, open_checkpoint
from qingqian.ledger.errors import LedgerError
from qingqian.ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from qingqian.ledger.note import VerifiedSignature, VerifierKey

TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1"
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: object, field: str) -> bytes:
    """Strict, canonical standard base64."""
    if not isinstance(text, str):
        raise _bad(field, "not a base64 string")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise _bad(field, "not valid base64") from exc
    if b64encode(raw) != text:
        raise _bad(field, "not canonical base64")
    return raw


@dataclass(frozen=True)
class InclusionProof:
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    root_hash: bytes
    proof: tuple[bytes, ...]

    def verify(self) -> None:
        verify_inclusion(
            self.leaf_hash, self.leaf_index, self.tree_size, self.proof, self.root_hash
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "leaf_hash": b64encode(self.leaf_hash),
            "root_hash": b64encode(self.root_hash),
            "proof": [b64encode(item) for item in self.proof],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InclusionProof:
        _exact_keys(data, ("leaf_index", "tree_size", "leaf_hash", "root_hash", "proof"))
        return cls(
            _count(data["leaf_index"], "leaf_index"),
            _count(data["tree_size"], "tree_size"),
            b64decode(data["leaf_hash"], "leaf_hash"),
            b64decode(data["root_hash"], "root_hash"),
            _hash_list(data["proof"]),
        )


@dataclass(frozen=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    proof: tuple[bytes, ...]

    def verify(self) -> None:
        verify_consistency(self.old_size, self.new_size, self.old_root, self.new_root, self.proof)

    def to_json(self) -> dict[str, Any]:
        return {
            "old_size": self.old_size,
            "new_size": self.new_size,
            "old_root": b64encode(self.old_root),
            "new_root": b64encode(self.new_root),
            "proof": [b64encode(item) for item in self.proof],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ConsistencyProof:
        _exact_keys(data, ("old_size", "new_size", "old_root", "new_root", "proof"))
        return cls(
            _count(data["old_size"], "old_size"),
            _count(data["new_size"], "new_size"),
            b64decode(data["old_root"], "old_root"),
            b64decode(data["new_root"], "new_root"),
            _hash_list(data["proof"]),
        )


@dataclass(frozen=True)
class TlogProof:
    """A C2SP tlog-proof: entry index, inclusion proof and the signed checkpoint note."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint: str
    extra: bytes | None = None

    def encode(self) -> str:
        lines = [TLOG_PROOF_HEADER]
        if self.extra is not None:
            lines.append(f"extra {b64encode(self.extra)}")
        lines.append(f"index {self.index}")
        lines.extend(b64encode(item) for item in self.proof)
        return "\n".join(lines) + "\n\n" + self.checkpoint


def parse_tlog_proof(data: str | bytes) -> TlogProof:
    """Parse the tlog-proof text strictly (the checkpoint is checked by the verifier)."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _bad("tlog-proof", "not valid UTF-8") from exc
    else:
        text = data
    head, separator, checkpoint = text.partition("\n\n")
    if not separator or not checkpoint:
        raise _bad("tlog-proof", "no checkpoint after an empty line")
    lines = head.split("\n")
    if lines[0] != TLOG_PROOF_HEADER:
        raise _bad("tlog-proof", f"the first line must be {TLOG_PROOF_HEADER}")
    position = 1
    extra: bytes | None = None
    if position < len(lines) and lines[position].startswith("extra "):
        extra = b64decode(lines[position][len("extra ") :], "extra")
        if not extra:
            raise _bad("extra", "empty extra data")
        position += 1
    if position >= len(lines) or not lines[position].startswith("index "):
        raise _bad("tlog-proof", "missing index line")
    index_text = lines[position][len("index ") :]
    if not _DECIMAL.fullmatch(index_text):
        raise _bad("index", "not a canonical decimal")
    proof = tuple(
        b64decode(line, f"proof[{number}]") for number, line in enumerate(lines[position + 1 :])
    )
    for number, item in enumerate(proof):
        if len(item) != 32:
            raise _bad(f"proof[{number}]", "not a 32-byte hash")
    return TlogProof(int(index_text), proof, checkpoint, extra)


@dataclass(frozen=True)
class VerifiedEntry:
    index: int
    checkpoint: Checkpoint
    cosignatures: tuple[VerifiedSignature, ...]
    extra: bytes | None


def verify_tlog_proof(
    data: str | bytes | TlogProof,
    entry: bytes,
    log_key: VerifierKey,
    witnesses: Sequence[VerifierKey] = (),
    *,
    quorum: int = 0,
) -> VerifiedEntry:
    """Verify offline that ``entry`` is in the log: checkpoint signed by the log, cosigned
    by at least ``quorum`` of ``witnesses``, and the inclusion proof leading from the
    entry's leaf hash to the signed root at the signed size. ``extra`` is not trusted."""
    proof = data if isinstance(data, TlogProof) else parse_tlog_proof(data)
    opened = open_checkpoint(proof.checkpoint, log_key, witnesses, quorum=quorum)
    checkpoint = opened.checkpoint
    if not isinstance(entry, bytes):
        raise _bad("entry", "the entry must be bytes")
    verify_inclusion(
        leaf_hash(entry), proof.index, checkpoint.size, proof.proof, checkpoint.root_hash
    )
    return VerifiedEntry(proof.index, checkpoint, opened.cosignatures, proof.extra)


# --------------------------------------------------------------------------- helpers


def _exact_keys(data: Mapping[str, Any], keys: tuple[str, ...]) -> None:
    if not isinstance(data, Mapping) or set(data) != set(keys):
        raise LedgerError(
            "proof_malformed",
            "证明 JSON 的字段不正确。",
            "The proof JSON does not have exactly the expected fields.",
            {"expected": list(keys), "got": sorted(data) if isinstance(data, Mapping) else None},
        )


def _count(value: object, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _bad(field, "not a non-negative integer")
    return value


def _hash_list(value: object) -> tuple[bytes, ...]:
    if not isinstance(value, list):
        raise _bad("proof", "not a list")
    return tuple(b64decode(item, f"proof[{number}]") for number, item in enumerate(value))


def _bad(field: str, reason: str) -> LedgerError:
    return LedgerError(
        "proof_malformed",
        f"证明格式不正确（{field}）。",
        f"Malformed proof ({field}): {reason}.",
        {"field": field, "reason": reason},
    )
