"""C2SP tlog-checkpoint: the signed tree head, its log signature and witness cosignatures.

The checkpoint body is the note text::

    <origin>
    <tree size, decimal, no leading zeros>
    <base64 root hash>
    [extension lines, each non-empty]

signed by the log's Ed25519 note key (key name = origin) and, optionally, cosigned by
witnesses with tlog-cosignature/v1 keys after they have checked consistency.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from qingqian.ledger.errors import LedgerError
from qingqian.ledger.merkle import EMPTY_ROOT, HASH_SIZE, verify_consistency
from qingqian.ledger.note import (
    SIG_COSIGNATURE_V1,
    SIG_ED25519,
    Note,
    NoteSignature,
    SignerKey,
    VerifiedSignature,
    VerifierKey,
    check_note_text,
    parse_note,
    sign_text,
    verify_note,
)

_SIZE = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str) or not self.origin or "\n" in self.origin:
            raise _bad("the origin line must be non-empty", {})
        if not isinstance(self.size, int) or isinstance(self.size, bool) or self.size < 0:
            raise _bad("the tree size must be a non-negative integer", {})
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise _bad("the root hash must be 32 bytes", {})
        if self.size == 0 and self.root_hash != EMPTY_ROOT:
            raise _bad("an empty tree has the empty root", {})
        for number, line in enumerate(self.extensions):
            if not isinstance(line, str) or not line or "\n" in line:
                raise _bad("extension lines must be non-empty single lines", {"line": number})
        check_note_text(self.body())

    def body(self) -> str:
        root = base64.b64encode(self.root_hash).decode()
        return "".join(
            f"{line}\n" for line in (self.origin, str(self.size), root, *self.extensions)
        )


def origin_for_url(public_url: str, path: str = "tlog") -> str:
    """The log origin for a deployment at ``public_url``: the schema-less URL prefix under
    which the tiles are served (C2SP tlog-tiles), e.g. ``https://qq.example/`` gives
    ``qq.example/tlog``."""
    rest = public_url.strip().split("://", 1)[-1].strip("/")
    if not rest or any(ch.isspace() or ch == "+" for ch in rest):
        raise _bad("the public URL does not give a valid origin", {"url": public_url})
    return f"{rest}/{path.strip('/')}"


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint body (the note text, signatures already split off)."""
    check_note_text(text)
    lines = text.split("\n")[:-1]
    if len(lines) < 3:
        raise _bad("a checkpoint has at least three lines", {"lines": len(lines)})
    origin, size_text, root_text, *extensions = lines
    if not _SIZE.fullmatch(size_text):
        raise _bad("the tree size is not a canonical decimal", {"size": size_text})
    try:
        root = base64.b64decode(root_text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise _bad("the root hash is not base64", {}) from exc
    if base64.b64encode(root).decode() != root_text:
        raise _bad("the root hash is not canonical base64", {})
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, log_key: SignerKey) -> Note:
    """The log's signed checkpoint note (key name should equal the origin)."""
    if log_key.sig_type != SIG_ED25519:
        raise _bad("the log signs with an Ed25519 note key (type 0x01)", {})
    if log_key.name != checkpoint.origin:
        raise _bad(
            "the log key name must equal the origin",
            {"origin": checkpoint.origin, "key": log_key.name},
        )
    body = checkpoint.body()
    return Note(body, (sign_text(body, log_key),))


@dataclass(frozen=True)
class OpenedCheckpoint:
    checkpoint: Checkpoint
    note: Note
    cosignatures: tuple[VerifiedSignature, ...]
    key: VerifierKey  # the log key that signed it

    @property
    def witnesses(self) -> tuple[str, ...]:
        return tuple(c.key.name for c in self.cosignatures)


