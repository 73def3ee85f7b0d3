"""Finding 2: the log signing key is rotated through a checkpoint.

``qingqian keys rotate-log-key`` signs, under the old key, a checkpoint announcing the new
key and the tree size it signs from; later checkpoints are signed by the new key. ``ledger
verify`` and the offline verifier follow the announced keys from the pinned first key and
refuse a key nobody announced (``key_unannounced``)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from qingqian.cases.services import timeline_add
from qingqian.evidence.package import package_build
from qingqian.ledger import services as ledger
from qingqian.ledger.checkpoint import (
    Checkpoint as CheckpointBody,
)
from qingqian.ledger.checkpoint import (
    announced_key,
    follow_keys,
    open_checkpoint,
    open_in_chain,
    rotation_line,
    sign_checkpoint,
)
from qingqian.ledger.errors import LedgerError
from qingqian.ledger.integrity import ledger_verify
from qingqian.ledger.keys import log_signer
from qingqian.ledger.models import Checkpoint, LogState
from qingqian.ledger.note import generate_signer, parse_note
from qingqian.ledger.verify_cli import EXIT_FAILED, EXIT_OK, main, verify_package
from tests.evidence.test_evidence import JPEG, _add

pytestmark = pytest.mark.django_db


def _log(case: Any, users: dict[str, Any], n: int = 5) -> None:
    for i in range(n):
        timeline_add(case=case, actor=users["lawyer"], kind="note", note=f"第 {i} 次")
    ledger.ledger_integrate()


def _rotate(settings: Any) -> tuple[Any, Any, dict[str, Any]]:
    """Rotate through the command; returns the old and new signer and what it printed."""
    old = log_signer()
    new = generate_signer(settings.QINGQIAN_LOG_ORIGIN)
    out = StringIO()
    call_command("keys", "rotate-log-key", "--new-key", new.encode(), "--json", stdout=out)
    return old, new, json.loads(out.getvalue())


def _deploy(settings: Any, old: Any, new: Any) -> None:
    settings.QINGQIAN_LOG_SIGNING_KEY = new.encode()
    settings.QINGQIAN_LOG_FIRST_KEY = old.verifier().encode()


def test_a_rotation_is_announced_by_the_old_key_and_verifies(
    case: Any, users: dict[str, Any], settings: Any
) -> None:
    _log(case, users)
    old, new, printed = _rotate(settings)
    announcement = Checkpoint.objects.get(size=printed["announced_in"])
    note = parse_note(announcement.note)
    # signed by the old key, naming the new key and the size it signs from
    opened = open_checkpoint(note, old.verifier())
    assert announced_key(opened.checkpoint) == (new.verifier(), announcement.size + 1)
    assert printed["new_key_id"] == new.verifier().key_id.hex()
    assert printed["from_size"] == announcement.size + 1
    assert printed["first_key"] == old.verifier().encode()
    # until the new key is deployed, nothing more is signed (the old key is retired)
    _log(case, users, 2)
    assert Checkpoint.objects.order_by("-size").first() == announcement
    _deploy(settings, old, new)
    _log(case, users, 2)
    latest = Checkpoint.objects.order_by("-size").first()
    assert latest.size == LogState.objects.get().size > announcement.size
    open_checkpoint(latest.note, new.verifier())
    with pytest.raises(LedgerError):
        open_checkpoint(latest.note, old.verifier())
    report = ledger_verify()
    assert report.ok, report.as_dict()
    # a second rotation follows on from the first
    newer = generate_signer(settings.QINGQIAN_LOG_ORIGIN)
    call_command("keys", "rotate-log-key", "--new-key", newer.encode(), stdout=StringIO())
    settings.QINGQIAN_LOG_SIGNING_KEY = newer.encode()
    _log(case, users, 1)
    assert ledger_verify().ok
    # the command refuses the key in force and a key of another log
    with pytest.raises(CommandError) as same:
        call_command("keys", "rotate-log-key", "--new-key", newer.encode(), stdout=StringIO())
    assert "log_key_unchanged" in str(same.value)
    stranger = generate_signer("other.example/tlog")
    with pytest.raises(CommandError) as other:
        call_command("keys", "rotate-log-key", "--new-key", stranger.encode(), stdout=StringIO())
    assert "log_key_invalid" in str(other.value)


def test_an_unannounced_key_swap_fails_verification(
    case: Any, users: dict[str, Any], settings: Any
) -> None:
    _log(case, users)
    old = log_signer()
    assert ledger_verify().ok
    # the key is swapped in the environment, with no announcement
    swapped = generate_signer(settings.QINGQIAN_LOG_ORIGIN)
    settings.QINGQIAN_LOG_SIGNING_KEY = swapped.encode()
    _log(case, users, 2)
    report = ledger_verify()
    assert not report.ok
    assert any("[key_unannounced]" in p.message_en for p in report.problems)
    # with the first key pinned, the server refuses to sign with the swapped key ...
    settings.QINGQIAN_LOG_FIRST_KEY = old.verifier().encode()
    before = Checkpoint.objects.count()
    _log(case, users, 1)
    assert Checkpoint.objects.count() == before
    # ... and a checkpoint signed by it anyway is named by `ledger verify`
    state = LogState.objects.get()
    body = CheckpointBody(settings.QINGQIAN_LOG_ORIGIN, state.size, bytes(state.root_hash))
    Checkpoint.objects.create(
        size=state.size, root_hash=state.root_hash, note=sign_checkpoint(body, swapped).encode()
    )
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("ledger", "verify", "--json", stdout=out)
    assert "key_unannounced" in out.getvalue()


def test_an_announcement_by_the_wrong_key_is_refused(settings: Any) -> None:
    origin = settings.QINGQIAN_LOG_ORIGIN
    first, impostor, new = (generate_signer(origin) for _ in range(3))
    body = CheckpointBody(origin, 3, bytes(range(32)), (rotation_line(new.verifier(), 4),))
    chain = follow_keys(first.verifier(), [sign_checkpoint(body, first).encode()])
    assert chain.key_for(3) == first.verifier() and chain.key_for(4) == new.verifier()
    with pytest.raises(LedgerError) as exc:
        follow_keys(first.verifier(), [sign_checkpoint(body, impostor).encode()])
    assert exc.value.code == "key_unannounced"
    # pinning the announced key trusts it from its start on, and nothing before
    announcement = sign_checkpoint(body, first).encode()
    later = follow_keys(new.verifier(), [announcement])
    assert later.keys == ((4, new.verifier()),)
    with pytest.raises(LedgerError) as before:
        open_in_chain(announcement, later)
    assert before.value.code == "key_unannounced"


def test_a_package_exported_after_rotation_verifies_offline(
    case: Any, users: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    _add(users["lawyer"], case)
    ledger.ledger_integrate()
    old, new, _ = _rotate(settings)
    _deploy(settings, old, new)
    _add(users["lawyer"], case, evidence_type="transfer_record", filename="bank.jpg", data=JPEG)
    package = package_build(user=users["lawyer"], case_id=case.pk)
    report = verify_package(package, old.verifier())
    assert report.passed, report.render()
    assert "announced by the key before" in report.render()
    path = tmp_path / "after-rotation.zip"
    path.write_bytes(package)
    assert main([str(path), "--log-key", old.verifier().encode()]) == EXIT_OK
    # a verifier who pinned the new key (fetched after the rotation) trusts it from its
    # announced start: this package's checkpoint is signed by it
    assert main([str(path), "--log-key", new.verifier().encode()]) == EXIT_OK
    # pinning a key the log never had
    other = generate_signer(settings.QINGQIAN_LOG_ORIGIN).verifier().encode()
    assert main([str(path), "--log-key", other]) == EXIT_FAILED


def test_check_deploy_refuses_a_first_key_of_another_log(settings: Any) -> None:
    from qingqian.ledger.checks import ledger_deploy_check

    settings.QINGQIAN_LOG_FIRST_KEY = log_signer().verifier().encode()
    assert "qingqian.E103" not in [p.id for p in ledger_deploy_check()]
    settings.QINGQIAN_LOG_FIRST_KEY = generate_signer("other.example/tlog").verifier().encode()
    assert "qingqian.E103" in [p.id for p in ledger_deploy_check()]
    settings.QINGQIAN_LOG_FIRST_KEY = "not a key"
    assert "qingqian.E103" in [p.id for p in ledger_deploy_check()]


def test_the_announcements_are_published_beside_the_checkpoint(
    case: Any, users: dict[str, Any], settings: Any, client: Any
) -> None:
    """A witness or a court's expert who pinned the first key finds every announcement at
    /tlog/key-announcements, signed by the key it retires, and follows them to the key in
    force without any evidence package."""
    _log(case, users)
    empty = client.get("/tlog/key-announcements")
    assert empty.status_code == 200 and empty.content == b""
    old, new, _ = _rotate(settings)
    _deploy(settings, old, new)
    _log(case, users, 2)
    newer = generate_signer(settings.QINGQIAN_LOG_ORIGIN)
    call_command("keys", "rotate-log-key", "--new-key", newer.encode(), stdout=StringIO())
    body = client.get("/tlog/key-announcements").content.decode()
    notes = [parse_note(text) for text in body.split("\f\n")]
    assert len(notes) == 2
    first = open_checkpoint(notes[0], old.verifier())
    assert announced_key(first.checkpoint)[0] == new.verifier()
    second = open_checkpoint(notes[1], new.verifier())  # the key it retires signed it
    assert announced_key(second.checkpoint)[0] == newer.verifier()
    with pytest.raises(LedgerError):
        open_checkpoint(notes[1], old.verifier())
