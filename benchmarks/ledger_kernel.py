"""Benchmark of the pure ledger kernel (no database).

Measures, in one run:

* leaf hashing throughput (RFC 9162 leaf hashes per second);
* building tlog tiles for 10**6 leaves in an in-memory tile store;
* root hash, inclusion proof and consistency proof at 10**6 leaves from tiles, each
  computed cold (no cache between calls), with the number of tiles read;
* the same root and inclusion proof from a naive recursive RFC 9162 implementation
  (written here, straight from the RFC's definitions), capped in size because it is
  O(n) per proof, against the kernel at that same size.

Run: ``.venv/bin/python benchmarks/ledger_kernel.py [--leaves N] [--naive-cap N]``
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from qingqian.ledger.merkle import (
    hashes_for_ranges,
    inclusion_plan,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from qingqian.ledger.tiles import (
    TileId,
    TileNodeReader,
    consistency_proof_from_tiles,
    grow_tiles,
    inclusion_proof_from_tiles,
    root_from_tiles,
)


class MemoryTileStore:
    """One slot per (level, index) holding the widest version of the tile, as a database
    row would: a narrower (older) partial tile is a prefix of it, so every tree size
    stays provable. The kernel accepts a wider tile and uses its first ``width`` hashes."""

    def __init__(self) -> None:
        self.tiles: dict[tuple[int, int], bytes] = {}

    def read_tiles(self, tiles: Sequence[TileId]) -> list[bytes]:
        return [self.tiles[(tile.level, tile.index)] for tile in tiles]

    def write(self, tiles: dict[TileId, bytes]) -> None:
        for tile, data in tiles.items():
            self.tiles[(tile.level, tile.index)] = data


# ------------------------------------------------------------- naive RFC 9162 (§2.1.1, §2.1.3.1)


def naive_mth(entries: Sequence[bytes]) -> bytes:
    n = len(entries)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1 << ((n - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + naive_mth(entries[:k]) + naive_mth(entries[k:])).digest()


def naive_path(m: int, entries: Sequence[bytes]) -> list[bytes]:
    n = len(entries)
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return [*naive_path(m, entries[:k]), naive_mth(entries[k:])]
    return [*naive_path(m - k, entries[k:]), naive_mth(entries[:k])]


# ------------------------------------------------------------- helpers


def entry(i: int) -> bytes:
    # About the size of a canonical statement: event type, case id, file hash, salt.
    return b'{"case":"C-%08d","event":"evidence_added","salt":"%016x","sha256":"%064x"}' % (
        i,
        i * 7919,
        i,
    )


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def micro(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} µs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--naive-cap", type=int, default=1 << 16)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--batch", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(9162)
    size = args.leaves

    print(f"Ledger kernel benchmark — Python {sys.version.split()[0]}, {size:,} leaves")
    print("-" * 72)

    entries = [entry(i) for i in range(size)]
    hashes, seconds = timed(lambda: [leaf_hash(e) for e in entries])
    print(f"leaf hashing            {size / seconds:>14,.0f} leaves/s  ({seconds:.2f} s)")

    store = MemoryTileStore()

    def build() -> None:
        for start in range(0, size, args.batch):
            store.write(grow_tiles(start, hashes[start : start + args.batch], store))

    _, seconds = timed(build)
    print(
        f"tile building           {size / seconds:>14,.0f} leaves/s  ({seconds:.2f} s, "
        f"{len(store.tiles):,} tiles, batches of {args.batch:,})"
    )

    root, seconds = timed(lambda: root_from_tiles(size, store))
    reader = TileNodeReader(store, size)
    hashes_for_ranges([(0, size)], reader)
    print(f"root at {size:,}        {micro(seconds):>14}  ({reader.tiles_read} tiles read)")

    inclusion_times, verify_times, tile_counts = [], [], []
    for _ in range(args.samples):
        index = rng.randrange(size)
        counter = TileNodeReader(store, size)
        start = time.perf_counter()
        proof = hashes_for_ranges(inclusion_plan(index, size), counter)
        inclusion_times.append(time.perf_counter() - start)
        tile_counts.append(counter.tiles_read)
        start = time.perf_counter()
        verify_inclusion(hashes[index], index, size, proof, root)
        verify_times.append(time.perf_counter() - start)
    assert proof == inclusion_proof_from_tiles(index, size, store)
    print(
        f"inclusion proof (cold)  {micro(statistics.mean(inclusion_times)):>14} mean, "
        f"p99 {micro(sorted(inclusion_times)[int(0.99 * len(inclusion_times))])}, "
        f"≤ {max(tile_counts)} tiles read"
    )
    print(f"inclusion verify        {micro(statistics.mean(verify_times)):>14} mean")

    consistency_times = []
    for _ in range(max(1, args.samples // 5)):
        old = rng.randrange(1, size)
        start = time.perf_counter()
        proof = consistency_proof_from_tiles(old, size, store)
        consistency_times.append(time.perf_counter() - start)
    old_root = root_from_tiles(old, store)
    verify_consistency(old, size, old_root, root, proof)
    print(f"consistency proof (cold){micro(statistics.mean(consistency_times)):>14} mean")

    cap = min(args.naive_cap, size)
    print("-" * 72)
    print(f"naive recursive RFC 9162 vs kernel, both at {cap:,} leaves")
    naive_root, naive_root_s = timed(lambda: naive_mth(entries[:cap]))
    kernel_root, kernel_root_s = timed(lambda: root_from_tiles(cap, store))
    assert naive_root == kernel_root
    index = rng.randrange(cap)
    naive_proof, naive_proof_s = timed(lambda: naive_path(index, entries[:cap]))
    kernel_proof, kernel_proof_s = timed(lambda: inclusion_proof_from_tiles(index, cap, store))
    assert naive_proof == kernel_proof
    print(
        f"root      naive {naive_root_s * 1e3:>10,.1f} ms   kernel {kernel_root_s * 1e3:>8,.3f} ms"
        f"   ×{naive_root_s / kernel_root_s:,.0f}"
    )
    print(
        f"inclusion naive {naive_proof_s * 1e3:>10,.1f} ms   "
        f"kernel {kernel_proof_s * 1e3:>8,.3f} ms   ×{naive_proof_s / kernel_proof_s:,.0f}"
    )
    print(
        "(the naive tree re-hashes all leaves for each proof: O(n); the kernel reads "
        "O(log256 n) tiles: O(log n))"
    )


if __name__ == "__main__":
    main()
