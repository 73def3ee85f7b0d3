"""Evidence versions and signed documents against their log entries (``qingqian ledger
verify``): the stored file's SHA-256 and size must be those the log recorded."""

from __future__ import annotations

from collections.abc import Iterator

from qingqian.evidence.models import EvidenceVersion, SignedDocument
from qingqian.ledger.canonical import parse_canonical
from qingqian.ledger.integrity import Problem


def evidence_rows_check() -> Iterator[Problem | int]:
    count = 0
    for model, label in ((EvidenceVersion, "evidence version"), (SignedDocument, "document")):
        rows = model.objects.filter(log_entry__isnull=False, log_entry__index__isnull=False)
        for row in rows.select_related("file", "log_entry").iterator(chunk_size=500):
            entry = row.log_entry
            if entry is None or entry.index is None:
                continue
            statement = parse_canonical(entry.private_statement)
            file = row.file
            if statement.get("sha256") != file.sha256 or statement.get("size") != file.size:
                yield Problem(
                    entry.index,
                    f"{label} {row.pk}",
                    "文件哈希或大小与日志不符",
                    "the file's hash or size differs from its log entry",
                )
            count += 1
    yield count
