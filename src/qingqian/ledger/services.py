"""Writes on the case log.

``ledger_append`` / ``ledger_append_many`` add *pending* entries inside the caller's
transaction, so an event and its log entry commit (or roll back) together. After commit a
task runs ``ledger_integrate``, which sequences pending entries in batches under a row lock
on ``LogState``, grows the tiles and entry bundles with the pure kernel, and publishes a
signed checkpoint when one is due (``CHECKPOINT_EVERY``). Statements are RFC 8785
canonical JSON without personal data in clear.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import itertools
import json
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from qingqian.common import clock
from qingqian.common.bulk import bulk_insert
from qingqian.common.exceptions import ApplicationError
from qingqian.ledger.canonical import COMMITMENT_DOMAIN, canonicalize, statement_commitment
from qingqian.ledger.checkpoint import Checkpoint as CheckpointBody
from qingqian.ledger.checkpoint import rotation_line, sign_checkpoint
from qingqian.ledger.errors import LedgerError
from qingqian.ledger.keys import log_signer
from qingqian.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    LEAF_PREFIX,
    compact_range_extend,
    fold_nodes,
    leaf_hash,
    subtree_nodes,
)
from qingqian.ledger.models import (
    Checkpoint,
    CheckpointTimestamp,
    Cosignature,
    LogBundle,
    LogEntry,
    LogState,
    LogTile,
)
from qingqian.ledger.note import SIG_ED25519, SignerKey, parse_note, verify_note
from qingqian.ledger.selectors import (
    DbBundleReader,
    DbTileReader,
    log_announced_key,
    witness_keys,
)
from qingqian.ledger.speedups import compiled as _compiled
from qingqian.ledger.tiles import (
    TILE_WIDTH,
    BundleId,
    TileId,
    TileNodeReader,
    grow_entry_bundles,
    grow_tiles,
    partial_tiles,
)

logger = logging.getLogger(__name__)
STATEMENT_VERSION = 1
INTEGRATE_BATCH = 20_000

# Codes of kernel errors a caller can cause (bad index, sizes, proofs); anything else is
# a storage fault and is reported without details.
_CLIENT_CODES = {
    "index_out_of_range",
    "sizes_invalid",
    "number_invalid",
    "size_beyond_log",
    "proof_malformed",
    "proof_length",
    "proof_mismatch",
    "note_malformed",
    "signature_invalid",
    "signature_missing",
    "checkpoint_invalid",
    "checkpoint_unknown",
    "key_invalid",
    "key_name_invalid",
    "key_unannounced",
    "timestamp_invalid",
    "tile_path_invalid",
    "tile_invalid",
    "float_not_allowed",
    "integer_out_of_range",
    "statement_invalid",
    "statement_too_deep",
    "entry_invalid",
}
_SAFE_DETAIL_KEYS = {"index", "size", "old_size", "new_size", "field", "value", "log_size", "line"}


class LedgerServiceError(ApplicationError):
    """A ``LedgerError`` translated into the project's error shape for interfaces."""

    status = 422
    code = "ledger_error"

    @classmethod
    def from_kernel(cls, exc: LedgerError) -> LedgerServiceError:
        if exc.code not in _CLIENT_CODES:
            return cls(
                "日志存储出错，请稍后再试。",
                "The log storage failed; please try again later.",
                code="ledger_unavailable",
                status=503,
            )
        details = {
            key: value
            for key, value in exc.details.items()
            if key in _SAFE_DETAIL_KEYS and isinstance(value, int | str)
        }
        status = 404 if exc.code in {"index_out_of_range", "size_beyond_log"} else 422
        return cls(exc.message_zh, exc.message_en, code=exc.code, details=details, status=status)


# --------------------------------------------------------------------------- statements


def new_salt() -> str:
    return os.urandom(16).hex()


def salted_hash(salt: str, value: str) -> str:
    """SHA-256 of ``salt ‖ 0x00 ‖ value`` (hex): commits to free text without revealing it."""
    return hashlib.sha256(bytes.fromhex(salt) + b"\x00" + value.encode("utf-8")).hexdigest()