def open_checkpoint(
    data: str | bytes | Note,
    log_key: VerifierKey,
    witnesses: Sequence[VerifierKey] = (),
    *,
    quorum: int = 0,
) -> OpenedCheckpoint:
    """Verify a checkpoint note: the log's signature is required, the origin must equal the
    log key's name, cosignatures from configured witnesses are checked (unknown ones are
    ignored) and at least ``quorum`` distinct witnesses must have cosigned."""
    note = data if isinstance(data, Note) else parse_note(data)
    if log_key.sig_type != SIG_ED25519:
        raise _bad("the log key must be an Ed25519 note key (type 0x01)", {})
    if any(w.sig_type != SIG_COSIGNATURE_V1 for w in witnesses):
        raise _bad("witness keys must be cosignature keys (type 0x04)", {})
    verified = verify_note(note, [log_key, *witnesses])
    if not any(v.key == log_key for v in verified):
        raise LedgerError(
            "signature_missing",
            "检查点缺少日志本身的签名。",
            "The checkpoint is not signed by the log.",
            {"log": log_key.name},
        )
    checkpoint = parse_checkpoint(note.text)
    if checkpoint.origin != log_key.name:
        raise LedgerError(
            "origin_mismatch",
            "检查点的来源与日志密钥名称不一致。",
            "The checkpoint origin does not match the log key name.",
            {"origin": checkpoint.origin, "log": log_key.name},
        )
    cosignatures = tuple(v for v in verified if v.key in witnesses)
    if len({c.key.name for c in cosignatures}) < quorum:
        raise LedgerError(
            "quorum_not_met",
            f"见证人联署不足：需要 {quorum} 个。",
            f"Not enough witness cosignatures: {quorum} required.",
            {"required": quorum, "cosigned_by": [c.key.name for c in cosignatures]},
        )
    return OpenedCheckpoint(checkpoint, note, cosignatures, log_key)


def witness_cosign(
    *,
    note: str | bytes | Note,
    log_key: VerifierKey,
    witness_key: SignerKey,
    previous: Checkpoint | None,
    consistency: Sequence[bytes],
    timestamp: int,
) -> NoteSignature:
    """What a witness does: verify the log's signature, check that the new checkpoint is
    consistent with the ``previous`` one it cosigned (``None`` for the first time), then
    cosign at ``timestamp`` (POSIX seconds, supplied by the caller)."""
    if witness_key.sig_type != SIG_COSIGNATURE_V1:
        raise _bad("a witness cosigns with a type 0x04 key", {})
    opened = open_checkpoint(note, log_key)
    current = opened.checkpoint
    if previous is not None:
        if previous.origin != current.origin:
            raise LedgerError(
                "origin_mismatch",
                "新旧检查点属于不同的日志。",
                "The two checkpoints belong to different logs.",
                {"previous": previous.origin, "current": current.origin},
            )
        if previous.size > 0:
            verify_consistency(
                previous.size, current.size, previous.root_hash, current.root_hash, consistency
            )
        elif consistency:
            raise LedgerError(
                "proof_length",
                "从空树出发不需要一致性证明。",
                "No consistency proof is needed from the empty tree.",
                {"got": len(consistency)},
            )
    return sign_text(opened.note.text, witness_key, timestamp=timestamp)


# --------------------------------------------------------------------------- key rotation
#
# The log announces its next signing key in a checkpoint signed by the key in force: one
# extension line ``qingqian/log-key-rotation/v1 <new verifier key> <from size>``. Every
# checkpoint of a tree size at or above ``from size`` (always above the announcing one's)
# is signed by the new key. A verifier pins the first key and follows the announcements;
# a checkpoint signed by a key no announcement named is refused (``key_unannounced``).

ROTATION_PREFIX = "qingqian/log-key-rotation/v1"


def rotation_line(new_key: VerifierKey, from_size: int) -> str:
    """The extension line announcing ``new_key`` for checkpoints from ``from_size`` on."""
    return f"{ROTATION_PREFIX} {new_key.encode()} {from_size}"


