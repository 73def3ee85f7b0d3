"""``qingqian ledger verify``: a changed entry, bundle, tile, checkpoint or covered row
(timeline, payment timeline, evidence, signed document) is found and named by its first
log index; an untouched log passes; ``qingqian daily`` runs it."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from qingqian.cases.models import TimelineEvent
from qingqian.cases.services import timeline_add
from qingqian.ledger import services
from qingqian.ledger.integrity import ledger_verify
from qingqian.ledger.models import Checkpoint, LogBundle, LogEntry, LogTile

pytestmark = pytest.mark.django_db


def _log(case: Any, users: dict[str, Any], n: int = 300) -> None:
    for i in range(n):
        timeline_add(case=case, actor=users["lawyer"], kind="note", note=f"第 {i} 次联系")
    assert services.ledger_integrate() is not None


def _verify(*args: str) -> tuple[int, dict[str, Any]]:
    out = StringIO()
    try:
        call_command("ledger", "verify", "--json", *args, stdout=out)
        code = 0
    except CommandError as exc:
        code = exc.returncode
    text = out.getvalue().strip().splitlines()
    return code, json.loads(text[-1]) if text else {}


def test_an_untouched_log_verifies(case: Any, users: dict[str, Any]) -> None:
    _log(case, users)
    code, result = _verify()
    assert code == 0, result
    assert result["ok"] and result["size"] == 301 and result["rows_checked"] >= 301


def test_an_edited_timeline_row_is_named(case: Any, users: dict[str, Any]) -> None:
    _log(case, users)
    row = TimelineEvent.objects.filter(case=case, note="第 123 次联系").get()
    entry = next(
        e
        for e in LogEntry.objects.filter(kind="case.note")
        if json.loads(e.private_statement)["event_id"] == row.pk
    )
    TimelineEvent.objects.filter(pk=row.pk).update(note="第 123 次联系（已改）")
    code, result = _verify()
    assert code == 1
    assert result["first_bad_index"] == entry.index
    assert "note" in result["problems"][0]["where"]
    TimelineEvent.objects.filter(pk=row.pk).update(note=row.note, at=row.at + dt.timedelta(1))
    assert ledger_verify().first_bad_index == entry.index
    TimelineEvent.objects.filter(pk=row.pk).delete()
    assert ledger_verify().first_bad_index == entry.index


def test_an_edited_payment_note_is_found(case: Any, users: dict[str, Any]) -> None:
    from decimal import Decimal

    from qingqian.payments.services import payment_record

    payment_record(
        case=case,
        amount=Decimal("100.00"),
        kind="bank_transfer",
        idempotency_key="p1",
        actor=None,
        received_at=dt.datetime(2025, 3, 1, 10, tzinfo=dt.UTC),
    )
    services.ledger_integrate()
    assert ledger_verify().ok
    TimelineEvent.objects.filter(case=case, kind="payment").update(note="收款 1000.00 元")
    report = ledger_verify()
    assert not report.ok and "timeline" in report.problems[0].where


def test_an_edited_entry_bundle_or_tile_is_named(case: Any, users: dict[str, Any]) -> None:
    _log(case, users)
    entry = LogEntry.objects.get(index=270)
    original = bytes(entry.opening or b"")
    LogEntry.objects.filter(pk=entry.pk).update(opening=original.replace(b'"v":1', b'"v":2'))
    assert ledger_verify(rows=False).first_bad_index == 270
    LogEntry.objects.filter(pk=entry.pk).update(opening=original)
    assert ledger_verify().ok
    tile = LogTile.objects.get(level=0, index=0)
    data = bytearray(bytes(tile.data))
    data[40 * 32] ^= 1
    LogTile.objects.filter(pk=tile.pk).update(data=bytes(data))
    code, result = _verify()
    assert code == 1 and result["first_bad_index"] == 40
    assert any(p["where"] == "tile/0/0" for p in result["problems"])
    data[40 * 32] ^= 1
    LogTile.objects.filter(pk=tile.pk).update(data=bytes(data))
    bundle = LogBundle.objects.get(index=1)
    raw = bytearray(bytes(bundle.data))
    raw[-1] ^= 1
    LogBundle.objects.filter(pk=bundle.pk).update(data=bytes(raw))
    assert ledger_verify().first_bad_index == 300
    LogBundle.objects.filter(pk=bundle.pk).update(data=bytes(bundle.data))
    upper = LogTile.objects.get(level=1, index=0)
    LogTile.objects.filter(pk=upper.pk).update(data=bytes(32))
    report = ledger_verify()
    assert report.first_bad_index == 0 and report.problems[0].where == "tile/1/0"
    LogTile.objects.filter(pk=upper.pk).update(data=bytes(upper.data))
    assert ledger_verify().ok
    checkpoint = Checkpoint.objects.order_by("-size").first()
    assert checkpoint is not None
    Checkpoint.objects.filter(pk=checkpoint.pk).update(
        note=checkpoint.note.replace("\n3", "\n4", 1)
    )
    report = ledger_verify()
    assert not report.ok and report.problems[0].where == f"checkpoint {checkpoint.size}"


def test_evidence_and_signed_documents_are_covered(case: Any, users: dict[str, Any]) -> None:
    from qingqian.evidence.models import StoredFile
    from qingqian.evidence.services import document_register

    document = document_register(
        case=case,
        kind="notice",
        data="催告通知书".encode(),
        title="催告通知书",
        signed_at=dt.datetime(2025, 3, 2, tzinfo=dt.UTC),
    )
    services.ledger_integrate()
    assert ledger_verify().ok
    StoredFile.objects.filter(pk=document.file_id).update(size=1)
    report = ledger_verify()
    assert document.log_entry is not None
    document.log_entry.refresh_from_db()
    assert report.first_bad_index == document.log_entry.index


def test_daily_runs_the_verification(case: Any, users: dict[str, Any]) -> None:
    _log(case, users, 3)
    out = StringIO()
    call_command("daily", "--json", "--today", "2025-03-02", stdout=out)
    assert json.loads(out.getvalue())["ledger_verify"]["ok"] is True
    TimelineEvent.objects.filter(case=case, kind="note").update(note="x")
    with pytest.raises(CommandError) as info:
        call_command("daily", "--json", "--today", "2025-03-02", stdout=StringIO())
    assert info.value.returncode == 1 and "first bad index" in str(info.value)
