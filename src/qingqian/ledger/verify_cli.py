"""``qingqian-verify PACKAGE.zip``: check a Qingqian evidence package offline.

Standalone: the standard library, ``cryptography`` and the pure ledger kernel only (no
Django, no database, no network). Prints a bilingual report item by item and exits 0 only if
the container, every file, statement, inclusion proof, signature and cosignature checks.

Package layout (every member stored uncompressed, in a canonical zip)::

    README.txt            instructions, Chinese and English
    log-key.txt           the log's Ed25519 verifier key (compare it with the published one)
    policy.json           witness keys and the quorum the exporter applied
    checkpoint.txt        the signed checkpoint with witness cosignatures
    entries/<i>.json      log statements (RFC 8785), entries/<i>.tlog-proof their proofs
    files/<sha256>.<ext>  evidence files, bit-exact
    provenance/<i>.json   provenance records whose salted hash is in statement <i>
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

from qingqian.ledger.canonical import parse_canonical
from qingqian.ledger.checkpoint import open_checkpoint
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


@dataclass
class Report:
    lines: list[tuple[bool, str, str, str]] = field(default_factory=list)

    def ok(self, where: str, zh: str, en: str) -> None:
        self.lines.append((True, where, zh, en))

    def fail(self, where: str, zh: str, en: str) -> None:
        self.lines.append((False, where, zh, en))

    @property
    def passed(self) -> bool:
        return bool(self.lines) and all(line[0] for line in self.lines)

    def render(self) -> str:
        out = []
        for good, where, zh, en in self.lines:
            mark = "通过 OK  " if good else "失败 FAIL"
            out.append(f"[{mark}] {where}: {zh} / {en}")
        verdict = (
            "结论：证据包完整，全部检查通过。 / Verdict: the package is intact; every check passed."
            if self.passed
            else "结论：证据包未通过验证。 / Verdict: the package FAILED verification."
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


def verify_members(
    members: Mapping[str, bytes], report: Report, pinned_key: str | None = None
) -> None:
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
    if pinned_key is not None and log_key != VerifierKey.parse(pinned_key):
        report.fail("log-key.txt", "与您指定的日志公钥不同", "differs from the key you pinned")
        return
    report.ok(
        "log-key.txt",
        f"日志公钥 {log_key.encode()}（请与公布的公钥核对）",
        "log key (compare it with the published one)" if pinned_key is None else "pinned key",
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
        witnesses = [VerifierKey.parse(text) for text in policy["witnesses"]]
        quorum = int(policy["quorum"])
        report.ok(
            "policy.json",
            f"见证人 {len(witnesses)} 个，法定数 {quorum}",
            f"{len(witnesses)} witness(es), quorum {quorum}",
        )
    except (KeyError, ValueError, TypeError, LedgerError):
        report.fail("policy.json", "策略文件无法解析", "the policy file does not parse")
        return
    checkpoint_note = members.get("checkpoint.txt", b"")
    try:
        opened = open_checkpoint(checkpoint_note, log_key, witnesses, quorum=quorum)
        names = ", ".join(opened.witnesses)
        report.ok(
            "checkpoint.txt",
            f"检查点（大小 {opened.checkpoint.size}）签名有效，见证人：{names or '无'}",
            f"checkpoint of size {opened.checkpoint.size} is signed; cosigned by: "
            f"{', '.join(opened.witnesses) or 'none'}",
        )
    except LedgerError as exc:
        report.fail("checkpoint.txt", *_kernel_message(exc))
        return
    for item in entries:
        _verify_entry(item, members, report, log_key, witnesses, quorum, checkpoint_note)


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
        verify_tlog_proof(proof, statement_bytes, log_key, witnesses, quorum=quorum)
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
    provenance_name = item.get("provenance")
    if provenance_name:
        text = members.get(provenance_name, b"").decode("utf-8", "replace")
        if salted_hash(str(statement.get("salt", "")), text) != statement.get("provenance_sha256"):
            report.fail(provenance_name, "来源记录与日志不符", "provenance does not match the log")
        else:
            report.ok(provenance_name, "来源记录与日志一致", "provenance matches the log")


def verify_package(raw: bytes, pinned_key: str | None = None) -> Report:
    report = Report()
    members = read_members(raw, report)
    if members is not None:
        try:
            verify_members(members, report, pinned_key)
        except Exception as exc:  # a damaged package must fail, never crash the verifier
            report.fail("package", "证据包内容异常", f"unexpected content ({type(exc).__name__})")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="qingqian-verify",
        description="离线验证清欠证据包 / Verify a Qingqian evidence package offline.",
    )
    parser.add_argument("package", help="PACKAGE.zip")
    parser.add_argument("--log-key", help="pin the log's verifier key (recommended)")
    args = parser.parse_args(argv)
    try:
        raw = Path(args.package).read_bytes()
    except OSError as exc:
        sys.stderr.write(f"无法读取文件 / Cannot read the file: {exc}\n")
        return 2
    report = verify_package(raw, args.log_key)
    sys.stdout.write(report.render())
    return 0 if report.passed else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
