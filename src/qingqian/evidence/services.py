"""Writes on the evidence vault: store files by SHA-256, add evidence with its provenance,
add redacted or converted versions. Every addition is appended to the case log in the same
transaction (file hash, type, version chain, a salted hash of the provenance)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from qingqian.accounts.models import User
from qingqian.audit.services import audit_record
from qingqian.cases.selectors import case_get_for_user
from qingqian.cases.services import timeline_add
from qingqian.common import clock
from qingqian.common.exceptions import ValidationFailed
from qingqian.common.language import in_record_language
from qingqian.evidence.magic import KINDS, detect, kind_for_mime, kind_for_name
from qingqian.evidence.models import (
    DocumentKind,
    EvidenceItem,
    EvidenceType,
    EvidenceVersion,
    SignedDocument,
    StoredFile,
    VersionKind,
)
from qingqian.ledger.canonical import canonicalize
from qingqian.ledger.services import ledger_append, salted_hash, statement_build, utc_text

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


class EvidenceError(ValidationFailed):
    code = "evidence_invalid"


def max_bytes() -> int:
    return int(getattr(settings, "QINGQIAN_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def storage_name(sha256: str) -> str:
    """``evidence/sha256/ab/cd/abcd…``: the path is a function of the content only."""
    return f"evidence/sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _read(data: bytes | IO[bytes]) -> bytes:
    limit = max_bytes()
    raw = data if isinstance(data, bytes) else data.read(limit + 1)
    if len(raw) > limit:
        raise EvidenceError(
            f"文件过大，上限 {limit // (1024 * 1024)} MB。",
            f"The file is too large; the limit is {limit // (1024 * 1024)} MB.",
            code="file_too_large",
            details={"limit_bytes": limit},
            status=413,
        )
    if not raw:
        raise EvidenceError("文件是空的。", "The file is empty.", code="file_empty")
    return raw


def check_content(raw: bytes, filename: str, declared_mime: str = "") -> str:
    """The kind of the file; refuses unknown content and any disagreement between the
    content, the file name's extension and the declared MIME type."""
    detected = detect(raw)
    if detected is None:
        accepted = "、".join(sorted({e for k in KINDS.values() for e in k.extensions}))
        raise EvidenceError(
            f"不支持的文件内容。可接受：{accepted}。",
            "Unsupported file content. Accepted: PDF, JPEG, PNG, WebP, MP3, M4A, WAV, AMR, "
            "DOCX, XLSX, plain text.",
            code="file_type_unsupported",
            details={"filename": filename},
        )
    claimed = kind_for_name(filename)
    declared = kind_for_mime(declared_mime) if declared_mime else claimed
    if claimed != detected or declared != detected:
        kind = KINDS[detected]
        raise EvidenceError(
            f"文件内容是{kind.label_zh}，与文件名或声明的类型不符。",
            f"The file content is {kind.code.upper()}, which does not match its name or "
            "declared type.",
            code="file_type_mismatch",
            details={
                "filename": filename,
                "detected": detected,
                "claimed": claimed,
                "declared": declared_mime or None,
            },
        )
    return detected


def file_store(raw: bytes, content_type: str) -> StoredFile:
    """Store ``raw`` once under its SHA-256 (the same bytes are never stored twice)."""
    sha256 = hashlib.sha256(raw).hexdigest()
    existing = StoredFile.objects.filter(sha256=sha256).first()
    if existing is not None:
        return existing
    name = storage_name(sha256)
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as handle:
            if hashlib.sha256(handle.read()).hexdigest() != sha256:
                default_storage.delete(name)
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(raw))
        if saved != name:  # pragma: no cover - a storage that renames would break addressing
            raise RuntimeError(f"storage renamed {name} to {saved}")
    stored, _ = StoredFile.objects.get_or_create(
        sha256=sha256,
        defaults={"size": len(raw), "content_type": content_type, "storage_name": name},
    )
    return stored


def file_read(stored: StoredFile) -> bytes:
    with default_storage.open(stored.storage_name, "rb") as handle:
        data: bytes = handle.read()
    return data


def _provenance(item: EvidenceItem) -> dict[str, str]:
    return {
        "collected_by": item.collected_by,
        "collected_at": utc_text(item.collected_at),
        "capture_method": item.capture_method,
        "original_location": item.original_location,
    }


def provenance_text(item: EvidenceItem) -> str:
    """The canonical JSON whose salted hash is in the log (an evidence package carries it,
    so a verifier can check the provenance without it being public in the log)."""
    return canonicalize(_provenance(item)).decode("utf-8")


