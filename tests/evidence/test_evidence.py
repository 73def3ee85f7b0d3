"""Evidence vault: content-addressed files, magic-byte checks, versions, log entries,
the strength score, packages and the offline verifier."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from qingqian.common.exceptions import ApplicationError
from qingqian.evidence import magic
from qingqian.evidence.models import EvidenceVersion, StoredFile
from qingqian.evidence.package import package_build
from qingqian.evidence.selectors import evidence_for_case, evidence_strength_for_case
from qingqian.evidence.services import (
    evidence_add,
    evidence_version_add,
    file_read,
    storage_name,
)
from qingqian.evidence.strength import evidence_strength
from qingqian.ledger import selectors as log
from qingqian.ledger import services as ledger
from qingqian.ledger.canonical import parse_canonical
from qingqian.ledger.models import LogEntry
from qingqian.ledger.note import SIG_COSIGNATURE_V1, generate_signer, sign_text
from qingqian.ledger.verify_cli import build_zip, main, verify_package

AT = dt.datetime(2025, 3, 1, 10, 30, tzinfo=dt.UTC)
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40


def _office(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PDF, "pdf"),
        (JPEG, "jpeg"),
        (PNG, "png"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "webp"),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", "wav"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "mp3"),
        (b"\xff\xfb\x90\x00" + b"\x00" * 8, "mp3"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "m4a"),
        (b"#!AMR\n\x3c\x00", "amr"),
        (_office("word/document.xml"), "docx"),
        (_office("xl/workbook.xml"), "xlsx"),
        ("借条：今借到人民币伍万元整。".encode(), "text"),
        (b"PK\x03\x04garbage", None),
        (b"\x00\x01\x02binary", None),
        (b"\xc3\x28 not utf-8", None),
    ],
)
def test_magic_detection(data: bytes, kind: str | None) -> None:
    assert magic.detect(data) == kind


def test_strength_score_names_what_is_missing() -> None:
    result = evidence_strength(
        ["chat_record"], debt_type="private_loan", debtor_has_credit_code=False
    )
    assert result.score == 0
    assert [m.code for m in result.missing] == [
        "written_agreement",
        "money_flow",
        "debtor_identity",
    ]
    loan = evidence_strength(
        ["iou", "transfer_record", "identity_document"],
        debt_type="private_loan",
        debtor_has_credit_code=False,
    )
    assert (loan.score, loan.missing) == (100, ())
    # An invoice proves delivery for a trade debt, not the money of a private loan.
    assert (
        evidence_strength(
            ["iou", "invoice"], debt_type="private_loan", debtor_has_credit_code=False
        ).score
        == 40
    )
    trade = evidence_strength(
        ["reconciliation", "invoice"], debt_type="trade", debtor_has_credit_code=True
    )
    assert trade.score == 100
    assert trade.as_dict()["missing"] == []


def _add(user: Any, case: Any, **overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "user": user,
        "case_id": case.pk,
        "evidence_type": "loan_contract",
        "filename": "contract.pdf",
        "data": PDF,
        "collected_by": "李律师",
        "collected_at": AT,
        "capture_method": "扫描仪 Fujitsu fi-7160",
        "original_location": "本所档案室 A-12 柜",
    }
    fields.update(overrides)
    return evidence_add(**fields)


@pytest.mark.django_db
def test_add_stores_once_by_hash_and_logs(case: Any, users: dict[str, Any]) -> None:
    lawyer = users["lawyer"]
    item = _add(lawyer, case)
    again = _add(lawyer, case, evidence_type="other", title="同一文件再次上传")
    digest = hashlib.sha256(PDF).hexdigest()
    assert StoredFile.objects.count() == 1
    stored = StoredFile.objects.get()
    assert stored.sha256 == digest
    assert stored.storage_name == f"evidence/sha256/{digest[:2]}/{digest[2:4]}/{digest}"
    assert file_read(stored) == PDF
    assert default_storage.open(storage_name(digest)).read() == PDF
    ledger.ledger_integrate()
    version = item.versions.get()
    statement = parse_canonical(version.log_entry.private_statement)
    assert statement["type"] == "evidence.added"
    assert statement["sha256"] == digest
    assert statement["evidence_type"] == "loan_contract"
    assert statement["previous_sha256"] is None
    raw = version.log_entry.private_statement.decode()
    for personal in ("李律师", "档案室", "Fujitsu"):
        assert personal not in raw
    assert again.versions.get().file_id == stored.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filename", "data", "mime", "code"),
    [
        ("contract.jpg", PDF, "", "file_type_mismatch"),
        ("contract.pdf", PDF, "image/png", "file_type_mismatch"),
        ("photo.png", JPEG, "", "file_type_mismatch"),
        ("virus.exe", b"MZ\x90\x00\x03\x00\x00\x00", "", "file_type_unsupported"),
        ("empty.pdf", b"", "", "file_empty"),
    ],
)
def test_bad_files_are_refused_and_nothing_written(
    case: Any, users: dict[str, Any], filename: str, data: bytes, mime: str, code: str
) -> None:
    before = LogEntry.objects.count()
    with pytest.raises(ApplicationError) as info:
        _add(users["lawyer"], case, filename=filename, data=data, declared_mime=mime)
    assert info.value.code == code
    assert " / " in info.value.message
    assert StoredFile.objects.count() == 0
    assert LogEntry.objects.count() == before


@pytest.mark.django_db
def test_size_limit_and_provenance(case: Any, users: dict[str, Any], settings: Any) -> None:
    settings.QINGQIAN_EVIDENCE_MAX_BYTES = 32
    with pytest.raises(ApplicationError) as info:
        _add(users["lawyer"], case)
    assert (info.value.code, info.value.status) == ("file_too_large", 413)
    settings.QINGQIAN_EVIDENCE_MAX_BYTES = 10_000
    with pytest.raises(ApplicationError) as info:
        _add(users["lawyer"], case, original_location=" ")
    assert info.value.code == "provenance_missing"
    assert info.value.details == {"fields": ["original_location"]}


@pytest.mark.django_db
def test_access_only_through_case_scope(case: Any, users: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError) as info:
        _add(users["creditor_other"], case)
    assert info.value.code == "case_not_found"
    with pytest.raises(ApplicationError):
        evidence_for_case(users["creditor_other"], case.pk)
    assert StoredFile.objects.count() == 0


@pytest.mark.django_db
def test_redaction_is_a_new_version(case: Any, users: dict[str, Any]) -> None:
    item = _add(
        users["lawyer"], case, evidence_type="identity_document", filename="id.png", data=PNG
    )
    redacted = evidence_version_add(
        user=users["lawyer"],
        item_id=item.pk,
        kind="redaction",
        filename="id-redacted.png",
        data=PNG[:-8] + b"\x00" * 8,
        reason="遮盖身份证号中间八位",
    )
    assert redacted.number == 2
    assert redacted.previous is not None and redacted.previous.number == 1
    assert file_read(redacted.previous.file) == PNG  # the original stays bit-exact
    ledger.ledger_integrate()
    statement = parse_canonical(redacted.log_entry.private_statement)
    assert statement["type"] == "evidence.redacted"
    assert statement["previous_sha256"] == hashlib.sha256(PNG).hexdigest()
    assert evidence_strength_for_case(users["lawyer"], case.pk).score == 20 + 0  # identity only
    assert (
        "debtor_identity" in evidence_strength_for_case(users["lawyer"], case.pk).as_dict()["met"]
    )


# --------------------------------------------------------------------------- packages


@pytest.fixture
def package(case: Any, users: dict[str, Any], settings: Any) -> bytes:
    witness = generate_signer("notary.example/w1", SIG_COSIGNATURE_V1)
    settings.QINGQIAN_WITNESS_KEYS = [witness.verifier().encode()]
    _add(users["lawyer"], case)
    _add(users["lawyer"], case, evidence_type="transfer_record", filename="bank.jpg", data=JPEG)
    checkpoint = ledger.ledger_integrate()
    assert checkpoint is not None
    body = checkpoint.note.split("\n\n")[0] + "\n"
    ledger.cosignature_add(size=checkpoint.size, line=sign_text(body, witness, timestamp=1).line())
    return package_build(user=users["lawyer"], case_id=case.pk)


@pytest.mark.django_db
def test_package_verifies(package: bytes, capsys: Any, tmp_path: Path) -> None:
    report = verify_package(package, log.log_verifier_key().encode())
    assert report.passed, report.render()
    names = zipfile.ZipFile(io.BytesIO(package)).namelist()
    assert {
        "README.txt",
        "log-key.txt",
        "policy.json",
        "checkpoint.txt",
        "manifest.json",
        "manifest.sig",
    } <= set(names)
    assert sum(n.startswith("files/") for n in names) == 2
    # opened + two evidence items + their two timeline rows
    assert sum(n.endswith(".tlog-proof") for n in names) == 5
    policy = json.loads(zipfile.ZipFile(io.BytesIO(package)).read("policy.json"))
    assert policy["quorum"] == 1
    path = tmp_path / "p.zip"
    path.write_bytes(package)
    assert main([str(path)]) == 3  # intact, but the signer is unverified without a pinned key
    assert "Verdict: the package is intact" not in capsys.readouterr().out
    assert main([str(path), "--log-key", log.log_verifier_key().encode()]) == 0
    out = capsys.readouterr().out
    assert "结论：证据包完整" in out and "Verdict: the package is intact" in out
    other = generate_signer("other.example/log").verifier().encode()
    assert main([str(path), "--log-key", other]) == 1


def _rezip(package: bytes, name: str, change: Any) -> bytes:
    archive = zipfile.ZipFile(io.BytesIO(package))
    members = {n: archive.read(n) for n in archive.namelist()}
    members[name] = change(members[name])
    return build_zip(members)


def _flip(data: bytes, position: int) -> bytes:
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


@pytest.mark.django_db
def test_flipping_a_byte_in_any_member_fails_and_names_it(package: bytes) -> None:
    names = zipfile.ZipFile(io.BytesIO(package)).namelist()
    for name in names:
        size = len(zipfile.ZipFile(io.BytesIO(package)).read(name))
        for position in sorted({0, size // 2, size - 2}):
            changed = _rezip(package, name, lambda d, p=position: _flip(d, p))
            report = verify_package(changed, log.log_verifier_key())
            assert not report.passed and not report.intact, (name, position)
            failed = [line[1] for line in report.lines if not line[0]]
            assert any(
                name in where
                or where in ("manifest.sig", "checkpoint.txt", "log-key.txt", "policy.json")
                for where in failed
            ), (name, position, failed)


@pytest.mark.django_db
def test_flipping_a_raw_zip_byte_fails(package: bytes) -> None:
    step = max(1, len(package) // 150)
    for position in range(0, len(package), step):
        report = verify_package(_flip(package, position), log.log_verifier_key())
        assert not report.passed and not report.intact, position
        assert "失败 FAIL" in report.render()


@pytest.mark.django_db
def test_export_command_and_standalone_verifier(
    package: bytes, case: Any, users: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "case.zip"
    stdout = StringIO()
    call_command(
        "evidence", "export", str(case.pk), "--user", "lawyer", "--out", str(out), stdout=stdout
    )
    assert out.exists()
    script = (
        "import sys; from qingqian.ledger import verify_cli; code = verify_cli.main(sys.argv[1:]);"
        " bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'ninja', 'psycopg')];"
        " sys.exit(90 if bad else code)"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script, str(out), "--log-key", log.log_verifier_key().encode()],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "全部检查通过" in done.stdout
    with pytest.raises(CommandError) as info:
        call_command("evidence", "export", str(case.pk), "--user", "cred-b", "--out", str(out))
    assert info.value.returncode == 2
    strength = StringIO()
    call_command(
        "evidence", "strength", str(case.pk), "--user", "lawyer", "--json", stdout=strength
    )
    assert json.loads(strength.getvalue())["score"] == 100
    assert EvidenceVersion.objects.count() == 2
