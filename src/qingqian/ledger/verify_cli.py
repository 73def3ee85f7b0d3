"""``qingqian-verify PACKAGE.zip``: check a Qingqian evidence package offline.

Standalone: the standard library, ``cryptography`` and the pure ledger kernel only (no
Django, no database; the network only for ``--log-key-url``). Prints a bilingual report item
by item.

Trust comes from the verifier, never from the package: the log key is pinned (``--log-key``,
``--log-key-file``, or ``--log-key-url`` fetched once from the checkpoint API and then kept in
the key file), and the witness keys and quorum are the verifier's own (``--witness``,
``--quorum`` or ``--policy FILE``). The package's ``log-key.txt`` and ``policy.json`` are
only compared and reported.

Exit status: 0 every check passed under a pinned log key; 1 a check failed; 2 the package or
a key/policy file cannot be read; 3 every check passed but no log key was pinned, so the
signer is unverified (anyone can make such a package with a key of their own).

Package layout (every member stored uncompressed, in a canonical zip)::

    README.txt            instructions, Chinese and English
    log-key.txt           the log's Ed25519 verifier key (compare it with the published one)
    log-keys/<size>.txt   checkpoints announcing a new log key, each signed by the key before
                          (followed from the pinned first key: docs/security.md)
    policy.json           witness keys and the quorum the exporter applied (informative only)
    checkpoint.txt        the signed checkpoint with witness cosignatures
    timestamp/checkpoint.note, timestamp/token.tsr
                          the log-signed checkpoint and its RFC 3161 TimeStampResp (DER)
    entries/<i>.json      log statements (RFC 8785); the log holds only their commitment
                          SHA-256("qingqian/statement-commitment/v1" ‖ 0x00 ‖ statement)
                          (entries/<i>.plain.json: an older entry logged in clear)
    entries/<i>.tlog-proof
                          the inclusion proof of that entry
    files/<sha256>.<ext>  evidence files, bit-exact
    provenance/<i>.json   provenance records whose salted hash is in statement <i>
    documents/<sha256>.<ext>, documents/<i>.title.txt
                          documents signed on the platform, each logged by its own entry <i>
    manifest.json         SHA-256 of every member above; manifest.sig signs it with the log key
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qingqian.ledger.canonical import parse_canonical, statement_commitment
from qingqian.ledger.checkpoint import (
    KeyChain,
    OpenedCheckpoint,
    announced_key,
    follow_keys,
    open_checkpoint,
    open_in_chain,
    parse_checkpoint,
)
from qingqian.ledger.errors import LedgerError
from qingqian.ledger.note import VerifierKey, parse_note, verify_note
from qingqian.ledger.proofs import parse_tlog_proof, verify_tlog_proof

FORMAT = "qingqian-evidence-package/v1"
MANIFEST = "manifest.json"
MANIFEST_SIG = "manifest.sig"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def build_zip(members: Mapping[str, bytes]) -> bytes:
    """The canonical container: names sorted, stored (no compression), fixed time and
    permissions. The verifier rebuilds it and demands the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            archive.writestr(info, members[name])
    return buffer.getvalue()


def manifest_note_text(manifest: bytes) -> str:
    return f"{FORMAT}\nmanifest sha256 {hashlib.sha256(manifest).hexdigest()}\n"


def salted_hash(salt: str, value: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + b"\x00" + value.encode("utf-8")).hexdigest()


EXIT_OK = 0
EXIT_FAILED = 1
EXIT_UNREADABLE = 2
EXIT_SIGNER_UNVERIFIED = 3
TIMESTAMP_NOTE = "timestamp/checkpoint.note"
TIMESTAMP_TOKEN = "timestamp/token.tsr"  # noqa: S105 (a member name)
KEYS_DIR = "log-keys/"  # checkpoints announcing a new log key
VOUCHER_DOCUMENT = "voucher.json"  # a voucher package (qingqian.ledger.voucher_format.DOCUMENT)


@dataclass(frozen=True)
class Trust:
    """What the verifier trusts, from its own side: the pinned log key (None: not pinned),
    the witness keys and quorum, and the PEM roots of time-stamping authorities."""

    log_key: VerifierKey | None = None
    witnesses: tuple[VerifierKey, ...] = ()
    quorum: int = 0
    tsa_roots: bytes | None = None
    require_timestamp: bool = False
    qr: str | None = None  # a voucher QR payload the verifier scanned, to compare


