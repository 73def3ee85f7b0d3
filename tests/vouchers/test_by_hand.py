"""docs/vouchers.md is executable: its ``sh`` blocks, with those of docs/verify-by-hand.md,
verify a real voucher PDF with bash, openssl and python3's standard library, and refuse one
whose voucher or event details were changed or that another key signed."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from qingqian.ledger import selectors as log
from qingqian.ledger import voucher_format as kernel
from qingqian.ledger.note import generate_signer
from qingqian.vouchers import services
from qingqian.vouchers.models import Voucher
from tests.evidence.test_verify_by_hand import resign, run_script
from tests.evidence.test_verify_by_hand import script as package_script

from .test_offline import _rebuild

DOC = Path(__file__).resolve().parents[2] / "docs" / "vouchers.md"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (shutil.which("bash") and shutil.which("openssl") and shutil.which("unzip")),
        reason="needs bash, openssl and unzip",
    ),
]


def script() -> str:
    blocks = re.findall(r"^```sh\n(.*?)^```$", DOC.read_text(encoding="utf-8"), re.S | re.M)
    assert len(blocks) == 2
    return "\n".join([blocks[0], package_script(), blocks[1]])


def run(pdf: bytes, tmp_path: Path, key: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "voucher.pdf"
    path.write_bytes(pdf)
    python = Path(shutil.which("python3") or "/usr/bin/python3").parent
    env = {"PATH": f"{python}:/usr/bin:/bin", "PDF": str(path), "LOG_KEY": key}
    return run_script(script(), tmp_path, env)


@pytest.fixture
def pdf(voucher: Voucher, users: Any) -> bytes:
    services.voucher_assign(
        actor=users["lawyer"], voucher=voucher, assignee="苏州清源商业保理有限公司"
    )
    services.voucher_settle(actor=users["lawyer"], voucher=voucher, amount="1000.00")
    return services.voucher_pdf(voucher)


def _members(pdf: bytes) -> dict[str, bytes]:
    [raw] = kernel.pdf_attachments(pdf)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_doc_verifies_a_genuine_voucher(pdf: bytes, tmp_path: Path) -> None:
    done = run(pdf, tmp_path, log.log_verifier_key().encode())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "package verified" in done.stdout and "voucher verified: 3 events" in done.stdout
    assert '2 settled {"amount":"1000.00"}' in done.stdout
    assert run(pdf, tmp_path, "").returncode != 0  # no key: refused


def test_the_doc_refuses_changes_and_other_keys(pdf: bytes, tmp_path: Path) -> None:
    key = log.log_verifier_key().encode()
    members = _members(pdf)
    assert run(_rebuild(pdf, resign(dict(members))), tmp_path, key).returncode == 0
    changed = dict(members)
    changed[kernel.DOCUMENT] = changed[kernel.DOCUMENT].replace(b"15000.50", b"15000.60")
    done = run(_rebuild(pdf, resign(changed)), tmp_path, key)
    assert done.returncode != 0 and "voucher verified" not in done.stdout
    assert "package verified" in done.stdout  # only the voucher's own steps catch it
    details = next(n for n in members if n.endswith(".details.json") and b"1000.00" in members[n])
    changed = dict(members)
    changed[details] = members[details].replace(b"1000.00", b"9000.00")
    done = run(_rebuild(pdf, resign(changed)), tmp_path, key)
    assert done.returncode != 0 and "voucher verified" not in done.stdout
    assert "package verified" in done.stdout  # only the voucher's own steps catch it
    other = generate_signer(log.log_verifier_key().name).verifier().encode()
    assert run(pdf, tmp_path, other).returncode != 0
