"""Build an evidence package for a case: files, statements, tlog-proofs, the checkpoint with
cosignatures, the log key, a policy file, bilingual instructions, and a manifest signed by
the log key. ``qingqian-verify`` (``ledger/verify_cli.py``) checks it offline."""

from __future__ import annotations

import hashlib
import json
import time

from qingqian.accounts.models import User
from qingqian.audit.services import audit_record
from qingqian.cases.selectors import case_get_for_user
from qingqian.common.exceptions import ApplicationError
from qingqian.evidence.magic import KINDS
from qingqian.evidence.models import EvidenceVersion, SignedDocument
from qingqian.evidence.services import file_read, provenance_text
from qingqian.ledger import selectors as log
from qingqian.ledger.models import Checkpoint, LogEntry
from qingqian.ledger.note import Note, VerifierKey, sign_text
from qingqian.ledger.services import (
    checkpoint_timestamp_ensure,
    ledger_append,
    ledger_integrate,
    log_signer,
    statement_build,
)
from qingqian.ledger.verify_cli import (
    FORMAT,
    KEYS_DIR,
    MANIFEST,
    MANIFEST_SIG,
    TIMESTAMP_NOTE,
    TIMESTAMP_TOKEN,
    build_zip,
    manifest_note_text,
)

README = """清欠证据包 / Qingqian evidence package
========================================

案件 / Case: {reference}
检查点大小 / Checkpoint size: {size}

【中文】
本证据包包含案件日志中的全部事件语句、证据文件及其来源记录、已签署文书（documents/，
每份文书在日志中有自己的条目）、每条语句的包含证明（C2SP
tlog-proof）、带见证人联署的签名检查点、日志公钥（log-key.txt）和验证策略（policy.json）。
manifest.json 列出每个文件的 SHA-256，manifest.sig 用日志密钥签署该清单。

验证方法：安装 qingqian 后运行
    qingqian-verify 本文件.zip --log-key "<从官方渠道获得的日志公钥>" \
        --witness "<您信任的见证人公钥>" --tsa-roots <时间戳机构根证书.pem>
验证器不需要数据库或网络，只依赖 Python 与 cryptography。信任只来自验证者一方：
证据包自带的 log-key.txt 与 policy.json 不作为依据。未指定日志公钥时，结论为“签名者
未经验证”，退出码为 3；全部检查通过且公钥已指定时退出码为 0；任何一个字节被改动都会
导致失败（退出码 1），并指出出问题的位置。timestamp/token.tsr 是对 timestamp/checkpoint.note
的 RFC 3161 可信时间戳，也可用 openssl ts -verify 检查。只用 openssl 的验证步骤见
docs/verify-by-hand.md。日志签名密钥更换过时，log-keys/ 中是每次换钥的公告（由上一密钥签名
的检查点）：固定最初的日志公钥即可，验证器会逐一核对。

【English】
This package holds every logged event statement of the case, the evidence files with their
provenance records, the documents signed on the platform (documents/, each its own log
entry), an inclusion proof (C2SP tlog-proof) for each statement, the signed
checkpoint with witness cosignatures, the log's public key (log-key.txt) and the verification
policy (policy.json). manifest.json lists the SHA-256 of every member; manifest.sig signs it
with the log key.

To verify, install qingqian and run
    qingqian-verify THIS.zip --log-key "<the log key obtained from an official source>" \
        --witness "<a witness key you trust>" --tsa-roots <authority-roots.pem>
The verifier needs no database and no network, only Python and cryptography. Trust comes
from the verifier only: log-key.txt and policy.json inside the package prove nothing by
themselves. Without a pinned log key the verdict is "signer unverified" (exit 3); with it,
exit 0 only when every check passes; changing any single byte makes it fail (exit 1) and say
where. timestamp/token.tsr is an RFC 3161 timestamp over timestamp/checkpoint.note, which
`openssl ts -verify` checks too. docs/verify-by-hand.md verifies with openssl alone. If the
log signing key was changed, log-keys/ holds each announcement (a checkpoint signed by the key
before): pin the first log key and the verifier follows them.
"""


def _extension(content_type: str) -> str:
    return next((k.extensions[0] for k in KINDS.values() if k.mime == content_type), "bin")


class PackageError(ApplicationError):
    status = 409
    code = "checkpoint_not_cosigned"


WAIT_STEP = 0.5


def export_checkpoint(needed: int, *, wait: float = 0.0) -> tuple[Checkpoint, list[VerifierKey]]:
    """The checkpoint a package is built on (``log.checkpoint_for_export``), waiting up to
    ``wait`` seconds for one that covers ``needed`` entries, and the configured witnesses
    that cosigned it; ``PackageError`` if there is none yet."""
    deadline = time.monotonic() + wait
    checkpoint = log.checkpoint_for_export(needed)
    while (checkpoint is None or checkpoint.size < needed) and time.monotonic() < deadline:
        time.sleep(WAIT_STEP)
        checkpoint = log.checkpoint_for_export(needed)
    if checkpoint is None:
        raise PackageError(
            "尚无经见证人联署的检查点，请稍后再导出。",
            "No checkpoint has been cosigned by the configured witnesses yet; export later.",
            details={"quorum": log.witness_quorum()},
        )
    cosigned = {s.name for s in log.cosignature_lines(checkpoint)}
    return checkpoint, [w for w in log.witness_keys() if w.name in cosigned]


