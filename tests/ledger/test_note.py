"""C2SP signed notes, keys, checkpoints and tlog-cosignature/v1."""

from __future__ import annotations

import base64

import pytest

from qingqian.ledger.checkpoint import (
    Checkpoint,
    open_checkpoint,
    parse_checkpoint,
    sign_checkpoint,
    witness_cosign,
)
from qingqian.ledger.errors import LedgerError
from qingqian.ledger.merkle import EMPTY_ROOT, DenseTree, consistency_proof, leaf_hash
from qingqian.ledger.note import (
    SIG_COSIGNATURE_V1,
    SIG_ED25519,
    Note,
    NoteSignature,
    SignerKey,
    VerifierKey,
    cosigned_message,
    generate_signer,
    key_id,
    parse_note,
    sign_note,
    sign_text,
    verify_note,
)

from .support import flip_bit

# golang.org/x/mod/sumdb/note test vector (Ed25519 is deterministic).
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSN"
    "XgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
# A published checkpoint of a real log (a CT staging log), signed by the log (Ed25519 and an
# RFC 6962 signature we do not know) and cosigned by public witnesses (tlog-cosignature/v1).
REAL_LOG_VKEY = (
    "arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f"
)
REAL_WITNESS_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
REAL_CHECKPOINT = """arche2025h1.staging.ct.transparency.dev
1432088532
U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=

— arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=
— arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=
— transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==
— witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==
— remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==
— witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==
"""  # noqa: E501

ORIGIN = "qingqian.example/log"


# ----------------------------------------------------------------- keys


def test_go_key_strings_round_trip_and_key_id() -> None:
    signer = SignerKey.parse(GO_SKEY)
    verifier = VerifierKey.parse(GO_VKEY)
    assert signer.verifier() == verifier
    assert signer.encode() == GO_SKEY
    assert verifier.encode() == GO_VKEY
    assert verifier.key_id == bytes.fromhex("c74f20a3")
    assert key_id("PeterNeumann", SIG_ED25519, verifier.public_key).hex() == "c74f20a3"


@pytest.mark.parametrize(
    ("vkey", "sig_type"),
    [
        ("EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop", SIG_ED25519),
        ("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6", SIG_ED25519),
        (REAL_WITNESS_VKEY, SIG_COSIGNATURE_V1),
        (REAL_LOG_VKEY, SIG_ED25519),
    ],
)
def test_published_verifier_keys_parse(vkey: str, sig_type: int) -> None:
    key = VerifierKey.parse(vkey)
    assert key.sig_type == sig_type
    assert key.encode() == vkey


def test_mangled_verifier_keys_are_rejected() -> None:
    bad = [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong ID
        "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # short ID
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",  # bad base64
        "PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW=",  # changed type
        "PeterNeumann+c74f20a3",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+zz4f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWAA==",
    ]
    for text in bad:
        with pytest.raises(LedgerError) as error:
            VerifierKey.parse(text)
        assert error.value.code in {"key_invalid", "key_name_invalid"}, text
    # Every truncation of the Go key fails too.
    for cut in range(1, len(GO_VKEY)):
        with pytest.raises(LedgerError):
            VerifierKey.parse(GO_VKEY[:cut])


def test_signer_keys_are_validated_and_do_not_leak_in_repr() -> None:
    signer = generate_signer("example.com/w1", SIG_COSIGNATURE_V1)
    assert SignerKey.parse(signer.encode()) == signer
    assert signer.seed.hex() not in repr(signer)
    assert signer.verifier().encode().startswith("example.com/w1+")
    with pytest.raises(LedgerError):
        SignerKey.parse(GO_VKEY)
    with pytest.raises(LedgerError):
        SignerKey.parse(GO_SKEY.replace("c74f20a3", "c74f20a2"))
    with pytest.raises(LedgerError):
        generate_signer("has+plus")
    with pytest.raises(LedgerError):
        generate_signer("x", 0x02)


# ----------------------------------------------------------------- notes


def test_sign_reproduces_the_go_note_byte_for_byte() -> None:
    note = sign_note(GO_TEXT, [SignerKey.parse(GO_SKEY)])
    assert note.encode() == GO_NOTE


def test_open_the_go_note() -> None:
    note = parse_note(GO_NOTE.encode())
    assert note.text == GO_TEXT
    verified = verify_note(note, [VerifierKey.parse(GO_VKEY)])
    assert [v.key.name for v in verified] == ["PeterNeumann"]
    assert verified[0].timestamp is None


def test_tampered_note_text_or_signature_is_rejected() -> None:
    verifier = VerifierKey.parse(GO_VKEY)
    tampered = parse_note(GO_NOTE.replace("cryptography", "cryptographY"))
    with pytest.raises(LedgerError) as error:
        verify_note(tampered, [verifier])
    assert error.value.code == "signature_invalid"
    note = parse_note(GO_NOTE)
    signature = note.signatures[0]
    for bit in (0, 100, 511):
        forged = Note(
            note.text,
            (NoteSignature(signature.name, signature.key_id, flip_bit(signature.signature, bit)),),
        )
        with pytest.raises(LedgerError) as error:
            verify_note(forged, [verifier])
        assert error.value.code == "signature_invalid"


