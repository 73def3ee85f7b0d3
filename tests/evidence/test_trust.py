"""Verification that cannot be fooled: the verifier trusts only what its user pins (log key,
witness keys and quorum, timestamp authority roots), never what a package says about
itself; exports pick a checkpoint the configured witnesses cosigned; RFC 3161 tokens travel
in every package."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from qingqian.evidence.package import PackageError, package_build
from qingqian.ledger import selectors as log
from qingqian.ledger import services as ledger
from qingqian.ledger.canonical import canonicalize, parse_canonical, statement_commitment
from qingqian.ledger.checkpoint import Checkpoint as CheckpointBody
from qingqian.ledger.checkpoint import sign_checkpoint
from qingqian.ledger.demo_tsa import InProcessTsa
from qingqian.ledger.merkle import DenseTree, inclusion_proof, leaf_hash
from qingqian.ledger.note import SIG_COSIGNATURE_V1, Note, generate_signer, sign_text
from qingqian.ledger.proofs import TlogProof
from qingqian.ledger.timestamping import Rfc3161Authority
from qingqian.ledger.verify_cli import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_SIGNER_UNVERIFIED,
    EXIT_UNREADABLE,
    MANIFEST,
    MANIFEST_SIG,
    TIMESTAMP_NOTE,
    TIMESTAMP_TOKEN,
    build_zip,
    main,
    manifest_note_text,
    verify_package,
)

from .test_evidence import JPEG, PDF, _add

pytestmark = pytest.mark.django_db


def _members(package: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(package))
    return {name: archive.read(name) for name in archive.namelist()}


def forge(package: bytes) -> bytes:
    """What a forger can do without the log's private key: alter the PDF, rewrite the
    statement that logs it, build a whole fake log over the package's entries, and sign it
    with a key of his own *under the same origin* (the key name is the origin)."""
    members = _members(package)
    manifest = json.loads(members[MANIFEST])
    origin = log.log_verifier_key().name
    fake = generate_signer(origin)
    altered = PDF.replace(b"1 0 obj", b"9 0 obj")
    statements: dict[int, bytes] = {}
    for item in manifest["entries"]:
        statement = members.pop(item["statement"])
        members.pop(item["proof"])
        if item.get("file", "").endswith(".pdf"):
            members.pop(item["file"])
            fields = parse_canonical(statement)
            fields["sha256"] = hashlib.sha256(altered).hexdigest()
            fields["size"] = len(altered)
            statement = canonicalize(fields)
            item["file"] = f"files/{fields['sha256']}.pdf"
            members[item["file"]] = altered
        statements[item["index"]] = statement
        members[item["statement"]] = statement
    size = max(statements) + 1
    tree = DenseTree(
        leaf_hash(statement_commitment(statements.get(i, b"filler %d" % i))) for i in range(size)
    )
    note = sign_checkpoint(CheckpointBody(origin, size, tree.root()), fake).encode()
    for item in manifest["entries"]:
        proof = inclusion_proof(item["index"], size, tree)
        members[item["proof"]] = TlogProof(item["index"], tuple(proof), note).encode().encode()
    members["checkpoint.txt"] = note.encode()
    members["log-key.txt"] = (fake.verifier().encode() + "\n").encode()
    members.pop(TIMESTAMP_NOTE, None)
    members.pop(TIMESTAMP_TOKEN, None)
    policy = json.loads(members["policy.json"])
    policy["witnesses"], policy["quorum"] = [], 0
    members["policy.json"] = json.dumps(policy).encode()
    members.pop(MANIFEST), members.pop(MANIFEST_SIG)
    manifest["checkpoint_size"] = size
    manifest["members"] = {n: hashlib.sha256(d).hexdigest() for n, d in sorted(members.items())}
    raw = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
    text = manifest_note_text(raw)
    members[MANIFEST] = raw
    members[MANIFEST_SIG] = Note(text, (sign_text(text, fake),)).encode().encode()
    return build_zip(members)


@pytest.fixture
def witness(settings: Any) -> Any:
    signer = generate_signer("notary.example/w1", SIG_COSIGNATURE_V1)
    settings.QINGQIAN_WITNESS_KEYS = [signer.verifier().encode()]
    return signer


def _cosign_latest(witness: Any) -> int:
    checkpoint = ledger.ledger_integrate() or log.checkpoint_latest()
    assert checkpoint is not None
    body = checkpoint.note.split("\n\n")[0] + "\n"
    ledger.cosignature_add(size=checkpoint.size, line=sign_text(body, witness, timestamp=1).line())
    return checkpoint.size


def test_forged_package_is_refused_with_and_without_a_pinned_key(
    case: Any, users: dict[str, Any], witness: Any, tmp_path: Path, capsys: Any
) -> None:
    _add(users["lawyer"], case)
    _add(users["lawyer"], case, evidence_type="transfer_record", filename="bank.jpg", data=JPEG)
    _cosign_latest(witness)
    genuine = package_build(user=users["lawyer"], case_id=case.pk)
    forged = forge(genuine)
    real_key = log.log_verifier_key().encode()
    # The forgery is self-consistent: every check but the signer's passes ...
    report = verify_package(forged)
    assert report.intact and not report.passed and report.exit_code == EXIT_SIGNER_UNVERIFIED
    path = tmp_path / "forged.zip"
    path.write_bytes(forged)
    capsys.readouterr()
    assert main([str(path)]) == EXIT_SIGNER_UNVERIFIED
    out = capsys.readouterr().out
    assert "签名者未经验证" in out and "SIGNER UNVERIFIED" in out
    assert "every check passed" not in out
    # ... and under the real, pinned key it fails, naming the key.
    assert main([str(path), "--log-key", real_key]) == EXIT_FAILED
    out = capsys.readouterr().out
    assert "differs from the log key you pinned" in out and "FAILED" in out
    key_file = tmp_path / "log.key"
    key_file.write_text(real_key + "\n")
    assert main([str(path), "--log-key-file", str(key_file)]) == EXIT_FAILED
    # The genuine package passes under the pinned key, and only then.
    good = tmp_path / "genuine.zip"
    good.write_bytes(genuine)
    assert main([str(good)]) == EXIT_SIGNER_UNVERIFIED
    assert main([str(good), "--log-key-file", str(key_file)]) == EXIT_OK
    witness_key = witness.verifier().encode()
    assert main([str(good), "--log-key", real_key, "--witness", witness_key]) == EXIT_OK
    # The forged package also lacks the witness the verifier requires.
    report = verify_package(forged, witnesses=[witness_key])
    assert not report.intact


def test_log_key_fetched_from_the_checkpoint_api_is_pinned(
    case: Any, users: dict[str, Any], client: Any, tmp_path: Path
) -> None:
    _add(users["lawyer"], case)
    genuine = package_build(user=users["lawyer"], case_id=case.pk)
    answer = client.get("/api/v1/ledger/checkpoint")
    assert answer.status_code == 200
    api = tmp_path / "checkpoint.json"
    api.write_bytes(answer.content)
    key_file = tmp_path / "pinned.key"
    package = tmp_path / "p.zip"
    package.write_bytes(genuine)
    url = api.as_uri()
    args = [str(package), "--log-key-url", url, "--log-key-file", str(key_file)]
    assert main(args) == EXIT_OK
    assert key_file.read_text().strip() == log.log_verifier_key().encode()  # pinned
    # Later the API answers with another key: the pinned file wins, the clash is refused.
    other = generate_signer(log.log_verifier_key().name).verifier().encode()
    api.write_text(json.dumps({"log_key": other}))
    assert main(args) == EXIT_UNREADABLE
    package.write_bytes(forge(genuine))
    assert main([str(package), "--log-key-file", str(key_file)]) == EXIT_FAILED
    assert main([str(package), "--log-key-file", str(tmp_path / "absent.key")]) == EXIT_UNREADABLE


def test_quorum_comes_from_the_verifier_not_the_package(
    case: Any, users: dict[str, Any], witness: Any, settings: Any, tmp_path: Path
) -> None:
    second = generate_signer("firm.example/w2", SIG_COSIGNATURE_V1)
    _add(users["lawyer"], case)
    _cosign_latest(witness)
    package = package_build(user=users["lawyer"], case_id=case.pk)
    key = log.log_verifier_key().encode()
    one, two = witness.verifier().encode(), second.verifier().encode()
    assert verify_package(package, key, witnesses=[one]).passed
    # The package's own policy says quorum 1 with w1; the verifier demands w1 AND w2.
    report = verify_package(package, key, witnesses=[one, two])
    assert not report.passed
    assert any("quorum_not_met" in line[3] for line in report.lines if not line[0])
    assert verify_package(package, key, witnesses=[one, two], quorum=1).passed
    # A witness the verifier does not know counts for nothing.
    assert not verify_package(package, key, witnesses=[two], quorum=1).passed
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"log_key": key, "witnesses": [one, two], "quorum": 2}))
    path = tmp_path / "p.zip"
    path.write_bytes(package)
    assert main([str(path), "--policy", str(policy)]) == EXIT_FAILED
    policy.write_text(json.dumps({"log_key": key, "witnesses": [one, two], "quorum": 1}))
    assert main([str(path), "--policy", str(policy)]) == EXIT_OK
    policy.write_text(json.dumps({"witnesses": [one], "quorum": 3}))
    assert main([str(path), "--policy", str(policy), "--log-key", key]) == EXIT_UNREADABLE


def test_each_export_stays_on_a_cosigned_checkpoint(
    case: Any, users: dict[str, Any], witness: Any
) -> None:
    key = log.log_verifier_key().encode()
    one = witness.verifier().encode()
    with pytest.raises(PackageError) as info:  # nothing cosigned yet
        package_build(user=users["lawyer"], case_id=case.pk)
    assert info.value.code == "checkpoint_not_cosigned" and info.value.status == 409
    _add(users["lawyer"], case)
    size = _cosign_latest(witness)
    for _ in range(3):  # each export logs itself; the next still ships quorum 1
        package = package_build(user=users["lawyer"], case_id=case.pk)
        members = _members(package)
        assert json.loads(members["policy.json"])["quorum"] == 1
        manifest = json.loads(members[MANIFEST])
        assert manifest["checkpoint_size"] == size
        assert verify_package(package, key, witnesses=[one]).passed
    assert manifest["entries_after_checkpoint"] == 2  # the first two exports
    assert max(item["index"] for item in manifest["entries"]) < size
    newer = _cosign_latest(witness)
    manifest = json.loads(_members(package_build(user=users["lawyer"], case_id=case.pk))[MANIFEST])
    assert manifest["checkpoint_size"] == newer and manifest["entries_after_checkpoint"] == 0


def test_an_export_waits_for_the_witness(
    case: Any, users: dict[str, Any], witness: Any, monkeypatch: Any
) -> None:
    from qingqian.evidence import package as packaging

    _add(users["lawyer"], case)
    _cosign_latest(witness)
    package_build(user=users["lawyer"], case_id=case.pk)  # logs itself: one entry uncovered
    _add(users["lawyer"], case, evidence_type="transfer_record", filename="b.jpg", data=JPEG)
    ledger.ledger_integrate()
    waited: list[float] = []

    def witness_arrives(seconds: float) -> None:  # the witness cosigns while we wait
        waited.append(seconds)
        _cosign_latest(witness)

    monkeypatch.setattr(packaging.time, "sleep", witness_arrives)
    manifest = json.loads(
        _members(package_build(user=users["lawyer"], case_id=case.pk, wait=30))[MANIFEST]
    )
    assert waited == [packaging.WAIT_STEP]
    assert manifest["entries_after_checkpoint"] == 0
    assert manifest["checkpoint_size"] == log.checkpoint_latest().size  # type: ignore[union-attr]


@pytest.fixture
def tsa(settings: Any) -> InProcessTsa:
    authority = InProcessTsa()
    settings.QINGQIAN_TIMESTAMP_AUTHORITY = Rfc3161Authority.from_pem(
        "https://tsa.test/tsr", authority.root_pem(), transport=authority.transport
    )
    return authority


def test_packages_carry_the_checkpoint_timestamp(
    case: Any, users: dict[str, Any], tsa: InProcessTsa, tmp_path: Path
) -> None:
    _add(users["lawyer"], case)
    package = package_build(user=users["lawyer"], case_id=case.pk)
    members = _members(package)
    note, token = members[TIMESTAMP_NOTE], members[TIMESTAMP_TOKEN]
    assert note.decode().split("\n\n")[0] == members["checkpoint.txt"].decode().split("\n\n")[0]
    assert tsa.requests and token[:1] == b"\x30"
    key = log.log_verifier_key().encode()
    roots = tmp_path / "roots.pem"
    roots.write_bytes(tsa.root_pem())
    report = verify_package(package, key, tsa_roots=tsa.root_pem())
    assert report.passed, report.render()
    assert any(line[1] == TIMESTAMP_TOKEN and line[0] for line in report.lines)
    # Without roots the token is only reported; required, it fails.
    assert verify_package(package, key).passed
    assert not verify_package(package, key, require_timestamp=True).passed
    stranger = InProcessTsa()
    report = verify_package(package, key, tsa_roots=stranger.root_pem())
    assert not report.passed
    path = tmp_path / "p.zip"
    path.write_bytes(package)
    assert main([str(path), "--log-key", key, "--tsa-roots", str(roots)]) == EXIT_OK
    # A token over another checkpoint is refused even though it verifies on its own.
    other = bytes(
        Rfc3161Authority.from_pem("https://tsa.test/tsr", tsa.root_pem(), transport=tsa.transport)
        .timestamp(b"another message")
        .token
    )
    swapped = dict(members)
    swapped[TIMESTAMP_TOKEN] = other
    manifest = json.loads(swapped[MANIFEST])
    manifest["members"][TIMESTAMP_TOKEN] = hashlib.sha256(other).hexdigest()
    swapped[MANIFEST] = json.dumps(manifest).encode()
    text = manifest_note_text(swapped[MANIFEST])
    swapped[MANIFEST_SIG] = Note(text, (sign_text(text, ledger.log_signer()),)).encode().encode()
    report = verify_package(build_zip(swapped), key, tsa_roots=tsa.root_pem())
    failed = [line[1] for line in report.lines if not line[0]]
    assert failed == [TIMESTAMP_TOKEN], report.render()


def test_timestamps_are_served_by_the_api(
    case: Any,
    users: dict[str, Any],
    tsa: InProcessTsa,
    client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _add(users["lawyer"], case)
    with django_capture_on_commit_callbacks(execute=True):  # the token comes after commit
        checkpoint = ledger.ledger_integrate()
    assert checkpoint is not None
    answer = client.get(f"/api/v1/ledger/checkpoints/{checkpoint.size}/timestamps")
    assert answer.status_code == 200
    [token] = answer.json()["timestamps"]
    assert token["note"] == checkpoint.note
    import base64

    der = base64.b64decode(token["token"])
    authority = Rfc3161Authority.from_pem("x", tsa.root_pem())
    authority.verify(der, token["note"].encode())
    raw = client.get(f"/api/v1/ledger/checkpoints/{checkpoint.size}/timestamp.tsr")
    assert raw.status_code == 200 and raw.content == der
    assert raw["Content-Type"] == "application/timestamp-reply"
    missing = client.get("/api/v1/ledger/checkpoints/999999/timestamps")
    assert missing.status_code == 404 and missing.json()["code"] == "checkpoint_unknown"


def test_signed_documents_are_logged_and_provable_from_the_package(
    case: Any, users: dict[str, Any], tmp_path: Path
) -> None:
    import datetime as dt

    from qingqian.evidence.services import EvidenceError, document_register
    from qingqian.ledger.proofs import parse_tlog_proof

    signed_at = dt.datetime(2025, 3, 2, 9, 0, tzinfo=dt.UTC)
    document = document_register(
        case=case, kind="fee_agreement", data=PDF, title="风险代理协议 第 1 版", signed_at=signed_at
    )
    notice = document_register(
        case=case,
        kind="notice",
        data="催告通知书".encode(),
        title="催告通知书",
        signed_at=signed_at,
    )
    assert document.log_entry is not None and notice.log_entry is not None
    with pytest.raises(EvidenceError) as info:
        document_register(case=case, kind="poem", data=PDF, title="x", signed_at=signed_at)
    assert info.value.code == "evidence_invalid"
    package = package_build(user=users["lawyer"], case_id=case.pk)
    members = _members(package)
    manifest = json.loads(members[MANIFEST])
    logged = {i["index"]: i for i in manifest["entries"] if i.get("title")}
    assert len(logged) == 2
    entry = document.log_entry
    entry.refresh_from_db()
    item = logged[entry.index]
    assert members[item["file"]] == PDF
    assert item["file"] == f"documents/{hashlib.sha256(PDF).hexdigest()}.pdf"
    assert parse_tlog_proof(members[item["proof"]]).index == entry.index
    statement = parse_canonical(members[item["statement"]])
    assert statement["type"] == "document.signed" and statement["document_kind"] == "fee_agreement"
    assert "风险代理" not in members[item["statement"]].decode()  # the title only salted
    key = log.log_verifier_key()
    report = verify_package(package, key)
    assert report.passed, report.render()
    assert any(line[1] == item["file"] and line[0] for line in report.lines)
    # An altered document (manifest re-signed by the log itself) fails against its entry.
    changed = dict(members)
    changed[item["file"]] = PDF.replace(b"1 0 obj", b"2 0 obj")
    changed[item["title"]] = "委托协议 第 1 版".encode()
    manifest["members"] = {
        n: hashlib.sha256(d).hexdigest()
        for n, d in sorted(changed.items())
        if n not in (MANIFEST, MANIFEST_SIG)
    }
    changed[MANIFEST] = json.dumps(manifest).encode()
    text = manifest_note_text(changed[MANIFEST])
    changed[MANIFEST_SIG] = Note(text, (sign_text(text, ledger.log_signer()),)).encode().encode()
    report = verify_package(build_zip(changed), key)
    failed = {line[1] for line in report.lines if not line[0]}
    assert failed == {item["file"], item["title"]}, report.render()
