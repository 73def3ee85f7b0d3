"""The bulk append path: the fast canonical encoder's edges and what ``bulk_insert`` stores."""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.ledger import services, speedups
from qingqian.ledger.canonical import canonicalize
from qingqian.ledger.canonical import statement_commitment as commit
from qingqian.ledger.errors import LedgerError
from qingqian.ledger.merkle import leaf_hash
from qingqian.ledger.models import LogEntry


class _Kind(enum.IntEnum):
    A = 3


class _Text(str):
    pass


class _Ordered(dict):  # type: ignore[type-arg]
    """A dict subclass: not the exact type the fast path takes."""


# ``_entry_rows`` runs the compiled loop (``_speedups.c``) where it was built, else its
# Python twin: the tests of its rows run against both.
_IMPLEMENTATIONS = ["compiled", "python"]


@contextlib.contextmanager
def _rows_by(implementation: str) -> Iterator[None]:
    if implementation == "compiled" and speedups.compiled is None:
        pytest.skip("the compiled loops were not built here")
    original = services._compiled
    services._compiled = speedups.compiled if implementation == "compiled" else None
    try:
        yield
    finally:
        services._compiled = original


@pytest.fixture(params=_IMPLEMENTATIONS)
def rows_by(request: pytest.FixtureRequest) -> Iterator[str]:
    with _rows_by(request.param):
        yield request.param


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"x": 1}
    for _ in range(depth):
        value = {"x": [value]}
    return value


@pytest.mark.parametrize(
    "statement",
    [
        {"z": 1, "a": "b", "m": None, "t": True, "f": False},
        {"é": 1, "e": 2, "\U0001f600": 3, "\uff61": 4},  # non-ASCII names: kernel ordering
        {"n": 2**53 - 1, "m": -(2**53) + 1},
        {"k": _Kind.A, "s": _Text("x")},
        {"a": [1, [2, [3, {"b": "c"}]]]},
        {"text": "line\nbreak \u2028 \x7f \ud7ff 中文"},
        _nested(10),
    ],
)
def test_fast_encoder_matches_the_kernel(statement: dict[str, Any]) -> None:
    assert services.canonical_statement(statement) == canonicalize(statement)


@pytest.mark.parametrize(
    "statement",
    [{"f": 1.5}, {"big": 2**53}, {1: "x"}, {"a": [0.5]}, {"a": b"bytes"}],
)
def test_fast_encoder_defers_what_it_cannot_prove_to_the_kernel(
    statement: dict[Any, Any],
) -> None:
    try:
        expected: bytes | None = canonicalize(statement)
    except LedgerError:
        expected = None
    if expected is None:
        with pytest.raises(LedgerError):
            services.canonical_statement(statement)
    else:
        assert services.canonical_statement(statement) == expected


@pytest.mark.django_db
def test_bulk_append_stores_statements_hashes_and_kinds() -> None:
    items = [
        services.NewEntry("case.opened" + "x" * 60, 5, {"n": 1, "salt": "01"}),
        services.NewEntry("case.paid", None, b'{"n":2}'),
    ]
    with transaction.atomic():
        assert services.ledger_append_many(items) == 2
        assert services.ledger_append_many([]) == 0
    rows = list(
        LogEntry.objects.order_by("id").values_list(
            "statement", "leaf_hash", "kind", "case_id", "opening"
        )
    )
    assert [bytes(r[4]) for r in rows] == [b'{"n":1,"salt":"01"}', b'{"n":2}']
    assert [bytes(r[0]) for r in rows] == [commit(bytes(r[4])) for r in rows]
    assert [bytes(r[1]) for r in rows] == [leaf_hash(bytes(r[0])) for r in rows]
    assert [r[2] for r in rows] == ["case.opened" + "x" * 37, "case.paid"]
    assert [r[3] for r in rows] == [5, None]
    assert LogEntry.objects.filter(index__isnull=True, created_at__isnull=False).count() == 2


@pytest.mark.django_db
def test_bulk_append_rejects_an_oversized_statement_and_writes_nothing() -> None:
    items = [
        services.NewEntry("ok", None, {"n": 1}),
        services.NewEntry("big", None, {"blob": "x" * 70_000}),
    ]
    with pytest.raises(LedgerError), transaction.atomic():
        services.ledger_append_many(items)
    assert LogEntry.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("first", [1, 4_000])