def test_unknown_keys_are_ignored_but_one_known_signature_is_required() -> None:
    other = generate_signer("PeterNeumann")  # same name, other key ID: unknown, ignored
    note = parse_note(GO_NOTE).with_signatures(sign_text(GO_TEXT, other))
    assert len(verify_note(note, [VerifierKey.parse(GO_VKEY)])) == 1
    with pytest.raises(LedgerError) as error:
        verify_note(parse_note(GO_NOTE), [other.verifier()])
    assert error.value.code == "signature_missing"
    # A wrong key under the right name and ID: the ID does not match, so it is unknown.
    with pytest.raises(LedgerError) as error:
        verify_note(parse_note(GO_NOTE), [VerifierKey("PeterNeumann", 1, b"\x01" * 32)])
    assert error.value.code == "signature_missing"


@pytest.mark.parametrize(
    "data",
    [
        GO_TEXT,  # no signatures
        GO_TEXT + "\n",  # blank line, no signature lines
        GO_NOTE[:-1],  # no final newline
        GO_NOTE.replace("— ", "- "),  # not an em dash
        GO_NOTE.replace("— PeterNeumann ", "— PeterNeumann  "),
        GO_NOTE.replace("x08go/", "x08go_"),  # not base64
        GO_NOTE.replace("\nthen", "\tthen"),  # control character
        GO_TEXT + "\n— PeterNeumann AAAA\n",  # too short
        GO_NOTE + GO_NOTE.split("\n\n")[1],  # same key twice
        b"\xff\xfe" + GO_NOTE.encode(),  # not UTF-8
        GO_TEXT + "\n" + "".join(f"— k{i} AAAAAAA=\n" for i in range(65)),  # too many
    ],
)
def test_malformed_notes_are_rejected(data: str | bytes) -> None:
    with pytest.raises(LedgerError) as error:
        parse_note(data)
    assert error.value.code == "note_malformed"


def test_note_text_may_contain_blank_lines() -> None:
    signer = generate_signer("example.com/poet")
    text = "Ognuno sta solo\n\ned è subito sera.\n"
    encoded = sign_note(text, [signer]).encode()
    assert parse_note(encoded).text == text
    verify_note(parse_note(encoded), [signer.verifier()])


# ----------------------------------------------------------------- cosignatures


def test_cosigned_message_layout() -> None:
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert cosigned_message(body, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\n" + body.encode()
    )
    for bad in (-1, 1 << 63, True):
        with pytest.raises(LedgerError) as error:
            cosigned_message(body, bad)
        assert error.value.code == "timestamp_invalid"


def test_real_checkpoint_with_a_real_witness_cosignature() -> None:
    log_key = VerifierKey.parse(REAL_LOG_VKEY)
    witness = VerifierKey.parse(REAL_WITNESS_VKEY)
    opened = open_checkpoint(REAL_CHECKPOINT, log_key, [witness], quorum=1)
    assert opened.checkpoint.size == 1432088532
    assert opened.checkpoint.origin == "arche2025h1.staging.ct.transparency.dev"
    assert opened.witnesses == ("remora.n621.de",)
    assert opened.cosignatures[0].timestamp == 1779573024
    changed = REAL_CHECKPOINT.replace("1432088532", "1432088533")
    with pytest.raises(LedgerError) as error:
        open_checkpoint(changed, log_key, [witness])
    assert error.value.code == "signature_invalid"


def test_cosignature_round_trip_and_rejections() -> None:
    log = generate_signer(ORIGIN)
    witness = generate_signer("notary.example/w1", SIG_COSIGNATURE_V1)
    checkpoint = Checkpoint(ORIGIN, 1, leaf_hash(b"x"))
    note = sign_checkpoint(checkpoint, log)
    cosignature = sign_text(note.text, witness, timestamp=1_700_000_000)
    assert int.from_bytes(cosignature.signature[:8], "big") == 1_700_000_000
    cosigned = note.with_signatures(cosignature).encode()
    opened = open_checkpoint(cosigned, log.verifier(), [witness.verifier()], quorum=1)
    assert opened.cosignatures[0].timestamp == 1_700_000_000
    # The timestamp is signed: changing it breaks the cosignature.
    blob = cosignature.key_id + (1_700_000_001).to_bytes(8, "big") + cosignature.signature[8:]
    forged = cosigned.replace(
        base64.b64encode(cosignature.key_id + cosignature.signature).decode(),
        base64.b64encode(blob).decode(),
    )
    with pytest.raises(LedgerError) as error:
        open_checkpoint(forged, log.verifier(), [witness.verifier()])
    assert error.value.code == "signature_invalid"
    # Quorum of two with one witness fails; a cosignature is not a log signature.
    with pytest.raises(LedgerError) as error:
        open_checkpoint(cosigned, log.verifier(), [witness.verifier()], quorum=2)
    assert error.value.code == "quorum_not_met"
    only_cosigned = Note(note.text, (cosignature,)).encode()
    with pytest.raises(LedgerError) as error:
        open_checkpoint(only_cosigned, log.verifier(), [witness.verifier()])
    assert error.value.code == "signature_missing"
    with pytest.raises(LedgerError):
        sign_text(note.text, witness)  # a cosignature needs a timestamp
    with pytest.raises(LedgerError):
        sign_text(note.text, log, timestamp=1)


