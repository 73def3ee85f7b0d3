"""RFC 3161 timestamps on checkpoints: the ``rfc3161-client`` adapter against an in-process
authority that answers with real signed ``TimeStampResp`` DER (tests/ledger/tsa.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rfc3161_client import decode_timestamp_response

from qingqian.ledger import services
from qingqian.ledger.errors import LedgerError
from qingqian.ledger.models import CheckpointTimestamp
from qingqian.ledger.timestamping import Rfc3161Authority, http_transport

from .tsa import OID_CONTENT_TYPE, OID_ECDSA_SHA256, POLICY, InProcessTsa, integer, oid, read_tlv

AT = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
URL = "https://tsa.test/tsr"


@pytest.fixture
def tsa() -> InProcessTsa:
    return InProcessTsa(clock=lambda: AT)


def _adapter(tsa: InProcessTsa, **kwargs: Any) -> Rfc3161Authority:
    return Rfc3161Authority.from_pem(URL, tsa.root_pem(), transport=tsa.transport, **kwargs)


def test_adapter_gets_and_verifies_a_real_rfc3161_token(tsa: InProcessTsa) -> None:
    adapter = _adapter(tsa)
    token = adapter.timestamp(b"checkpoint note\n")
    assert token.gen_time == AT
    assert token.authority == URL
    response = decode_timestamp_response(token.token)
    assert response.tst_info.serial_number == 1
    assert adapter.verify(token.token, b"checkpoint note\n") == AT
    with pytest.raises(LedgerError, match="Mismatch between messages"):
        adapter.verify(token.token, b"another note\n")


def test_adapter_rejects_an_answer_under_another_root(tsa: InProcessTsa) -> None:
    stranger = InProcessTsa(clock=lambda: AT)
    adapter = Rfc3161Authority.from_pem(URL, stranger.root_pem(), transport=tsa.transport)
    with pytest.raises(LedgerError) as caught:
        adapter.timestamp(b"note")
    assert caught.value.code == "timestamp_invalid"


def test_adapter_rejects_a_replayed_answer(tsa: InProcessTsa) -> None:
    """An old answer for the same message carries another nonce."""
    first = _adapter(tsa).timestamp(b"note").token
    replay = Rfc3161Authority.from_pem(URL, tsa.root_pem(), transport=lambda u, r: first)
    with pytest.raises(LedgerError, match="Nonce mismatch"):
        replay.timestamp(b"note")


def test_adapter_rejects_a_signer_without_critical_timestamping_usage() -> None:
    weak = InProcessTsa(clock=lambda: AT, eku_critical=False)
    with pytest.raises(LedgerError, match="Invalid trusted timestamp"):
        _adapter(weak).timestamp(b"note")


def test_every_flipped_byte_of_the_signed_parts_is_refused(tsa: InProcessTsa) -> None:
    """Every byte of the TSTInfo (time, imprint, nonce, policy, serial), of the signed
    attributes and of the signature counts. (CMS leaves some algorithm identifiers outside
    the signature; OpenSSL ignores changes there, so they are not asserted.)"""
    adapter = _adapter(tsa)
    token = adapter.timestamp(b"note").token
    tst_start = token.find(integer(1) + oid(POLICY)) - 2
    _, tst_body, tst_end = read_tlv(token, tst_start)
    assert tst_body.startswith(integer(1))
    attrs_start = token.find(oid(OID_CONTENT_TYPE)) - 4
    signed = [*range(tst_start, tst_end), *range(attrs_start, len(token))]
    accepted = []
    for position in signed:
        changed = bytearray(token)
        changed[position] ^= 0x01
        try:
            adapter.verify(bytes(changed), b"note")
        except LedgerError:
            continue
        accepted.append(position)
    unsigned = oid(OID_ECDSA_SHA256)
    where = token.rfind(unsigned)
    assert all(where <= p < where + len(unsigned) for p in accepted), accepted


def test_garbage_and_non_http_urls_are_clear_errors(tsa: InProcessTsa) -> None:
    adapter = Rfc3161Authority.from_pem(URL, tsa.root_pem(), transport=lambda u, r: b"\x30\x00")
    with pytest.raises(LedgerError) as caught:
        adapter.timestamp(b"note")
    assert caught.value.message_zh == "可信时间戳无效。"
    with pytest.raises(LedgerError):
        http_transport("file:///etc/passwd", b"")
    with pytest.raises(LedgerError):
        Rfc3161Authority.from_pem(URL, b"not pem")


@pytest.mark.django_db
def test_checkpoints_are_timestamped_from_settings(
    settings: Any,
    tsa: InProcessTsa,
    tmp_path: Any,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    roots = tmp_path / "roots.pem"
    roots.write_bytes(tsa.root_pem())
    settings.QINGQIAN_TIMESTAMP_AUTHORITY = None
    settings.QINGQIAN_TSA_URL = URL
    settings.QINGQIAN_TSA_ROOTS = str(roots)
    from qingqian.ledger import timestamping

    monkeypatch.setattr(timestamping, "http_transport", tsa.transport)  # no network
    adapter = services.authority_from_settings()
    assert adapter is not None
    with django_capture_on_commit_callbacks(execute=True):
        services.ledger_append(kind="t", case_id=None, statement={"a": 1})
    stamp = CheckpointTimestamp.objects.get()
    assert stamp.gen_time == AT
    assert len(tsa.requests) == 1
    note = stamp.checkpoint.note.encode()
    assert adapter.verify(bytes(stamp.token), note) == AT


@pytest.mark.django_db
def test_an_unreachable_authority_never_fails_the_log(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    def down(url: str, request: bytes) -> bytes:
        raise LedgerError("timestamp_invalid", "可信时间戳无效。", "down")

    settings.QINGQIAN_TIMESTAMP_AUTHORITY = Rfc3161Authority(
        URL, [InProcessTsa().root], transport=down
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.ledger_append(kind="t", case_id=None, statement={"a": 1})
    from qingqian.ledger.models import Checkpoint

    assert Checkpoint.objects.count() == 1
    assert CheckpointTimestamp.objects.count() == 0


def test_deploy_checks_name_the_timestamp_authority_and_witnesses(settings: Any) -> None:
    from qingqian.ledger.checks import DEMO_AUTHORITY, ledger_deploy_check

    settings.QINGQIAN_TIMESTAMP_AUTHORITY = DEMO_AUTHORITY
    settings.QINGQIAN_WITNESS_KEYS = []
    assert [p.id for p in ledger_deploy_check()] == ["qingqian.E101", "qingqian.W102"]
    settings.QINGQIAN_TIMESTAMP_AUTHORITY = ""
    settings.QINGQIAN_TSA_URL = ""
    assert [p.id for p in ledger_deploy_check()] == ["qingqian.W101", "qingqian.W102"]
    settings.QINGQIAN_TSA_URL = "https://tsa.example/tsr"
    settings.QINGQIAN_TSA_ROOTS = ""
    assert "qingqian.E102" in [p.id for p in ledger_deploy_check()]
    settings.QINGQIAN_TSA_ROOTS = "/etc/qingqian/tsa-roots.pem"
    settings.QINGQIAN_WITNESS_KEYS = ["notary.example/w1+00000000+BA"]
    assert ledger_deploy_check() == []


def test_tsa_roots_command_prints_the_authority_roots(settings: Any) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    from qingqian.ledger.demo_tsa import DEMO_NAME, demo_authority, demo_tsa

    settings.QINGQIAN_TIMESTAMP_AUTHORITY = ""
    settings.QINGQIAN_TSA_URL = ""
    with pytest.raises(CommandError):
        call_command("ledger", "tsa-roots", stdout=StringIO())
    settings.QINGQIAN_TIMESTAMP_AUTHORITY = demo_authority()
    out = StringIO()
    call_command("ledger", "tsa-roots", "--json", stdout=out)
    import json

    answer = json.loads(out.getvalue())
    assert answer["authority"] == DEMO_NAME and "NOT TRUSTED" in answer["authority"]
    assert answer["pem"].encode() == demo_tsa().root_pem()
    assert demo_tsa().root_pem() == demo_tsa().root_pem()  # stable across calls