@dataclass
class Report:
    lines: list[tuple[bool, str, str, str]] = field(default_factory=list)
    notes: list[tuple[str, str, str]] = field(default_factory=list)
    signer_verified: bool = False

    def ok(self, where: str, zh: str, en: str) -> None:
        self.lines.append((True, where, zh, en))

    def fail(self, where: str, zh: str, en: str) -> None:
        self.lines.append((False, where, zh, en))

    def note(self, where: str, zh: str, en: str) -> None:
        """Information that is neither a pass nor a failure (what was not checked)."""
        self.notes.append((where, zh, en))

    @property
    def intact(self) -> bool:
        """Every check passed (the content is self-consistent), whoever signed it."""
        return bool(self.lines) and all(line[0] for line in self.lines)

    @property
    def passed(self) -> bool:
        """Intact and signed by the log key the verifier pinned."""
        return self.intact and self.signer_verified

    @property
    def exit_code(self) -> int:
        if not self.intact:
            return EXIT_FAILED
        return EXIT_OK if self.signer_verified else EXIT_SIGNER_UNVERIFIED

    def render(self) -> str:
        out = []
        for good, where, zh, en in self.lines:
            mark = "通过 OK  " if good else "失败 FAIL"
            out.append(f"[{mark}] {where}: {zh} / {en}")
        for where, zh, en in self.notes:
            out.append(f"[提示 NOTE] {where}: {zh} / {en}")
        if not self.intact:
            verdict = "结论：证据包未通过验证。 / Verdict: the package FAILED verification."
        elif not self.signer_verified:
            verdict = (
                "结论：签名者未经验证——未指定日志公钥，任何人都能用自己的密钥制作这样的证据包；"
                "内容仅自洽，不能证明来自该日志。请用 --log-key、--log-key-file 或 --log-key-url "
                "指定公布的日志公钥后重新验证。 / Verdict: SIGNER UNVERIFIED - no log key was "
                "pinned, and anyone can make such a package with a key of their own; the content "
                "is only self-consistent and does not prove it comes from the log. Pin the "
                "published log key with --log-key, --log-key-file or --log-key-url and verify "
                "again."
            )
        else:
            verdict = (
                "结论：证据包完整，全部检查通过。 / Verdict: the package is intact; every check "
                "passed."
            )
        return "\n".join([*out, verdict]) + "\n"


def _kernel_message(exc: LedgerError) -> tuple[str, str]:
    return exc.message_zh, f"{exc.message_en} [{exc.code}]"


def read_members(raw: bytes, report: Report) -> dict[str, bytes] | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except Exception as exc:  # any damage to the container is a failure, never a crash
        report.fail("zip", "不是有效的 zip 文件", f"not a valid zip file ({exc})")
        return None
    members: dict[str, bytes] = {}
    with archive:
        for info in archive.infolist():
            try:
                members[info.filename] = archive.read(info)
            except Exception as exc:  # CRC errors, bad headers, flipped flags
                report.fail(
                    info.filename, "成员数据损坏（校验和不符）", f"member data is damaged ({exc})"
                )
    if len(members) != len(archive.infolist()):
        return None
    rebuilt = build_zip(members)
    if rebuilt != raw:
        offset = next(
            (i for i, (a, b) in enumerate(zip(rebuilt, raw, strict=False)) if a != b),
            min(len(rebuilt), len(raw)),
        )
        report.fail(
            f"zip @ byte {offset}",
            "容器结构被改动（与规范形式不同）",
            "the zip container differs from its canonical form",
        )
    else:
        report.ok("zip", "容器为规范形式", "the container is in canonical form")
    return members