def test_large_integrations_replace_the_right_edge(first: int) -> None:
    """Over the upsert threshold tiles and bundles are replaced by delete + bulk insert:
    the partial right edge of the earlier integration must end up at its full width."""
    from qingqian.ledger import selectors
    from qingqian.ledger.merkle import root_from_entries
    from qingqian.ledger.models import LogBundle, LogState, LogTile

    for start, count in ((0, first), (first, 9_000 - first)):
        with transaction.atomic():
            services.ledger_append_many(
                services.NewEntry("t", None, {"n": n, "salt": "00"})
                for n in range(start, start + count)
            )
        services.ledger_integrate()
    statements = [
        bytes(s) for s in LogEntry.objects.order_by("index").values_list("statement", flat=True)
    ]
    assert len(statements) == 9_000
    assert bytes(LogState.objects.get(pk=1).root_hash) == root_from_entries(statements)
    assert LogTile.objects.filter(level=0).count() == 36  # 35 full + one of width 40
    assert LogTile.objects.get(level=0, index=35).width == 9_000 - 35 * 256
    assert LogBundle.objects.get(index=15).width == 256
    for index in (0, first - 1, first, 8_999):
        selectors.inclusion_proof(index, 9_000).verify()


@pytest.mark.parametrize("prebuilt", [True, False])
def test_prebuilt_c_encoder_and_its_fallback_agree_with_the_kernel(
    prebuilt: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The encoder built once from ``c_make_encoder`` and the ``JSONEncoder`` fallback (for
    interpreters without the C accelerator) both give the kernel's bytes."""
    if prebuilt:
        assert services._C_ENCODE is not None
    else:
        monkeypatch.setattr(services, "_C_ENCODE", None)
    for statement in (
        {"z": 1, "a": "b", "m": None, "t": True, "f": False, "l": [1, {"y": "x", "b": []}]},
        {"text": 'line\nbreak \u2028 \x7f 中文 "q" \\', "n": -(2**53) + 1},
        {"lone": "\ud800"},
    ):
        try:
            expected: bytes | None = canonicalize(statement)
        except LedgerError:
            expected = None
        if expected is None:
            with pytest.raises(LedgerError):
                services.canonical_statement(statement)
        else:
            assert services.canonical_statement(statement) == expected


@pytest.mark.parametrize("prebuilt", [True, False])
def test_entry_rows_are_what_encoding_each_statement_gives(
    prebuilt: bool, monkeypatch: pytest.MonkeyPatch, rows_by: str
) -> None:
    """The one-loop row builder of the bulk writers stores, for every shape of statement,
    the bytes ``_encode`` gives one by one, their commitment and its leaf hash; what the
    fast path cannot prove (floats, big integers, non-ASCII names, subclasses, bytes) goes
    through the kernel, and entries are numbered from ``head``."""
    if not prebuilt:
        monkeypatch.setattr(services, "_C_ENCODE", None)
    statements: list[Any] = [
        {"z": 1, "a": "b", "m": None, "t": True, "salt": "00"},
        {"é": 1, "e": [2, {"y": "中文"}], "salt": "01"},
        {"k": _Kind.A, "s": _Text("x"), "salt": "02"},
        {"n": -(2**53) + 1, "salt": "03"},
        {"text": "line\nbreak \u2028 \x7f", "salt": "04"},
        b'{"raw":true}',
        _Ordered(b=1, a=2, salt="05"),
    ]
    items = [services.NewEntry("kind" * 20, n, s) for n, s in enumerate(statements)]
    rows = services._entry_rows(items, (7,), ("tail",))
    for n, (row, statement) in enumerate(zip(rows, statements, strict=True)):
        data = services._encode(statement)
        assert row == (7 + n, commit(data), data, leaf_hash(commit(data)), "kind" * 12, n, "tail")
    assert services._entry_rows(items[:1]) == [rows[0][1:6]]


def test_entry_rows_salt_what_has_no_salt_and_refuse_what_the_kernel_refuses(rows_by: str) -> None:
    [row] = services._entry_rows([services.NewEntry("k", None, {"n": 1})])
    assert row[1].startswith(b'{"n":1,"salt":"')
    assert row[0] == commit(row[1])
    for bad in (
        {"f": 1.5, "salt": "x"},
        {"n": 2**53, "salt": "x"},
        {"lone": "\ud800", "salt": "x"},
        {"b": "x" * 70_000, "salt": "x"},
    ):
        with pytest.raises(LedgerError):
            services._entry_rows([services.NewEntry("k", None, bad)])


@pytest.mark.django_db
def test_sqlite_keeps_entry_ids_as_a_plain_rowid() -> None:
    """No ``AUTOINCREMENT`` on SQLite (no ``sqlite_sequence`` update per row); ids are
    still assigned, in order, by both writers."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's table definition")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s",
            [LogEntry._meta.db_table],
        )
        [sql] = cursor.fetchone()
    assert '"id" integer NOT NULL PRIMARY KEY' in sql  # an alias of the rowid
    assert "AUTOINCREMENT" not in sql.upper()
    with transaction.atomic():
        services.ledger_append_many([services.NewEntry("k", None, {"n": n}) for n in range(3)])
        services.ledger_append(kind="k", case_id=None, statement={"n": 3})
        services.ledger_append_sequenced([services.NewEntry("k", None, {"n": 4})])
    ids = list(LogEntry.objects.order_by("index").values_list("id", flat=True))
    assert ids == sorted(ids) and len(set(ids)) == 5


# What a statement may hold, and what it must not (floats, integers past 2⁵³ − 1, lone
# surrogates, non-ASCII names whose UTF-16 order differs from code-point order).
_NAMES = st.text(max_size=6) | st.sampled_from(["salt", "a", "\uffff", "\U0001f600", "é"])
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**54), 2**54)
    | st.sampled_from([2**53 - 1, 2**53, -(2**53) + 1, -(2**53), 2**64, -(2**70)])
    | st.text(max_size=12)
    | st.floats(allow_nan=False)
)
_VALUES = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_NAMES, children, max_size=3),
    max_leaves=8,
)


def _kernel(statement: dict[str, Any]) -> bytes | None:
    try:
        return canonicalize(statement)
    except LedgerError:
        return None


# Flat statements with ASCII names, the shape nearly every entry has: orjson's own path.
_FLAT_STATEMENTS = st.dictionaries(st.text("abcdefghijklmnopqrstuvwxyz_", max_size=6), _SCALARS)


@given(
    st.dictionaries(_NAMES, _VALUES, max_size=6) | _FLAT_STATEMENTS,
    st.booleans(),
    st.sampled_from(_IMPLEMENTATIONS),
)
@settings(max_examples=300, deadline=None)
def test_every_encoder_path_gives_the_kernel_bytes_or_its_refusal(
    statement: dict[str, Any], without_orjson: bool, implementation: str
) -> None:
    """orjson on the fast path, the C encoder when orjson hands a statement back, the kernel
    for the rest: for any statement the bytes are the kernel's, and what the kernel refuses
    is refused, whichever path ran (and whether the rows are built by the compiled loop or
    its Python twin)."""
    if implementation == "compiled" and speedups.compiled is None:
        implementation = "python"
    original = services._ORJSON_DUMPS
    rows_by = _rows_by(implementation)
    rows_by.__enter__()

    def refusing(value: object, option: int = 0) -> bytes:
        raise TypeError("handed back")

    services._ORJSON_DUMPS = refusing if without_orjson else original
    try:
        expected = _kernel(statement)
        salted = {**statement, "salt": "00"}
        expected_salted = _kernel(salted)
        if expected is None:
            with pytest.raises(LedgerError):
                services.canonical_statement(statement)
        else:
            assert services.canonical_statement(statement) == expected
        if expected_salted is None:
            with pytest.raises(LedgerError):
                services._entry_rows([services.NewEntry("k", None, salted)])
        else:
            [row] = services._entry_rows([services.NewEntry("k", None, salted)])
            assert row[1] == expected_salted and row[0] == commit(expected_salted)
    finally:
        services._ORJSON_DUMPS = original
        rows_by.__exit__(None, None, None)


def test_flat_statements_take_orjson(monkeypatch: pytest.MonkeyPatch, rows_by: str) -> None:
    """The common shape (flat, ASCII names, plain scalars) is encoded by orjson, once."""
    calls: list[object] = []
    original = services._ORJSON_DUMPS

    def counting(value: object, option: int = 0) -> bytes:
        calls.append(value)
        return original(value, option=option)

    monkeypatch.setattr(services, "_ORJSON_DUMPS", counting)
    flat = {"n": 1, "t": "中文", "ok": True, "none": None, "salt": "00"}
    [row] = services._entry_rows([services.NewEntry("k", None, flat)])
    assert row[1] == canonicalize(flat) and calls == [flat]
    assert services._flat_ascii(flat)
    for not_flat in ({"f": 1.5}, {"é": 1}, {"l": [1]}, {"k": _Kind.A}, {1: "x"}):
        assert not services._flat_ascii(not_flat)


@pytest.mark.django_db
@pytest.mark.parametrize("writer", ["sequenced", "many"])
@pytest.mark.parametrize("enabled", [True, False])
def test_bulk_writers_pause_the_collector_and_restore_it(
    writer: str, enabled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cyclic collector is off while a bulk writer builds its rows, and afterwards as it
    was before, also when the batch is refused; one that was off stays off."""
    import gc

    seen: list[bool] = []
    original = services._entry_rows

    def watching(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "_entry_rows", watching)
    append = (
        services.ledger_append_sequenced if writer == "sequenced" else services.ledger_append_many
    )
    (gc.enable if enabled else gc.disable)()
    try:
        with transaction.atomic():
            assert append([services.NewEntry("k", None, {"n": 1, "salt": "00"})]) == 1
        assert gc.isenabled() is enabled
        with pytest.raises(LedgerError), transaction.atomic():
            append([services.NewEntry("k", None, {"f": 0.5})])
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
    assert seen == [False, False]


def test_entry_rows_hand_sqlite_bytearrays_and_the_tiles_bytes(rows_by: str) -> None:
    """With ``blobs`` the row's three byte strings are ``bytearray`` (SQLite's driver binds
    them without its adapter look-up) holding the same bytes; ``grown`` collects the
    commitments and leaf hashes as ``bytes``, which is what the tile kernel accepts."""
    items = [services.NewEntry("k", n, {"n": n, "salt": f"{n:02x}"}) for n in range(3)] + [
        services.NewEntry("k", None, {"f": [1, {"é": "x"}], "salt": "ff"})
    ]
    plain = services._entry_rows(items, (5,), ("tail",))
    publics: list[bytes] = []
    leaves: list[bytes] = []
    driver = services._entry_rows(items, (5,), ("tail",), grown=(publics, leaves), blobs=True)
    assert driver == plain
    for row in driver:
        assert [type(value) for value in row[1:4]] == [bytearray] * 3
    assert publics == [row[1] for row in plain] and leaves == [row[3] for row in plain]
    assert {type(value) for value in publics + leaves} == {bytes}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("writer", ["sequenced", "many"])
def test_bulk_writers_send_sqlite_bytearrays_and_store_the_same_bytes(writer: str) -> None:
    """On SQLite both bulk writers hand the driver ``bytearray`` blobs (``bytes`` would go
    through the driver's adapter look-up, a third of the insert's cost); what is stored reads
    back as the statements' bytes, their commitments and leaf hashes."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL takes the rows by COPY, bytes as they are")
    seen: list[type] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "ledger_logentry" in sql and sql.lstrip().upper().startswith("INSERT"):
            for row in params if many else [params]:
                seen.extend(type(value) for value in row if isinstance(value, bytes | bytearray))
        return execute(sql, params, many, context)

    append = (
        services.ledger_append_sequenced if writer == "sequenced" else services.ledger_append_many
    )
    statements = [{"n": n, "salt": f"{n:02x}"} for n in range(4)]
    with connection.execute_wrapper(record), transaction.atomic():
        append([services.NewEntry("k", n, s) for n, s in enumerate(statements)])
    assert seen and set(seen) == {bytearray}
    stored = LogEntry.objects.order_by("id")
    for entry, statement in zip(stored, statements, strict=True):
        data = canonicalize(statement)
        assert bytes(entry.opening) == data
        assert bytes(entry.statement) == commit(data)
        assert bytes(entry.leaf_hash) == leaf_hash(commit(data))
