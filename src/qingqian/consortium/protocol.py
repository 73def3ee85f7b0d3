"""The consortium's wire format: signed messages and the signed member list (pure kernel).

Both are C2SP signed notes (``qingqian.ledger.note``) under Ed25519 keys, so a member's key
is handled exactly like the log's. A **message** is one line of RFC 8785 canonical JSON
(``kind``, ``from``, ``to``, ``nonce``, ``at`` and a ``body``) signed by the sender. The
**member list** is a short text document signed by the convener::

    qingqian-consortium/v1 members
    version <n>
    convener <key name>
    member <key name> <base URL> <verifier key>
    ...

No Django, no clock: the caller passes the time (POSIX seconds) in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qingqian.ledger.canonical import canonicalize
from qingqian.ledger.errors import LedgerError
from qingqian.ledger.note import (
    SIG_ED25519,
    Note,
    SignerKey,
    VerifierKey,
    parse_note,
    sign_text,
    verify_note,
)

PROTOCOL = "qingqian-consortium/v1"
MAX_SKEW_SECONDS = 300
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
_NONCE = re.compile(r"[0-9a-f]{32}")
_URL = re.compile(r"https?://[^\s]+")


class ProtocolError(Exception):
    """A message or member list that must be refused; ``code`` is machine-readable."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class Member:
    name: str
    url: str
    key: VerifierKey


@dataclass(frozen=True)
class MemberList:
    version: int
    convener: str
    members: tuple[Member, ...]
    note: str

    def find(self, name: str) -> Member | None:
        return next((m for m in self.members if m.name == name), None)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.note.encode()).hexdigest()


@dataclass(frozen=True)
class Message:
    kind: str
    sender: str
    recipient: str
    nonce: str
    at: int
    body: dict[str, Any]
    raw: str

    @property
    def digest(self) -> str:
        return message_digest(self.raw)


def message_digest(raw: str | bytes) -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- member list


def member_list_sign(*, version: int, convener: SignerKey, members: list[Member]) -> MemberList:
    """The convener's signed member list (the convener must be one of the members)."""
    if version < 1:
        raise ProtocolError("list_invalid", "成员名单版本须为正整数。", "The version must be ≥ 1.")
    if convener.sig_type != SIG_ED25519:
        raise ProtocolError(
            "key_invalid", "须使用 Ed25519 签名密钥。", "An Ed25519 key is required."
        )
    names = [m.name for m in members]
    if len(set(names)) != len(names) or convener.name not in names:
        raise ProtocolError(
            "list_invalid",
            "成员名单中名称重复，或不含召集方本身。",
            "Member names repeat, or the convener is not a member.",
        )
    lines = [f"{PROTOCOL} members", f"version {version}", f"convener {convener.name}"]
    for m in members:
        if not _URL.fullmatch(m.url):
            raise ProtocolError("list_invalid", "成员地址无效。", f"Invalid member URL: {m.url}.")
        lines.append(f"member {m.name} {m.url.rstrip('/')} {m.key.encode()}")
    text = "".join(line + "\n" for line in lines)
    note = Note(text, (sign_text(text, convener),)).encode()
    return member_list_open(note, convener.verifier())


