"""Proof documents: JSON forms, C2SP tlog-proof, and offline verification end to end."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.ledger.canonical import canonicalize
from qingqian.ledger.checkpoint import Checkpoint, sign_checkpoint
from qingqian.ledger.errors import LedgerError
from qingqian.ledger.merkle import DenseTree, consistency_proof, inclusion_proof, leaf_hash
from qingqian.ledger.note import SIG_COSIGNATURE_V1, SignerKey, sign_text
from qingqian.ledger.proofs import (
    ConsistencyProof,
    InclusionProof,
    TlogProof,
    parse_tlog_proof,
    verify_tlog_proof,
)

ORIGIN = "qingqian.example/log"
LOG = SignerKey(ORIGIN, 0x01, bytes(range(32)))
WITNESS = SignerKey("notary.example/w1", SIG_COSIGNATURE_V1, bytes(range(1, 33)))


def statement(i: int) -> bytes:
    return canonicalize(
        {"event": "evidence_added", "case": f"C-{i:04d}", "sha256": f"{i:064x}", "salt": "s"}
    )


def build(size: int) -> tuple[list[bytes], DenseTree, str]:
    entries = [statement(i) for i in range(size)]
    tree = DenseTree(leaf_hash(e) for e in entries)
    note = sign_checkpoint(Checkpoint(ORIGIN, size, tree.root()), LOG)
    cosigned = note.with_signatures(sign_text(note.text, WITNESS, timestamp=1_760_000_000))
    return entries, tree, cosigned.encode()


def test_inclusion_json_round_trip() -> None:
    _, tree, _ = build(11)
    proof = InclusionProof(
        6, 11, tree.levels[0][6], tree.root(), tuple(inclusion_proof(6, 11, tree))
    )
    data = proof.to_json()
    assert sorted(data) == ["leaf_hash", "leaf_index", "proof", "root_hash", "tree_size"]
    assert data["leaf_index"] == 6
    assert data["tree_size"] == 11
    assert len(data["proof"]) == 4
    assert InclusionProof.from_json(data) == proof
    InclusionProof.from_json(data).verify()


def test_consistency_json_round_trip() -> None:
    _, tree, _ = build(11)
    proof = ConsistencyProof(
        3, 11, tree.root(3), tree.root(), tuple(consistency_proof(3, 11, tree))
    )
    assert ConsistencyProof.from_json(proof.to_json()) == proof
    proof.verify()


@pytest.mark.parametrize(
    "change",
    [
        {"leaf_index": "6"},
        {"leaf_index": True},
        {"tree_size": -1},
        {"leaf_hash": "not base64!"},
        {"root_hash": "AA"},
        {"proof": "AAAA"},
        {"proof": [1]},
        {"extra": 1},
    ],
)
def test_inclusion_json_is_strict(change: dict[str, object]) -> None:
    _, tree, _ = build(11)
    data = InclusionProof(
        6, 11, tree.levels[0][6], tree.root(), tuple(inclusion_proof(6, 11, tree))
    ).to_json()
    data.update(change)
    with pytest.raises(LedgerError) as error:
        InclusionProof.from_json(data)
    assert error.value.code == "proof_malformed"


def test_tlog_proof_text_form() -> None:
    entries, tree, note = build(5)
    proof = TlogProof(2, tuple(inclusion_proof(2, 5, tree)), note, extra=b"case C-0002")
    text = proof.encode()
    lines = text.split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1"
    assert lines[1] == "extra Y2FzZSBDLTAwMDI="
    assert lines[2] == "index 2"
    assert lines[6] == ""
    assert text.endswith(note)
    assert parse_tlog_proof(text) == proof
    verified = verify_tlog_proof(text, entries[2], LOG.verifier(), [WITNESS.verifier()], quorum=1)
    assert verified.index == 2
    assert verified.checkpoint.size == 5
    assert verified.cosignatures[0].timestamp == 1_760_000_000
    # Without extra, and the single-entry tree with an empty proof.
    entries1, _, note1 = build(1)
    verify_tlog_proof(TlogProof(0, (), note1).encode(), entries1[0], LOG.verifier())


def test_wrong_entry_wrong_key_or_missing_quorum_fail() -> None:
    entries, tree, note = build(9)
    text = TlogProof(4, tuple(inclusion_proof(4, 9, tree)), note).encode()
    with pytest.raises(LedgerError) as error:
        verify_tlog_proof(text, entries[5], LOG.verifier())
    assert error.value.code == "proof_mismatch"
    other = SignerKey(ORIGIN, 0x01, bytes(32))
    with pytest.raises(LedgerError) as error:
        verify_tlog_proof(text, entries[4], other.verifier())
    assert error.value.code == "signature_missing"
    with pytest.raises(LedgerError) as error:
        verify_tlog_proof(text, entries[4], LOG.verifier(), [WITNESS.verifier()], quorum=2)
    assert error.value.code == "quorum_not_met"


def test_every_single_bit_flip_of_a_tlog_proof_is_rejected() -> None:
    """Exhaustive over every bit of the document: the size is signed inside the
    checkpoint, so unlike a bare RFC 9162 proof nothing can be changed unnoticed."""
    entries, tree, note = build(13)
    data = TlogProof(9, tuple(inclusion_proof(9, 13, tree)), note).encode().encode()
    log_key, witnesses = LOG.verifier(), [WITNESS.verifier()]
    verify_tlog_proof(data, entries[9], log_key, witnesses, quorum=1)
    for bit in range(len(data) * 8):
        changed = bytearray(data)
        changed[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(LedgerError):
            verify_tlog_proof(bytes(changed), entries[9], log_key, witnesses, quorum=1)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 200), st.data())
def test_any_bit_flip_of_the_entry_is_rejected(size: int, data: st.DataObject) -> None:
    entries, tree, note = build(size)
    index = data.draw(st.integers(0, size - 1))
    text = TlogProof(index, tuple(inclusion_proof(index, size, tree)), note).encode()
    verify_tlog_proof(text, entries[index], LOG.verifier())
    bit = data.draw(st.integers(0, len(entries[index]) * 8 - 1))
    changed = bytearray(entries[index])
    changed[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(LedgerError):
        verify_tlog_proof(text, bytes(changed), LOG.verifier())


@pytest.mark.parametrize(
    "text",
    [
        "c2sp.org/tlog-proof@v2\nindex 0\n\n",
        "c2sp.org/tlog-proof@v1\nindex 01\n\nx",
        "c2sp.org/tlog-proof@v1\nextra \nindex 0\n\nx",
        "c2sp.org/tlog-proof@v1\n\nx",
        "c2sp.org/tlog-proof@v1\nindex 0\nAAAA\n\nx",
        "c2sp.org/tlog-proof@v1\nindex 0",
    ],
)
def test_malformed_tlog_proofs(text: str) -> None:
    with pytest.raises(LedgerError) as error:
        parse_tlog_proof(text)
    assert error.value.code == "proof_malformed"
