"""C2SP tlog-tiles: tile coordinates, paths, building tiles and bundles, proofs from tiles.

A tile is a run of at most 256 consecutive Merkle tree hashes at one *tile level*: level 0
holds leaf hashes, level ``L`` holds the roots of the full tiles of level ``L - 1``, i.e.
the hashes of perfect subtrees of ``256**L`` leaves. Hash ``i`` of tile ``N`` at level
``L`` is ``MTH(D[(N*256 + i) * 256**L : (N*256 + i + 1) * 256**L])``. The rightmost tile of
a level is *partial* (``W`` = 1..255 hashes) until it fills up; partial tiles are never
hashed into the level above. Entry bundles hold the entries behind each level-0 tile, each
entry prefixed by its length as a big-endian uint16.

Storage plugs in through :class:`TileReader` / :class:`BundleReader`. A proof needs at most
two tiles per tile level (the tile on the leaf's path and the right-edge tile), so an
inclusion or consistency proof costs ``O(log256 n)`` tile reads, fetched in one batch.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from qingqian.ledger.errors import LedgerError
from qingqian.ledger.merkle import (
    HASH_SIZE,
    NODE_PREFIX,
    NodeId,
    consistency_plan,
    hashes_for_ranges,
    inclusion_plan,
    leaf_hash,
    root_hash,
)
from qingqian.ledger.speedups import compiled as _compiled

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256 hashes, 8,192 bytes when full
MAX_TILE_LEVEL = 63
MAX_ENTRY_SIZE = 0xFFFF  # entries are length-prefixed with a uint16 in bundles


@dataclass(frozen=True, order=True)
class TileId:
    """Tile ``index`` of ``level`` holding ``width`` hashes (256 when full)."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        _check_tile_numbers(self.level, self.index, self.width)

    @property
    def is_full(self) -> bool:
        return self.width == TILE_WIDTH

    @property
    def path(self) -> str:
        return tile_path(self.level, self.index, self.width)


@dataclass(frozen=True, order=True)
class BundleId:
    """Entry bundle ``index`` (the entries behind level-0 tile ``index``)."""

    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        _check_tile_numbers(0, self.index, self.width)

    @property
    def is_full(self) -> bool:
        return self.width == TILE_WIDTH

    @property
    def path(self) -> str:
        return entry_bundle_path(self.index, self.width)


class TileReader(Protocol):
    """Returns the bytes of each tile asked for, in order.

    A store may answer a partial-tile request with a wider version of the same tile (the
    full one, say): only the first ``width`` hashes are used. A missing tile must raise.
    """

    def read_tiles(self, tiles: Sequence[TileId]) -> Sequence[bytes]: ...


class BundleReader(Protocol):
    """Returns the bytes of each entry bundle asked for, in order (same rules as tiles)."""

    def read_bundles(self, bundles: Sequence[BundleId]) -> Sequence[bytes]: ...


# --------------------------------------------------------------------------- paths


