"""Appending with indices assigned at insert (``ledger_append_sequenced``): it must leave
exactly the log the two-pass path (append pending, then integrate) leaves."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingqian.ledger import selectors, services
from qingqian.ledger.canonical import statement_commitment as commit
from qingqian.ledger.errors import LedgerError
from qingqian.ledger.merkle import leaf_hash, root_from_entries
from qingqian.ledger.models import Checkpoint, LogBundle, LogEntry, LogState, LogTile
from qingqian.ledger.tiles import TileId, grow_tiles, tiles_for_size

pytestmark = pytest.mark.django_db


def _items(start: int, count: int) -> list[services.NewEntry]:
    return [
        services.NewEntry("test.seq", (start + i) % 7 or None, {"n": start + i, "salt": "ab"})
        for i in range(count)
    ]


def _wipe() -> None:
    Checkpoint.objects.all().delete()
    LogEntry.objects.all().delete()
    LogTile.objects.all().delete()
    LogBundle.objects.all().delete()
    LogState.objects.all().delete()


def _snapshot() -> dict[str, Any]:
    """Everything the log consists of, in comparable form (row ids excluded)."""
    return {
        "entries": [
            (i, bytes(s), bytes(h), k, c)
            for i, s, h, k, c in LogEntry.objects.order_by("index").values_list(
                "index", "statement", "leaf_hash", "kind", "case_id"
            )
        ],
        "tiles": sorted(
            (lv, ix, w, bytes(d))
            for lv, ix, w, d in LogTile.objects.values_list("level", "index", "width", "data")
        ),
        "bundles": sorted(
            (ix, w, bytes(d))
            for ix, w, d in LogBundle.objects.values_list("index", "width", "data")
        ),
        "state": [(s, bytes(r)) for s, r in LogState.objects.values_list("size", "root_hash")],
        "checkpoints": [
            (s, bytes(r), n)
            for s, r, n in Checkpoint.objects.order_by("size").values_list(
                "size", "root_hash", "note"
            )
        ],
    }


_plans = st.lists(
    st.tuples(st.sampled_from(["pending", "integrated", "sequenced"]), st.integers(0, 300)),
    min_size=1,
    max_size=4,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plan=_plans,
    batch=st.sampled_from([7, 256, 300, 20_000]),
    per=st.sampled_from([1, 5, 64, 512]),
)
def test_sequenced_path_builds_the_same_log_as_the_two_pass_path(
    plan: list[tuple[str, int]], batch: int, per: int
) -> None:
    """Random chunk sizes (across tile and bundle edges, with the batch size varied so the
    sequenced path splits its work too, and the rows per multi-row INSERT on SQLite),
    mixed with pending appends: the entries, tiles, bundles, state and signed checkpoints
    are byte-identical to appending every chunk pending and integrating it."""
    original = services.INTEGRATE_BATCH, services._ROWS_PER_INSERT
    try:
        services.INTEGRATE_BATCH = batch
        services._ROWS_PER_INSERT = per
        _wipe()
        start = 0
        for _, count in plan:
            services.ledger_append_many(_items(start, count))
            services.ledger_integrate(batch=batch)
            start += count
        expected = _snapshot()

        _wipe()
        start = 0
        for mode, count in plan:
            if mode == "sequenced":
                assert services.ledger_append_sequenced(_items(start, count)) == count
            else:
                services.ledger_append_many(_items(start, count))
            if mode != "pending":
                # Publishes the checkpoint (after commit in production) and sequences any
                # pending entries, exactly like the two-pass run.
                services.ledger_integrate(batch=batch)
            start += count
        if plan[-1][0] == "pending":
            services.ledger_integrate(batch=batch)
        # The two-pass run published after every chunk; the mixed run skips the checkpoint
        # of a chunk left pending, so compare checkpoints by size.
        got = _snapshot()
        sizes = {c[0] for c in got["checkpoints"]}
        expected["checkpoints"] = [c for c in expected["checkpoints"] if c[0] in sizes]
        assert got == expected
        statements = [e[1] for e in got["entries"]]
        assert [e[0] for e in got["entries"]] == list(range(start))
        assert got["state"][0][1] == root_from_entries(statements)
        # Independently of the two-pass path: the tiles are the kernel's tiles of the size.
        widths = {(t.level, t.index): t.width for t in tiles_for_size(start)}
        assert {(t[0], t[1]): t[2] for t in got["tiles"]} == widths
        kernel = grow_tiles(0, [leaf_hash(s) for s in statements], _NoTiles())
        assert {(t[0], t[1]): t[3] for t in got["tiles"]} == {
            (t.level, t.index): d for t, d in kernel.items()
        }
    finally:
        services.INTEGRATE_BATCH, services._ROWS_PER_INSERT = original


class _NoTiles:
    def read_tiles(self, tiles: list[TileId]) -> list[bytes]:  # pragma: no cover - unused
        raise AssertionError("a tree grown from size 0 reads no tile")


def test_pending_entries_are_sequenced_first() -> None:
    services.ledger_append_many(_items(0, 5))
    services.ledger_append_sequenced(_items(5, 3))
    rows = list(LogEntry.objects.order_by("index").values_list("index", "opening", "statement"))
    assert [r[0] for r in rows] == list(range(8))
    assert [bytes(r[1]) for r in rows] == [b'{"n":%d,"salt":"ab"}' % n for n in range(8)]
    assert [bytes(r[2]) for r in rows] == [commit(bytes(r[1])) for r in rows]
    assert not LogEntry.objects.filter(index__isnull=True).exists()
    checkpoint = services.ledger_integrate()
    assert checkpoint is not None and checkpoint.size == 8
    selectors.inclusion_proof(6, 8).verify()


def test_sequenced_append_never_rewrites_rows() -> None:
    """No second pass: the rows go in with their index and are neither updated nor read
    back."""
    services.ledger_append_sequenced(_items(0, 300))
    with CaptureQueriesContext(connection) as queries:
        services.ledger_append_sequenced(_items(300, 300))
    table = LogEntry._meta.db_table
    touching = [q["sql"] for q in queries.captured_queries if table in q["sql"]]
    assert not [sql for sql in touching if sql.lstrip().upper().startswith("UPDATE")]
    # The one read of the table is the (empty) look-up of older pending entries.
    reads = [sql for sql in touching if sql.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1 and "IS NULL" in reads[0]
    assert LogState.objects.get(pk=1).size == 600


def test_sequenced_append_rolls_back_with_the_caller() -> None:
    services.ledger_append_sequenced(_items(0, 10))
    before = _snapshot()

    class Boom(Exception):
        pass

    def append_then_fail() -> None:
        with transaction.atomic():
            services.ledger_append_sequenced(_items(10, 300))
            assert LogState.objects.get(pk=1).size == 310
            raise Boom

    with pytest.raises(Boom):
        append_then_fail()
    assert _snapshot() == before


def test_sequenced_append_refuses_a_too_long_statement_and_writes_nothing() -> None:
    with pytest.raises(LedgerError) as caught:
        services.ledger_append_sequenced(
            [*_items(0, 3), services.NewEntry("x", None, {"blob": "a" * 70_000})]
        )
    assert caught.value.code == "entry_invalid"
    assert LogEntry.objects.count() == 0
    assert services.ledger_append_sequenced([]) == 0
    assert LogState.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_sequenced_and_pending_appends_leave_no_gaps() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises whole transactions")
    threads, rounds = 6, 12
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def worker(number: int) -> None:
        try:
            barrier.wait()
            for i in range(rounds):
                with transaction.atomic():
                    if (number + i) % 2:
                        services.ledger_append_sequenced(_items(number * 1000 + i * 10, 5))
                    else:
                        services.ledger_append_many(_items(number * 1000 + i * 10, 5))
                if i % 4 == 0:
                    services.ledger_integrate(batch=3)
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
    total = threads * rounds * 5
    assert sorted(LogEntry.objects.values_list("index", flat=True)) == list(range(total))
    statements = [
        bytes(s) for s in LogEntry.objects.order_by("index").values_list("statement", flat=True)
    ]
    latest = selectors.checkpoint_latest()
    assert latest is not None and latest.size == total
    assert bytes(latest.root_hash) == root_from_entries(statements)
    widths = {(t.level, t.index): t.width for t in tiles_for_size(total)}
    assert {(t.level, t.index): t.width for t in LogTile.objects.all()} == widths


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_floor_waits_for_a_transaction_that_commits_a_lower_id_late() -> None:
    """An entry whose id was drawn early but whose transaction commits after later entries
    were sequenced must still be sequenced: the pending floor (PostgreSQL) may only pass
    its id once that transaction has ended."""
    if connection.vendor != "postgresql":
        pytest.skip("the pending floor is PostgreSQL's")
    inserted, release, finished = threading.Event(), threading.Event(), threading.Event()
    late: list[int] = []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                late.append(services.ledger_append(kind="t", case_id=None, statement={"l": 1}).pk)
                inserted.set()
                assert release.wait(30)
        finally:
            connections.close_all()
            finished.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert inserted.wait(30)
    with transaction.atomic():
        services.ledger_append_many(_items(0, 3))
    services.ledger_integrate()
    with transaction.atomic():
        services.ledger_append_many(_items(3, 2))
    services.ledger_integrate()
    services.ledger_integrate()
    state = LogState.objects.get(pk=1)
    assert state.size == 5
    assert state.pending_floor < late[0]  # the open transaction holds the floor back
    release.set()
    assert finished.wait(30)
    thread.join()
    services.ledger_integrate()
    assert LogEntry.objects.get(pk=late[0]).index == 5
    services.ledger_integrate()
    state = LogState.objects.get(pk=1)
    assert state.pending_floor >= late[0]  # and it advances once that transaction ended
    with transaction.atomic():
        services.ledger_append_many(_items(5, 4))
    floor = LogState.objects.get(pk=1).pending_floor
    assert floor >= late[0]
    with CaptureQueriesContext(connection) as queries:
        services.ledger_integrate()
    looked_up = [q["sql"] for q in queries.captured_queries if "IS NULL AND id >" in q["sql"]]
    assert looked_up and f"id > {floor} " in looked_up[0]  # the scan starts at the floor
    assert sorted(LogEntry.objects.values_list("index", flat=True)) == list(range(10))
    statements = [
        bytes(s) for s in LogEntry.objects.order_by("index").values_list("statement", flat=True)
    ]
    latest = selectors.checkpoint_latest()
    assert latest is not None and bytes(latest.root_hash) == root_from_entries(statements)


@pytest.mark.parametrize(("size", "index"), [(1, 0), (300, 0), (300, 255), (300, 299), (257, 256)])
def test_inclusion_proof_takes_the_leaf_hash_from_the_tile_it_read(size: int, index: int) -> None:
    """A cold inclusion proof reads the log size and, in one query, the tiles of the proof
    and of the root; the leaf hash comes from its level-0 tile (the root needs the last
    leaf's tile, the proof any other leaf's) and is the stored entry's."""
    services.ledger_append_sequenced(_items(0, size))
    with CaptureQueriesContext(connection) as queries:
        proof = selectors.inclusion_proof(index, size)
    proof.verify()
    assert proof.leaf_hash == bytes(LogEntry.objects.get(index=index).leaf_hash)
    assert len(queries.captured_queries) == 2