def _log_version(version: EvidenceVersion, event: str) -> None:
    item = version.item
    case = item.case
    statement = statement_build(
        event,
        {
            "case": case.reference,
            "case_id": case.pk,
            "item_id": item.pk,
            "version": version.number,
            "version_kind": version.kind,
            "evidence_type": item.evidence_type,
            "sha256": version.file.sha256,
            "size": version.file.size,
            "content_type": version.file.content_type,
            "previous_sha256": version.previous.file.sha256 if version.previous else None,
            "collected_at": utc_text(item.collected_at),
            "recorded_at": utc_text(version.created_at),
        },
    )
    statement["provenance_sha256"] = salted_hash(statement["salt"], provenance_text(item))
    entry = ledger_append(kind=event, case_id=case.pk, statement=statement)
    version.log_entry = entry
    version.save(update_fields=["log_entry"])


@in_record_language
@transaction.atomic
def evidence_add(
    *,
    user: User,
    case_id: int,
    evidence_type: str,
    filename: str,
    data: bytes | IO[bytes],
    collected_by: str,
    collected_at: dt.datetime,
    capture_method: str,
    original_location: str,
    title: str = "",
    declared_mime: str = "",
) -> EvidenceItem:
    """Add an evidence item with its first (original) version."""
    case = case_get_for_user(user, case_id)
    if evidence_type not in EvidenceType.values:
        raise EvidenceError(
            f"未知的证据类型：{evidence_type}",
            f"Unknown evidence type: {evidence_type}",
            code="evidence_type_invalid",
            details={"field": "evidence_type"},
        )
    missing = [
        name
        for name, value in (
            ("collected_by", collected_by),
            ("capture_method", capture_method),
            ("original_location", original_location),
        )
        if not value.strip()
    ]
    if missing:
        raise EvidenceError(
            "请填写证据来源：收集人、收集方式和原件存放处。",
            "Record the provenance: who collected it, how, and where the original is kept.",
            code="provenance_missing",
            details={"fields": missing},
        )
    if collected_at.tzinfo is None or collected_at > clock.now() + dt.timedelta(minutes=5):
        raise EvidenceError(
            "收集时间须带时区且不能在将来。",
            "The collection time must be timezone-aware and not in the future.",
            code="collected_at_invalid",
            details={"field": "collected_at"},
        )
    raw = _read(data)
    kind = check_content(raw, filename, declared_mime)
    stored = file_store(raw, KINDS[kind].mime)
    item = EvidenceItem.objects.create(
        case=case,
        evidence_type=evidence_type,
        title=title.strip()[:200],
        collected_by=collected_by.strip()[:200],
        collected_at=collected_at,
        capture_method=capture_method.strip()[:300],
        original_location=original_location.strip()[:300],
        created_by=user,
    )
    version = EvidenceVersion.objects.create(
        item=item,
        number=1,
        kind=VersionKind.ORIGINAL,
        file=stored,
        filename=filename[:255],
        created_by=user,
    )
    _log_version(version, "evidence.added")
    timeline_add(
        case=case,
        actor=user,
        kind="evidence_added",
        note=f"{item.get_evidence_type_display()} {stored.sha256[:12]}",
    )
    audit_record(
        actor=user,
        organisation=case.organisation,
        action="evidence.add",
        obj=item,
        after={"case": case.reference, "type": evidence_type, "sha256": stored.sha256},
    )
    return item


