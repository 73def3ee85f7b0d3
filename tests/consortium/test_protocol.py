"""The wire format: signed member lists and messages (pure kernel; no database)."""

from __future__ import annotations

import pytest

from qingqian.consortium.protocol import (
    Member,
    ProtocolError,
    member_list_open,
    member_list_sign,
    message_open,
    message_sign,
)
from qingqian.consortium.psi import PsiAsker, padded_size, psi_answer, request_size
from qingqian.ledger.note import generate_signer

A, B, C = (generate_signer(f"{n}.test/consortium") for n in "abc")
NONCE = "0" * 31 + "1"
NOW = 1_790_000_000


def _list(version: int = 1) -> object:
    members = [
        Member(k.name, f"http://127.0.0.1:800{i}", k.verifier()) for i, k in enumerate((A, B))
    ]
    return member_list_sign(version=version, convener=A, members=members)


def test_member_list_round_trips_and_needs_the_conveners_signature() -> None:
    signed = _list()
    opened = member_list_open(signed.note, A.verifier())  # type: ignore[attr-defined]
    assert [m.name for m in opened.members] == ["a.test/consortium", "b.test/consortium"]
    assert opened.version == 1 and opened.convener == A.name
    with pytest.raises(ProtocolError) as err:
        member_list_open(signed.note, B.verifier())  # type: ignore[attr-defined]
    assert err.value.code == "list_signature"
    tampered = signed.note.replace("8001", "8009")  # type: ignore[attr-defined]
    with pytest.raises(ProtocolError):
        member_list_open(tampered, A.verifier())


def test_a_message_opens_only_for_its_recipient_from_a_member_in_time() -> None:
    members = _list()
    raw = message_sign(A, kind="psi.query", recipient=B.name, nonce=NONCE, at=NOW, body={"x": 1})
    msg = message_open(raw, members, recipient=B.name, now=NOW + 10, kind="psi.query")  # type: ignore[arg-type]
    assert (msg.sender, msg.body, msg.nonce) == (A.name, {"x": 1}, NONCE)
    cases = [
        ({"recipient": A.name, "now": NOW}, "wrong_recipient"),
        ({"recipient": B.name, "now": NOW + 301}, "message_stale"),
        ({"recipient": B.name, "now": NOW, "kind": "facts.query"}, "wrong_kind"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ProtocolError) as err:
            message_open(raw, members, **kwargs)  # type: ignore[arg-type]
        assert err.value.code == code
    forged = message_sign(C, kind="psi.query", recipient=B.name, nonce=NONCE, at=NOW, body={})
    with pytest.raises(ProtocolError) as err:
        message_open(forged, members, recipient=B.name, now=NOW)  # type: ignore[arg-type]
    assert err.value.code == "unknown_member"
    # A's name, C's key: the signature does not verify under A's listed key.
    impostor = generate_signer(A.name)
    forged = message_sign(
        impostor, kind="psi.query", recipient=B.name, nonce=NONCE, at=NOW, body={}
    )
    with pytest.raises(ProtocolError) as err:
        message_open(forged, members, recipient=B.name, now=NOW)  # type: ignore[arg-type]
    assert err.value.code == "signature_invalid"
    altered = raw.replace('"x":1', '"x":2')
    with pytest.raises(ProtocolError) as err:
        message_open(altered, members, recipient=B.name, now=NOW)  # type: ignore[arg-type]
    assert err.value.code == "signature_invalid"


def test_psi_finds_only_the_askers_code_and_pads_the_list() -> None:
    held = [f"91320000{n:010d}" for n in range(20)]
    asker = PsiAsker([held[7]])
    request = asker.request()
    assert request_size(request) == 1
    setup, response = psi_answer(request, held)
    assert asker.matches(setup, response) == [held[7]]
    other = PsiAsker(["913200009999999999"])
    setup, response = psi_answer(other.request(), held)
    assert other.matches(setup, response) == []
    assert [padded_size(n) for n in (0, 16, 17, 1000)] == [16, 16, 32, 1024]
