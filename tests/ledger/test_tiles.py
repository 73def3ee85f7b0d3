"""C2SP tlog-tiles: paths, coordinates, growing tiles and bundles, proofs from tiles."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.ledger.errors import LedgerError
from qingqian.ledger.merkle import (
    DenseTree,
    NodeId,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from qingqian.ledger.tiles import (
    TILE_WIDTH,
    BundleId,
    TileId,
    bundle_prefix,
    check_bundle_against_tile,
    consistency_proof_from_tiles,
    decode_entry_bundle,
    encode_entry_bundle,
    encode_tile_index,
    entry_bundle_path,
    grow_entry_bundles,
    grow_tiles,
    inclusion_proof_from_tiles,
    parse_tile_path,
    partial_tiles,
    root_from_tiles,
    tile_at,
    tile_levels,
    tile_path,
    tiles_for_size,
)


class MemoryTileStore:
    """Tiles and bundles in dicts, keyed with their width; counts what it is asked for."""

    def __init__(self) -> None:
        self.tiles: dict[TileId, bytes] = {}
        self.bundles: dict[BundleId, bytes] = {}
        self.size = 0
        self.tile_reads = 0
        self.batches = 0

    def read_tiles(self, tiles: Sequence[TileId]) -> list[bytes]:
        self.batches += 1
        self.tile_reads += len(tiles)
        out = []
        for tile in tiles:
            if tile not in self.tiles:
                raise LedgerError("tile_missing", "瓦片不存在。", "No such tile.", {})
            out.append(self.tiles[tile])
        return out

    def read_bundles(self, bundles: Sequence[BundleId]) -> list[bytes]:
        return [self.bundles[bundle] for bundle in bundles]

    def append(self, entries: Sequence[bytes]) -> None:
        new_bundles = grow_entry_bundles(self.size, entries, self)
        new_tiles = grow_tiles(self.size, [leaf_hash(e) for e in entries], self)
        self.bundles.update(new_bundles)
        self.tiles.update(new_tiles)
        self.size += len(entries)


def entries(start: int, count: int) -> list[bytes]:
    return [f"statement {i}".encode() for i in range(start, start + count)]


def build(size: int, batch: int = 1000) -> MemoryTileStore:
    store = MemoryTileStore()
    while store.size < size:
        store.append(entries(store.size, min(batch, size - store.size)))
    return store


# ----------------------------------------------------------------- paths


@pytest.mark.parametrize(
    ("index", "encoded"),
    [(0, "000"), (5, "005"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_encode_tile_index(index: int, encoded: str) -> None:
    assert encode_tile_index(index) == encoded


def test_paths() -> None:
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(1, 1234067, 8) == "tile/1/x001/x234/067.p/8"
    assert entry_bundle_path(3) == "tile/entries/003"
    assert entry_bundle_path(1000, 255) == "tile/entries/x001/000.p/255"
    assert TileId(2, 7, 1).path == "tile/2/007.p/1"
    assert BundleId(7).path == "tile/entries/007"


@given(st.integers(0, 63), st.integers(0, 10**12), st.integers(1, 256), st.booleans())
def test_path_round_trip(level: int, index: int, width: int, entries_kind: bool) -> None:
    item: TileId | BundleId = (
        BundleId(index, width) if entries_kind else TileId(level, index, width)
    )
    assert parse_tile_path(item.path) == item


@pytest.mark.parametrize(
    "path",
    [
        "tile/00/000",
        "tile/0/1",
        "tile/0/0001",
        "tile/0/x000/001",
        "tile/0/001/002",
        "tile/0/x001",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/08",
        "tile/0/000.p/",
        "tile/64/000",
        "tile/-1/000",
        "tile/entries/1",
        "tiles/0/000",
        "tile/0",
        "tile/0/000/",
        "tile/0/x001/.p/3",
        "tile/0/ 01",
    ],
)
def test_non_canonical_paths_are_rejected(path: str) -> None:
    with pytest.raises(LedgerError) as error:
        parse_tile_path(path)
    assert error.value.code in {"tile_path_invalid", "tile_invalid"}


def test_tile_ids_are_validated() -> None:
    for arguments in [(64, 0, 1), (0, -1, 1), (0, 0, 0), (0, 0, 257), (True, 0, 1)]:
        with pytest.raises(LedgerError) as error:
            TileId(*arguments)
        assert error.value.code == "tile_invalid"


# ----------------------------------------------------------------- coordinates


def test_spec_example_tree_of_70000() -> None:
    tiles = tiles_for_size(70_000)
    level0 = [t for t in tiles if t.level == 0]
    assert sum(t.is_full for t in level0) == 273
    assert [t for t in level0 if not t.is_full] == [TileId(0, 273, 112)]
    assert [t for t in tiles if t.level == 1] == [TileId(1, 0), TileId(1, 1, 17)]
    assert [t for t in tiles if t.level == 2] == [TileId(2, 0, 1)]
    assert partial_tiles(70_000) == [TileId(0, 273, 112), TileId(1, 1, 17), TileId(2, 0, 1)]
    assert tile_levels(70_000) == 3


def test_tree_of_256_has_a_full_tile_and_a_partial_level_1_tile() -> None:
    assert tiles_for_size(256) == [TileId(0, 0), TileId(1, 0, 1)]
    assert tiles_for_size(0) == []
    assert tile_at(0, 0, 255) == TileId(0, 0, 255)
    assert tile_at(0, 1, 255) is None
    assert tile_at(1, 0, 255) is None


# ----------------------------------------------------------------- building and proofs


def test_grow_builds_exactly_the_tiles_of_the_tree() -> None:
    store = build(70_000, batch=4_999)
    latest = {(t.level, t.index): t for t in store.tiles}
    assert sorted(t for t in store.tiles if tile_at(t.level, t.index, 70_000) == t) == sorted(
        tiles_for_size(70_000)
    )
    assert all(len(store.tiles[t]) == 32 * t.width for t in store.tiles)
    assert latest[(2, 0)] == TileId(2, 0, 1)
    dense = DenseTree(leaf_hash(e) for e in entries(0, 70_000))
    assert root_from_tiles(70_000, store) == dense.root()
    # Level-1 hashes are the roots of full level-0 tiles.
    assert store.tiles[TileId(1, 0)][:32] == dense.read_nodes([NodeId(8, 0)])[0]
    for index in (0, 255, 256, 65_535, 65_536, 69_999):
        proof = inclusion_proof_from_tiles(index, 70_000, store)
        assert proof == inclusion_proof(index, 70_000, dense)
        verify_inclusion(dense.levels[0][index], index, 70_000, proof, dense.root())
    for old in (1, 256, 65_536, 66_000, 69_999):
        proof = consistency_proof_from_tiles(old, 70_000, store)
        assert proof == consistency_proof(old, 70_000, dense)
        verify_consistency(old, 70_000, dense.root(old), dense.root(), proof)


def test_proofs_cost_at_most_two_tile_reads_per_level_in_one_batch() -> None:
    store = build(70_000, batch=10_000)
    levels = tile_levels(70_000)
    worst = 0
    for index in range(0, 70_000, 997):
        store.tile_reads = store.batches = 0
        inclusion_proof_from_tiles(index, 70_000, store)
        assert store.batches == 1
        worst = max(worst, store.tile_reads)
    for old in range(1, 70_000, 1_013):
        store.tile_reads = store.batches = 0
        consistency_proof_from_tiles(old, 70_000, store)
        assert store.batches == 1
        worst = max(worst, store.tile_reads)
    assert worst <= 2 * levels


def test_old_sizes_stay_provable_from_their_partial_tiles() -> None:
    store = build(600, batch=100)
    dense = DenseTree(leaf_hash(e) for e in entries(0, 600))
    for size in range(100, 601, 100):
        assert root_from_tiles(size, store) == dense.root(size)
        assert inclusion_proof_from_tiles(size - 1, size, store) == inclusion_proof(
            size - 1, size, dense
        )


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 400), min_size=1, max_size=6))
def test_random_batches_give_the_same_tree(batches: list[int]) -> None:
    store = MemoryTileStore()
    dense = DenseTree()
    for count in batches:
        new = entries(store.size, count)
        store.append(new)
        for entry in new:
            dense.append(leaf_hash(entry))
        assert root_from_tiles(store.size, store) == dense.root()
    size = store.size
    for index in {0, size // 2, size - 1}:
        assert inclusion_proof_from_tiles(index, size, store) == inclusion_proof(index, size, dense)
    for bundle, data in store.bundles.items():
        tile = TileId(0, bundle.index, bundle.width)
        check_bundle_against_tile(data, store.tiles[tile])


def test_missing_tile_and_nodes_outside_the_tree() -> None:
    store = build(300)
    del store.tiles[TileId(0, 1, 44)]
    with pytest.raises(LedgerError) as error:
        root_from_tiles(300, store)
    assert error.value.code == "tile_missing"
    with pytest.raises(LedgerError) as error:
        inclusion_proof_from_tiles(300, 300, store)
    assert error.value.code == "index_out_of_range"


def test_store_answering_with_a_wider_tile_is_accepted_and_short_tiles_are_not() -> None:
    store = build(300)
    dense = DenseTree(leaf_hash(e) for e in entries(0, 300))

    class Wider:
        def read_tiles(self, tiles: Sequence[TileId]) -> list[bytes]:
            return [
                store.tiles[TileId(t.level, t.index, 44 if t.index == 1 else 256)]
                if t.level == 0
                else store.tiles[t]
                for t in tiles
            ]

    assert root_from_tiles(290, Wider()) == dense.root(290)

    class Short:
        def read_tiles(self, tiles: Sequence[TileId]) -> list[bytes]:
            return [
                store.tiles[TileId(0, 1, 44)][:-32] if t == TileId(0, 1, 44) else store.tiles[t]
                for t in tiles
            ]

    with pytest.raises(LedgerError) as error:
        root_from_tiles(300, Short())
    assert error.value.code == "tile_invalid"


def test_grow_rejects_bad_leaf_hashes() -> None:
    with pytest.raises(LedgerError) as error:
        grow_tiles(0, [b"short"], MemoryTileStore())
    assert error.value.code == "hash_invalid"


# ----------------------------------------------------------------- entry bundles


def test_entry_bundle_encoding() -> None:
    bundle = encode_entry_bundle([b"", b"ab", b"x" * 300])
    assert bundle == b"\x00\x00" + b"\x00\x02ab" + b"\x01\x2c" + b"x" * 300
    assert decode_entry_bundle(bundle) == [b"", b"ab", b"x" * 300]
    assert decode_entry_bundle(bundle, 2) == [b"", b"ab"]


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00", b"\x00\x05abc", b"\x00\x01a\x00", b"\x00\x00" * (TILE_WIDTH + 1)],
)
def test_malformed_bundles_are_rejected(data: bytes) -> None:
    with pytest.raises(LedgerError) as error:
        decode_entry_bundle(data)
    assert error.value.code == "bundle_invalid"


def test_bundle_limits() -> None:
    with pytest.raises(LedgerError) as error:
        encode_entry_bundle([b"x" * 65_536])
    assert error.value.code == "entry_invalid"
    with pytest.raises(LedgerError):
        encode_entry_bundle([])
    with pytest.raises(LedgerError):
        decode_entry_bundle(encode_entry_bundle([b"a"]), 2)
    assert len(decode_entry_bundle(encode_entry_bundle([b"y" * 65_535]))[0]) == 65_535


def test_bundle_that_does_not_match_its_tile_is_caught() -> None:
    store = build(10)
    bundle = store.bundles[BundleId(0, 10)]
    tile = store.tiles[TileId(0, 0, 10)]
    check_bundle_against_tile(bundle, tile)
    forged = encode_entry_bundle([*entries(0, 9), b"forged"])
    with pytest.raises(LedgerError) as error:
        check_bundle_against_tile(forged, tile)
    assert error.value.code == "bundle_mismatch"
    assert error.value.details == {"position": 9}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 300), st.booleans()), min_size=1, max_size=6))
def test_bundles_grown_from_a_stored_partial_bundle_are_byte_identical(
    batches: list[tuple[int, bool]],
) -> None:
    """Growing reuses the stored partial bundle's bytes: 32-byte entries (commitments) by a
    stride check, other lengths by walking the length prefixes. Every version of every
    bundle equals the encoding of the entries it holds."""
    store = MemoryTileStore()
    everything: list[bytes] = []
    for count, commitments in batches:
        start = len(everything)
        new = [
            hashlib.sha256(b"%d" % i).digest() if commitments else b"s" * (i % 40)
            for i in range(start, start + count)
        ]
        store.append(new)
        everything += new
    for bundle, data in store.bundles.items():
        first = bundle.index * 256
        assert data == encode_entry_bundle(everything[first : first + bundle.width])


def test_bundle_prefix_checks_the_entries_it_keeps() -> None:
    data = encode_entry_bundle([b"a" * 32, b"b" * 32, b"cc"])
    assert bundle_prefix(data, 2) == encode_entry_bundle([b"a" * 32, b"b" * 32])
    assert bundle_prefix(data, 3) == data
    for bad, width in ((data, 4), (data[:40], 2), (b"\x00", 1), (data, 0)):
        with pytest.raises(LedgerError) as caught:
            bundle_prefix(bad, width)
        assert caught.value.code == "bundle_invalid"


@pytest.mark.parametrize(
    "items",
    [
        [bytes([n]) * 32 for n in range(256)],  # commitments: one shared length prefix
        [b"c" * 32, b"", b"x" * 33, b"c" * 32],
        [b"y" * 65_535, b"z" * 32],
    ],
)
def test_bundle_bytes_are_each_length_then_entry(items: list[bytes]) -> None:
    """Every entry is its big-endian uint16 length then its bytes, whichever way the
    bundle is joined (all 32-byte entries in one call, mixed lengths one by one)."""
    expected = b"".join(len(item).to_bytes(2, "big") + item for item in items)
    assert encode_entry_bundle(items) == expected
    assert decode_entry_bundle(expected) == items
    assert grow_entry_bundles(0, items, MemoryTileStore())[BundleId(0, len(items))] == expected


@pytest.mark.parametrize(
    ("items", "position"),
    [
        ([b"a" * 32, "text", b"b" * 32], 1),  # type: ignore[list-item]
        ([b"a" * 32, b"b" * 32, b"x" * 65_536], 2),
        ([None], 0),  # type: ignore[list-item]
    ],
)
def test_bad_entries_are_named_by_position(items: list[bytes], position: int) -> None:
    for call in (
        lambda: encode_entry_bundle(items),
        lambda: grow_entry_bundles(0, items, MemoryTileStore()),
    ):
        with pytest.raises(LedgerError) as error:
            call()
        assert error.value.code == "entry_invalid"
        assert error.value.details["position"] == position


def test_grow_names_the_first_bad_leaf_hash() -> None:
    good = [bytes([n]) * 32 for n in range(5)]
    for bad in (b"short", bytearray(32), "x" * 32):
        with pytest.raises(LedgerError) as error:
            grow_tiles(0, [*good, bad, *good], MemoryTileStore())  # type: ignore[list-item]
        assert error.value.code == "hash_invalid"
        assert error.value.details == {"position": 5}