def verify_members(members: Mapping[str, bytes], report: Report, trust: Trust) -> None:
    def need(name: str) -> bytes | None:
        if name not in members:
            report.fail(name, "缺少该成员", "member missing")
            return None
        return members[name]

    key_text, manifest, signature = need("log-key.txt"), need(MANIFEST), need(MANIFEST_SIG)
    if key_text is None or manifest is None or signature is None:
        return
    try:
        log_key = VerifierKey.parse(key_text.decode("utf-8").strip())
    except (LedgerError, UnicodeDecodeError):
        report.fail("log-key.txt", "日志公钥无法解析", "the log key does not parse")
        return
    announcements = [members[n] for n in sorted(members) if n.startswith(KEYS_DIR)]
    chain: KeyChain | None = None
    if trust.log_key is not None:
        try:
            chain = follow_keys(trust.log_key, announcements)
        except LedgerError as exc:
            report.fail(KEYS_DIR, *_kernel_message(exc))
            return
        if announcements:
            report.ok(
                KEYS_DIR,
                f"日志密钥更换 {len(announcements)} 次，每次均由上一密钥公告",
                f"the log key changed {len(announcements)} time(s), each announced by the "
                "key before",
            )
    if trust.log_key is None:
        report.note(
            "log-key.txt",
            f"未指定日志公钥：签名者未经验证（证据包自带的公钥 {log_key.encode()} 不可作为依据）",
            "no log key pinned: the signer is UNVERIFIED (the key inside the package proves "
            "nothing by itself)",
        )
    elif chain is None or log_key not in chain:
        report.fail(
            "log-key.txt",
            f"与您指定的日志公钥不同（证据包：{log_key.encode()}）",
            "differs from the log key you pinned: the package was NOT signed by that log",
        )
        return
    else:
        report.signer_verified = True
        if log_key == trust.log_key:
            report.ok("log-key.txt", "与您指定的日志公钥一致", "matches the log key you pinned")
        else:
            report.ok(
                "log-key.txt",
                "由您指定的日志公钥经公告的密钥链认可",
                "reached from the log key you pinned through the announced keys",
            )
    try:
        note = parse_note(signature)
        verify_note(note, [log_key])
        if note.text != manifest_note_text(manifest):
            raise LedgerError("signature_invalid", "清单签名不符", "manifest signature mismatch")
        report.ok(MANIFEST_SIG, "清单由日志密钥签名", "the manifest is signed by the log key")
    except LedgerError as exc:
        report.fail(MANIFEST_SIG, *_kernel_message(exc))
        return
    try:
        data = json.loads(manifest)
        listed: dict[str, str] = data["members"]
        entries: list[dict[str, Any]] = data["entries"]
    except (ValueError, KeyError, TypeError):
        report.fail(MANIFEST, "清单格式不正确", "the manifest is malformed")
        return
    for name in sorted(set(members) - set(listed) - {MANIFEST, MANIFEST_SIG}):
        report.fail(name, "成员不在清单中", "member not listed in the manifest")
    for name, digest in sorted(listed.items()):
        content = need(name)
        if content is None:
            continue
        if hashlib.sha256(content).hexdigest() != digest:
            report.fail(name, "内容与清单中的哈希不符", "content does not match the manifest")
    try:
        policy = json.loads(members["policy.json"])
        exporter = [VerifierKey.parse(text) for text in policy["witnesses"]]
        report.note(
            "policy.json",
            f"导出方的见证策略（{len(exporter)} 个见证人，法定数 {int(policy['quorum'])}）"
            "仅供参考，不作为信任依据",
            f"the exporter's witness policy ({len(exporter)} witness(es), quorum "
            f"{int(policy['quorum'])}) is informative only and not trusted",
        )
    except (KeyError, ValueError, TypeError, LedgerError):
        report.fail("policy.json", "策略文件无法解析", "the policy file does not parse")
        return
    witnesses, quorum = trust.witnesses, trust.quorum
    checkpoint_note = members.get("checkpoint.txt", b"")
    try:
        opened = _open_signed(checkpoint_note, chain, log_key, announcements, witnesses, quorum)
        names = ", ".join(opened.witnesses)
        report.ok(
            "checkpoint.txt",
            f"检查点（大小 {opened.checkpoint.size}）签名有效；您的见证策略：{len(witnesses)} 个"
            f"见证人、法定数 {quorum}；已联署：{names or '无'}",
            f"checkpoint of size {opened.checkpoint.size} is signed; your witness policy: "
            f"{len(witnesses)} witness(es), quorum {quorum}; cosigned by: {names or 'none'}",
        )
    except LedgerError as exc:
        report.fail("checkpoint.txt", *_kernel_message(exc))
        return
    if not witnesses:
        report.note(
            "checkpoint.txt",
            "未指定见证人（--witness/--policy）：未检查联署，无法排除分叉视图",
            "no witnesses given (--witness/--policy): cosignatures were not checked, so a "
            "split view is not excluded",
        )
    # the checkpoint, its timestamp and the entries' proofs are signed by the key in force
    # at the checkpoint's size, which after a rotation may be an earlier key
    signed_by = opened.key
    _verify_timestamp(members, report, trust, signed_by, opened.note.text)
    for item in entries:
        _verify_entry(item, members, report, signed_by, witnesses, quorum, checkpoint_note)
    if VOUCHER_DOCUMENT in members and report.intact:
        _verify_voucher(members, report, signed_by, entries, opened.checkpoint, trust.qr)