def encode_tile_index(index: int) -> str:
    """``1234067`` -> ``x001/x234/067``: 3-digit groups, all but the last prefixed ``x``."""
    _check_tile_numbers(0, index, TILE_WIDTH)
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(groups))


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]``."""
    _check_tile_numbers(level, index, width)
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{encode_tile_index(index)}{suffix}"


def entry_bundle_path(index: int, width: int = TILE_WIDTH) -> str:
    """``tile/entries/<N>[.p/<W>]``."""
    _check_tile_numbers(0, index, width)
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/entries/{encode_tile_index(index)}{suffix}"


_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_GROUP_LAST = re.compile(r"[0-9]{3}")
_GROUP_INNER = re.compile(r"x[0-9]{3}")


def parse_tile_path(path: str) -> TileId | BundleId:
    """Parse a canonical tile or entry-bundle path (the part after the log prefix).

    Only the canonical spelling is accepted: no leading zeros in ``L`` or ``W``, no
    redundant ``x000`` groups, ``W`` between 1 and 255.
    """
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise _bad_path(path)
    kind, rest = parts[1], parts[2:]
    width = TILE_WIDTH
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        if not _DECIMAL.fullmatch(rest[-1]):
            raise _bad_path(path)
        width = int(rest[-1])
        if not 1 <= width < TILE_WIDTH:
            raise _bad_path(path)
        rest = [*rest[:-2], rest[-2][:-2]]
    if not _GROUP_LAST.fullmatch(rest[-1]) or not all(
        _GROUP_INNER.fullmatch(group) for group in rest[:-1]
    ):
        raise _bad_path(path)
    if len(rest) > 1 and rest[0] == "x000":
        raise _bad_path(path)
    index = 0
    for group in rest:
        index = index * 1000 + int(group.lstrip("x"))
    if kind == "entries":
        return BundleId(index, width)
    if not _DECIMAL.fullmatch(kind) or int(kind) > MAX_TILE_LEVEL:
        raise _bad_path(path)
    return TileId(int(kind), index, width)


# --------------------------------------------------------------------------- coordinates


def tile_levels(size: int) -> int:
    """How many tile levels a tree of ``size`` leaves has (0 for the empty tree)."""
    levels = 0
    while size >> (TILE_HEIGHT * levels):
        levels += 1
    return levels


def tile_at(level: int, index: int, size: int) -> TileId | None:
    """Tile ``index`` of ``level`` as it exists in the tree of ``size`` leaves, with its
    width there; ``None`` if the tree has no hash in it yet."""
    count = size >> (TILE_HEIGHT * level)  # hashes at this tile level
    full_tiles = count >> TILE_HEIGHT
    if index < full_tiles:
        return TileId(level, index)
    width = count & (TILE_WIDTH - 1)
    if index == full_tiles and width:
        return TileId(level, index, width)
    return None


def partial_tiles(size: int) -> list[TileId]:
    """The partial tiles of the tree of ``size`` leaves, lowest level first."""
    out: list[TileId] = []
    for level in range(tile_levels(size)):
        count = size >> (TILE_HEIGHT * level)
        if count & (TILE_WIDTH - 1):
            out.append(TileId(level, count >> TILE_HEIGHT, count & (TILE_WIDTH - 1)))
    return out


def tiles_for_size(size: int) -> list[TileId]:
    """Every tile (full and partial) of the tree of ``size`` leaves, level by level."""
    out: list[TileId] = []
    for level in range(tile_levels(size)):
        count = size >> (TILE_HEIGHT * level)
        out.extend(TileId(level, index) for index in range(count >> TILE_HEIGHT))
        if count & (TILE_WIDTH - 1):
            out.append(TileId(level, count >> TILE_HEIGHT, count & (TILE_WIDTH - 1)))
    return out


def node_location(node: NodeId) -> tuple[int, int, int, int]:
    """Where a perfect node lives: ``(tile level, tile index, height inside the tile,
    position of its first hash in the tile)``."""
    level, index = node
    tile_level, height = divmod(level, TILE_HEIGHT)
    first = index << height
    return tile_level, first >> TILE_HEIGHT, height, first & (TILE_WIDTH - 1)


# --------------------------------------------------------------------------- tile data


def tile_hashes(data: bytes, width: int | None = None) -> list[bytes]:
    """Split tile bytes into hashes; with ``width``, keep the first ``width`` of them."""
    _check_tile_data(data, width)
    keep = len(data) // HASH_SIZE if width is None else width
    return [data[i * HASH_SIZE : (i + 1) * HASH_SIZE] for i in range(keep)]


def _check_tile_data(data: object, width: int | None) -> None:
    if not isinstance(data, bytes) or len(data) % HASH_SIZE or not data:
        raise LedgerError(
            "tile_invalid",
            "瓦片数据长度不是 32 字节的整数倍。",
            "Tile data is not a whole number of 32-byte hashes.",
            {"length": len(data) if isinstance(data, bytes) else None},
        )
    count = len(data) // HASH_SIZE
    if count > TILE_WIDTH or (width is not None and count < width):
        raise LedgerError(
            "tile_invalid",
            "瓦片中的哈希数量不对。",
            "The tile holds the wrong number of hashes.",
            {"hashes": count, "expected": width},
        )


def _subtree_root_py(row: bytes) -> bytes:
    """The root of a perfect subtree whose bottom row is ``row``, its hashes concatenated
    (``32 * 2**h`` bytes): each level hashes adjacent 64-byte slices of the one below, so a
    node costs one slice and one SHA-256 call (proofs from tiles spend their time here)."""
    sha256, prefix, pair = hashlib.sha256, NODE_PREFIX, 2 * HASH_SIZE
    while len(row) > HASH_SIZE:
        row = b"".join(
            [sha256(prefix + row[i : i + pair]).digest() for i in range(0, len(row), pair)]
        )
    return row


# The compiled twin (``_speedups.c``) where it was built: the same bytes, a node for about a
# third of the cost (0.12 against 0.42 µs measured on a full tile); it refuses a row that
# is not a power of two of hashes, which no caller passes.
subtree_root = _compiled.subtree_root if _compiled is not None else _subtree_root_py


class TileNodeReader:
    """A :class:`~qingqian.ledger.merkle.NodeReader` over a tile store, for the tree of
    ``size`` leaves. Each call reads every tile it needs in one batch, once."""

    def __init__(self, reader: TileReader, size: int) -> None:
        self.reader = reader
        self.size = size
        self.tiles_read = 0

    def read_nodes(self, nodes: Sequence[NodeId]) -> list[bytes]:
        located: list[tuple[TileId, int, int]] = []
        for node in nodes:
            tile_level, tile_index, height, first = node_location(node)
            tile = tile_at(tile_level, tile_index, self.size)
            if tile is None or first + (1 << height) > tile.width:
                raise LedgerError(
                    "node_missing",
                    "请求的节点不在该大小的树中。",
                    "The requested node is not part of the tree at this size.",
                    {"level": node.level, "index": node.index, "size": self.size},
                )
            located.append((tile, height, first))
        wanted = list(dict.fromkeys(tile for tile, _, _ in located))
        found = self.reader.read_tiles(wanted)
        if len(found) != len(wanted):
            raise LedgerError(
                "store_inconsistent",
                "存储返回的瓦片数量与请求不符。",
                "The store returned a different number of tiles than asked for.",
                {"asked": len(wanted), "returned": len(found)},
            )
        self.tiles_read += len(wanted)
        rows = {
            tile: _TileNodes(data, tile.width) for tile, data in zip(wanted, found, strict=True)
        }
        return [rows[tile].node(height, first >> height) for tile, height, first in located]


class _TileNodes:
    """The inner nodes of one tile, computed on demand from the tile's bytes. The nodes a
    proof needs inside one tile are disjoint subtrees, so a tile costs at most 255 hash
    operations, and only the hashes under the requested nodes are sliced out."""

    def __init__(self, data: bytes, width: int) -> None:
        _check_tile_data(data, width)
        self.data = data

    def node(self, height: int, index: int) -> bytes:
        begin, end = (index << height) * HASH_SIZE, ((index + 1) << height) * HASH_SIZE
        return subtree_root(self.data[begin:end])


def root_from_tiles(size: int, reader: TileReader) -> bytes:
    """``MTH(D[size])`` from tiles."""
    return root_hash(size, TileNodeReader(reader, size))


def inclusion_proof_from_tiles(index: int, size: int, reader: TileReader) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree of ``size`` leaves, from tiles."""
    return hashes_for_ranges(inclusion_plan(index, size), TileNodeReader(reader, size))