def log_members(checkpoint: Checkpoint, trusted: list[VerifierKey]) -> dict[str, bytes]:
    """The members every package carries about the log: its key, the checkpoint with the
    witnesses' cosignatures, the exporter's policy and, when there is one, the checkpoint's
    RFC 3161 timestamp."""
    members: dict[str, bytes] = {
        "log-key.txt": (log.log_verifier_key().encode() + "\n").encode(),
        "checkpoint.txt": log.checkpoint_note(checkpoint).encode(),
        "policy.json": json.dumps(
            {
                "format": FORMAT,
                "log": log.log_verifier_key().name,
                "witnesses": [w.encode() for w in trusted],
                "quorum": len(trusted),
            },
            indent=2,
        ).encode(),
    }
    # Each announcement of a new log key, signed by the key before it: a verifier who pinned
    # the first key follows them to the key that signed this package.
    for announcement in log.key_announcements():
        members[f"{KEYS_DIR}{announcement.size:012d}.txt"] = announcement.note.encode("utf-8")
    token = checkpoint_timestamp_ensure(checkpoint)
    if token is not None:
        members[TIMESTAMP_NOTE] = checkpoint.note.encode("utf-8")
        members[TIMESTAMP_TOKEN] = bytes(token.token)
    return members


def entry_members(
    entry: LogEntry, checkpoint: Checkpoint, members: dict[str, bytes]
) -> dict[str, object]:
    """Add a sequenced entry's statement and its inclusion proof to ``members``; returns its
    line of the manifest's ``entries``."""
    assert entry.index is not None
    stem = f"entries/{entry.index:012d}"
    # A committed entry: the log holds SHA-256(domain ‖ statement), the package the
    # statement (the opening). Entries from before commitments hold it in clear.
    name = f"{stem}.json" if entry.committed else f"{stem}.plain.json"
    members[name] = entry.private_statement
    members[f"{stem}.tlog-proof"] = log.tlog_proof(entry.index, checkpoint).encode().encode()
    return {
        "index": entry.index,
        "statement": name,
        "entry": "commitment" if entry.committed else "plain",
        "proof": f"{stem}.tlog-proof",
    }


def seal(members: dict[str, bytes], fields: dict[str, object]) -> bytes:
    """Add ``manifest.json`` (``fields`` and the SHA-256 of every member so far) and
    ``manifest.sig`` (the manifest signed by the log key) to ``members``; returns the
    manifest."""
    manifest = json.dumps(
        {
            "format": FORMAT,
            **fields,
            "members": {
                name: hashlib.sha256(data).hexdigest() for name, data in sorted(members.items())
            },
        },
        indent=2,
        ensure_ascii=False,
    ).encode()
    text = manifest_note_text(manifest)
    members[MANIFEST] = manifest
    members[MANIFEST_SIG] = Note(text, (sign_text(text, log_signer()),)).encode().encode()
    return manifest


def package_build(*, user: User, case_id: int, wait: float = 0.0) -> bytes:
    """The package of every logged entry of the case (access checked like any case read),
    on a checkpoint the configured witnesses cosigned with their quorum.

    With witnesses configured, waits up to ``wait`` seconds for a cosigned checkpoint that
    covers every entry of the case; then takes the newest cosigned one, and entries after it
    are left out (counted in the manifest) until the next cosigned checkpoint. Each export
    is itself logged, so a later export never needs a fresh, uncosigned checkpoint."""
    case = case_get_for_user(user, case_id)
    ledger_integrate()
    entries = log.entries_for_case(case.pk)
    needed = (entries[-1].index + 1) if entries and entries[-1].index is not None else 0
    checkpoint, trusted = export_checkpoint(needed, wait=wait)
    left_out = [e for e in entries if e.index is not None and e.index >= checkpoint.size]
    entries = [e for e in entries if e.index is not None and e.index < checkpoint.size]
    versions = {
        v.log_entry_id: v
        for v in EvidenceVersion.objects.filter(item__case=case).select_related("file", "item")
    }
    documents = {
        d.log_entry_id: d for d in SignedDocument.objects.filter(case=case).select_related("file")
    }
    members = log_members(checkpoint, trusted)
    members["README.txt"] = README.format(reference=case.reference, size=checkpoint.size).encode()
    listing = []
    for entry in entries:
        item = entry_members(entry, checkpoint, members)
        version = versions.get(entry.pk)
        if version is not None:
            name = f"files/{version.file.sha256}.{_extension(version.file.content_type)}"
            members[name] = file_read(version.file)
            item["file"] = name
            provenance = f"provenance/{item['index']:012d}.json"
            item["provenance"] = provenance
            members[provenance] = provenance_text(version.item).encode()
        document = documents.get(entry.pk)
        if document is not None:
            name = f"documents/{document.file.sha256}.{_extension(document.file.content_type)}"
            members[name] = file_read(document.file)
            item["file"] = name
            title = f"documents/{item['index']:012d}.title.txt"
            item["title"] = title
            members[title] = document.title.encode("utf-8")
        listing.append(item)
    manifest = seal(
        members,
        {
            "case": case.reference,
            "checkpoint_size": checkpoint.size,
            "entries": listing,
            "entries_after_checkpoint": len(left_out),
        },
    )
    ledger_append(
        kind="evidence.package_exported",
        case_id=case.pk,
        statement=statement_build(
            "evidence.package_exported",
            {
                "case": case.reference,
                "case_id": case.pk,
                "checkpoint_size": checkpoint.size,
                "manifest_sha256": hashlib.sha256(manifest).hexdigest(),
            },
        ),
    )
    audit_record(
        actor=user,
        organisation=case.organisation,
        action="evidence.export",
        obj=case,
        after={"checkpoint_size": checkpoint.size, "entries": len(listing)},
    )
    return build_zip(members)
