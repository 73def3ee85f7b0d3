"""Signing is batched, not the commit (issue 16): the integration after each commit
sequences the entry at once but signs a checkpoint only when one is due; whatever serves or
exports a checkpoint signs first, so nothing unsigned or stale leaves the system."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client

from qingqian.common import clock
from qingqian.ledger import selectors, services
from qingqian.ledger.checkpoint import open_checkpoint
from qingqian.ledger.merkle import root_from_entries, verify_consistency
from qingqian.ledger.models import Checkpoint, LogEntry, LogState
from qingqian.ledger.tasks import ledger_integrate_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def bounds(settings: Any) -> Any:
    settings.QINGQIAN_LOG_CHECKPOINT_EVERY = 5
    settings.QINGQIAN_LOG_CHECKPOINT_MS = 60_000
    settings.QINGQIAN_LEDGER_AUTO_INTEGRATE = False  # _commit_one runs the task itself
    return settings


def _commit_one(n: int) -> int:
    """One append in its own transaction, then the integration task that runs after the
    commit (the test's own transaction never commits, so it is called here)."""
    with transaction.atomic():
        services.ledger_append(kind="test.batch", case_id=None, statement={"n": n, "salt": "cd"})
    result: int = ledger_integrate_task.call()
    return result


def _signed_sizes() -> list[int]:
    return list(Checkpoint.objects.order_by("size").values_list("size", flat=True))


def _statements() -> list[bytes]:
    return [
        bytes(s) for s in LogEntry.objects.order_by("index").values_list("statement", flat=True)
    ]


def test_each_commit_is_sequenced_but_signed_every_n_entries(bounds: Any) -> None:
    for n in range(12):
        _commit_one(n)
        # Sequenced at once: index, tiles and root follow every commit.
        state = LogState.objects.get(pk=1)
        assert state.size == n + 1
        assert bytes(state.root_hash) == root_from_entries(_statements())
        assert not LogEntry.objects.filter(index__isnull=True).exists()
    # The first checkpoint at once (there was none), then one per 5 entries.
    assert _signed_sizes() == [1, 6, 11]
    selectors.inclusion_proof(11, 12).verify()  # provable before the next signature


def test_a_checkpoint_is_signed_once_the_time_bound_has_passed(bounds: Any) -> None:
    _commit_one(0)
    _commit_one(1)
    assert _signed_sizes() == [1]
    with time_machine.travel(clock.now() + dt.timedelta(seconds=61), tick=False):
        _commit_one(2)
    assert _signed_sizes() == [1, 3]


def test_the_served_checkpoint_is_signed_and_covers_the_log(bounds: Any, client: Client) -> None:
    for n in range(3):
        _commit_one(n)
    assert _signed_sizes() == [1]  # sizes 2 and 3 are not due yet
    key = selectors.log_verifier_key()
    served = open_checkpoint(client.get("/tlog/checkpoint").content, key).checkpoint
    assert served.size == 3 and served.root_hash == root_from_entries(_statements())
    answer = client.get("/api/v1/ledger/checkpoint").json()
    assert answer["size"] == 3 and open_checkpoint(answer["note"], key).checkpoint == served
    assert _signed_sizes() == [1, 3]  # signed once, on the first request
    first = Checkpoint.objects.get(size=1)
    proof = selectors.consistency_proof(1, 3)
    verify_consistency(1, 3, bytes(first.root_hash), served.root_hash, list(proof.proof))


def test_a_crash_before_signing_leaves_a_recoverable_log(bounds: Any) -> None:
    """The entries committed and were sequenced, then the process died before any
    signature (the deferred signing was never run). The next integration from anywhere
    signs the same checkpoint an always-signing log would have: byte for byte."""
    for n in range(3):
        _commit_one(n)
    assert _signed_sizes() == [1]
    recovered = services.ledger_integrate()
    assert recovered is not None and recovered.size == 3
    note = recovered.note

    Checkpoint.objects.all().delete()
    LogEntry.objects.all().delete()
    LogState.objects.all().delete()
    for n in range(3):
        _commit_one(n)
        services.ledger_integrate()  # signs every size
    assert Checkpoint.objects.get(size=3).note == note
    open_checkpoint(note, selectors.log_verifier_key())


def test_a_deferred_signing_is_queued_for_the_time_bound(
    bounds: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    """On a backend that defers (the database backend in production), the first entries
    left unsigned after a checkpoint queue one signing for when the bound runs out."""
    queued: list[dt.datetime] = []
    monkeypatch.setattr(services, "_schedule_signing", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        _commit_one(0)
    assert queued == []  # signed at once
    with django_capture_on_commit_callbacks(execute=True):
        _commit_one(1)
        _commit_one(2)
    first = Checkpoint.objects.get(size=1)
    assert queued == [first.created_at + dt.timedelta(seconds=60)]  # once, not per commit


def test_the_integration_task_signs_only_when_due(bounds: Any) -> None:
    assert _commit_one(0) == 1  # the first checkpoint at once
    assert _commit_one(1) == -1  # sequenced, not signed
    assert LogState.objects.get(pk=1).size == 2 and _signed_sizes() == [1]
    assert services.checkpoint_current().size == 2  # type: ignore[union-attr]