def utc_text(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def statement_build(event: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """A statement: version, event type, the given fields and a fresh random salt."""
    return {"v": STATEMENT_VERSION, "type": event, "salt": new_salt(), **fields}


def timeline_statement(
    *,
    case_id: int,
    reference: str,
    event_id: int | None,
    kind: str,
    at: dt.datetime,
    actor_id: int | None,
    from_state: str,
    to_state: str,
    note: str,
) -> dict[str, Any]:
    """The statement of a case timeline event. The free-text note may name people, so only
    its salted hash goes in."""
    statement = statement_build(
        "case." + kind,
        {
            "case": reference,
            "case_id": case_id,
            "event_id": event_id,
            "at": utc_text(at),
            "actor_id": actor_id,
            "from_state": from_state,
            "to_state": to_state,
        },
    )
    if note:
        statement["note_sha256"] = salted_hash(statement["salt"], note)
    return statement


# --------------------------------------------------------------------------- appending


class NewEntry(NamedTuple):
    """One entry for the bulk writers (a named tuple: built once per entry, it is cheaper
    than a frozen dataclass)."""

    kind: str
    case_id: int | None
    statement: Mapping[str, Any] | bytes


_SAFE_INT = (1 << 53) - 1
# Python's escaping with ensure_ascii=False is RFC 8785's for strings; sort_keys orders ASCII
# member names by code point.
_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# The same encoder built once from the C accelerator (``JSONEncoder.encode`` rebuilds it on
# every call). No circular-reference markers: ``_simple`` has already bounded the depth.
_C_MAKE_ENCODER = getattr(json.encoder, "c_make_encoder", None)
_C_ENCODE_STRING = getattr(json.encoder, "c_encode_basestring", None)
_C_ENCODE = (
    _C_MAKE_ENCODER(None, None, _C_ENCODE_STRING, None, ":", ",", True, False, False)
    if _C_MAKE_ENCODER is not None and _C_ENCODE_STRING is not None
    else None
)


# orjson writes RFC 8785's bytes for what ``_simple`` admits (same escaping as Python's
# encoder with ``ensure_ascii=False``, members sorted by code point, which for ASCII names is
# UTF-16 order), about seven times faster than the C encoder above. It refuses integers past
# 2⁵³ − 1 (STRICT_INTEGER), lone surrogates and non-string names, and hands subclasses,
# dates and dataclasses back (PASSTHROUGH_*, no ``default``): each a ``TypeError``, after
# which the statement takes the slower path, so the bytes never depend on which one ran.
_ORJSON_OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_STRICT_INTEGER
    | orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
)
_ORJSON_DUMPS = orjson.dumps


def _flat_ascii(statement: dict[Any, Any]) -> bool:
    """True for a dict with ASCII string names and values that are exactly ``str``, ``int``,
    ``bool`` or ``None``: it needs no ``_simple`` walk (orjson checks the integers' range)."""
    try:
        if not "".join(statement).isascii():
            return False
    except TypeError:  # a name that is not a string
        return False
    for value in statement.values():  # exact types, inline: a third cheaper than a set
        kind = type(value)
        if kind is not str and kind is not int and kind is not bool and value is not None:
            return False
    return True


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a bulk writer builds and stores rows.

    A batch allocates a few objects per entry (statement, row tuple, bytes) and none form
    cycles; with the collector on, its young-generation passes ran every 700 allocations
    and kept re-walking the batch's live rows: a quarter of the CPU of a 20,000-entry
    append (measured in session 13). Reference counting still frees everything as usual; a
    collection runs on the first allocation after this. Process-wide, so only turned back
    on by whoever turned it off."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _scalar(value: object) -> bool:
    if value is None or isinstance(value, str | bool):
        return True
    if isinstance(value, int):
        return -_SAFE_INT <= value <= _SAFE_INT
    return False


def _simple(value: object, depth: int = 0) -> bool:
    """True if ``json.dumps(sort_keys=True)`` gives the RFC 8785 form of ``value``: ASCII
    member names (so code-point order is UTF-16 order), no floats, safe integers, at most
    16 levels. Exact-type checks inline (this runs once per statement on the bulk path);
    subclasses fall back to ``isinstance``."""
    kind = type(value)
    if kind is dict:
        try:
            if not "".join(value).isascii():  # type: ignore[arg-type]
                return False
        except TypeError:  # a key that is not a string
            return False
        members: Iterable[object] = value.values()  # type: ignore[attr-defined]
    elif kind is list:
        members = value  # type: ignore[assignment]
    elif isinstance(value, dict | list):
        return False
    else:
        return _scalar(value)
    if depth > 16:
        return False
    for member in members:
        kind = type(member)
        if kind is str or member is None or kind is bool:
            continue
        if kind is int:
            if -_SAFE_INT <= member <= _SAFE_INT:  # type: ignore[operator]
                continue
            return False
        if not _simple(member, depth + 1):
            return False
    return True


def canonical_statement(statement: Mapping[str, Any]) -> bytes:
    """RFC 8785 bytes of a statement. Fast path through the C JSON encoder for the simple
    shapes statements have (Python's escaping with ``ensure_ascii=False`` is exactly RFC
    8785's); anything else, and any lone surrogate, goes through the kernel."""
    if isinstance(statement, dict) and _simple(statement):
        try:
            return _ORJSON_DUMPS(statement, option=_ORJSON_OPTIONS)
        except TypeError:  # see _ORJSON_OPTIONS
            pass
        try:
            if _C_ENCODE is not None:
                return "".join(_C_ENCODE(statement, 0)).encode("utf-8")
            return _JSON.encode(statement).encode("utf-8")
        except UnicodeEncodeError:
            pass
    return canonicalize(statement)


def _encode(statement: Mapping[str, Any] | bytes) -> bytes:
    """The private statement's bytes; a mapping without a salt gets one, so its public
    commitment hides it (bytes are taken as they are)."""
    if not isinstance(statement, bytes) and "salt" not in statement:
        statement = {**statement, "salt": new_salt()}
    data = statement if isinstance(statement, bytes) else canonical_statement(statement)
    if len(data) > 0xFFFF:
        raise LedgerError(
            "entry_invalid",
            "日志语句过长（上限 65535 字节）。",
            "The statement is too long (65,535 bytes at most).",
            {"size": len(data)},
        )
    return data


def ledger_append(
    *, kind: str, case_id: int | None, statement: Mapping[str, Any] | bytes
) -> LogEntry:
    """Add one pending entry in the caller's transaction; integration runs after commit."""
    data = _encode(statement)
    public = statement_commitment(data)
    entry = LogEntry(
        statement=public,
        opening=data,
        leaf_hash=leaf_hash(public),
        kind=kind[:48],
        case_id=case_id,
        created_at=clock.now(),
    )
    with transaction.atomic(savepoint=False):
        _hold_append_lock()
        _insert_pending(entry)
    _schedule_integration()
    return entry


def _insert_pending(entry: LogEntry) -> None:
    """One pending row by a prepared ``INSERT`` (the ORM's ``create`` built the statement
    anew on every call, a quarter of the cost of an append per commit); sets the id."""
    quote = connection.ops.quote_name
    columns = ("statement", "opening", "leaf_hash", "kind", "case_id", "created_at")
    sqlite = connection.vendor == "sqlite"
    created: Any = entry.created_at
    if sqlite:
        created = connection.ops.adapt_datetimefield_value(created)
    names = ", ".join(quote(c) for c in columns)
    sql = (
        f"INSERT INTO {quote(LogEntry._meta.db_table)} ({names}) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, %s, %s)"
    )
    values = [entry.statement, entry.opening, entry.leaf_hash, entry.kind, entry.case_id, created]
    with connection.cursor() as cursor:
        if sqlite:
            cursor.execute(sql, values)
            entry.pk = cursor.lastrowid
        else:
            cursor.execute(sql + " RETURNING id", values)
            entry.pk = cursor.fetchone()[0]
    entry._state.adding = False
    entry._state.db = connection.alias


_Grown = tuple[list[bytes], list[bytes]]  # commitments and leaf hashes, as bytes


def _entry_data(statement: Mapping[str, Any] | bytes) -> bytes:
    """The stored bytes of one bulk entry, the rule ``_entry_rows`` applies: a salted dict
    of flat (``_flat_ascii``, checked first: cheaper) or simple shape (``_simple``) is
    encoded by orjson; what orjson hands back (see ``_ORJSON_OPTIONS``), bytes past 65,535
    and anything else go through ``_encode`` (``canonical_statement``'s C encoder or the
    kernel, a salt added if there is none), which also refuses what is too long."""
    if (
        type(statement) is dict
        and "salt" in statement
        and (_flat_ascii(statement) or _simple(statement))
    ):
        try:
            data = _ORJSON_DUMPS(statement, option=_ORJSON_OPTIONS)
        except TypeError:
            data = None
        if data is not None and len(data) <= 0xFFFF:
            return data
    return _encode(statement)


def _entry_rows(
    entries: Iterable[NewEntry],
    head: tuple[Any, ...] = (),
    tail: tuple[Any, ...] = (),
    *,
    grown: _Grown | None = None,
    blobs: bool = False,
) -> list[tuple[Any, ...]]:
    """Per entry the row both bulk writers store: ``(*head, [index,] public entry
    (commitment), private statement, leaf hash, kind, case id, *tail)``; with ``head =
    (first,)`` the entries are numbered from ``first``. With ``grown``, the commitments and
    leaf hashes are also appended, as bytes, to its two lists (what the tiles and bundles
    grow from).

    With ``blobs`` the row's three byte strings are ``bytearray``: SQLite's driver binds a
    ``bytearray`` as it is, but sends ``bytes`` (like ``None``) through its adapter look-up
    first. Measured with ``sqlite3`` alone on this table's row: the insert fell from 4.8–5.2
    to 3.0–3.3 µs of CPU a row, the three copies cost 0.6–0.8 µs (issue 16).

    This runs once per entry on the bulk paths: the compiled loop (``_speedups.c``) where it
    was built, else ``_entry_rows_py``; both give the same rows."""
    if _compiled is not None and len(head) <= 1:
        keep_public, keep_leaf = grown if grown is not None else (None, None)
        rows: list[tuple[Any, ...]] = _compiled.entry_rows(
            entries,
            head[0] if head else None,
            tuple(tail),
            blobs,
            keep_public,
            keep_leaf,
            _ORJSON_DUMPS,
            _ORJSON_OPTIONS,
            _entry_data,
            COMMITMENT_DOMAIN,
            LEAF_PREFIX,
            "salt",
        )
        return rows
    return _entry_rows_py(entries, head, tail, grown=grown, blobs=blobs)


def _entry_rows_py(
    entries: Iterable[NewEntry],
    head: tuple[Any, ...],
    tail: tuple[Any, ...],
    *,
    grown: _Grown | None,
    blobs: bool,
) -> list[tuple[Any, ...]]:
    """``_entry_rows`` in Python: per entry ``_entry_data``, the two hashes, the row."""
    sha256 = hashlib.sha256
    domain = COMMITMENT_DOMAIN
    prefix = LEAF_PREFIX
    encode = _entry_data
    blob = bytearray
    rows: list[tuple[Any, ...]] = []
    append = rows.append
    keep_public, keep_leaf = grown if grown is not None else ([], [])
    keep = grown is not None
    index = head[0] if head else 0
    for kind, case_id, statement in entries:
        data = encode(statement)
        public = sha256(domain + data).digest()
        leaf = sha256(prefix + public).digest()
        if keep:
            keep_public.append(public)
            keep_leaf.append(leaf)
        if blobs:
            public, data, leaf = blob(public), blob(data), blob(leaf)
        if head:
            append((index, public, data, leaf, kind[:48], case_id, *tail))
            index += 1
        else:
            append((public, data, leaf, kind[:48], case_id, *tail))
    return rows


def ledger_append_many(entries: Iterable[NewEntry]) -> int:
    """Bulk variant: statements canonicalised and leaf-hashed here (integration reads the
    stored hash and never rehashes), rows sent with ``common.bulk.bulk_insert`` (``COPY`` on
    PostgreSQL, one prepared ``executemany`` on SQLite), no model instances. Returns the
    count. The cyclic collector waits while the rows are built and sent
    (``_collector_paused``)."""
    with _collector_paused():
        rows = _entry_rows(entries, tail=(clock.now(),), blobs=connection.vendor == "sqlite")
        if not rows:
            return 0
        with transaction.atomic(savepoint=False):
            _hold_append_lock()
            bulk_insert(
                LogEntry,
                ("statement", "opening", "leaf_hash", "kind", "case_id", "created_at"),
                rows,
                batch_size=INTEGRATE_BATCH,
            )
    _schedule_integration()
    return len(rows)


# The key of the PostgreSQL advisory lock appenders hold (shared) while they write pending
# entries; ``_horizon`` tries it exclusively for an instant.
APPEND_LOCK_KEY = 0x71_71_6C_65_64_67_65_72  # "qqledger"


def _hold_append_lock() -> None:
    """On PostgreSQL, hold the appenders' shared advisory lock until this transaction ends,
    taken *before* entry ids are drawn. Appenders never wait on each other for it, and
    nobody ever waits to take it exclusively (``_horizon`` only tries), so this never
    blocks; it lets an integration tell that no transaction which drew an entry id is
    still running."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [APPEND_LOCK_KEY])


def _schedule_integration() -> None:
    """Once per transaction: enqueue the integration task after commit (never fails the
    caller; ``qingqian ledger integrate`` catches up if a task was lost)."""
    conn = transaction.get_connection()
    if any(callback[1] is _enqueue_integration for callback in conn.run_on_commit):
        return
    transaction.on_commit(_enqueue_integration, robust=True)


def _enqueue_integration() -> None:
    if not getattr(settings, "QINGQIAN_LEDGER_AUTO_INTEGRATE", True):
        return
    from qingqian.ledger.tasks import ledger_integrate_task

    ledger_integrate_task.enqueue()


# --------------------------------------------------------------------------- integrating


def _state_locked() -> LogState:
    """The ``LogState`` row, locked until the transaction ends (``FOR UPDATE`` on
    PostgreSQL; SQLite's ``IMMEDIATE`` transactions hold the write lock from ``BEGIN``).
    One raw statement: this runs on every integration, once per commit on a busy system."""
    table = connection.ops.quote_name(LogState._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    query = f"SELECT size, root_hash, pending_floor, frontier FROM {table} WHERE id = 1{lock}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(query)
        row = cursor.fetchone()
        if row is None:
            try:
                with transaction.atomic():
                    LogState.objects.create(pk=1, size=0, root_hash=EMPTY_ROOT)
            except IntegrityError:
                pass
            cursor.execute(query)
            row = cursor.fetchone()
    return LogState(
        pk=1,
        size=row[0],
        root_hash=bytes(row[1]),
        pending_floor=row[2],
        frontier=bytes(row[3] or b""),
    )


def _state_save(state: LogState, *, floor: bool = False) -> None:
    """Write the size, root and compact range (and, with ``floor``, the pending floor) of
    the locked row."""
    table = connection.ops.quote_name(LogState._meta.db_table)
    now = timezone.now()  # wall time, as ``auto_now`` wrote it
    stamp = connection.ops.adapt_datetimefield_value(now) if connection.vendor == "sqlite" else now
    sets = "size = %s, root_hash = %s, frontier = %s, updated_at = %s"
    values: list[Any] = [state.size, bytes(state.root_hash), bytes(state.frontier), stamp]
    if floor:
        sets += ", pending_floor = %s"
        values.append(state.pending_floor)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {sets} WHERE id = 1", values)  # noqa: S608


def _assign_indices(pairs: Sequence[tuple[int, int]]) -> None:
    """Set ``index`` for ``(id, index)`` pairs. When the ids read are one contiguous run
    (the usual case) a single range update does it: ids are unique, so a run of ``k``
    distinct ids between ``a`` and ``a + k - 1`` leaves no other row in that range, whatever
    commits concurrently. Otherwise one statement over arrays (PostgreSQL) or one prepared
    statement run many times (SQLite)."""
    if not pairs:
        return
    table = connection.ops.quote_name(LogEntry._meta.db_table)
    index = connection.ops.quote_name("index")
    with connection.cursor() as cursor:
        if pairs[-1][0] - pairs[0][0] == len(pairs) - 1:
            cursor.execute(
                f"UPDATE {table} SET {index} = id - %s WHERE id BETWEEN %s AND %s",  # noqa: S608
                [pairs[0][0] - pairs[0][1], pairs[0][0], pairs[-1][0]],
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS e SET {index} = u.idx "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::bigint[]) AS u(id, idx) WHERE e.id = u.id",
                [[p[0] for p in pairs], [p[1] for p in pairs]],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET {index} = %s WHERE id = %s",  # noqa: S608
                [(position, pk) for pk, position in pairs],
            )


_UPSERT_MAX = 32  # below this many rows an upsert statement beats delete + bulk insert


def _store_tiles(tiles: Mapping[TileId, bytes], bundles: Mapping[BundleId, bytes]) -> None:
    """Store the grown tiles and bundles (one row per coordinate, the widest version).

    A small integration (one event per commit) upserts its few rows. A large one replaces:
    only the right edge of the log (at most one partial tile per level and one partial
    bundle) can already be stored, so those rows are deleted in one statement each and the
    batch goes in with ``bulk_insert`` (``COPY`` on PostgreSQL) instead of a per-row upsert.
    Runs under the ``LogState`` lock."""
    tile_rows = [(t.level, t.index, t.width, d) for t, d in tiles.items()]
    bundle_rows = [(b.index, b.width, d) for b, d in bundles.items()]
    if len(tile_rows) + len(bundle_rows) <= _UPSERT_MAX:
        _upsert(LogTile, ("level", "index"), tile_rows)
        _upsert(LogBundle, ("index",), bundle_rows)
        return
    stale = Q(pk__in=[])
    for level in {t.level for t in tiles}:
        stale |= Q(level=level, index__in=[t.index for t in tiles if t.level == level])
    LogTile.objects.filter(stale).delete()
    if bundles:
        LogBundle.objects.filter(index__in=[b.index for b in bundles]).delete()
    bulk_insert(LogTile, ("level", "index", "width", "data"), tile_rows)
    bulk_insert(LogBundle, ("index", "width", "data"), bundle_rows)


def _upsert(model: Any, keys: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert ``(*keys, width, data)`` rows, replacing width and data of a row already
    stored at the same key: one prepared statement (SQLite and PostgreSQL share the
    ``ON CONFLICT`` syntax)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in (*keys, "width", "data"))
    marks = ", ".join(["%s"] * (len(keys) + 2))
    conflict = ", ".join(quote(k) for k in keys)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks}) "  # noqa: S608
            f"ON CONFLICT ({conflict}) DO UPDATE SET width = excluded.width, data = excluded.data",
            rows,
        )


# Up to this many new entries, the root is updated from the stored compact range; a larger
# batch reads it back from the grown tiles (same hashes, fewer Python-level operations).
_FRONTIER_MAX = TILE_WIDTH


def _stored_frontier(state: LogState) -> list[bytes] | None:
    """The compact range stored with ``state``, if it is there and folds to its root."""
    data = bytes(state.frontier or b"")
    if state.size == 0:
        return []
    if len(data) != state.size.bit_count() * HASH_SIZE:
        return None
    hashes = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
    return hashes if fold_nodes(hashes) == bytes(state.root_hash) else None


def _grow(state: LogState, statements: Sequence[bytes], hashes: Sequence[bytes]) -> None:
    """Extend the log held in ``state`` (locked) by entries already sequenced at
    ``state.size`` onwards: grow tiles and bundles from the given statements and leaf hashes
    (only the right-edge partial tiles, read in one query, and the partial bundle are read),
    store them, and save the new size, root and compact range."""
    size = state.size
    reader = DbTileReader()
    reader.fetch(partial_tiles(size))
    tiles = grow_tiles(size, hashes, reader)
    bundles = grow_entry_bundles(size, statements, DbBundleReader())
    _store_tiles(tiles, bundles)
    new_size = size + len(hashes)
    frontier = _stored_frontier(state) if len(hashes) <= _FRONTIER_MAX else None
    if frontier is not None:
        frontier = compact_range_extend(size, frontier, hashes)
    else:
        # The new tree's right edge: the tiles just grown, and the old partial tiles of the
        # levels that did not grow (already read).
        reader.overlay.update({(t.level, t.index): data for t, data in tiles.items()})
        frontier = list(TileNodeReader(reader, new_size).read_nodes(subtree_nodes(0, new_size)))
    state.size = new_size
    state.root_hash = fold_nodes(frontier)
    state.frontier = b"".join(frontier)
    _state_save(state)


def _pending(batch: int, floor: int = 0) -> list[tuple[int, bytes, bytes]]:
    """Up to ``batch`` pending entries above id ``floor`` in id order: ``(id, statement,
    leaf hash)``. Every pending entry has an id above ``LogState.pending_floor``
    (``_advance_floor``), so the scan starts there, past the dead versions below it.

    On PostgreSQL the look-up must be a plain index scan of the partial index
    ``ledger_entry_pending`` (``id WHERE index IS NULL``), which can start at the floor.
    Sequencing an entry updates its row, so the old row version (index NULL) stays in that
    index and in the unique index on ``index`` until VACUUM. A bitmap scan of the latter,
    which the planner picks without statistics, fetched every such dead version from the
    heap on every integration (≈ 35 ms at 2·10⁵ entries, ≈ 200 ms at 10⁶, with autovacuum
    off) and never marks them; a plain index scan marks the few it meets as dead."""
    table = connection.ops.quote_name(LogEntry._meta.db_table)
    index = connection.ops.quote_name("index")
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(
            f"SELECT id, statement, leaf_hash FROM {table} "  # noqa: S608
            f"WHERE {index} IS NULL AND id > %s ORDER BY id LIMIT %s",
            [floor, batch],
        )
        rows = [(row[0], bytes(row[1]), bytes(row[2])) for row in cursor.fetchall()]
        if postgres:
            cursor.execute("RESET enable_bitmapscan")
    return rows


def _integrate_batch(state: LogState, batch: int) -> int:
    pending = _pending(batch, state.pending_floor)
    if not pending:
        return 0
    size = state.size
    _assign_indices([(row[0], size + n) for n, row in enumerate(pending)])
    _grow(state, [row[1] for row in pending], [row[2] for row in pending])
    return len(pending)


def ledger_append_sequenced(entries: Iterable[NewEntry]) -> int:
    """Append entries with their log indices assigned at insert: no pending phase and no
    second sequencing pass.

    Runs in the caller's transaction and takes the ``LogState`` lock at once, holding it
    until the caller commits; meant for bulk writers (imports, migrations) that can afford
    that. Request paths keep ``ledger_append``/``ledger_append_many``, which never wait on
    the lock. Pending entries appended earlier are sequenced first, so the log order is the
    same as if these had been appended pending and integrated. Tiles and bundles grow from
    the statements and hashes in memory (nothing is read back); the checkpoint is published
    after commit by the usual integration task when one is due. Returns the count.

    The rows are built in one pass once the lock is held and the starting index known:
    statement canonicalised, commitment and leaf hashed, the tuple the driver takes; the
    cyclic collector waits meanwhile (``_collector_paused``)."""
    with _collector_paused():
        return _append_sequenced(entries)


def _append_sequenced(entries: Iterable[NewEntry]) -> int:
    items = entries if isinstance(entries, list) else list(entries)
    if not items:
        return 0
    now = clock.now()
    # The driver's value for created_at, adapted once for every row.
    created = (
        connection.ops.adapt_datetimefield_value(now) if connection.vendor == "sqlite" else now
    )
    with transaction.atomic():
        state = _state_locked()
        while _integrate_batch(state, INTEGRATE_BATCH) == INTEGRATE_BATCH:
            pass
        first = state.size
        publics: list[bytes] = []
        leaves: list[bytes] = []
        rows = _entry_rows(
            items,
            (first,),
            (created,),
            grown=(publics, leaves),
            blobs=connection.vendor == "sqlite",
        )
        for begin in range(0, len(rows), INTEGRATE_BATCH):
            end = begin + INTEGRATE_BATCH
            _insert_sequenced(rows[begin:end])
            _grow(state, publics[begin:end], leaves[begin:end])
    _schedule_integration()
    return len(rows)


_ROWS_PER_INSERT = 512  # rows per multi-row INSERT on SQLite (bounded by its variable limit)


def _insert_sequenced(rows: list[tuple[Any, ...]]) -> None:
    """Insert ``(index, entry, opening, leaf hash, kind, case id, created_at)`` rows, created_at
    already in the driver's form: ``COPY`` on PostgreSQL (``bulk_insert``). On SQLite, one
    prepared ``INSERT … VALUES (…), (…), …`` of up to ``_ROWS_PER_INSERT`` rows at a time:
    a quarter cheaper per row than ``executemany``, which steps and resets the statement
    once per row (measured with ``sqlite3`` alone, 4.6–5.3 against 6.2–6.7 µs of CPU a
    row under load), handed to the driver directly (below)."""
    columns = ("index", "statement", "opening", "leaf_hash", "kind", "case_id", "created_at")
    if connection.vendor == "postgresql":
        # ``COPY`` runs on psycopg's own cursor: translate its errors too, so a clash is
        # Django's ``IntegrityError`` on both databases.
        with connection.wrap_database_errors:
            bulk_insert(LogEntry, columns, rows, batch_size=INTEGRATE_BATCH)
        return
    table = connection.ops.quote_name(LogEntry._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    head = f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608
    group = "(%s, %s, %s, %s, %s, %s, %s)"
    connection.ensure_connection()
    try:
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:  # Python < 3.11
        limit = connection.features.max_query_params
    per = max(1, min(_ROWS_PER_INSERT, limit // len(columns)))
    full = head + ", ".join([group] * per)
    chain = itertools.chain.from_iterable
    if connection.queries_logged or connection.execute_wrappers:
        # DEBUG, a test capturing queries, an installed wrapper: Django's cursor, so what
        # is recorded or wrapped is unchanged.
        with connection.cursor() as cursor:
            for begin in range(0, len(rows), per):
                part = rows[begin : begin + per]
                sql = full if len(part) == per else head + ", ".join([group] * len(part))
                cursor.execute(sql, list(chain(part)))
        return
    # Otherwise straight to the driver, with its own placeholders: Django's SQLite cursor
    # rewrites every ``%s`` to ``?`` with a regular expression on each call, 1.4 µs a row
    # for a statement of 512 rows (a tenth of what an appended entry costs). Errors are
    # translated as Django's cursor translates them, after the same checks.
    connection.ensure_connection()
    connection.validate_thread_sharing()
    connection.validate_no_broken_transaction()
    group = group.replace("%s", "?")
    full = head + ", ".join([group] * per)
    with connection.wrap_database_errors:
        cursor = connection.connection.cursor()
        try:
            for begin in range(0, len(rows), per):
                part = rows[begin : begin + per]
                sql = full if len(part) == per else head + ", ".join([group] * len(part))
                cursor.execute(sql, list(chain(part)))
        finally:
            cursor.close()


# Signing is batched, not the commit (issue 16). The integration that follows each commit
# sequences the new entries at once (indices, tiles, bundles, root), but it signs a new
# checkpoint only when one is *due*: the log has grown by ``QINGQIAN_LOG_CHECKPOINT_EVERY``
# entries since the newest checkpoint, or that checkpoint is ``QINGQIAN_LOG_CHECKPOINT_MS``
# old, or there is none. Whoever serves a checkpoint (``checkpoint_current``), an export and
# ``qingqian ledger integrate`` sign at once, so what leaves the system is always signed and
# covers the whole log.
CHECKPOINT_EVERY = 1000
CHECKPOINT_MS = 1000


def _checkpoint_bounds() -> tuple[int, dt.timedelta]:
    every = int(getattr(settings, "QINGQIAN_LOG_CHECKPOINT_EVERY", CHECKPOINT_EVERY))
    wait = int(getattr(settings, "QINGQIAN_LOG_CHECKPOINT_MS", CHECKPOINT_MS))
    return max(1, every), dt.timedelta(milliseconds=max(0, wait))


def _latest_signed() -> tuple[int, dt.datetime] | None:
    """Size and publication time of the newest checkpoint (one raw statement)."""
    table = connection.ops.quote_name(Checkpoint._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT size, created_at FROM {table} ORDER BY size DESC LIMIT 1"  # noqa: S608
        )
        row = cursor.fetchone()
    if row is None:
        return None
    created = row[1]
    if isinstance(created, str):  # SQLite through a raw cursor: the stored text
        created = dt.datetime.fromisoformat(created)
    if created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    return int(row[0]), created


def _publish(state: LogState, *, sign: str = "always", since: int = -1) -> Checkpoint | None:
    """Sign a checkpoint of ``state`` if the log grew past the newest one: always, or with
    ``sign="due"`` only when one is due (see ``CHECKPOINT_EVERY``). ``since`` is the size
    the calling integration started from; when it defers the first entries after a
    checkpoint it queues a signing for when the time bound runs out."""
    latest = _latest_signed()
    if latest is not None and latest[0] >= state.size:
        return None
    if sign == "due" and latest is not None:
        every, wait = _checkpoint_bounds()
        due_at = latest[1] + wait
        # Wall time, like the checkpoint's created_at: a pinned business clock
        # (``clock.pinned``, the demo's dated history) must not hold signatures back.
        if state.size - latest[0] < every and timezone.now() < due_at:
            if latest[0] == since:
                transaction.on_commit(lambda: _schedule_signing(due_at), robust=True)
            return None
    signer = log_signer()
    in_force = log_announced_key()
    if in_force is not None and signer.verifier() != in_force:
        # The configured key is not the one the log announced (a rotation not yet deployed,
        # or a key swapped in without one): sign nothing rather than break the chain.
        logger.error(
            "ledger: the configured log key %s is not the announced key %s; not signing",
            signer.verifier().key_id.hex(),
            in_force.key_id.hex(),
        )
        return None
    root = bytes(state.root_hash) or EMPTY_ROOT
    body = CheckpointBody(settings.QINGQIAN_LOG_ORIGIN, state.size, root)
    note = sign_checkpoint(body, signer)
    checkpoint = Checkpoint.objects.create(size=state.size, root_hash=root, note=note.encode())
    if getattr(settings, "QINGQIAN_TIMESTAMP_AUTHORITY", None) or getattr(
        settings, "QINGQIAN_TSA_URL", ""
    ):
        # After commit and robust: a slow, unreachable or misconfigured authority never
        # holds the log lock or fails the integration; the checkpoint just has no token.
        transaction.on_commit(lambda: _timestamp_published(checkpoint), robust=True)
    return checkpoint


def _schedule_signing(at: dt.datetime) -> None:
    """Queue a signing for ``at`` on a backend that defers (the database backend in
    production). Elsewhere the next integration after ``at``, the next checkpoint served or
    exported, or ``qingqian ledger integrate`` signs."""
    if not getattr(settings, "QINGQIAN_LEDGER_AUTO_INTEGRATE", True):
        return
    from django_tasks import default_task_backend

    from qingqian.ledger.tasks import ledger_sign_task

    if default_task_backend.supports_defer:
        ledger_sign_task.using(run_after=at).enqueue()


def checkpoint_current() -> Checkpoint | None:
    """The checkpoint to serve: the newest, after signing one first if the log has grown
    past it (between due signings the newest checkpoint may lag the log by less than the
    bounds). None only when nothing was ever published and the log is empty."""
    latest = Checkpoint.objects.order_by("-size").first()
    state = LogState.objects.filter(pk=1).values_list("size", flat=True).first()
    if latest is not None and (state is None or latest.size >= state):
        return latest
    with transaction.atomic():
        published = _publish(_state_locked())
    return published or Checkpoint.objects.order_by("-size").first()


def _timestamp_published(checkpoint: Checkpoint) -> None:
    authority = timestamp_authority()
    if authority is not None:
        checkpoint_timestamp(checkpoint, authority)


def _horizon() -> int | None:
    """PostgreSQL: the last entry id drawn, if no appending transaction is running now —
    then every transaction that drew an id up to it has ended and a statement run after
    this sees all of their entries; None if one is running, and on other databases (SQLite
    runs one writing transaction at a time and drops old row versions at once, so it needs
    no floor). The id is read first; then the appenders' lock is tried exclusively and
    released at once: it is free only when no appender holds it (appenders take it before
    drawing ids and keep it until they end)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, 'id')::regclass)",
            [LogEntry._meta.db_table],
        )
        drawn = cursor.fetchone()[0] or 0
        cursor.execute(
            "SELECT CASE WHEN pg_try_advisory_lock(%s) THEN pg_advisory_unlock(%s) ELSE false END",
            [APPEND_LOCK_KEY, APPEND_LOCK_KEY],
        )
        quiet = cursor.fetchone()[0]
    return int(drawn) if quiet else None