@in_record_language
@transaction.atomic
def evidence_version_add(
    *,
    user: User,
    item_id: int,
    kind: str,
    filename: str,
    data: bytes | IO[bytes],
    reason: str,
    declared_mime: str = "",
    case_id: int | None = None,
) -> EvidenceVersion:
    """A redaction or conversion: a new version pointing to the latest one. The original
    stays stored and logged unchanged."""
    items = EvidenceItem.objects.select_related("case").filter(pk=item_id)
    item = (items if case_id is None else items.filter(case_id=case_id)).first()
    if item is None:
        raise EvidenceError(
            "证据不存在。", "No such evidence item.", code="evidence_not_found", status=404
        )
    case = case_get_for_user(user, item.case_id)
    if kind not in (VersionKind.REDACTION, VersionKind.CONVERSION):
        raise EvidenceError(
            "新版本只能是脱敏或格式转换。",
            "A new version is a redaction or a conversion.",
            code="version_kind_invalid",
            details={"field": "kind"},
        )
    if not reason.strip():
        raise EvidenceError(
            "请说明修改原因。", "Give the reason for the new version.", code="reason_missing"
        )
    raw = _read(data)
    content = check_content(raw, filename, declared_mime)
    stored = file_store(raw, KINDS[content].mime)
    latest = EvidenceVersion.objects.select_for_update().filter(item=item).order_by("-number")[0]
    version = EvidenceVersion.objects.create(
        item=item,
        number=latest.number + 1,
        kind=kind,
        file=stored,
        filename=filename[:255],
        previous=latest,
        reason=reason.strip()[:300],
        created_by=user,
    )
    _log_version(version, f"evidence.{'redacted' if kind == 'redaction' else 'converted'}")
    timeline_add(
        case=case,
        actor=user,
        kind="evidence_version",
        note=f"v{version.number} {VersionKind(kind).label} {stored.sha256[:12]}",
    )
    audit_record(
        actor=user,
        organisation=case.organisation,
        action=f"evidence.{kind}",
        obj=item,
        after={"version": version.number, "sha256": stored.sha256},
    )
    return version


def evidence_summary(item: EvidenceItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "type": item.evidence_type,
        "versions": [
            {"number": v.number, "kind": v.kind, "sha256": v.file.sha256}
            for v in item.versions.select_related("file").order_by("number")
        ],
    }


def evidence_version_download(
    *, user: User, case_id: int, item_id: int, number: int | None = None
) -> tuple[EvidenceVersion, bytes]:
    """The bytes of one version (the latest if ``number`` is None) for a user who can see
    the case; every download is audited."""
    case = case_get_for_user(user, case_id)
    versions = EvidenceVersion.objects.select_related("file", "item").filter(
        item_id=item_id, item__case=case
    )
    version = (
        versions.order_by("-number").first()
        if number is None
        else versions.filter(number=number).first()
    )
    if version is None:
        raise EvidenceError(
            "证据不存在。", "No such evidence item.", code="evidence_not_found", status=404
        )
    raw = file_read(version.file)
    if hashlib.sha256(raw).hexdigest() != version.file.sha256:
        raise EvidenceError(
            "存储的文件已损坏（哈希不符），请联系管理员。",
            "The stored file is corrupt (its hash does not match); contact the administrator.",
            code="file_corrupt",
            status=500,
        )
    audit_record(
        actor=user,
        organisation=case.organisation,
        action="evidence.download",
        obj=version.item,
        after={"version": version.number, "sha256": version.file.sha256},
    )
    return version, raw


# --------------------------------------------------------------------------- signed documents


def document_register(
    *,
    case: Any,
    kind: str,
    data: bytes,
    title: str,
    signed_at: dt.datetime,
    actor: User | None = None,
) -> SignedDocument:
    """Register a document signed on the platform (fee agreement, plan terms, notice,
    mediation agreement, court document): stored once by SHA-256 and logged as its own
    entry (``document.signed``: content hash, size and type, kind, time; the title only as a
    salted hash), so an evidence package carries the document with its inclusion proof.

    Callers have already checked who may sign; this runs in their transaction, so the
    signature, the document and its log entry commit or roll back together."""
    if kind not in DocumentKind.values:
        raise EvidenceError("未知的文书类型。", "Unknown document kind.", details={"kind": kind})
    detected = detect(data)
    if detected is None:
        raise EvidenceError(
            "无法识别的文书格式。",
            "The document's format is not recognised.",
            code="file_type_unsupported",
        )
    stored = file_store(data, KINDS[detected].mime)
    document = SignedDocument.objects.create(
        case=case, kind=kind, title=title[:200], file=stored, signed_at=signed_at
    )
    statement = statement_build(
        "document.signed",
        {
            "case": case.reference,
            "case_id": case.pk,
            "document_id": document.pk,
            "document_kind": kind,
            "sha256": stored.sha256,
            "size": stored.size,
            "content_type": stored.content_type,
            "signed_at": utc_text(signed_at),
            "recorded_at": utc_text(document.created_at),
        },
    )
    statement["title_sha256"] = salted_hash(statement["salt"], document.title)
    document.log_entry = ledger_append(kind="document.signed", case_id=case.pk, statement=statement)
    document.save(update_fields=["log_entry"])
    audit_record(
        actor=actor,
        organisation=case.organisation,
        action="document.register",
        obj=document,
        after={"kind": kind, "sha256": stored.sha256},
    )
    return document
