"""docs/verify-by-hand.md is executable: its ``sh`` code blocks, run by bash with only unzip and
openssl, accept a genuine package and refuse forged or altered ones — each check of the doc
is exercised by a package that only that check can catch."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from qingqian.evidence.package import package_build
from qingqian.ledger import selectors as log
from qingqian.ledger import services as ledger
from qingqian.ledger.demo_tsa import InProcessTsa
from qingqian.ledger.note import SIG_COSIGNATURE_V1, Note, generate_signer, sign_text
from qingqian.ledger.timestamping import Rfc3161Authority
from qingqian.ledger.verify_cli import (
    MANIFEST,
    MANIFEST_SIG,
    TIMESTAMP_TOKEN,
    build_zip,
    manifest_note_text,
)

from .test_evidence import JPEG, _add
from .test_trust import _members, forge

DOC = Path(__file__).resolve().parents[2] / "docs" / "verify-by-hand.md"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (shutil.which("bash") and shutil.which("openssl") and shutil.which("unzip")),
        reason="needs bash, openssl and unzip",
    ),
]


def script() -> str:
    blocks = re.findall(r"^```sh\n(.*?)^```$", DOC.read_text(encoding="utf-8"), re.S | re.M)
    assert len(blocks) >= 5
    return "\n".join(blocks)


def resign(members: dict[str, bytes]) -> bytes:
    """Re-list and re-sign the manifest with the real log key: only the deeper checks of the
    doc (proofs, files, timestamp) can then catch the change."""
    manifest = json.loads(members[MANIFEST])
    body = {n: d for n, d in members.items() if n not in (MANIFEST, MANIFEST_SIG)}
    manifest["members"] = {n: hashlib.sha256(d).hexdigest() for n, d in sorted(body.items())}
    raw = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
    text = manifest_note_text(raw)
    body[MANIFEST] = raw
    body[MANIFEST_SIG] = Note(text, (sign_text(text, ledger.log_signer()),)).encode().encode()
    return build_zip(body)


@pytest.fixture
def setup(case: Any, users: dict[str, Any], settings: Any, tmp_path: Path) -> dict[str, Any]:
    witness = generate_signer("notary.example/w1", SIG_COSIGNATURE_V1)
    settings.QINGQIAN_WITNESS_KEYS = [witness.verifier().encode()]
    tsa = InProcessTsa()
    settings.QINGQIAN_TIMESTAMP_AUTHORITY = Rfc3161Authority.from_pem(
        "https://tsa.test/tsr", tsa.root_pem(), transport=tsa.transport
    )
    _add(users["lawyer"], case)
    _add(users["lawyer"], case, evidence_type="transfer_record", filename="bank.jpg", data=JPEG)
    checkpoint = ledger.ledger_integrate()
    assert checkpoint is not None
    body = checkpoint.note.split("\n\n")[0] + "\n"
    ledger.cosignature_add(
        size=checkpoint.size, line=sign_text(body, witness, timestamp=1_700_000_000).line()
    )
    roots = tmp_path / "roots.pem"
    roots.write_bytes(tsa.root_pem())
    return {
        "package": package_build(user=users["lawyer"], case_id=case.pk),
        "witness": witness.verifier().encode(),
        "roots": str(roots),
        "tsa": tsa,
    }


def run(package: bytes, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "case.zip"
    path.write_bytes(package)
    return run_script(script(), tmp_path, {"PATH": "/usr/bin:/bin", "PKG": str(path), **env})


def run_script(
    source: str, tmp_path: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run the doc's shell code in ``tmp_path`` with only ``env`` (``LOG_KEY`` empty unless
    given)."""
    return subprocess.run(  # noqa: S603
        ["/usr/bin/env", "bash", "-c", source],
        capture_output=True,
        text=True,
        check=False,
        env={"LOG_KEY": "", **env},
        cwd=tmp_path,
        timeout=120,
    )


def test_the_doc_verifies_a_genuine_package(setup: dict[str, Any], tmp_path: Path) -> None:
    key = log.log_verifier_key().encode()
    done = run(
        setup["package"],
        tmp_path,
        LOG_KEY=key,
        WITNESS_KEY=setup["witness"],
        TSA_ROOTS=setup["roots"],
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "package verified" in done.stdout
    assert run(setup["package"], tmp_path, LOG_KEY=key).returncode == 0
    assert run(setup["package"], tmp_path).returncode != 0  # no key given: refused


def test_the_doc_refuses_forgeries_and_changes(setup: dict[str, Any], tmp_path: Path) -> None:
    key = log.log_verifier_key().encode()
    full = {"LOG_KEY": key, "WITNESS_KEY": setup["witness"], "TSA_ROOTS": setup["roots"]}
    package = setup["package"]
    members = _members(package)
    # A forgery under the same origin, signed with another key.
    assert run(forge(package), tmp_path, **full).returncode != 0
    assert run(forge(package), tmp_path, LOG_KEY=key).returncode != 0
    # Another log key, or a witness who never cosigned.
    other = generate_signer(log.log_verifier_key().name).verifier().encode()
    assert run(package, tmp_path, LOG_KEY=other).returncode != 0
    stranger = generate_signer("other.example/w", SIG_COSIGNATURE_V1).verifier().encode()
    assert run(package, tmp_path, LOG_KEY=key, WITNESS_KEY=stranger).returncode != 0
    # One byte of the evidence file (the manifest catches it) ...
    [pdf] = [n for n in members if n.endswith(".pdf")]
    changed = dict(members)
    changed[pdf] = members[pdf][:-2] + b"X\n"
    assert run(build_zip(changed), tmp_path, **full).returncode != 0
    # ... and, with the manifest re-signed, the file's hash, the proofs and the timestamp.
    assert run(resign(changed), tmp_path, **full).returncode != 0
    statement = "entries/000000000001.json"
    changed = dict(members)
    changed[statement] = members[statement].replace(b'"v":1', b'"v":2')
    assert changed[statement] != members[statement]
    assert run(resign(changed), tmp_path, **full).returncode != 0
    changed = dict(members)
    tsa = setup["tsa"]
    changed[TIMESTAMP_TOKEN] = (
        Rfc3161Authority.from_pem("https://tsa.test/tsr", tsa.root_pem(), transport=tsa.transport)
        .timestamp(b"another checkpoint")
        .token
    )
    assert run(resign(changed), tmp_path, **full).returncode != 0
    assert run(resign(changed), tmp_path, LOG_KEY=key).returncode == 0  # no roots: not checked
    assert run(resign(dict(members)), tmp_path, **full).returncode == 0