def _advance_floor(state: LogState, drawn: int | None) -> None:
    """Raise ``pending_floor`` to ``drawn`` (from ``_horizon``, read under the lock before
    this transaction's pending look-up, which found and sequenced every pending entry above
    the floor).

    Sequencing leaves the old versions of the rows (index NULL) in the pending index until
    VACUUM, so a scan from the start of the table grows with the log; the floor lets it
    start past them. It only rises when no appender was running at ``_horizon``: then
    every entry with an id up to ``drawn`` was visible to the look-up, and any later
    pending entry draws a higher id."""
    if drawn is not None and drawn > state.pending_floor:
        state.pending_floor = drawn
        _state_save(state, floor=True)


def ledger_integrate(*, batch: int = INTEGRATE_BATCH, sign: str = "always") -> Checkpoint | None:
    """Sequence every pending entry (one transaction per batch, each under the state lock)
    and publish a signed checkpoint if the log grew: always (the default: the command,
    exports), or with ``sign="due"`` (the task after each commit) only when one is due
    (``CHECKPOINT_EVERY``). Returns the new checkpoint or None."""
    published: Checkpoint | None = None
    since = -1
    while True:
        with transaction.atomic():
            state = _state_locked()
            if since < 0:
                since = state.size
            horizon = _horizon()
            done = _integrate_batch(state, batch) < batch
            if done:
                _advance_floor(state, horizon)
                published = _publish(state, sign=sign, since=since)
        if done:
            return published