def consistency_proof_from_tiles(old_size: int, new_size: int, reader: TileReader) -> list[bytes]:
    """The consistency proof between two tree sizes, from the tiles of the larger tree."""
    if old_size == new_size and old_size > 0:
        return []
    return hashes_for_ranges(consistency_plan(old_size, new_size), TileNodeReader(reader, new_size))


def grow_tiles(
    old_size: int, new_leaf_hashes: Sequence[bytes], reader: TileReader
) -> dict[TileId, bytes]:
    """The tiles that appear when the tree grows from ``old_size`` by ``new_leaf_hashes``.

    Reads only the old partial tiles (at most one per level). Returns every new full tile
    and every new partial tile of the grown tree; tiles of the old tree are unchanged
    (the old partial tiles stay valid for the old size and may be kept for it).
    """
    if not isinstance(old_size, int) or isinstance(old_size, bool) or old_size < 0:
        raise LedgerError(
            "number_invalid",
            "树大小必须是非负整数。",
            "The tree size must be a non-negative integer.",
            {"old_size": repr(old_size)},
        )
    hashes_ok = set(map(type, new_leaf_hashes)) <= {bytes} and set(map(len, new_leaf_hashes)) <= {
        HASH_SIZE
    }
    for position, value in enumerate(() if hashes_ok else new_leaf_hashes):
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            raise LedgerError(
                "hash_invalid",
                "新叶子哈希不是 32 字节。",
                "A new leaf hash is not 32 bytes.",
                {"position": position},
            )
    result: dict[TileId, bytes] = {}
    pending = list(new_leaf_hashes)
    level = 0
    full = TILE_WIDTH * HASH_SIZE
    while pending:
        old_count = old_size >> (TILE_HEIGHT * level)
        first_tile, old_width = old_count >> TILE_HEIGHT, old_count & (TILE_WIDTH - 1)
        # The level's row as bytes: the old partial tile's hashes, then the new ones.
        row = b""
        if old_width:
            old_tile = TileId(level, first_tile, old_width)
            data = _read_one(reader, old_tile)
            _check_tile_data(data, old_width)
            row = data[: old_width * HASH_SIZE]
        row += b"".join(pending)
        pending = []
        for offset in range(0, len(row), full):
            chunk = row[offset : offset + full]
            tile = TileId(level, first_tile + offset // full, len(chunk) // HASH_SIZE)
            result[tile] = chunk
            if tile.is_full:
                pending.append(subtree_root(chunk))
        level += 1
    return result


# --------------------------------------------------------------------------- entry bundles


def encode_entry_bundle(entries: Sequence[bytes]) -> bytes:
    """Each entry as a big-endian uint16 length followed by its bytes."""
    if not 1 <= len(entries) <= TILE_WIDTH:
        raise LedgerError(
            "bundle_invalid",
            "条目包应含 1 到 256 个条目。",
            "An entry bundle holds between 1 and 256 entries.",
            {"entries": len(entries)},
        )
    _check_entries(entries)
    return _join_entries(entries)


_COMMITMENT_PREFIX = HASH_SIZE.to_bytes(2, "big")


def _join_entries(entries: Sequence[bytes]) -> bytes:
    """The bundle bytes of entries already checked (1..256 of them, each ≤ 65,535 bytes).
    When every entry is 32 bytes long (a commitment: every entry written since issue 16)
    the length prefix is the same for all and is joined in one call."""
    if set(map(len, entries)) == {HASH_SIZE}:
        prefix = _COMMITMENT_PREFIX
        return prefix + prefix.join(entries)
    return b"".join([len(entry).to_bytes(2, "big") + entry for entry in entries])


def _check_entries(entries: Sequence[bytes]) -> None:
    """``check_entry`` on each of ``entries``: at C speed when all are bytes short enough,
    else entry by entry to name the first bad one."""
    if set(map(type, entries)) <= {bytes} and max(map(len, entries), default=0) <= MAX_ENTRY_SIZE:
        return
    for position, entry in enumerate(entries):
        check_entry(entry, position)


def decode_entry_bundle(data: bytes, width: int | None = None) -> list[bytes]:
    """Split a bundle into entries; with ``width``, keep the first ``width`` entries
    (a wider bundle may answer a narrower request) and require at least that many."""
    if not isinstance(data, bytes):
        raise _bad_bundle("not bytes", {})
    entries: list[bytes] = []
    cursor = 0
    while cursor < len(data):
        if cursor + 2 > len(data):
            raise _bad_bundle("truncated length", {"offset": cursor})
        length = int.from_bytes(data[cursor : cursor + 2], "big")
        cursor += 2
        if cursor + length > len(data):
            raise _bad_bundle("truncated entry", {"offset": cursor, "length": length})
        entries.append(data[cursor : cursor + length])
        cursor += length
    if not entries or len(entries) > TILE_WIDTH or (width is not None and len(entries) < width):
        raise _bad_bundle("wrong entry count", {"entries": len(entries), "expected": width})
    return entries if width is None else entries[:width]


def check_entry(entry: object, position: int | None = None) -> None:
    """An entry must be bytes of at most 65,535 bytes (the bundle length prefix)."""
    if not isinstance(entry, bytes) or len(entry) > MAX_ENTRY_SIZE:
        raise LedgerError(
            "entry_invalid",
            "条目必须是不超过 65535 字节的字节串。",
            "An entry must be bytes and at most 65,535 bytes long.",
            {
                "position": position,
                "length": len(entry) if isinstance(entry, bytes) else None,
            },
        )


def grow_entry_bundles(
    old_size: int, new_entries: Sequence[bytes], reader: BundleReader
) -> dict[BundleId, bytes]:
    """The entry bundles that appear when ``new_entries`` are appended at ``old_size``."""
    _check_entries(new_entries)
    if not new_entries:
        return {}
    first_bundle, old_width = old_size >> TILE_HEIGHT, old_size & (TILE_WIDTH - 1)
    head = b""
    if old_width:
        old_bundle = BundleId(first_bundle, old_width)
        found = reader.read_bundles([old_bundle])
        if len(found) != 1:
            raise LedgerError(
                "store_inconsistent",
                "存储没有返回所需的条目包。",
                "The store did not return the requested entry bundle.",
                {"bundle": old_bundle.path},
            )
        head = bundle_prefix(found[0], old_width)
    # Every new entry was checked above; the old ones are the checked prefix of the stored
    # bundle, kept as bytes (appending one entry to a wide partial bundle no longer splits
    # and re-joins the ones before it).
    result: dict[BundleId, bytes] = {}
    room = TILE_WIDTH - old_width
    result[BundleId(first_bundle, old_width + min(room, len(new_entries)))] = head + _join_entries(
        new_entries[:room]
    )
    for offset in range(room, len(new_entries), TILE_WIDTH):
        chunk = new_entries[offset : offset + TILE_WIDTH]
        number = first_bundle + 1 + (offset - room) // TILE_WIDTH
        result[BundleId(number, len(chunk))] = _join_entries(chunk)
    return result


def bundle_prefix(data: bytes, width: int) -> bytes:
    """The bytes of the first ``width`` entries of a bundle (a wider stored version may
    answer a narrower request), after checking that their length prefixes hold."""
    if not isinstance(data, bytes):
        raise _bad_bundle("not bytes", {})
    if not 1 <= width <= TILE_WIDTH:
        raise _bad_bundle("wrong entry count", {"expected": width})
    if len(data) >= width * 34 and data[0 : width * 34 : 34] + data[1 : width * 34 : 34] == (
        b"\x00" * width + b" " * width
    ):
        return data[: width * 34]  # the usual bundle: every entry a 32-byte commitment
    cursor, end = 0, len(data)
    for _ in range(width):
        if cursor + 2 > end:
            raise _bad_bundle("truncated length", {"offset": cursor})
        length = data[cursor] << 8 | data[cursor + 1]
        cursor += 2 + length
        if cursor > end:
            raise _bad_bundle("truncated entry", {"offset": cursor - length, "length": length})
    return data[:cursor]


def check_bundle_against_tile(bundle: bytes, tile: bytes) -> None:
    """Every entry of the bundle must hash (RFC 9162 leaf hash) to the same position of
    the corresponding level-0 tile."""
    entries = decode_entry_bundle(bundle)
    hashes = tile_hashes(tile)
    if len(entries) != len(hashes):
        raise _bad_bundle("bundle and tile widths differ", {"entries": len(entries)})
    for position, (entry, value) in enumerate(zip(entries, hashes, strict=True)):
        if leaf_hash(entry) != value:
            raise LedgerError(
                "bundle_mismatch",
                f"条目包第 {position} 条与瓦片中的叶子哈希不符。",
                f"Entry {position} of the bundle does not match the leaf hash in the tile.",
                {"position": position},
            )


# --------------------------------------------------------------------------- helpers


def _read_one(reader: TileReader, tile: TileId) -> bytes:
    found = reader.read_tiles([tile])
    if len(found) != 1:
        raise LedgerError(
            "store_inconsistent",
            "存储没有返回所需的瓦片。",
            "The store did not return the requested tile.",
            {"tile": tile.path},
        )
    return found[0]


def _check_tile_numbers(level: int, index: int, width: int) -> None:
    for name, value in (("level", level), ("index", index), ("width", width)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise LedgerError(
                "tile_invalid",
                f"瓦片坐标 {name} 必须是非负整数。",
                f"Tile coordinate {name} must be a non-negative integer.",
                {name: repr(value)},
            )
    if level > MAX_TILE_LEVEL or not 1 <= width <= TILE_WIDTH:
        raise LedgerError(
            "tile_invalid",
            "瓦片层级须在 0–63，宽度须在 1–256。",
            "A tile level must be 0-63 and a width 1-256.",
            {"level": level, "width": width},
        )


def _bad_path(path: str) -> LedgerError:
    return LedgerError(
        "tile_path_invalid",
        "瓦片路径格式不正确。",
        "The tile path is not in canonical tlog-tiles form.",
        {"path": path},
    )


def _bad_bundle(reason: str, details: dict[str, object]) -> LedgerError:
    return LedgerError(
        "bundle_invalid",
        "条目包格式不正确。",
        f"The entry bundle is malformed: {reason}.",
        {"reason": reason, **details},
    )
