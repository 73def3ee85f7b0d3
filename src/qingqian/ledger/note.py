"""C2SP signed notes with Ed25519 signatures and tlog-cosignature/v1 witness cosignatures.

A signed note is UTF-8 text ending in a newline, a blank line, then one or more lines
``— <key name> base64(key ID || signature)``. The key ID is the first four bytes of
``SHA-256(name || 0x0A || type || public key)``; type ``0x01`` is Ed25519 over the note
text, type ``0x04`` is a timestamped Ed25519 cosignature over
``"cosignature/v1\\ntime <t>\\n" || text`` whose signature bytes are ``uint64 t || sig``.

Keys travel as strings: verifier keys ``<name>+<hex key ID>+base64(type || public key)``
and signer keys ``PRIVATE+KEY+<name>+<hex key ID>+base64(type || seed)``.

Only ``cryptography`` and the standard library are used.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from qingqian.ledger.errors import LedgerError

SIG_ED25519 = 0x01
SIG_COSIGNATURE_V1 = 0x04
SIGNATURE_TYPES = (SIG_ED25519, SIG_COSIGNATURE_V1)
MAX_SIGNATURES = 64  # the spec asks verifiers to accept at least 16
MAX_TIMESTAMP = (1 << 63) - 1
EM_DASH = "\u2014"
COSIGNATURE_HEADER = "cosignature/v1\n"
_PRIVATE_PREFIX = "PRIVATE+KEY+"


def key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    """``SHA-256(name || 0x0A || type || public key)[:4]``."""
    check_key_name(name)
    return hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()[:4]


def check_key_name(name: object) -> None:
    """Key names are non-empty, with no Unicode space, no ``+`` and no control character."""
    if (
        not isinstance(name, str)
        or not name
        or any(ch.isspace() or ch == "+" or ord(ch) < 0x20 for ch in name)
    ):
        raise LedgerError(
            "key_name_invalid",
            "密钥名称不能为空，且不能含空白字符或加号。",
            "A key name must be non-empty, without spaces or '+'.",
            {"name": repr(name)},
        )
    _check_utf8(name, "name")


@dataclass(frozen=True)
class VerifierKey:
    """A public key that checks note signatures (type 0x01) or cosignatures (type 0x04)."""

    name: str
    sig_type: int
    public_key: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if self.sig_type not in SIGNATURE_TYPES:
            raise _bad_key("unsupported signature type", {"type": self.sig_type})
        if not isinstance(self.public_key, bytes) or len(self.public_key) != 32:
            raise _bad_key("an Ed25519 public key is 32 bytes", {})

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.sig_type, self.public_key)

    def encode(self) -> str:
        material = base64.b64encode(bytes([self.sig_type]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{material}"

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        """Parse ``<name>+<hex key ID>+<base64(type || key)>``; the ID must match."""
        if not isinstance(text, str):
            raise _bad_key("not a string", {})
        parts = text.split("+", 2)
        if len(parts) != 3:
            raise _bad_key("expected name+id+key", {})
        name, hex_id, material = parts
        raw = _b64decode(material, "verifier key")
        if len(raw) != 33:
            raise _bad_key("wrong key length", {"length": len(raw)})
        key = cls(name, raw[0], raw[1:])
        _check_hex_id(hex_id, key.key_id)
        _load_public(key.public_key)
        return key

    def verify_raw(self, signature: bytes, message: bytes) -> bool:
        try:
            _load_public(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class SignerKey:
    """An Ed25519 private key (its 32-byte seed) with its key name and signature type."""

    name: str
    sig_type: int
    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if self.sig_type not in SIGNATURE_TYPES:
            raise _bad_key("unsupported signature type", {"type": self.sig_type})
        if not isinstance(self.seed, bytes) or len(self.seed) != 32:
            raise _bad_key("an Ed25519 seed is 32 bytes", {})

    @property
    def public_key(self) -> bytes:
        return _private(self.seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def verifier(self) -> VerifierKey:
        return VerifierKey(self.name, self.sig_type, self.public_key)

    def encode(self) -> str:
        """``PRIVATE+KEY+<name>+<hex key ID>+base64(type || seed)`` (keep it secret)."""
        material = base64.b64encode(bytes([self.sig_type]) + self.seed).decode()
        return f"{_PRIVATE_PREFIX}{self.name}+{self.verifier().key_id.hex()}+{material}"

    @classmethod
    def parse(cls, text: str) -> SignerKey:
        if not isinstance(text, str) or not text.startswith(_PRIVATE_PREFIX):
            raise _bad_key("a signer key starts with PRIVATE+KEY+", {})
        parts = text[len(_PRIVATE_PREFIX) :].split("+", 2)
        if len(parts) != 3:
            raise _bad_key("expected PRIVATE+KEY+name+id+key", {})
        name, hex_id, material = parts
        raw = _b64decode(material, "signer key")
        if len(raw) != 33:
            raise _bad_key("wrong key length", {"length": len(raw)})
        key = cls(name, raw[0], raw[1:])
        _check_hex_id(hex_id, key.verifier().key_id)
        return key

    def sign_raw(self, message: bytes) -> bytes:
        return _private(self.seed).sign(message)


def generate_signer(name: str, sig_type: int = SIG_ED25519) -> SignerKey:
    """A fresh Ed25519 key from the operating system's random source."""
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    return SignerKey(name, sig_type, seed)


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        blob = base64.b64encode(self.key_id + self.signature).decode()
        return f"{EM_DASH} {self.name} {blob}\n"