def test_sequenced_rows_cross_the_multi_row_insert_in_order() -> None:
    """More rows than one multi-row INSERT holds (512 on SQLite), and a remainder: every
    row is stored once, at its index, with its own columns."""
    count = 2 * services._ROWS_PER_INSERT + 37
    assert services.ledger_append_sequenced(_items(0, count)) == count
    rows = list(
        LogEntry.objects.order_by("index").values_list("index", "opening", "case_id", "kind")
    )
    assert [r[0] for r in rows] == list(range(count))
    assert [bytes(r[1]) for r in rows] == [
        services.canonical_statement(item.statement) for item in _items(0, count)
    ]
    assert [r[2] for r in rows] == [item.case_id for item in _items(0, count)]
    assert {r[3] for r in rows} == {"test.seq"}
    selectors.inclusion_proof(count - 1, count).verify()


def _noop_wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    return execute(sql, params, many, context)


def test_sequenced_rows_are_the_same_through_the_driver_and_through_django() -> None:
    """On SQLite the multi-row inserts go straight to the driver unless something watches
    the queries (an installed execute wrapper here); both ways store the same rows."""
    count = services._ROWS_PER_INSERT + 5
    with connection.execute_wrapper(_noop_wrapper):
        services.ledger_append_sequenced(_items(0, count))
    through_django = _snapshot()
    _wipe()
    assert not connection.queries_logged and not connection.execute_wrappers
    services.ledger_append_sequenced(_items(0, count))
    assert _snapshot() == through_django
    assert len(through_django["entries"]) == count


def test_sequenced_insert_reports_a_clash_as_djangos_integrity_error() -> None:
    """Errors from the driver path (SQLite) and from ``COPY`` (PostgreSQL) are translated
    as Django's cursor translates them."""
    from django.db import IntegrityError
    from django.utils import timezone

    services.ledger_append_sequenced(_items(0, 3))
    created = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = services._entry_rows(_items(3, 1), (2,), (created,))  # index 2 is taken
    with pytest.raises(IntegrityError, match="index"), transaction.atomic():
        services._insert_sequenced(rows)
