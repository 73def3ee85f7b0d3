"""The database-backed case log: appending, sequencing, tiles, checkpoints, case events."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.ledger import selectors, services
from qingqian.ledger.canonical import parse_canonical
from qingqian.ledger.canonical import statement_commitment as commit
from qingqian.ledger.checkpoint import open_checkpoint
from qingqian.ledger.merkle import leaf_hash, root_from_entries, verify_consistency
from qingqian.ledger.models import Checkpoint, LogBundle, LogEntry, LogState, LogTile
from qingqian.ledger.proofs import verify_tlog_proof
from qingqian.ledger.tiles import check_bundle_against_tile, tiles_for_size

pytestmark = pytest.mark.django_db


def _append(n: int, start: int = 0) -> None:
    services.ledger_append_many(
        services.NewEntry("test.event", None, {"n": start + i, "salt": "00"}) for i in range(n)
    )


def _all_statements() -> list[bytes]:
    return [
        bytes(s) for s in LogEntry.objects.order_by("index").values_list("statement", flat=True)
    ]


def test_append_is_pending_until_integrated() -> None:
    entry = services.ledger_append(kind="test.event", case_id=7, statement={"a": 1, "b": "x"})
    assert entry.index is None
    statement = parse_canonical(entry.private_statement)
    assert statement["a"] == 1 and statement["b"] == "x" and len(statement["salt"]) == 32
    assert bytes(entry.statement) == commit(entry.private_statement)  # the public entry
    assert bytes(entry.leaf_hash) == leaf_hash(commit(entry.private_statement))
    assert Checkpoint.objects.count() == 0
    checkpoint = services.ledger_integrate()
    assert checkpoint is not None
    assert checkpoint.size == 1
    entry.refresh_from_db()
    assert entry.index == 0


def test_integrate_builds_tiles_bundles_and_signed_checkpoint() -> None:
    _append(700)
    checkpoint = services.ledger_integrate(batch=256)
    assert checkpoint is not None
    assert checkpoint.size == 700
    statements = _all_statements()
    assert len(statements) == 700
    assert bytes(checkpoint.root_hash) == root_from_entries(statements)
    # One row per tile coordinate; each holds exactly the tile of the final size.
    expected = {(t.level, t.index): t.width for t in tiles_for_size(700)}
    stored = {(t.level, t.index): t.width for t in LogTile.objects.all()}
    assert stored == expected
    assert LogBundle.objects.count() == 3
    for bundle in LogBundle.objects.all():
        tile = LogTile.objects.get(level=0, index=bundle.index)
        check_bundle_against_tile(bytes(bundle.data), bytes(tile.data))
    opened = open_checkpoint(checkpoint.note, selectors.log_verifier_key())
    assert opened.checkpoint.size == 700
    # Only one checkpoint per integrate call, not one per batch.
    assert Checkpoint.objects.count() == 1


def test_integrate_without_pending_publishes_nothing_new() -> None:
    _append(3)
    assert services.ledger_integrate() is not None
    assert services.ledger_integrate() is None
    assert Checkpoint.objects.count() == 1


def test_empty_log_publishes_size_zero_checkpoint_once() -> None:
    checkpoint = services.ledger_integrate()
    assert checkpoint is not None
    assert checkpoint.size == 0
    assert services.ledger_integrate() is None


def test_older_sizes_stay_provable_after_growth() -> None:
    _append(300)
    old = services.ledger_integrate()
    _append(500, start=300)
    new = services.ledger_integrate()
    assert old is not None and new is not None
    for index in (0, 255, 256, 299):
        proof = selectors.inclusion_proof(index, 300)
        assert proof.root_hash == bytes(old.root_hash)
        proof.verify()
    consistency = selectors.consistency_proof(300, 800)
    verify_consistency(
        300, 800, bytes(old.root_hash), bytes(new.root_hash), list(consistency.proof)
    )


def test_a_lost_or_damaged_compact_range_is_rebuilt_from_the_tiles() -> None:
    """The state row's compact range only saves work: if it is missing or does not fold to
    the stored root, proofs and the next integration use the tiles, and it is rewritten."""
    _append(300)
    services.ledger_integrate()
    size = 300
    for damage in (b"", b"\x00" * 32 * size.bit_count()):
        LogState.objects.filter(pk=1).update(frontier=damage)
        for index in (0, 255, size - 1):
            proof = selectors.inclusion_proof(index, size)
            proof.verify()
            assert proof.root_hash == root_from_entries(_all_statements())
        _append(1, start=size)
        services.ledger_integrate()
        size += 1
        state = LogState.objects.get(pk=1)
        assert bytes(state.root_hash) == root_from_entries(_all_statements())
        assert len(bytes(state.frontier)) == 32 * size.bit_count()
    selectors.inclusion_proof(size - 1, size).verify()


def test_tlog_proof_verifies_offline() -> None:
    _append(40)
    checkpoint = services.ledger_integrate()
    assert checkpoint is not None
    entry = LogEntry.objects.get(index=17)
    proof = selectors.tlog_proof(17, checkpoint)
    result = verify_tlog_proof(proof.encode(), bytes(entry.statement), selectors.log_verifier_key())
    assert bytes(entry.statement) == commit(entry.private_statement)
    assert result.index == 17


def test_statement_too_long_is_refused_and_nothing_written() -> None:
    from qingqian.ledger.errors import LedgerError

    with pytest.raises(LedgerError) as info:
        services.ledger_append(kind="x", case_id=None, statement={"blob": "a" * 70_000})
    assert info.value.code == "entry_invalid"
    assert LogEntry.objects.count() == 0


def test_case_events_are_logged_without_personal_data(case: Any, users: dict[str, Any]) -> None:
    from qingqian.cases.services import case_transition

    case_transition(
        case=case, actor=users["lawyer"], to_state="evidence_review", note="张三 13912345678"
    )
    services.ledger_integrate()
    entries = selectors.entries_for_case(case.pk)
    kinds = [e.kind for e in entries]
    assert kinds == ["case.opened", "case.state_changed"]
    statement = parse_canonical(entries[1].private_statement)
    assert statement["case"] == case.reference
    assert statement["from_state"] == "intake"
    assert statement["to_state"] == "evidence_review"
    assert len(statement["salt"]) == 32
    assert statement["note_sha256"] == services.salted_hash(statement["salt"], "张三 13912345678")
    raw = b"".join(e.private_statement for e in entries).decode()
    for personal in ("张三", "13912345678", "姑苏文旅", case.debtor_name):
        assert personal not in raw


def test_event_and_entry_roll_back_together(case: Any, users: dict[str, Any]) -> None:
    from qingqian.cases.services import case_transition
    from qingqian.common.exceptions import ApplicationError

    before = LogEntry.objects.count()
    with pytest.raises(ApplicationError):
        case_transition(case=case, actor=users["lawyer"], to_state="closed")
    assert LogEntry.objects.count() == before


def test_integration_runs_after_commit(
    org: Any,
    users: dict[str, Any],
    creditor: Any,
    debtor: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from qingqian.cases.services import case_open, case_transition

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = case_open(
            organisation=org,
            actor=users["lawyer"],
            creditor=creditor,
            debtors=[debtor],
            debt_type="trade",
            channel="web",
            principal="100.00",
        )
        case_transition(case=case, actor=users["lawyer"], to_state="evidence_review")
    # One integration per transaction, however many events it logged.
    # Other apps may queue their own work (the feasibility report); count the ledger's only.
    ours = [c for c in callbacks if getattr(c, "__name__", "") == "_enqueue_integration"]
    assert len(ours) == 1
    ours[0]()
    assert LogEntry.objects.filter(index__isnull=True).count() == 0
    assert LogState.objects.get(pk=1).size == LogEntry.objects.count() == 2
    assert Checkpoint.objects.get().size == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_appends_and_integrations_leave_no_gaps() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises whole transactions")
    threads, per_thread = 8, 40
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def worker(number: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    services.ledger_append(
                        kind="test.parallel", case_id=number, statement={"t": number, "i": i}
                    )
                if i % 3 == 0:
                    services.ledger_integrate(batch=7)
            services.ledger_integrate(batch=7)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert errors == []
    services.ledger_integrate()
    total = threads * per_thread
    indices = sorted(LogEntry.objects.values_list("index", flat=True))
    assert indices == list(range(total))
    assert LogState.objects.get(pk=1).size == total
    statements = _all_statements()
    latest = selectors.checkpoint_latest()
    assert latest is not None and latest.size == total
    assert bytes(latest.root_hash) == root_from_entries(statements)
    sizes = list(Checkpoint.objects.order_by("size").values_list("size", flat=True))
    assert len(sizes) == len(set(sizes))


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), _json_values, max_size=6))
def test_fast_statement_encoding_equals_the_kernel(statement: dict[str, Any]) -> None:
    from qingqian.ledger.canonical import canonicalize
    from qingqian.ledger.errors import LedgerError

    try:
        expected = canonicalize(statement)
    except LedgerError:
        with pytest.raises(LedgerError):
            services.canonical_statement(statement)
        return
    assert services.canonical_statement(statement) == expected