@dataclass(frozen=True)
class Note:
    """Note text (ending in a newline) and its signatures."""

    text: str
    signatures: tuple[NoteSignature, ...] = ()

    def encode(self) -> str:
        check_note_text(self.text)
        if not self.signatures:
            raise _bad_note("a signed note needs at least one signature", {})
        return self.text + "\n" + "".join(s.line() for s in self.signatures)

    def with_signatures(self, *signatures: NoteSignature) -> Note:
        return Note(self.text, (*self.signatures, *signatures))


@dataclass(frozen=True)
class VerifiedSignature:
    """A signature line that verified under ``key``; ``timestamp`` for cosignatures."""

    key: VerifierKey
    timestamp: int | None


def check_note_text(text: object) -> None:
    """Note text: UTF-8, ends with a newline, no control character other than newline."""
    if not isinstance(text, str) or not text.endswith("\n"):
        raise _bad_note("the text must end with a newline", {})
    _check_utf8(text, "text")
    for position, ch in enumerate(text):
        if ord(ch) < 0x20 and ch != "\n":
            raise _bad_note("control character in text", {"position": position})


def cosigned_message(text: str, timestamp: int) -> bytes:
    """What a tlog-cosignature/v1 signs: header line, time line, then the note text."""
    check_note_text(text)
    _check_timestamp(timestamp)
    return f"{COSIGNATURE_HEADER}time {timestamp}\n{text}".encode()


def sign_text(text: str, signer: SignerKey, *, timestamp: int | None = None) -> NoteSignature:
    """One signature line over ``text``: Ed25519 for type 0x01 signers; for type 0x04
    (witness) signers a cosignature at ``timestamp`` (POSIX seconds, passed in)."""
    check_note_text(text)
    kid = signer.verifier().key_id
    if signer.sig_type == SIG_ED25519:
        if timestamp is not None:
            raise _bad_key("a timestamp is only for cosignatures", {})
        return NoteSignature(signer.name, kid, signer.sign_raw(text.encode()))
    if timestamp is None:
        raise _bad_key("a cosignature needs a timestamp", {})
    body = signer.sign_raw(cosigned_message(text, timestamp))
    return NoteSignature(signer.name, kid, timestamp.to_bytes(8, "big") + body)


def sign_note(text: str, signers: Sequence[SignerKey]) -> Note:
    """Sign ``text`` with Ed25519 note signers (type 0x01)."""
    return Note(text, tuple(sign_text(text, signer) for signer in signers))


def parse_note(data: str | bytes) -> Note:
    """Parse a signed note strictly; raises ``LedgerError('note_malformed')``."""
    if isinstance(data, bytes):
        try:
            message = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _bad_note("not valid UTF-8", {"offset": exc.start}) from exc
    elif isinstance(data, str):
        message = data
    else:
        raise _bad_note("a note is text", {})
    check_note_text(message)
    split = message.rfind("\n\n")
    if split < 0:
        raise _bad_note("no blank line before the signatures", {})
    text, block = message[: split + 1], message[split + 2 :]
    lines = block.split("\n")[:-1]  # block ends with a newline (checked above)
    if not lines:
        raise _bad_note("no signature lines", {})
    if len(lines) > MAX_SIGNATURES:
        raise _bad_note("too many signatures", {"signatures": len(lines)})
    signatures: list[NoteSignature] = []
    seen: set[tuple[str, bytes]] = set()
    for number, line in enumerate(lines):
        prefix = EM_DASH + " "
        pieces = line[len(prefix) :].split(" ") if line.startswith(prefix) else []
        if len(pieces) != 2:
            raise _bad_note("bad signature line", {"line": number})
        name, blob = pieces
        try:
            check_key_name(name)
        except LedgerError as exc:
            raise _bad_note("bad key name in signature line", {"line": number}) from exc
        raw = _b64decode(blob, "signature", code="note_malformed")
        if len(raw) < 5:
            raise _bad_note("signature too short", {"line": number})
        signature = NoteSignature(name, raw[:4], raw[4:])
        if (name, signature.key_id) in seen:
            raise _bad_note("the same key signed twice", {"line": number, "name": name})
        seen.add((name, signature.key_id))
        signatures.append(signature)
    return Note(text, tuple(signatures))


