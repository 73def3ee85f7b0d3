"""The tlog-tiles endpoints and the /api/v1/ledger API."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client

from qingqian.ledger import selectors, services
from qingqian.ledger.canonical import statement_commitment as commit
from qingqian.ledger.checkpoint import open_checkpoint
from qingqian.ledger.merkle import verify_consistency, verify_inclusion
from qingqian.ledger.note import SIG_COSIGNATURE_V1, generate_signer, sign_text
from qingqian.ledger.proofs import ConsistencyProof, InclusionProof
from qingqian.ledger.tiles import decode_entry_bundle, tile_hashes

pytestmark = pytest.mark.django_db


@pytest.fixture
def log() -> Any:
    services.ledger_append_many(
        services.NewEntry("test", None, {"n": i, "salt": "ab"}) for i in range(300)
    )
    first = services.ledger_integrate()
    services.ledger_append_many(
        services.NewEntry("test", None, {"n": i, "salt": "ab"}) for i in range(300, 530)
    )
    return first, services.ledger_integrate()


def test_checkpoint_endpoint(client: Client, log: Any) -> None:
    response = client.get("/tlog/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    opened = open_checkpoint(response.content, selectors.log_verifier_key())
    assert opened.checkpoint.size == 530


def test_full_and_partial_tiles_are_immutable(client: Client, log: Any) -> None:
    full = client.get("/tlog/tile/0/000")
    assert full.status_code == 200
    assert full["Content-Type"] == "application/octet-stream"
    assert full["Cache-Control"] == "public, max-age=31536000, immutable"
    assert len(full.content) == 8192
    partial = client.get("/tlog/tile/0/002.p/18")
    assert partial.status_code == 200
    assert len(partial.content) == 18 * 32
    assert partial["Cache-Control"] == "public, max-age=31536000, immutable"  # never changes
    # An older, narrower partial tile is a prefix of the stored widest one.
    old = client.get("/tlog/tile/0/001.p/44")
    assert old.content == client.get("/tlog/tile/0/001").content[: 44 * 32]
    level1 = client.get("/tlog/tile/1/000.p/2")
    assert tile_hashes(level1.content) == [
        bytes(h) for h in tile_hashes(level1.content)
    ]  # well-formed
    assert client.get("/tlog/tile/0/002").status_code == 404  # not full yet
    assert client.get("/tlog/tile/0/002.p/19").status_code == 404  # wider than stored
    assert client.get("/tlog/tile/0/0002").status_code == 404  # not canonical
    assert client.get("/tlog/tile/0/x000/002").status_code == 404


def test_entry_bundles(client: Client, log: Any) -> None:
    full = client.get("/tlog/tile/entries/000")
    assert full["Cache-Control"] == "public, max-age=31536000, immutable"
    entries = decode_entry_bundle(full.content)
    assert len(entries) == 256
    # The public log carries commitments, never the statements (docs/log-privacy.md).
    assert entries[5] == commit(b'{"n":5,"salt":"ab"}')
    partial = client.get("/tlog/tile/entries/002.p/3")
    assert decode_entry_bundle(partial.content) == [
        commit(b'{"n":512,"salt":"ab"}'),
        commit(b'{"n":513,"salt":"ab"}'),
        commit(b'{"n":514,"salt":"ab"}'),
    ]


def test_api_checkpoint_and_entry(client: Client, log: Any) -> None:
    data = client.get("/api/v1/ledger/checkpoint").json()
    assert data["size"] == 530
    assert data["log_key"] == selectors.log_verifier_key().encode()
    assert data["cosigned_by"] == []
    entry = client.get("/api/v1/ledger/entries/7").json()
    assert base64.b64decode(entry["entry"]) == commit(b'{"n":7,"salt":"ab"}')
    assert set(entry) == {"index", "leaf_hash", "entry"}  # no kind, no statement
    missing = client.get("/api/v1/ledger/entries/530")
    assert missing.status_code == 404
    assert missing.json()["code"] == "entry_not_found"


def test_api_inclusion_proof(client: Client, log: Any) -> None:
    first, _ = log
    response = client.get("/api/v1/ledger/proofs/inclusion?index=299&size=300")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"leaf_index", "tree_size", "leaf_hash", "root_hash", "proof"}
    proof = InclusionProof.from_json(data)
    assert proof.root_hash == bytes(first.root_hash)
    verify_inclusion(proof.leaf_hash, 299, 300, proof.proof, bytes(first.root_hash))


def test_api_consistency_proof(client: Client, log: Any) -> None:
    first, second = log
    data = client.get("/api/v1/ledger/proofs/consistency?old=300&new=530").json()
    proof = ConsistencyProof.from_json(data)
    verify_consistency(300, 530, bytes(first.root_hash), bytes(second.root_hash), proof.proof)


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/v1/ledger/proofs/inclusion?index=530&size=530", 404, "index_out_of_range"),
        ("/api/v1/ledger/proofs/inclusion?index=1&size=9999", 404, "size_beyond_log"),
        ("/api/v1/ledger/proofs/inclusion?index=-1&size=10", 422, "number_invalid"),
        ("/api/v1/ledger/proofs/inclusion?index=x&size=10", 422, "validation_error"),
        ("/api/v1/ledger/proofs/consistency?old=400&new=300", 422, "sizes_invalid"),
        ("/api/v1/ledger/proofs/consistency?old=0&new=300", 422, "sizes_invalid"),
    ],
)
def test_api_errors_use_the_common_shape(
    client: Client, log: Any, url: str, status: int, code: str
) -> None:
    response = client.get(url)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert " / " in body["message"]
    for value in body["details"].values():
        assert isinstance(value, int | str | list)


def test_storage_faults_do_not_leak_details(client: Client, log: Any) -> None:
    from qingqian.ledger.models import LogTile

    LogTile.objects.filter(level=0, index=0).delete()
    response = client.get("/api/v1/ledger/proofs/inclusion?index=3&size=300")
    assert response.status_code == 503
    assert response.json() == {
        "code": "ledger_unavailable",
        "message": "日志存储出错，请稍后再试。 / The log storage failed; please try again later.",
        "details": {},
    }


def test_cosignature_from_configured_witness(client: Client, log: Any, settings: Any) -> None:
    _, second = log
    witness = generate_signer("notary.example/w1", SIG_COSIGNATURE_V1)
    stranger = generate_signer("stranger.example/w", SIG_COSIGNATURE_V1)
    settings.QINGQIAN_WITNESS_KEYS = [witness.verifier().encode()]
    body = open_checkpoint(second.note, selectors.log_verifier_key()).note.text
    line = sign_text(body, witness, timestamp=1_750_000_000).line()
    bad = sign_text(body, stranger, timestamp=1_750_000_000).line()
    refused = client.post(
        "/api/v1/ledger/cosignatures",
        {"size": 530, "cosignature": bad},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "signature_missing"
    wrong_size = client.post(
        "/api/v1/ledger/cosignatures",
        {"size": 300, "cosignature": line},
        content_type="application/json",
    )
    assert wrong_size.status_code == 422
    assert wrong_size.json()["code"] == "signature_invalid"
    accepted = client.post(
        "/api/v1/ledger/cosignatures",
        {"size": 530, "cosignature": line},
        content_type="application/json",
    )
    assert accepted.status_code == 201
    assert accepted.json() == {"size": 530, "witness": "notary.example/w1", "timestamp": 1750000000}
    note = client.get("/tlog/checkpoint").content
    opened = open_checkpoint(note, selectors.log_verifier_key(), [witness.verifier()], quorum=1)
    assert opened.witnesses == ("notary.example/w1",)
    assert client.get("/api/v1/ledger/checkpoint").json()["cosigned_by"] == ["notary.example/w1"]


def test_tiles_and_bundles_are_immutable_and_bundles_compressed(client: Client, log: Any) -> None:
    import gzip

    for path in ("/tlog/tile/0/002.p/18", "/tlog/tile/entries/002.p/18", "/tlog/tile/0/000"):
        response = client.get(path)
        assert response.status_code == 200
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    plain = client.get("/tlog/tile/entries/000")
    assert "Content-Encoding" not in plain and "Accept-Encoding" in plain["Vary"]
    packed = client.get("/tlog/tile/entries/000", headers={"Accept-Encoding": "br, gzip"})
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content)
    refused = client.get("/tlog/tile/entries/000", headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused
    tile = client.get("/tlog/tile/0/000", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in tile  # hash tiles do not compress
    assert client.get("/tlog/checkpoint")["Cache-Control"] == "no-cache"


def test_the_origin_is_derived_from_the_public_url() -> None:
    from qingqian.ledger.checkpoint import origin_for_url
    from qingqian.ledger.errors import LedgerError

    assert origin_for_url("https://qingqian.example.com/") == "qingqian.example.com/tlog"
    assert origin_for_url("https://firm.example/qq") == "firm.example/qq/tlog"
    assert origin_for_url("http://127.0.0.1:8000") == "127.0.0.1:8000/tlog"
    with pytest.raises(LedgerError):
        origin_for_url("https://")


def test_settings_derive_the_origin(monkeypatch: Any) -> None:
    import subprocess
    import sys

    code = "import qingqian.settings as s; print(s.QINGQIAN_LOG_ORIGIN)"
    env = {
        "PATH": "/usr/bin:/bin",
        "QINGQIAN_PUBLIC_URL": "https://qq.example.org/",
        "QINGQIAN_DEV": "1",
    }
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "qq.example.org/tlog"
