"""Reads on the case log: tile and bundle readers over the database, checkpoints, proofs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.conf import settings
from django.db import connection

from qingqian.ledger.errors import LedgerError
from qingqian.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    NodeId,
    NodeReader,
    fold_nodes,
    hashes_for_ranges,
    inclusion_plan,
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
from qingqian.ledger.note import Note, NoteSignature, VerifierKey, parse_note
from qingqian.ledger.proofs import ConsistencyProof, InclusionProof, TlogProof
from qingqian.ledger.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    BundleId,
    TileId,
    TileNodeReader,
    consistency_proof_from_tiles,
    decode_entry_bundle,
    encode_entry_bundle,
    inclusion_proof_from_tiles,
    root_from_tiles,
    tile_at,
)


class DbTileReader:
    """A kernel ``TileReader`` over ``LogTile`` rows; ``overlay`` holds tiles not yet stored
    (used while integrating). Answers a width-``W`` request with the widest stored version.
    Reads with one raw statement per batch (a proof and an integration read a handful of
    tiles; building the ORM query cost more than running it)."""

    def __init__(
        self, overlay: Mapping[TileId, bytes] | None = None, *, also: Sequence[TileId] = ()
    ) -> None:
        # Tiles given or already read in this request (a reader lives for one request).
        self.overlay = {(t.level, t.index): data for t, data in (overlay or {}).items()}
        self.queries = 0
        self.also = list(also)  # read with the first batch (one query instead of two)

    def fetch(self, tiles: Sequence[TileId]) -> None:
        """Read into the overlay every tile asked for that is stored and not yet held."""
        tiles = [*tiles, *self.also]
        self.also = []
        wanted = sorted({(t.level, t.index) for t in tiles} - set(self.overlay))
        if not wanted:
            return
        self.queries += 1
        table = connection.ops.quote_name(LogTile._meta.db_table)
        index = connection.ops.quote_name("index")
        where = " OR ".join([f"(level = %s AND {index} = %s)"] * len(wanted))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT level, {index}, data FROM {table} WHERE {where}",  # noqa: S608
                [number for pair in wanted for number in pair],
            )
            for level, number, stored in cursor.fetchall():
                self.overlay[(level, number)] = bytes(stored)

    def read_tiles(self, tiles: Sequence[TileId]) -> list[bytes]:
        self.fetch(tiles)
        out: list[bytes] = []
        for tile in tiles:
            data = self.overlay.get((tile.level, tile.index))
            if data is None or len(data) < tile.width * 32:
                raise LedgerError(
                    "tile_missing",
                    "日志存储中缺少所需的瓦片。",
                    "A tile the log needs is missing from storage.",
                    {"tile": tile.path},
                )
            out.append(data)
        return out


class DbBundleReader:
    def read_bundles(self, bundles: Sequence[BundleId]) -> list[bytes]:
        table = connection.ops.quote_name(LogBundle._meta.db_table)
        index = connection.ops.quote_name("index")
        numbers = sorted({b.index for b in bundles})
        if not numbers:
            return []
        marks = ", ".join(["%s"] * len(numbers))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {index}, data FROM {table} WHERE {index} IN ({marks})",  # noqa: S608
                numbers,
            )
            rows = dict(cursor.fetchall())
        out: list[bytes] = []
        for bundle in bundles:
            data = rows.get(bundle.index)
            if data is None:
                raise LedgerError(
                    "tile_missing",
                    "日志存储中缺少所需的条目包。",
                    "An entry bundle the log needs is missing from storage.",
                    {"bundle": bundle.path},
                )
            out.append(bytes(data))
        return out


def _state_row() -> tuple[int, bytes, bytes]:
    """Size, root and compact range of the log as last integrated (one raw statement:
    every proof reads it)."""
    table = connection.ops.quote_name(LogState._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT size, root_hash, frontier FROM {table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return (int(row[0]), bytes(row[1]), bytes(row[2] or b"")) if row else (0, EMPTY_ROOT, b"")


class _FrontierNodeReader:
    """Answers the perfect subtrees of the compact range of the current tree (the right
    edge, which every proof at the current size folds) from the stored state row, and every
    other node from tiles. The right-edge tiles then need neither reading nor rehashing."""

    def __init__(self, size: int, root: bytes, frontier: bytes, inner: NodeReader) -> None:
        self.inner = inner
        self.known: dict[NodeId, bytes] = {}
        hashes = [frontier[i : i + HASH_SIZE] for i in range(0, len(frontier), HASH_SIZE)]
        nodes = subtree_nodes(0, size) if size else []
        if len(hashes) == len(nodes) and hashes and fold_nodes(hashes) == root:
            self.known = dict(zip(nodes, hashes, strict=True))

    def read_nodes(self, nodes: Sequence[NodeId]) -> list[bytes]:
        rest = [node for node in nodes if node not in self.known]
        found = dict(zip(rest, self.inner.read_nodes(rest), strict=True)) if rest else {}
        return [self.known[node] if node in self.known else found[node] for node in nodes]


def log_size() -> int:
    return _state_row()[0]


def checkpoint_latest() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()


def checkpoint_note(checkpoint: Checkpoint) -> str:
    """The signed checkpoint with every stored witness cosignature appended."""
    note = parse_note(checkpoint.note)
    lines = list(Cosignature.objects.filter(checkpoint=checkpoint).values_list("line", flat=True))
    if not lines:
        return checkpoint.note
    extra = parse_note(note.text + "\n" + "".join(lines)).signatures
    return Note(note.text, (*note.signatures, *extra)).encode()


def checkpoint_cosigned(min_size: int, quorum: int = 1) -> Checkpoint | None:
    """The newest checkpoint of at least ``min_size`` with ``quorum`` cosignatures, if any."""
    qs = Checkpoint.objects.filter(size__gte=min_size).order_by("-size")
    for checkpoint in qs[:50]:
        if Cosignature.objects.filter(checkpoint=checkpoint).count() >= quorum:
            return checkpoint
    return None


def checkpoint_for_export(min_size: int) -> Checkpoint | None:
    """The checkpoint an evidence package is built on: with witnesses configured, the newest
    checkpoint the configured witnesses cosigned with their quorum (any size; entries after
    it are left out of the package); otherwise the newest of at least ``min_size``.
    Among equally good ones, a checkpoint that carries an RFC 3161 timestamp is preferred."""
    keys = witness_keys()
    quorum = witness_quorum()
    names = {k.name for k in keys}
    candidates = Checkpoint.objects.order_by("-size")
    if not keys or quorum == 0:
        candidates = candidates.filter(size__gte=min_size)
    chosen: list[Checkpoint] = []
    for checkpoint in candidates[:50]:
        if keys and quorum:
            cosigned = {s.name for s in cosignature_lines(checkpoint)} & names
            if len(cosigned) < quorum:
                continue
        chosen.append(checkpoint)
        if checkpoint.size < min_size or checkpoint_token(checkpoint) is not None:
            break
    if not chosen:
        return None
    covering = [c for c in chosen if c.size >= min_size] or chosen
    stamped = [c for c in covering if checkpoint_token(c) is not None]
    return (stamped or covering)[0]


def checkpoint_token(checkpoint: Checkpoint) -> CheckpointTimestamp | None:
    """The newest RFC 3161 timestamp stored for ``checkpoint``."""
    return CheckpointTimestamp.objects.filter(checkpoint=checkpoint).order_by("-id").first()


def checkpoint_tokens(checkpoint: Checkpoint) -> list[CheckpointTimestamp]:
    return list(CheckpointTimestamp.objects.filter(checkpoint=checkpoint).order_by("id"))


def checkpoint_by_size(size: int) -> Checkpoint | None:
    return Checkpoint.objects.filter(size=size).first()


def entry_get(index: int) -> LogEntry | None:
    return LogEntry.objects.filter(index=index).first()


def entries_for_case(case_id: int) -> list[LogEntry]:
    return list(LogEntry.objects.filter(case_id=case_id, index__isnull=False).order_by("index"))


def tile_data(tile: TileId) -> bytes | None:
    """Tile bytes at exactly ``tile.width`` (a prefix of the widest stored version)."""
    row = LogTile.objects.filter(level=tile.level, index=tile.index).values_list("data").first()
    if row is None or len(row[0]) < tile.width * 32:
        return None
    return bytes(row[0])[: tile.width * 32]


def bundle_data(bundle: BundleId) -> bytes | None:
    row = LogBundle.objects.filter(index=bundle.index).values_list("width", "data").first()
    if row is None or row[0] < bundle.width:
        return None
    if row[0] == bundle.width:
        return bytes(row[1])
    return encode_entry_bundle(decode_entry_bundle(bytes(row[1]), bundle.width))


def _check_size(name: str, value: int, current: int | None = None) -> None:
    current = log_size() if current is None else current
    if value > current:
        raise LedgerError(
            "size_beyond_log",
            f"请求的大小超出当前日志（{current}）。",
            f"The requested size is beyond the current log ({current}).",
            {"field": name, "value": value, "log_size": current},
        )


def inclusion_proof(index: int, size: int) -> InclusionProof:
    """The inclusion proof of entry ``index`` in the tree of ``size``, with the leaf hash
    and the root. One statement reads the log's size and root, one the tiles: those of the
    proof and the leaf's level-0 tile (for the leaf hash; the entries table is not read).
    At the current size the root and the right edge come from the state row (what
    checkpoints sign); at an older size they are folded from the same batch of tiles."""
    current, current_root, frontier = _state_row()
    _check_size("size", size, current)
    plan = inclusion_plan(index, size)
    leaf_tile = tile_at(0, index >> TILE_HEIGHT, size)
    reader = DbTileReader(also=[leaf_tile] if leaf_tile is not None else [])
    nodes: NodeReader = TileNodeReader(reader, size)
    if size == current:
        # The right edge of every proof at the current size is a suffix of the stored
        # compact range, and the root is the stored root.
        nodes = _FrontierNodeReader(size, current_root, frontier, nodes)
        proof, root = hashes_for_ranges(plan, nodes), current_root
    else:
        *proof, root = hashes_for_ranges([*plan, (0, size)], nodes)
    if reader.also:  # no proof hash to read (a tree of one leaf)
        reader.fetch([])
    tile = reader.overlay.get((0, index >> TILE_HEIGHT), b"")
    offset = index % TILE_WIDTH * HASH_SIZE
    entry = tile[offset : offset + HASH_SIZE]
    if len(entry) != HASH_SIZE:
        raise LedgerError(
            "store_inconsistent",
            "日志存储中缺少条目的叶子哈希。",
            "The log storage lacks the entry's leaf hash.",
            {"index": index, "size": size},
        )
    return InclusionProof(index, size, bytes(entry), root, tuple(proof))


def consistency_proof(old: int, new: int) -> ConsistencyProof:
    _check_size("new", new)
    reader = DbTileReader()
    proof = consistency_proof_from_tiles(old, new, reader)
    old_root = root_from_tiles(old, reader)
    new_root = root_from_tiles(new, reader)
    return ConsistencyProof(old, new, old_root, new_root, tuple(proof))


def tlog_proof(index: int, checkpoint: Checkpoint) -> TlogProof:
    """The C2SP tlog-proof of entry ``index`` against ``checkpoint`` (with cosignatures)."""
    proof = inclusion_proof_from_tiles(index, checkpoint.size, DbTileReader())
    return TlogProof(index, tuple(proof), checkpoint_note(checkpoint))


def log_verifier_key() -> VerifierKey:
    from qingqian.ledger.keys import log_signer

    return log_signer().verifier()


def key_announcements() -> list[Checkpoint]:
    """The checkpoints that announce a new log key, in tree-size order."""
    from qingqian.ledger.checkpoint import ROTATION_PREFIX

    return list(Checkpoint.objects.filter(note__contains=f"\n{ROTATION_PREFIX} ").order_by("size"))


def log_announced_key() -> VerifierKey | None:
    """The key the newest announcement names (the one that must sign from then on), or the
    pinned first key when nothing was announced (``None``: nothing pinned either)."""
    from qingqian.ledger.checkpoint import announced_key, parse_checkpoint

    found = key_announcements()
    if found:
        latest = announced_key(parse_checkpoint(parse_note(found[-1].note).text))
        return latest[0] if latest else None
    return log_first_key()


def log_first_key() -> VerifierKey | None:
    """The pinned first log key (``QINGQIAN_LOG_FIRST_KEY``), if set."""
    text = str(getattr(settings, "QINGQIAN_LOG_FIRST_KEY", "") or "").strip()
    return VerifierKey.parse(text) if text else None


def witness_keys() -> list[VerifierKey]:
    return [VerifierKey.parse(text) for text in getattr(settings, "QINGQIAN_WITNESS_KEYS", [])]


def witness_quorum() -> int:
    """Distinct configured witnesses an exported checkpoint needs (``QINGQIAN_WITNESS_QUORUM``;
    default 1 when witnesses are configured, capped at their number)."""
    keys = witness_keys()
    configured = getattr(settings, "QINGQIAN_WITNESS_QUORUM", None)
    quorum = (1 if keys else 0) if configured in (None, "") else int(str(configured))
    return max(0, min(quorum, len(keys)))


def cosignature_lines(checkpoint: Checkpoint) -> list[NoteSignature]:
    note = parse_note(checkpoint_note(checkpoint))
    return list(note.signatures[1:])
