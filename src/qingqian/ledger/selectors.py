"""Reads on the case log: tile and bundle readers over the database, checkpoints, proofs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.conf import settings
from django.db.models import Q

from qingqian.ledger.errors import LedgerError
from qingqian.ledger.merkle import HASH_SIZE, hashes_for_ranges, inclusion_plan
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
)


class DbTileReader:
    """A kernel ``TileReader`` over ``LogTile`` rows; ``overlay`` holds tiles not yet stored
    (used while integrating). Answers a width-``W`` request with the widest stored version."""

    def __init__(self, overlay: Mapping[TileId, bytes] | None = None) -> None:
        # Tiles given or already read in this request (a reader lives for one request).
        self.overlay = {(t.level, t.index): data for t, data in (overlay or {}).items()}
        self.queries = 0

    def read_tiles(self, tiles: Sequence[TileId]) -> list[bytes]:
        wanted = {(t.level, t.index) for t in tiles} - set(self.overlay)
        found: dict[tuple[int, int], bytes] = dict(self.overlay)
        if wanted:
            self.queries += 1
            condition = Q()
            for level, index in wanted:
                condition |= Q(level=level, index=index)
            for level, index, stored in LogTile.objects.filter(condition).values_list(
                "level", "index", "data"
            ):
                found[(level, index)] = self.overlay[(level, index)] = bytes(stored)
        out: list[bytes] = []
        for tile in tiles:
            data = found.get((tile.level, tile.index))
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
        rows = dict(
            LogBundle.objects.filter(index__in=[b.index for b in bundles]).values_list(
                "index", "data"
            )
        )
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


def log_size() -> int:
    state = LogState.objects.filter(pk=1).first()
    return state.size if state else 0


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


def _check_size(name: str, value: int) -> None:
    current = log_size()
    if value > current:
        raise LedgerError(
            "size_beyond_log",
            f"请求的大小超出当前日志（{current}）。",
            f"The requested size is beyond the current log ({current}).",
            {"field": name, "value": value, "log_size": current},
        )


def inclusion_proof(index: int, size: int) -> InclusionProof:
    _check_size("size", size)
    reader = DbTileReader()
    # The proof and the root in one batch of tiles (one query).
    *proof, root = hashes_for_ranges(
        [*inclusion_plan(index, size), (0, size)], TileNodeReader(reader, size)
    )
    # The leaf hash is in the level-0 tile just read: the root needs the rightmost leaf's
    # tile and the proof the tile of any other leaf (its siblings are in it).
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
    from qingqian.ledger.services import log_signer

    return log_signer().verifier()


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
