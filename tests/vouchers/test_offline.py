"""A voucher PDF verifies offline with ``qingqian-verify`` and the published log key alone;
one byte changed, a wrong key or a forgery does not."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from qingqian.ledger import selectors as log
from qingqian.ledger import voucher_format as kernel
from qingqian.ledger.note import generate_signer
from qingqian.ledger.verify_cli import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_SIGNER_UNVERIFIED,
    main,
    verify_package,
)
from qingqian.vouchers import services
from qingqian.vouchers.models import Voucher

pytestmark = pytest.mark.django_db


@pytest.fixture
def pdf(voucher: Voucher, users: Any) -> bytes:
    lawyer = users["lawyer"]
    services.voucher_assign(actor=lawyer, voucher=voucher, assignee="苏州清源商业保理有限公司")
    services.voucher_settle(actor=lawyer, voucher=voucher, amount="1000.00")
    return services.voucher_pdf(voucher, actor=lawyer)


def _package(pdf: bytes) -> dict[str, bytes]:
    [raw] = kernel.pdf_attachments(pdf)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _stream(pdf: bytes) -> tuple[int, int]:
    """Where the attached package's compressed bytes are in the PDF."""
    head = pdf.index(b"/Type /EmbeddedFile")
    start = pdf.index(b"stream\n", head) + len(b"stream\n")
    end = pdf.index(b"\nendstream", start)
    return start, end


def test_the_pdf_verifies_offline_with_the_published_key(
    pdf: bytes, voucher: Voucher, tmp_path: Path, capsys: Any
) -> None:
    assert pdf.startswith(b"%PDF-")
    members = _package(pdf)
    assert members[kernel.DOCUMENT].decode() == voucher.document
    qr = members[kernel.QR_MEMBER].decode()
    data = kernel.qr_parse(qr)
    assert data.digest == voucher.sha256 and data.number == voucher.number
    key = log.log_verifier_key().encode()
    report = verify_package(pdf, key)
    assert report.passed, report.render()
    text = report.render()
    assert "苏州清源商业保理有限公司" in text and "remaining 14000.50" in text
    assert "Art. 546" in text  # the assignment was not notified
    # The command line, from the file alone, with the key pinned, and the scanned QR.
    path = tmp_path / "voucher.pdf"
    path.write_bytes(pdf)
    assert main([str(path), "--log-key", key, "--qr", qr]) == EXIT_OK
    assert "--qr" in capsys.readouterr().out
    other = kernel.qr_payload(
        number=data.number,
        digest=data.digest,
        index=data.index + 1,
        size=data.size,
        root_b64=data.root_b64,
    )
    assert main([str(path), "--log-key", key, "--qr", other]) == EXIT_FAILED


def test_one_byte_changed_in_the_embedded_data_fails(pdf: bytes) -> None:
    key = log.log_verifier_key().encode()
    start, end = _stream(pdf)
    for offset in (start, (start + end) // 2, end - 1):
        damaged = bytearray(pdf)
        damaged[offset] ^= 0x01
        report = verify_package(bytes(damaged), key)
        assert not report.intact and report.exit_code == EXIT_FAILED, offset


def _rebuild(pdf: bytes, package: bytes) -> bytes:
    """The PDF with its attachment replaced (same compression, length fixed up)."""
    start, end = _stream(pdf)
    compressed = zlib.compress(package)
    head = pdf[:start]
    at = head.rindex(b"/Length ")
    stop = at + len(b"/Length ")
    while head[stop : stop + 1].isdigit():
        stop += 1
    head = head[:at] + b"/Length " + str(len(compressed)).encode() + head[stop:]
    return head + compressed + pdf[end:]


def _zip(members: dict[str, bytes]) -> bytes:
    from qingqian.ledger.verify_cli import build_zip

    return build_zip(members)


def test_one_byte_changed_in_the_voucher_fails(pdf: bytes) -> None:
    key = log.log_verifier_key().encode()
    members = _package(pdf)
    assert verify_package(_rebuild(pdf, _zip(members)), key).passed  # the rebuild is faithful
    members[kernel.DOCUMENT] = members[kernel.DOCUMENT].replace(b"15000.50", b"15000.60")
    report = verify_package(_rebuild(pdf, _zip(members)), key)
    assert not report.intact and "voucher.json" in report.render()


def test_a_wrong_key_or_none_is_not_a_verified_signer(pdf: bytes) -> None:
    other = generate_signer(log.log_verifier_key().name).verifier().encode()
    report = verify_package(pdf, other)
    assert not report.passed and report.exit_code == EXIT_FAILED
    unpinned = verify_package(pdf)
    assert unpinned.intact and not unpinned.signer_verified
    assert unpinned.exit_code == EXIT_SIGNER_UNVERIFIED
    assert "SIGNER UNVERIFIED" in unpinned.render()


def test_a_forgery_signed_by_another_key_is_unverified(
    pdf: bytes, voucher: Voucher, case: Any, users: Any, settings: Any
) -> None:
    """Someone with a key of their own can make a self-consistent voucher PDF: without the
    published key it says "signer unverified"; with it, it fails. Re-signing only the
    package around a genuine voucher fails either way (the voucher's own signature)."""
    real = log.log_verifier_key().encode()
    forger = generate_signer(log.log_verifier_key().name)
    from qingqian.ledger import services as ledger
    from qingqian.ledger.models import Checkpoint

    ledger._signer.cache_clear()
    settings.QINGQIAN_LOG_SIGNING_KEY = forger.encode()
    try:
        Checkpoint.objects.all().delete()
        resealed = services.voucher_pdf(voucher)
        fake = services.voucher_issue(
            actor=users["lawyer"],
            case_id=case.pk,
            amount="100.00",
            due_date=voucher.created_at.date(),
        )
        forged = services.voucher_pdf(fake)
    finally:
        ledger._signer.cache_clear()
    assert not verify_package(resealed).intact
    unpinned = verify_package(forged)
    assert unpinned.intact and unpinned.exit_code == EXIT_SIGNER_UNVERIFIED
    assert verify_package(forged, real).exit_code == EXIT_FAILED
    assert verify_package(forged, forger.verifier().encode()).passed