# --------------------------------------------------------------------------- key rotation


def ledger_log_key_rotate(*, new_key: str, actor: Any = None) -> Checkpoint:
    """Announce ``new_key`` (a note signer key text) as the log's next signing key.

    Under the log lock: a ``ledger.key_rotation`` entry is appended and sequenced, and the
    checkpoint of the grown tree is signed by the key in force (the configured one) with the
    extension line naming the new key and the size it signs from (this size + 1). From then
    on the server signs nothing with the old key; deploy ``QINGQIAN_LOG_SIGNING_KEY=NEW``
    (and pin the first key, ``QINGQIAN_LOG_FIRST_KEY``). Refused: a key that does not parse
    or is not an Ed25519 key of this log (422 ``log_key_invalid``), the key in force itself
    (409 ``log_key_unchanged``), or a configured key that is not the one in force (409
    ``log_key_not_in_force``)."""
    from qingqian.audit.services import audit_record

    origin = settings.QINGQIAN_LOG_ORIGIN
    try:
        new = SignerKey.parse(new_key.strip())
    except LedgerError:
        new = None
    if new is None or new.sig_type != SIG_ED25519 or new.name != origin:
        raise ApplicationError(
            "新的日志签名密钥无效：须为本日志来源的 Ed25519 签名密钥。",
            "The new log signing key is invalid: it must be an Ed25519 note signer key of "
            "this log's origin.",
            code="log_key_invalid",
            status=422,
            details={"origin": origin},
        )
    old = log_signer()
    if new.verifier() == old.verifier():
        raise ApplicationError(
            "新密钥与现用密钥相同。",
            "The new key is the key in force.",
            code="log_key_unchanged",
            status=409,
        )
    with transaction.atomic():
        _state_locked()  # the log lock: no other signing between the entry and the checkpoint
        in_force = log_announced_key()
        if in_force is not None and in_force != old.verifier():
            raise ApplicationError(
                "当前配置的日志密钥不是日志公告的现用密钥，不能由它公告新密钥。",
                "The configured log key is not the key the log announced; it cannot announce "
                "a new one.",
                code="log_key_not_in_force",
                status=409,
            )
        announced = new.verifier()
        ledger_append_sequenced(
            [
                NewEntry(
                    "ledger.key_rotation",
                    None,
                    {
                        "event": "ledger.key_rotation",
                        "key_id": announced.key_id.hex(),
                        "key": announced.encode(),
                        "at": utc_text(clock.now()),
                    },
                )
            ]
        )
        state = _state_locked()
        root = bytes(state.root_hash) or EMPTY_ROOT
        body = CheckpointBody(origin, state.size, root, (rotation_line(announced, state.size + 1),))
        note = sign_checkpoint(body, old)
        checkpoint = Checkpoint.objects.create(size=state.size, root_hash=root, note=note.encode())
        audit_record(
            actor=actor,
            organisation=getattr(actor, "organisation", None),
            action="ledger.log_key_rotate",
            obj=checkpoint,
            before={"key_id": old.verifier().key_id.hex()},
            after={"key_id": announced.key_id.hex(), "from_size": state.size + 1},
        )
    return checkpoint