def _open_signed(
    note: bytes,
    chain: KeyChain | None,
    log_key: VerifierKey,
    announcements: Sequence[bytes],
    witnesses: Sequence[VerifierKey],
    quorum: int,
) -> OpenedCheckpoint:
    """The package's checkpoint opened under the key the pinned chain names for its size;
    with nothing pinned, under the package's own key or a key it announces (self-consistency
    only: the verdict says the signer is unverified)."""
    if chain is not None:
        return open_in_chain(note, chain, witnesses, quorum=quorum)
    keys = [log_key]
    for text in announcements:
        found = announced_key(parse_checkpoint(parse_note(text).text))
        if found is not None:
            keys.append(found[0])
    failure: LedgerError | None = None
    for key in keys:
        try:
            return open_checkpoint(note, key, witnesses, quorum=quorum)
        except LedgerError as exc:
            failure = failure or exc
    assert failure is not None
    raise failure


def _verify_timestamp(
    members: Mapping[str, bytes],
    report: Report,
    trust: Trust,
    log_key: VerifierKey,
    checkpoint_text: str,
) -> None:
    """The RFC 3161 token over the log-signed checkpoint (the note without cosignatures)."""
    note, token = members.get(TIMESTAMP_NOTE), members.get(TIMESTAMP_TOKEN)
    if note is None or token is None:
        if trust.require_timestamp:
            report.fail(TIMESTAMP_TOKEN, "缺少可信时间戳", "no trusted timestamp in the package")
        else:
            report.note(TIMESTAMP_TOKEN, "证据包没有可信时间戳", "the package has no timestamp")
        return
    try:
        opened = open_checkpoint(note, log_key)
        if opened.note.text != checkpoint_text:
            raise LedgerError(
                "checkpoint_invalid",
                "时间戳所盖的检查点与 checkpoint.txt 不同",
                "the timestamped checkpoint differs from checkpoint.txt",
            )
    except LedgerError as exc:
        report.fail(TIMESTAMP_NOTE, *_kernel_message(exc))
        return
    from rfc3161_client import decode_timestamp_response

    from qingqian.ledger.timestamping import Rfc3161Authority

    try:
        response = decode_timestamp_response(token)
        imprint = response.tst_info.message_imprint.message
        gen_time = response.tst_info.gen_time
    except ValueError:
        report.fail(TIMESTAMP_TOKEN, "时间戳令牌无法解析", "the timestamp token does not parse")
        return
    if imprint != hashlib.sha256(note).digest():
        report.fail(
            TIMESTAMP_TOKEN,
            "时间戳令牌所盖的不是该检查点",
            "the timestamp token does not cover this checkpoint",
        )
        return
    if trust.tsa_roots is None:
        message = (
            f"时间戳 {gen_time:%Y-%m-%d %H:%M:%S} UTC 覆盖该检查点，但未指定时间戳机构根证书"
            "（--tsa-roots），签发者未验证",
            f"the token of {gen_time:%Y-%m-%d %H:%M:%S} UTC covers this checkpoint, but no "
            "authority roots were given (--tsa-roots): its issuer is unverified",
        )
        if trust.require_timestamp:
            report.fail(TIMESTAMP_TOKEN, *message)
        else:
            report.note(TIMESTAMP_TOKEN, *message)
        return
    try:
        at = Rfc3161Authority.from_pem("verifier", trust.tsa_roots).verify(token, note)
    except LedgerError as exc:
        report.fail(TIMESTAMP_TOKEN, *_kernel_message(exc))
        return
    report.ok(
        TIMESTAMP_TOKEN,
        f"可信时间戳有效：检查点不晚于 {at:%Y-%m-%d %H:%M:%S} UTC 已存在",
        f"valid trusted timestamp: the checkpoint existed by {at:%Y-%m-%d %H:%M:%S} UTC",
    )