def announced_key(checkpoint: Checkpoint) -> tuple[VerifierKey, int] | None:
    """The key ``checkpoint`` announces and the tree size it signs from, if it announces one."""
    lines = [e for e in checkpoint.extensions if e.split(" ", 1)[0] == ROTATION_PREFIX]
    if not lines:
        return None
    parts = lines[0].split(" ")
    if len(lines) > 1 or len(parts) != 3 or not _SIZE.fullmatch(parts[2]):
        raise _bad("the key rotation line is malformed", {"size": checkpoint.size})
    key = VerifierKey.parse(parts[1])
    from_size = int(parts[2])
    if key.sig_type != SIG_ED25519 or key.name != checkpoint.origin:
        raise _bad("the announced key is not an Ed25519 key of this log", {})
    if from_size <= checkpoint.size:
        raise _bad("a new key signs only checkpoints after its announcement", {})
    return key, from_size


@dataclass(frozen=True)
class KeyChain:
    """The log's keys in order: ``(from size, key)``, the first from 0 (the pinned key)."""

    keys: tuple[tuple[int, VerifierKey], ...]

    def key_for(self, size: int) -> VerifierKey:
        """The key that signs a checkpoint of ``size``."""
        chosen = self.keys[0][1]
        for start, key in self.keys:
            if start <= size:
                chosen = key
        return chosen

    @property
    def current(self) -> VerifierKey:
        return self.keys[-1][1]

    def __contains__(self, key: object) -> bool:
        return any(key == k for _, k in self.keys)


def follow_keys(first: VerifierKey, announcements: Sequence[str | bytes | Note]) -> KeyChain:
    """The chain of keys from the pinned ``first``: each announcement (in tree-size order)
    must be signed by the key in force at its size and announce a key after the last one's
    start; anything else is refused (``key_unannounced`` or ``checkpoint_invalid``). When
    ``first`` is itself an announced key, the chain starts where it was announced."""
    notes = [a if isinstance(a, Note) else parse_note(a) for a in announcements]
    ordered = sorted(((parse_checkpoint(n.text).size, n) for n in notes), key=lambda t: t[0])
    # A verifier who pinned a later key (fetched after a rotation) trusts it from where it
    # was announced on; checkpoints before that cannot be verified under that pin.
    start = 0
    for n, (_, note) in enumerate(ordered):
        found = announced_key(parse_checkpoint(note.text))
        if found is not None and found[0] == first:
            start, ordered = found[1], ordered[n + 1 :]
            break
    chain = KeyChain(((start, first),))
    for size, note in ordered:
        if size < chain.keys[-1][0]:
            raise _unannounced(size, chain.key_for(size))
        opened = open_in_chain(note, chain)
        found = announced_key(opened.checkpoint)
        if found is None:
            raise _bad("not a key announcement", {"size": size})
        chain = KeyChain((*chain.keys, (found[1], found[0])))
    return chain


def open_in_chain(
    data: str | bytes | Note,
    chain: KeyChain,
    witnesses: Sequence[VerifierKey] = (),
    *,
    quorum: int = 0,
) -> OpenedCheckpoint:
    """:func:`open_checkpoint` under the key the chain says signs a checkpoint of its size.
    Not signed by that key (say, a key swapped in without an announcement): ``key_unannounced``."""
    note = data if isinstance(data, Note) else parse_note(data)
    size = parse_checkpoint(note.text).size
    key = chain.key_for(size)
    try:
        return open_checkpoint(note, key, witnesses, quorum=quorum)
    except LedgerError as exc:
        if exc.code == "signature_missing":
            raise _unannounced(size, key) from exc
        raise


def _unannounced(size: int, expected: VerifierKey) -> LedgerError:
    return LedgerError(
        "key_unannounced",
        "检查点不是由应有的日志密钥签名的：密钥更换未经上一密钥在检查点中公告。",
        "The checkpoint is not signed by the log key in force: the key was changed without "
        "an announcement signed by the previous key.",
        {"size": size, "expected_key_id": expected.key_id.hex()},
    )


def _bad(reason: str, details: dict[str, object]) -> LedgerError:
    return LedgerError(
        "checkpoint_invalid",
        "检查点格式或内容不正确。",
        f"Invalid checkpoint: {reason}.",
        {"reason": reason, **details},
    )