# --------------------------------------------------------------------------- witnesses


def cosignature_add(*, size: int, line: str) -> Cosignature:
    """Store a witness cosignature (a tlog-cosignature/v1 signature line) on the checkpoint
    of ``size``. Only keys listed in ``QINGQIAN_WITNESS_KEYS`` are accepted."""
    checkpoint = Checkpoint.objects.filter(size=size).first()
    if checkpoint is None:
        raise LedgerServiceError(
            "没有这个大小的检查点。",
            "There is no checkpoint of this size.",
            code="checkpoint_unknown",
            details={"size": size},
            status=404,
        )
    text = line if line.endswith("\n") else line + "\n"
    body = parse_note(checkpoint.note).text
    try:
        note = parse_note(body + "\n" + text)
        if len(note.signatures) != 1:
            raise LedgerError(
                "note_malformed", "只能提交一行联署。", "Send exactly one cosignature line."
            )
        [verified] = verify_note(note, witness_keys())
    except LedgerError as exc:
        raise LedgerServiceError.from_kernel(exc) from exc
    if verified.timestamp is None:
        raise LedgerServiceError(
            "这不是见证人联署（tlog-cosignature/v1）。",
            "This is not a witness cosignature (tlog-cosignature/v1).",
            code="signature_invalid",
        )
    signature = note.signatures[0]
    cosignature, _ = Cosignature.objects.get_or_create(
        checkpoint=checkpoint,
        witness=signature.name,
        key_id=signature.key_id.hex(),
        defaults={"line": signature.line(), "timestamp": verified.timestamp},
    )
    return cosignature