def _verify_entry(
    item: Mapping[str, Any],
    members: Mapping[str, bytes],
    report: Report,
    log_key: VerifierKey,
    witnesses: Sequence[VerifierKey],
    quorum: int,
    checkpoint_note: bytes,
) -> None:
    where = str(item.get("statement"))
    statement_bytes = members.get(where)
    proof_bytes = members.get(str(item.get("proof")))
    if statement_bytes is None or proof_bytes is None:
        report.fail(where, "缺少语句或证明", "statement or proof missing")
        return
    try:
        statement = parse_canonical(statement_bytes)
        proof = parse_tlog_proof(proof_bytes)
        if proof.index != item.get("index") or proof.checkpoint.encode() != checkpoint_note:
            raise LedgerError("proof_mismatch", "证明与检查点不符", "proof/checkpoint mismatch")
        plain = item.get("entry") == "plain"
        if plain != where.endswith(".plain.json"):
            raise LedgerError("proof_mismatch", "条目形式不符", "entry form mismatch")
        logged = statement_bytes if plain else statement_commitment(statement_bytes)
        verify_tlog_proof(proof, logged, log_key, witnesses, quorum=quorum)
        report.ok(
            where,
            f"第 {proof.index} 条（{statement.get('type')}）在日志中",
            f"entry {proof.index} ({statement.get('type')}) is in the log",
        )
    except LedgerError as exc:
        report.fail(where, *_kernel_message(exc))
        return
    file_name = item.get("file")
    if file_name:
        content = members.get(file_name)
        if content is None:
            report.fail(file_name, "缺少证据文件", "evidence file missing")
        elif hashlib.sha256(content).hexdigest() != statement.get("sha256") or len(
            content
        ) != statement.get("size"):
            report.fail(file_name, "文件与日志中的哈希不符", "file does not match the logged hash")
        else:
            report.ok(file_name, "文件与日志中的 SHA-256 一致", "file matches the logged SHA-256")
    for key, field_name, zh, en in _SALTED_MEMBERS:
        name = item.get(key)
        if not name:
            continue
        text = members.get(str(name), b"").decode("utf-8", "replace")
        if salted_hash(str(statement.get("salt", "")), text) != statement.get(field_name):
            report.fail(str(name), f"{zh}与日志不符", f"{en} does not match the log")
        else:
            report.ok(str(name), f"{zh}与日志一致", f"{en} matches the log")


#: Members whose salted hash a statement carries: (manifest key, statement field, words).
_SALTED_MEMBERS = (
    ("title", "title_sha256", "文书名称", "the document title"),
    ("provenance", "provenance_sha256", "来源记录", "provenance"),
    ("details", "details_sha256", "凭证事件内容", "the voucher event's details"),
)


def _verify_voucher(
    members: Mapping[str, bytes],
    report: Report,
    log_key: VerifierKey,
    entries: Sequence[Mapping[str, Any]],
    checkpoint: Any,
    qr_given: str | None,
) -> None:
    """A voucher package: ``voucher.json`` signed by the log key, every entry an event of
    that voucher in sequence from its issue, the state derived from the events, and the QR
    payload pointing at the same voucher, issue entry and checkpoint."""
    import base64

    from qingqian.ledger import voucher_format as kernel

    document = members[kernel.DOCUMENT]
    digest = hashlib.sha256(document).hexdigest()
    try:
        data = parse_canonical(document)
        note = parse_note(members.get(kernel.SIGNATURE, b""))
        verify_note(note, [log_key])
        if note.text != kernel.signed_text(digest):
            raise LedgerError("signature_invalid", "签名不是对本凭证的", "signs another voucher")
        report.ok(
            kernel.SIGNATURE,
            "凭证内容由日志密钥（代债权人）签名",
            "the voucher is signed by the log key (for the creditor)",
        )
    except LedgerError as exc:
        report.fail(kernel.SIGNATURE, *_kernel_message(exc))
        return
    events = []
    for seq, item in enumerate(entries):
        statement = parse_canonical(members[str(item["statement"])])
        details = parse_canonical(members.get(str(item.get("details")), b"{}"))
        kind = str(statement.get("type", "")).removeprefix("voucher.")
        if (
            statement.get("voucher_sha256") != digest
            or statement.get("seq") != seq
            or (seq == 0) != (kind == "issued")
        ):
            report.fail(
                str(item["statement"]),
                "不是本凭证按顺序的事件",
                "not this voucher's event in sequence",
            )
            return
        events.append((kind, details))
    try:
        state = kernel.derive_state(data, events)
    except (kernel.StateError, KeyError, ValueError) as exc:
        report.fail(kernel.DOCUMENT, "事件顺序不合规则", f"the events do not follow ({exc})")
        return
    report.ok(
        kernel.DOCUMENT,
        f"凭证 {data.get('number')}：金额 {state.amount} {data.get('currency')}，当前债权人 "
        f"{state.holder.get('name')}，已清偿 {state.settled}，未清偿 {state.remaining}，"
        f"债务人{'已' if state.acknowledged else '未'}确认，状态 {state.status}",
        f"voucher {data.get('number')}: amount {state.amount} {data.get('currency')}, holder "
        f"{state.holder.get('name')}, settled {state.settled}, remaining {state.remaining}, "
        f"{'acknowledged' if state.acknowledged else 'not acknowledged'} by the debtor, "
        f"status {state.status}",
    )
    if state.notice_given is False:
        report.note(
            kernel.DOCUMENT,
            "最近一次债权转让尚未通知债务人，对债务人不发生效力（民法典第五百四十六条）",
            "the latest assignment was not notified to the debtor and does not bind the debtor "
            "yet (Civil Code Art. 546)",
        )
    expected = kernel.qr_payload(
        number=str(data.get("number")),
        digest=digest,
        index=int(entries[0]["index"]) if entries else -1,
        size=checkpoint.size,
        root_b64=base64.b64encode(checkpoint.root_hash).decode(),
    )
    for where, text in ((kernel.QR_MEMBER, members.get(kernel.QR_MEMBER, b"").decode()),
                        ("--qr", qr_given)):  # fmt: skip
        if text is None:
            continue
        if text.strip() != expected:
            report.fail(where, "二维码内容与凭证不符", "the QR payload does not match the voucher")
        else:
            report.ok(where, "二维码内容与凭证一致", "the QR payload matches the voucher")


