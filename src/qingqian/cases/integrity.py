"""Timeline rows against the log entries that recorded them (``qingqian ledger verify``).

Every ``timeline_add`` (and every bulk-created timeline row, payments included) logged a
statement with the row's id, time, actor, states and the salted hash of its note. A row
changed afterwards no longer matches its statement."""

from __future__ import annotations

from collections.abc import Iterator

from qingqian.cases.models import TimelineEvent
from qingqian.ledger.canonical import parse_canonical
from qingqian.ledger.integrity import Problem, statements_of
from qingqian.ledger.services import salted_hash, utc_text

BATCH = 2000


def _mismatch(row: TimelineEvent, statement: dict[str, object]) -> str | None:
    salt = str(statement.get("salt", ""))
    expected_note = statement.get("note_sha256")
    checks = {
        "type": f"case.{row.kind}",
        "case_id": row.case_id,
        "at": utc_text(row.at),
        "actor_id": row.actor_id,
        "from_state": row.from_state,
        "to_state": row.to_state,
    }
    for name, value in checks.items():
        if statement.get(name) != value:
            return name
    note = salted_hash(salt, row.note) if row.note else None
    return "note" if note != expected_note else None


def timeline_rows_check() -> Iterator[Problem | int]:
    batch: list[tuple[int, dict[str, object]]] = []

    def flush() -> Iterator[Problem | int]:
        ids = [int(s["event_id"]) for _, s in batch]  # type: ignore[call-overload]
        rows = TimelineEvent.objects.in_bulk(ids)
        for index, statement in batch:
            row = rows.get(int(statement["event_id"]))  # type: ignore[call-overload]
            if row is None:
                yield Problem(
                    index,
                    f"timeline {statement['event_id']}",
                    "日志记录的时间线事件已不存在",
                    "the timeline row the log recorded is gone",
                )
                continue
            field = _mismatch(row, statement)
            if field is not None:
                yield Problem(
                    index,
                    f"timeline {row.pk} ({field})",
                    f"时间线事件与日志不符（{field}）",
                    f"the timeline row differs from its log entry ({field})",
                )
        yield len(batch)
        batch.clear()

    for entry in statements_of(prefix="case."):
        statement = parse_canonical(entry.private_statement)
        if statement.get("event_id") is None or entry.index is None:
            continue
        batch.append((entry.index, statement))
        if len(batch) >= BATCH:
            yield from flush()
    if batch:
        yield from flush()