def member_list_open(note_text: str, convener_key: VerifierKey) -> MemberList:
    """Verify the convener's signature and parse the list; raises ``ProtocolError``."""
    try:
        note = parse_note(note_text)
        verify_note(note, [convener_key])
    except LedgerError as exc:
        raise ProtocolError(
            "list_signature", "成员名单的签名无效。", "The member list's signature is invalid."
        ) from exc
    lines = note.text.split("\n")[:-1]
    if len(lines) < 4 or lines[0] != f"{PROTOCOL} members":
        raise ProtocolError("list_invalid", "不是成员名单。", "Not a consortium member list.")
    try:
        version = int(lines[1].removeprefix("version "))
    except ValueError:
        raise ProtocolError("list_invalid", "版本行无效。", "Bad version line.") from None
    convener = lines[2].removeprefix("convener ")
    members = []
    for line in lines[3:]:
        parts = line.split(" ")
        if len(parts) != 4 or parts[0] != "member":
            raise ProtocolError("list_invalid", "成员行无效。", "Bad member line.")
        try:
            key = VerifierKey.parse(parts[3])
        except LedgerError as exc:
            raise ProtocolError("list_invalid", "成员密钥无效。", "Bad member key.") from exc
        if key.name != parts[1] or key.sig_type != SIG_ED25519:
            raise ProtocolError("list_invalid", "成员密钥名称不符。", "Member key name mismatch.")
        members.append(Member(parts[1], parts[2], key))
    if convener != convener_key.name or not any(m.key == convener_key for m in members):
        raise ProtocolError(
            "list_invalid", "召集方不在名单中。", "The convener is not on its own list."
        )
    return MemberList(version, convener, tuple(members), note_text)


# --------------------------------------------------------------------------- messages


def message_sign(
    signer: SignerKey,
    *,
    kind: str,
    recipient: str,
    nonce: str,
    at: int,
    body: Mapping[str, Any],
) -> str:
    """A signed message from ``signer`` to ``recipient`` (a note: one JSON line, signature)."""
    if not _NONCE.fullmatch(nonce):
        raise ProtocolError("nonce_invalid", "随机数格式无效。", "The nonce must be 32 hex digits.")
    envelope = {
        "v": PROTOCOL,
        "kind": kind,
        "from": signer.name,
        "to": recipient,
        "nonce": nonce,
        "at": at,
        "body": dict(body),
    }
    text = canonicalize(envelope).decode() + "\n"
    return Note(text, (sign_text(text, signer),)).encode()


def message_open(
    raw: str | bytes,
    members: MemberList,
    *,
    recipient: str,
    now: int,
    kind: str | None = None,
) -> Message:
    """Check a message: a known member signed it, for ``recipient``, within the time
    window, of the expected ``kind``. Replays are the caller's to refuse (by nonce)."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ProtocolError("message_too_large", "消息过大。", "The message is too large.")
    try:
        note = parse_note(raw)
        envelope = json.loads(note.text)
    except (LedgerError, ValueError) as exc:
        raise ProtocolError("message_malformed", "消息格式无效。", "Malformed message.") from exc
    if not isinstance(envelope, dict) or envelope.get("v") != PROTOCOL:
        raise ProtocolError("message_malformed", "消息格式无效。", "Malformed message.")
    sender = members.find(str(envelope.get("from", "")))
    if sender is None:
        raise ProtocolError("unknown_member", "发送方不是成员。", "The sender is not a member.")
    try:
        verify_note(note, [sender.key])
    except LedgerError as exc:
        raise ProtocolError(
            "signature_invalid", "消息签名无效。", "The message signature is invalid."
        ) from exc
    if envelope.get("to") != recipient:
        raise ProtocolError("wrong_recipient", "消息不是发给本成员的。", "Not addressed to us.")
    at = envelope.get("at")
    if not isinstance(at, int) or abs(now - at) > MAX_SKEW_SECONDS:
        raise ProtocolError("message_stale", "消息时间超出允许范围。", "The message is stale.")
    nonce = envelope.get("nonce")
    if not isinstance(nonce, str) or not _NONCE.fullmatch(nonce):
        raise ProtocolError("nonce_invalid", "随机数格式无效。", "Invalid nonce.")
    if kind is not None and envelope.get("kind") != kind:
        raise ProtocolError("wrong_kind", "消息类型不符。", "Unexpected message kind.")
    body = envelope.get("body")
    if not isinstance(body, dict):
        raise ProtocolError("message_malformed", "消息格式无效。", "Malformed message.")
    text = raw.decode() if isinstance(raw, bytes) else raw
    return Message(str(envelope["kind"]), sender.name, recipient, nonce, at, body, text)


def posix(at: dt.datetime) -> int:
    return int(at.timestamp())