def verify_package(
    raw: bytes,
    pinned_key: str | VerifierKey | None = None,
    *,
    witnesses: Sequence[str | VerifierKey] = (),
    quorum: int | None = None,
    tsa_roots: bytes | None = None,
    require_timestamp: bool = False,
) -> Report:
    """Verify ``raw`` under the verifier's own trust: the pinned log key (None: the signer
    stays unverified), the witness keys and quorum (default: every witness given), and the
    PEM roots of trusted time-stamping authorities."""
    keys = tuple(w if isinstance(w, VerifierKey) else VerifierKey.parse(w) for w in witnesses)
    log_key = VerifierKey.parse(pinned_key) if isinstance(pinned_key, str) else pinned_key
    trust = Trust(
        log_key,
        keys,
        len(keys) if quorum is None else quorum,
        tsa_roots,
        require_timestamp,
    )
    return verify_with(raw, trust)


def verify_with(raw: bytes, trust: Trust) -> Report:
    report = Report()
    if raw.startswith(b"%PDF-"):
        package = _pdf_package(raw, report)
        if package is None:
            return report
        raw = package
    members = read_members(raw, report)
    if members is not None:
        try:
            verify_members(members, report, trust)
        except Exception as exc:  # a damaged package must fail, never crash the verifier
            report.fail("package", "证据包内容异常", f"unexpected content ({type(exc).__name__})")
    return report


def _pdf_package(raw: bytes, report: Report) -> bytes | None:
    """The voucher package attached to a voucher PDF (the PDF's other bytes are layout)."""
    from qingqian.ledger.voucher_format import pdf_attachments

    try:
        found = [a for a in pdf_attachments(raw) if a.startswith(b"PK")]
    except ValueError as exc:
        report.fail("pdf", "PDF 附件损坏", f"the PDF's attachment is damaged ({exc})")
        return None
    if len(found) != 1:
        report.fail("pdf", "PDF 没有附带凭证数据包", "the PDF carries no voucher package")
        return None
    report.ok("pdf", "读取 PDF 附带的凭证数据包", "read the voucher package attached to the PDF")
    return found[0]


class UsageError(Exception):
    """A key, policy or roots file the verifier was given cannot be used."""


def _fetch_key(url: str) -> str:
    """The ``log_key`` of the checkpoint API's answer at ``url`` (http(s) or file)."""
    import urllib.request

    if not url.startswith(("https://", "http://", "file:")):
        raise UsageError(f"--log-key-url must be http(s) or file: {url}")
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (scheme checked)
            body = answer.read(1 << 20)
        return str(json.loads(body)["log_key"]).strip()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"cannot fetch the log key from {url}: {exc}") from exc