def verify_note(note: Note, verifiers: Sequence[VerifierKey]) -> list[VerifiedSignature]:
    """Check every signature from a known key; ignore unknown keys.

    Raises if a known key's signature fails (the whole note is rejected) or if no known key
    signed. Returns the verified signatures in note order.
    """
    check_note_text(note.text)
    known: dict[tuple[str, bytes], VerifierKey] = {}
    for configured in verifiers:
        slot = (configured.name, configured.key_id)
        if slot in known and known[slot] != configured:
            raise _bad_key("two configured keys share a name and key ID", {"name": configured.name})
        known[slot] = configured
    verified: list[VerifiedSignature] = []
    for signature in note.signatures:
        key = known.get((signature.name, signature.key_id))
        if key is None:
            continue
        timestamp = _verify_one(note.text, signature, key)
        verified.append(VerifiedSignature(key, timestamp))
    if not verified:
        raise LedgerError(
            "signature_missing",
            "没有任何受信任密钥的有效签名。",
            "The note carries no signature from a trusted key.",
            {"signers": [s.name for s in note.signatures]},
        )
    return verified


def _verify_one(text: str, signature: NoteSignature, key: VerifierKey) -> int | None:
    failure = LedgerError(
        "signature_invalid",
        f"签名无效：{signature.name}。",
        f"Invalid signature by {signature.name}.",
        {"name": signature.name, "key_id": signature.key_id.hex()},
    )
    if key.sig_type == SIG_ED25519:
        if len(signature.signature) != 64 or not key.verify_raw(signature.signature, text.encode()):
            raise failure
        return None
    if len(signature.signature) != 72:
        raise failure
    timestamp = int.from_bytes(signature.signature[:8], "big")
    if timestamp > MAX_TIMESTAMP:
        raise failure
    if not key.verify_raw(signature.signature[8:], cosigned_message(text, timestamp)):
        raise failure
    return timestamp


# --------------------------------------------------------------------------- helpers


@lru_cache(maxsize=64)
def _private(seed: bytes) -> Ed25519PrivateKey:
    """The key object of a seed, loaded once (signing a checkpoint per commit reloaded it
    every time)."""
    return Ed25519PrivateKey.from_private_bytes(seed)


def _load_public(raw: bytes) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise _bad_key("not an Ed25519 public key", {}) from exc


def _check_hex_id(hex_id: str, expected: bytes) -> None:
    if len(hex_id) != 8 or any(ch not in "0123456789abcdefABCDEF" for ch in hex_id):
        raise _bad_key("the key ID is 8 hex digits", {"key_id": hex_id})
    if bytes.fromhex(hex_id) != expected:
        raise _bad_key(
            "the key ID does not match the key", {"key_id": hex_id, "expected": expected.hex()}
        )


def _check_timestamp(timestamp: object) -> None:
    if (
        not isinstance(timestamp, int)
        or isinstance(timestamp, bool)
        or not 0 <= timestamp <= MAX_TIMESTAMP
    ):
        raise LedgerError(
            "timestamp_invalid",
            "时间戳必须是 0 到 2^63-1 之间的整数秒。",
            "A timestamp must be whole POSIX seconds between 0 and 2^63-1.",
            {"timestamp": repr(timestamp)},
        )


def _check_utf8(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _bad_note(f"{what} is not valid Unicode", {"offset": exc.start}) from exc


def _b64decode(text: str, what: str, *, code: str = "key_invalid") -> bytes:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise LedgerError(
            code, f"{what} 不是有效的 base64。", f"The {what} is not valid base64.", {}
        ) from exc
    if base64.b64encode(raw).decode() != text:
        raise LedgerError(
            code, f"{what} 的 base64 不规范。", f"The {what} is not canonical base64.", {}
        )
    return raw


def _bad_key(reason: str, details: dict[str, object]) -> LedgerError:
    return LedgerError(
        "key_invalid",
        "密钥格式或内容不正确。",
        f"Invalid key: {reason}.",
        {"reason": reason, **details},
    )


def _bad_note(reason: str, details: dict[str, object]) -> LedgerError:
    return LedgerError(
        "note_malformed",
        "签名注记格式不正确。",
        f"Malformed signed note: {reason}.",
        {"reason": reason, **details},
    )
