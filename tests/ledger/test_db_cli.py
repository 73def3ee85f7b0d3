"""``qingqian ledger …`` and ``qingqian witness`` (the witness runs without the database)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from qingqian.ledger import selectors, services
from qingqian.ledger.checkpoint import open_checkpoint
from qingqian.ledger.merkle import verify_inclusion
from qingqian.ledger.note import SIG_COSIGNATURE_V1, SignerKey, VerifierKey, generate_signer
from qingqian.ledger.proofs import ConsistencyProof, InclusionProof
from qingqian.ledger.witness import witness_run

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def grow(start: int, stop: int) -> None:
    services.ledger_append_many(
        services.NewEntry("test", None, {"n": i, "salt": "cd"}) for i in range(start, stop)
    )
    services.ledger_integrate()


def test_keygen_prints_matching_keys() -> None:
    data = json.loads(run("ledger", "keygen", "--name", "example.org/log", "--json"))
    signer = SignerKey.parse(data["signer_key"])
    assert signer.verifier() == VerifierKey.parse(data["verifier_key"])
    assert signer.name == "example.org/log"
    witness = json.loads(run("ledger", "keygen", "--name", "w.example", "--witness", "--json"))
    assert SignerKey.parse(witness["signer_key"]).sig_type == SIG_COSIGNATURE_V1


def test_integrate_checkpoint_proof_consistency() -> None:
    services.ledger_append_many(
        services.NewEntry("test", None, {"n": i, "salt": "cd"}) for i in range(20)
    )
    assert json.loads(run("ledger", "integrate", "--json")) == {"size": 20, "published": True}
    checkpoint = json.loads(run("ledger", "checkpoint", "--json"))
    assert checkpoint["size"] == 20
    assert run("ledger", "checkpoint") == checkpoint["note"]
    proof = InclusionProof.from_json(json.loads(run("ledger", "proof", "4", "--json")))
    latest = selectors.checkpoint_latest()
    assert latest is not None
    verify_inclusion(proof.leaf_hash, 4, 20, proof.proof, bytes(latest.root_hash))
    grow(20, 33)
    consistency = ConsistencyProof.from_json(
        json.loads(run("ledger", "consistency", "20", "--json"))
    )
    assert (consistency.old_size, consistency.new_size) == (20, 33)
    consistency.verify()


def test_cli_errors_exit_2_with_both_languages() -> None:
    grow(0, 5)
    with pytest.raises(CommandError) as info:
        run("ledger", "proof", "9", "--json")
    assert info.value.returncode == 2
    assert "index_out_of_range" in str(info.value)
    assert " / " in str(info.value)


def _witness_files(tmp_path: Path) -> tuple[SignerKey, Path, Path]:
    key = generate_signer("notary.example/w1", SIG_COSIGNATURE_V1)
    key_file = tmp_path / "witness.key"
    key_file.write_text(key.encode() + "\n")
    return key, key_file, tmp_path / "witness-state.json"


def test_witness_command_from_files_then_cosign(tmp_path: Path, settings: Any) -> None:
    key, key_file, state = _witness_files(tmp_path)
    settings.QINGQIAN_WITNESS_KEYS = [key.verifier().encode()]
    log_key = selectors.log_verifier_key().encode()
    grow(0, 10)
    first = tmp_path / "cp1.json"
    first.write_text(run("ledger", "checkpoint", "--json"))
    line = run(
        "witness",
        "--log-key",
        log_key,
        "--url-or-file",
        str(first),
        "--state",
        str(state),
        "--key-file",
        str(key_file),
    ).strip()
    assert line.startswith("— notary.example/w1 ")
    assert json.loads(state.read_text())["size"] == 10
    run("ledger", "cosign", "10", line)
    grow(10, 300)
    # Without a consistency proof the witness refuses and keeps its state.
    bare = tmp_path / "cp2.json"
    bare.write_text(run("ledger", "checkpoint", "--json"))
    with pytest.raises(CommandError) as info:
        run(
            "witness",
            "--log-key",
            log_key,
            "--url-or-file",
            str(bare),
            "--state",
            str(state),
            "--key-file",
            str(key_file),
        )
    assert info.value.returncode == 2
    assert json.loads(state.read_text())["size"] == 10
    second = tmp_path / "cp3.json"
    second.write_text(run("ledger", "checkpoint", "--json", "--since", "10"))
    data = json.loads(
        run(
            "witness",
            "--log-key",
            log_key,
            "--url-or-file",
            str(second),
            "--state",
            str(state),
            "--key-file",
            str(key_file),
            "--json",
        )
    )
    assert (data["size"], data["previous_size"]) == (300, 10)
    run("ledger", "cosign", "300", data["cosignature"])
    note = selectors.checkpoint_note(selectors.checkpoint_latest())  # type: ignore[arg-type]
    opened = open_checkpoint(note, selectors.log_verifier_key(), [key.verifier()], quorum=1)
    assert opened.checkpoint.size == 300


def test_witness_refuses_a_fork(tmp_path: Path) -> None:
    key, _, state = _witness_files(tmp_path)
    log_key = selectors.log_verifier_key()
    grow(0, 10)
    state.write_text(json.dumps({"origin": log_key.name, "size": 10, "root_hash": "A" * 43 + "="}))
    source = tmp_path / "cp.json"
    source.write_text(run("ledger", "checkpoint", "--json"))
    from qingqian.ledger.errors import LedgerError

    with pytest.raises(LedgerError) as info:
        witness_run(log_key=log_key, witness_key=key, source=str(source), state=state, timestamp=1)
    assert info.value.code == "proof_mismatch"


def test_witness_over_tlog_tiles_url(tmp_path: Path) -> None:
    key, _, state = _witness_files(tmp_path)
    log_key = selectors.log_verifier_key()
    client = Client()

    def fetch(url: str) -> bytes:
        response = client.get(url.removeprefix("https://log.example"))
        assert response.status_code == 200, url
        return bytes(response.content)

    grow(0, 70)
    base = "https://log.example/tlog/"
    first = witness_run(
        log_key=log_key, witness_key=key, source=base, state=state, timestamp=5, fetch=fetch
    )
    assert first.checkpoint.size == 70
    grow(70, 600)
    second = witness_run(
        log_key=log_key, witness_key=key, source=base, state=state, timestamp=6, fetch=fetch
    )
    assert (second.previous_size, second.checkpoint.size) == (70, 600)