def _pinned_key(args: argparse.Namespace) -> VerifierKey | None:
    """The log key from the flag, the key file, or the checkpoint API (then kept in the key
    file: pinned on first use, compared on every later use)."""
    texts: list[str] = []
    if args.log_key:
        texts.append(args.log_key.strip())
    key_file = Path(args.log_key_file) if args.log_key_file else None
    if key_file is not None and key_file.exists():
        texts.append(key_file.read_text(encoding="utf-8").strip())
    if args.log_key_url:
        fetched = _fetch_key(args.log_key_url)
        if key_file is not None and not key_file.exists():
            key_file.write_text(fetched + "\n", encoding="utf-8")
        texts.append(fetched)
    elif key_file is not None and not key_file.exists():
        raise UsageError(f"the key file does not exist: {key_file}")
    if args.policy_log_key:
        texts.append(args.policy_log_key)
    if not texts:
        return None
    try:
        keys = {VerifierKey.parse(text) for text in texts}
    except LedgerError as exc:
        raise UsageError(f"the log key does not parse: {exc.message_en}") from exc
    if len(keys) != 1:
        raise UsageError(
            "the log keys given disagree (flag, key file, policy, fetched): "
            + ", ".join(sorted(k.encode() for k in keys))
        )
    return keys.pop()


def _trust(args: argparse.Namespace) -> Trust:
    witnesses = list(args.witness or [])
    quorum = args.quorum
    args.policy_log_key = None
    if args.policy:
        try:
            policy = json.loads(Path(args.policy).read_text(encoding="utf-8"))
            witnesses += list(policy.get("witnesses", []))
            if quorum is None and "quorum" in policy:
                quorum = int(policy["quorum"])
            args.policy_log_key = policy.get("log_key")
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            raise UsageError(f"cannot read the policy file: {exc}") from exc
    try:
        keys = tuple(VerifierKey.parse(text.strip()) for text in witnesses)
    except LedgerError as exc:
        raise UsageError(f"a witness key does not parse: {exc.message_en}") from exc
    quorum = len(keys) if quorum is None else quorum
    if not 0 <= quorum <= len(keys):
        raise UsageError(f"the quorum must be between 0 and {len(keys)} witnesses given")
    roots = None
    if args.tsa_roots:
        try:
            roots = Path(args.tsa_roots).read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read the authority roots: {exc}") from exc
    return Trust(_pinned_key(args), keys, quorum, roots, args.require_timestamp, args.qr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="qingqian-verify",
        description="离线验证清欠证据包 / Verify a Qingqian evidence package offline. "
        "Exit 0: verified under the pinned log key; 1: a check failed; 2: unreadable input; "
        "3: intact but the signer is unverified (no log key pinned).",
    )
    parser.add_argument("package", help="PACKAGE.zip, or a voucher PDF (its attached package)")
    parser.add_argument("--log-key", help="the log's published verifier key (pins the signer)")
    parser.add_argument("--log-key-file", help="a file holding the pinned log key")
    parser.add_argument(
        "--log-key-url",
        help="the log's checkpoint API (…/api/v1/ledger/checkpoint): fetch its log_key; with "
        "--log-key-file, it is kept there on first use and compared ever after",
    )
    parser.add_argument(
        "--witness", action="append", help="a witness verifier key you trust (repeatable)"
    )
    parser.add_argument("--quorum", type=int, help="witnesses required (default: all given)")
    parser.add_argument(
        "--policy", help='a JSON policy file: {"log_key": …, "witnesses": […], "quorum": n}'
    )
    parser.add_argument("--tsa-roots", help="PEM file of trusted time-stamping authority roots")
    parser.add_argument(
        "--require-timestamp",
        action="store_true",
        help="fail unless the package carries a timestamp verified under --tsa-roots",
    )
    parser.add_argument(
        "--qr", help="a voucher PDF's QR payload as scanned (QQV1|…), compared with the voucher"
    )
    args = parser.parse_args(argv)
    try:
        trust = _trust(args)
    except UsageError as exc:
        sys.stderr.write(f"无法使用给定的密钥或策略 / Cannot use the keys or policy given: {exc}\n")
        return EXIT_UNREADABLE
    try:
        raw = Path(args.package).read_bytes()
    except OSError as exc:
        sys.stderr.write(f"无法读取文件 / Cannot read the file: {exc}\n")
        return EXIT_UNREADABLE
    report = verify_with(raw, trust)
    sys.stdout.write(report.render())
    return report.exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