# ----------------------------------------------------------------- checkpoints


def test_checkpoint_body_and_parse() -> None:
    tree = DenseTree(leaf_hash(bytes([i])) for i in range(5))
    checkpoint = Checkpoint(ORIGIN, 5, tree.root(), ("ext one",))
    body = checkpoint.body()
    assert body == (f"{ORIGIN}\n5\n{base64.b64encode(tree.root()).decode()}\next one\n")
    assert parse_checkpoint(body) == checkpoint
    assert Checkpoint(ORIGIN, 0, EMPTY_ROOT).body().split("\n")[1] == "0"


@pytest.mark.parametrize(
    "body",
    [
        "origin\n05\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "origin\n-5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "origin\n5\nAAAA\n",
        "origin\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n",  # non-canonical base64
        "origin\n5\n",
        "\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "origin\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n",  # empty extension
        "origin\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",  # empty tree, wrong root
        "origin\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ],
)
def test_malformed_checkpoints_are_rejected(body: str) -> None:
    with pytest.raises(LedgerError) as error:
        parse_checkpoint(body)
    assert error.value.code in {"checkpoint_invalid", "note_malformed"}


def test_checkpoint_signing_rules() -> None:
    log = generate_signer(ORIGIN)
    checkpoint = Checkpoint(ORIGIN, 0, EMPTY_ROOT)
    with pytest.raises(LedgerError):
        sign_checkpoint(checkpoint, generate_signer("someone.else/log"))
    with pytest.raises(LedgerError):
        sign_checkpoint(checkpoint, generate_signer(ORIGIN, SIG_COSIGNATURE_V1))
    # A note signed by the right key but naming another origin is refused.
    foreign = sign_note(
        Checkpoint("other.example/log", 0, EMPTY_ROOT).body(),
        [SignerKey(ORIGIN, SIG_ED25519, log.seed)],
    )
    with pytest.raises(LedgerError) as error:
        open_checkpoint(foreign.encode(), log.verifier())
    assert error.value.code == "origin_mismatch"


def test_witness_checks_consistency_before_cosigning() -> None:
    log = generate_signer(ORIGIN)
    witness = generate_signer("notary.example/w1", SIG_COSIGNATURE_V1)
    tree = DenseTree(leaf_hash(bytes([i])) for i in range(13))
    old = Checkpoint(ORIGIN, 8, tree.root(8))
    new_note = sign_checkpoint(Checkpoint(ORIGIN, 13, tree.root()), log).encode()
    proof = consistency_proof(8, 13, tree)
    cosignature = witness_cosign(
        note=new_note,
        log_key=log.verifier(),
        witness_key=witness,
        previous=old,
        consistency=proof,
        timestamp=1_750_000_000,
    )
    cosigned = parse_note(new_note).with_signatures(cosignature)
    open_checkpoint(cosigned, log.verifier(), [witness.verifier()], quorum=1)
    # A forked log (different old root) is refused, and nothing is signed.
    forked = Checkpoint(ORIGIN, 8, leaf_hash(b"fork"))
    with pytest.raises(LedgerError) as error:
        witness_cosign(
            note=new_note,
            log_key=log.verifier(),
            witness_key=witness,
            previous=forked,
            consistency=proof,
            timestamp=1_750_000_000,
        )
    assert error.value.code == "proof_mismatch"
    # A fork at the same size (another root) is refused.
    same_size_fork = Checkpoint(ORIGIN, 13, leaf_hash(b"fork"))
    with pytest.raises(LedgerError) as error:
        witness_cosign(
            note=new_note,
            log_key=log.verifier(),
            witness_key=witness,
            previous=same_size_fork,
            consistency=[],
            timestamp=1_750_000_000,
        )
    assert error.value.code == "proof_mismatch"
    # A shrinking log is refused.
    bigger = Checkpoint(ORIGIN, 20, leaf_hash(b"big"))
    with pytest.raises(LedgerError) as error:
        witness_cosign(
            note=new_note,
            log_key=log.verifier(),
            witness_key=witness,
            previous=bigger,
            consistency=[],
            timestamp=1_750_000_000,
        )
    assert error.value.code == "sizes_invalid"
    # First contact: no previous checkpoint, nothing to prove.
    witness_cosign(
        note=new_note,
        log_key=log.verifier(),
        witness_key=witness,
        previous=None,
        consistency=[],
        timestamp=1_750_000_000,
    )