# --------------------------------------------------------------------------- timestamps


def authority_from_settings() -> Any:
    """``Rfc3161Authority`` from ``QINGQIAN_TSA_URL`` and ``QINGQIAN_TSA_ROOTS`` (PEM path),
    or None when no URL is set."""
    url = getattr(settings, "QINGQIAN_TSA_URL", "")
    if not url:
        return None
    roots = getattr(settings, "QINGQIAN_TSA_ROOTS", "")
    if not roots:
        raise _tsa_bad("QINGQIAN_TSA_ROOTS (a PEM file of trusted roots) is not set")
    from qingqian.ledger.timestamping import Rfc3161Authority

    return Rfc3161Authority.from_pem(url, Path(roots).read_bytes())


def _tsa_bad(reason: str) -> LedgerError:
    from qingqian.ledger.timestamping import _bad

    return _bad(reason)


def timestamp_authority() -> Any:
    """The configured time-stamping authority adapter, or None:
    ``QINGQIAN_TIMESTAMP_AUTHORITY`` (an object or a dotted path to a zero-argument factory)
    if set, else an RFC 3161 authority from ``QINGQIAN_TSA_URL`` / ``QINGQIAN_TSA_ROOTS``."""
    configured = getattr(settings, "QINGQIAN_TIMESTAMP_AUTHORITY", None)
    if configured is None or configured == "":
        return authority_from_settings()
    if isinstance(configured, str):
        from django.utils.module_loading import import_string

        return import_string(configured)()
    return configured


def checkpoint_timestamp(checkpoint: Checkpoint, authority: Any) -> CheckpointTimestamp:
    """Ask ``authority`` for a timestamp over the signed checkpoint note (the token's
    message imprint is SHA-256 of the note's bytes)."""
    token = authority.timestamp(checkpoint.note.encode("utf-8"))
    return CheckpointTimestamp.objects.create(
        checkpoint=checkpoint,
        authority=token.authority,
        token=token.token,
        gen_time=token.gen_time,
    )


def checkpoint_timestamp_ensure(checkpoint: Checkpoint) -> CheckpointTimestamp | None:
    """The checkpoint's newest token; if it has none and an authority is configured, ask
    for one now (an evidence package must carry one). A failing authority yields None."""
    found = CheckpointTimestamp.objects.filter(checkpoint=checkpoint).order_by("-id").first()
    if found is not None:
        return found
    try:
        authority = timestamp_authority()
        if authority is None:
            return None
        return checkpoint_timestamp(checkpoint, authority)
    except (LedgerError, OSError, ValueError):
        logger.warning("timestamp for checkpoint %s failed", checkpoint.size, exc_info=True)
        return None
