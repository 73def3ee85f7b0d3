"""RFC 9162 §2.1 Merkle tree hashing, inclusion proofs and consistency proofs.

Pure and self-contained (standard library only). Terms used throughout:

* ``size`` is the number of leaves in a tree; leaves are numbered from 0.
* A *node* ``NodeId(level, index)`` is a perfect subtree of ``2**level`` leaves covering
  ``[index * 2**level, (index + 1) * 2**level)``. Storage holds only perfect nodes; every
  other hash a proof needs (the right edge of a tree whose size is not a power of two) is
  folded from perfect nodes on the fly.
* A *range* ``(begin, end)`` is a subtree of the RFC tree, ``MTH(D[begin:end])``.

Proof generation is written against a :class:`NodeReader` so that a store (database rows,
tiles, memory) can supply the hashes lazily, in one batch per proof. Verification follows
the algorithms of RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) and raises
:class:`~qingqian.ledger.errors.LedgerError` for every malformed or failing proof.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import NamedTuple, Protocol

from qingqian.ledger.errors import LedgerError

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


class NodeId(NamedTuple):
    """A perfect subtree: ``2**level`` leaves starting at leaf ``index * 2**level``."""

    level: int
    index: int  # type: ignore[assignment]  # shadows tuple.index on purpose

    @property
    def begin(self) -> int:
        return self.index << self.level

    @property
    def end(self) -> int:
        return (self.index + 1) << self.level


class NodeReader(Protocol):
    """Returns the stored hashes of perfect subtrees, in the order asked."""

    def read_nodes(self, nodes: Sequence[NodeId]) -> Sequence[bytes]: ...


# --------------------------------------------------------------------------- hashing


def leaf_hash(entry: bytes) -> bytes:
    """``SHA-256(0x00 || entry)``."""
    return _sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return _sha256(NODE_PREFIX + left + right).digest()


def root_from_leaf_hashes(hashes: Iterable[bytes]) -> bytes:
    """The Merkle tree hash of the leaves whose hashes are given, in one streaming pass.

    Keeps a compact range (at most one pending node per level), so memory is O(log n).
    """
    stack: list[tuple[int, bytes]] = []
    for position, value in enumerate(hashes):
        _check_hash(value, f"leaf_hash[{position}]")
        level, current = 0, value
        while stack and stack[-1][0] == level:
            current = node_hash(stack.pop()[1], current)
            level += 1
        stack.append((level, current))
    if not stack:
        return EMPTY_ROOT
    root = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        root = node_hash(left, root)
    return root


def compact_range_extend(
    size: int, frontier: Sequence[bytes], new_leaf_hashes: Iterable[bytes]
) -> list[bytes]:
    """Append leaves to a *compact range*: ``frontier`` holds the hashes of
    ``subtree_nodes(0, size)`` (one perfect subtree per set bit of ``size``, largest
    first); the result holds those of the grown tree. ``fold_nodes`` of it is the root.
    About one hash per leaf, whatever the size of the tree."""
    _check_count(size, "size")
    levels = [level for level in range(size.bit_length() - 1, -1, -1) if size >> level & 1]
    if len(frontier) != len(levels):
        raise LedgerError(
            "store_inconsistent",
            "紧凑范围的哈希数量与树大小不符。",
            "The compact range does not match the tree size.",
            {"size": size, "hashes": len(frontier)},
        )
    stack = list(zip(levels, frontier, strict=True))
    sha256, prefix = _sha256, NODE_PREFIX
    for position, value in enumerate(new_leaf_hashes):
        _check_hash(value, f"leaf_hash[{position}]")
        level, current = 0, value
        while stack and stack[-1][0] == level:
            current = sha256(prefix + stack.pop()[1] + current).digest()
            level += 1
        stack.append((level, current))
    return [value for _, value in stack]


def root_from_entries(entries: Iterable[bytes]) -> bytes:
    """The Merkle tree hash ``MTH(D[n])`` of raw entries."""
    return root_from_leaf_hashes(leaf_hash(entry) for entry in entries)


# --------------------------------------------------------------------------- tree shape


def split_point(width: int) -> int:
    """The largest power of two strictly smaller than ``width`` (``width >= 2``)."""
    return 1 << ((width - 1).bit_length() - 1)


def is_power_of_two(value: int) -> bool:
    return value > 0 and value & (value - 1) == 0


def subtree_nodes(begin: int, end: int) -> list[NodeId]:
    """The perfect nodes whose fold (right to left) is ``MTH(D[begin:end])``.

    ``D[begin:end]`` must be a subtree of an RFC 9162 tree: ``begin`` is a multiple of the
    smallest power of two not below ``end - begin``. Largest node first.
    """
    width = end - begin
    if width <= 0 or begin < 0:
        raise LedgerError(
            "range_invalid",
            "子树区间无效。",
            "The subtree range is empty or negative.",
            {"begin": begin, "end": end},
        )
    if begin & ((1 << (width - 1).bit_length()) - 1):
        raise LedgerError(
            "range_invalid",
            "子树区间未按树结构对齐。",
            "The subtree range is not aligned to the tree structure.",
            {"begin": begin, "end": end},
        )
    nodes: list[NodeId] = []
    cursor = begin
    for level in range(width.bit_length() - 1, -1, -1):
        if width >> level & 1:
            nodes.append(NodeId(level, cursor >> level))
            cursor += 1 << level
    return nodes


def fold_nodes(hashes: Sequence[bytes]) -> bytes:
    """Combine the hashes of :func:`subtree_nodes` (largest first) into one subtree hash."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def inclusion_plan(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges of ``PATH(index, D[size])`` (RFC 9162 §2.1.3.1), leaf to root."""
    _check_count(index, "index")
    _check_count(size, "size")
    if index >= size:
        raise _out_of_range(index, size)
    ranges: list[tuple[int, int]] = []
    low, high = 0, size
    while high - low > 1:
        middle = low + split_point(high - low)
        if index < middle:
            ranges.append((middle, high))
            high = middle
        else:
            ranges.append((low, middle))
            low = middle
    ranges.reverse()
    return ranges


def inclusion_proof_length(index: int, size: int) -> int:
    """The number of hashes in an inclusion proof for leaf ``index`` in a tree of ``size``."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_plan(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The ranges of ``PROOF(old_size, D[new_size])`` (RFC 9162 §2.1.4.1), in proof order.

    Defined for ``0 < old_size < new_size``; equal sizes need the empty proof.
    """
    _check_count(old_size, "old_size")
    _check_count(new_size, "new_size")
    if not 0 < old_size <= new_size:
        raise LedgerError(
            "sizes_invalid",
            "一致性证明要求 0 < 旧树大小 ≤ 新树大小。",
            "A consistency proof needs 0 < old size <= new size.",
            {"old_size": old_size, "new_size": new_size},
        )
    ranges: list[tuple[int, int]] = []
    low, high, complete = 0, new_size, True
    while old_size != high:
        middle = low + split_point(high - low)
        if old_size <= middle:
            ranges.append((middle, high))
            high = middle
        else:
            ranges.append((low, middle))
            low, complete = middle, False
    if not complete:
        ranges.append((low, high))
    ranges.reverse()
    return ranges


# --------------------------------------------------------------------------- generation


def hashes_for_ranges(ranges: Sequence[tuple[int, int]], reader: NodeReader) -> list[bytes]:
    """``MTH`` of each range, reading every needed perfect node once in a single batch."""
    decomposed = [subtree_nodes(begin, end) for begin, end in ranges]
    wanted = list(dict.fromkeys(node for nodes in decomposed for node in nodes))
    if not wanted:
        return []
    found = reader.read_nodes(wanted)
    if len(found) != len(wanted):
        raise LedgerError(
            "store_inconsistent",
            "存储返回的哈希数量与请求不符。",
            "The store returned a different number of hashes than asked for.",
            {"asked": len(wanted), "returned": len(found)},
        )
    table: dict[NodeId, bytes] = {}
    for node, value in zip(wanted, found, strict=True):
        _check_hash(value, f"node{tuple(node)}", code="store_inconsistent")
        table[node] = value
    return [fold_nodes([table[node] for node in nodes]) for nodes in decomposed]


def root_hash(size: int, reader: NodeReader) -> bytes:
    """``MTH(D[size])`` from stored perfect nodes (``EMPTY_ROOT`` for an empty tree)."""
    _check_count(size, "size")
    if size == 0:
        return EMPTY_ROOT
    return hashes_for_ranges([(0, size)], reader)[0]


def inclusion_proof(index: int, size: int, reader: NodeReader) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
    return hashes_for_ranges(inclusion_plan(index, size), reader)


def consistency_proof(old_size: int, new_size: int, reader: NodeReader) -> list[bytes]:
    """The consistency proof from the tree of ``old_size`` to that of ``new_size``."""
    if old_size == new_size and old_size > 0:
        return []
    return hashes_for_ranges(consistency_plan(old_size, new_size), reader)


class DenseTree:
    """All perfect nodes of a tree kept in memory; a :class:`NodeReader` for small logs,
    tests and offline tools."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        for value in leaf_hashes:
            self.append(value)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append(self, value: bytes) -> None:
        _check_hash(value, "leaf_hash")
        level = 0
        self.levels[0].append(value)
        while len(self.levels[level]) % 2 == 0:
            row = self.levels[level]
            if level + 1 == len(self.levels):
                self.levels.append([])
            self.levels[level + 1].append(node_hash(row[-2], row[-1]))
            level += 1

    def read_nodes(self, nodes: Sequence[NodeId]) -> list[bytes]:
        out: list[bytes] = []
        for level, index in nodes:
            if level >= len(self.levels) or index >= len(self.levels[level]) or index < 0:
                raise LedgerError(
                    "node_missing",
                    "所需的树节点不存在。",
                    "A requested tree node does not exist.",
                    {"level": level, "index": index},
                )
            out.append(self.levels[level][index])
        return out

    def root(self, size: int | None = None) -> bytes:
        return root_hash(self.size if size is None else size, self)


# --------------------------------------------------------------------------- verification


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2: check that ``leaf`` (a leaf hash) sits at ``index`` in the tree
    of ``size`` leaves whose root is ``root``. Raises :class:`LedgerError` otherwise."""
    _check_count(index, "index")
    _check_count(size, "size")
    _check_hash(leaf, "leaf_hash", code="proof_malformed")
    _check_hash(root, "root_hash", code="proof_malformed")
    _check_proof_items(proof)
    if index >= size:
        raise _out_of_range(index, size)
    expected = inclusion_proof_length(index, size)
    if len(proof) != expected:
        raise _wrong_length(len(proof), expected)
    fn, sn = index, size - 1
    result = leaf
    for item in proof:
        if sn == 0:  # pragma: no cover - excluded by the length check above
            raise _wrong_length(len(proof), expected)
        if fn & 1 or fn == sn:
            result = node_hash(item, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, item)
        fn >>= 1
        sn >>= 1
    if sn != 0:  # pragma: no cover - excluded by the length check above
        raise _wrong_length(len(proof), expected)
    if result != root:
        raise LedgerError(
            "proof_mismatch",
            "包含证明不成立：计算出的根哈希与给定的不同。",
            "Inclusion proof failed: the computed root differs from the given root.",
            {"index": index, "size": size},
        )


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from ``leaf`` (for callers that compare roots
    themselves, e.g. against several checkpoints)."""
    _check_count(index, "index")
    _check_count(size, "size")
    _check_hash(leaf, "leaf_hash", code="proof_malformed")
    _check_proof_items(proof)
    if index >= size:
        raise _out_of_range(index, size)
    expected = inclusion_proof_length(index, size)
    if len(proof) != expected:
        raise _wrong_length(len(proof), expected)
    result = leaf
    for (begin, _end), item in zip(inclusion_plan(index, size), proof, strict=True):
        result = node_hash(item, result) if begin < index else node_hash(result, item)
    return result


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
) -> None:
    """RFC 9162 §2.1.4.2: check that the tree of ``new_size`` with ``new_root`` extends the
    tree of ``old_size`` with ``old_root``. Raises :class:`LedgerError` otherwise.

    Equal sizes need an empty proof and equal roots (for size 0, both the empty root).
    ``old_size == 0 < new_size`` is rejected: RFC 9162 defines no proof for it, and the
    empty tree is a prefix of every tree, so there is nothing to check.
    """
    _check_count(old_size, "old_size")
    _check_count(new_size, "new_size")
    if not isinstance(old_root, bytes) or not isinstance(new_root, bytes):
        raise LedgerError(
            "proof_malformed",
            "根哈希必须是字节串。",
            "Root hashes must be bytes.",
            {},
        )
    _check_proof_items(proof)
    if old_size > new_size:
        raise LedgerError(
            "sizes_invalid",
            "旧树大于新树。",
            "The old tree is larger than the new tree.",
            {"old_size": old_size, "new_size": new_size},
        )
    if old_size == new_size:
        if proof:
            raise _wrong_length(len(proof), 0)
        if old_size == 0 and (old_root != EMPTY_ROOT or new_root != EMPTY_ROOT):
            raise _mismatch("consistency", {"old_size": 0, "new_size": 0})
        if old_root != new_root:
            raise _mismatch("consistency", {"old_size": old_size, "new_size": new_size})
        return
    if old_size == 0:
        raise LedgerError(
            "sizes_invalid",
            "从空树出发的一致性证明没有意义。",
            "A consistency proof from the empty tree proves nothing.",
            {"old_size": old_size, "new_size": new_size},
        )
    _check_hash(old_root, "old_root", code="proof_malformed")
    _check_hash(new_root, "new_root", code="proof_malformed")
    expected = len(consistency_plan(old_size, new_size))
    if len(proof) != expected:
        raise _wrong_length(len(proof), expected)
    path = [old_root, *proof] if is_power_of_two(old_size) else list(proof)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first = second = path[0]
    for item in path[1:]:
        if sn == 0:  # pragma: no cover - excluded by the length check above
            raise _wrong_length(len(proof), expected)
        if fn & 1 or fn == sn:
            first = node_hash(item, first)
            second = node_hash(item, second)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            second = node_hash(second, item)
        fn >>= 1
        sn >>= 1
    if sn != 0:  # pragma: no cover - excluded by the length check above
        raise _wrong_length(len(proof), expected)
    if first != old_root or second != new_root:
        raise _mismatch(
            "consistency",
            {
                "old_size": old_size,
                "new_size": new_size,
                "old_root_matches": first == old_root,
                "new_root_matches": second == new_root,
            },
        )


# --------------------------------------------------------------------------- checks


def _check_count(value: object, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise LedgerError(
            "number_invalid",
            f"{name} 必须是非负整数。",
            f"{name} must be a non-negative integer.",
            {"field": name, "value": repr(value)},
        )


def _check_hash(value: object, name: str, *, code: str = "hash_invalid") -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise LedgerError(
            code,
            f"{name} 不是 32 字节的 SHA-256 哈希。",
            f"{name} is not a 32-byte SHA-256 hash.",
            {
                "field": name,
                "length": len(value) if isinstance(value, bytes | bytearray) else None,
            },
        )


def _check_proof_items(proof: object) -> None:
    if isinstance(proof, bytes | str) or not isinstance(proof, Sequence):
        raise LedgerError(
            "proof_malformed",
            "证明必须是哈希列表。",
            "A proof must be a list of hashes.",
            {},
        )
    for position, item in enumerate(proof):
        _check_hash(item, f"proof[{position}]", code="proof_malformed")


def _out_of_range(index: int, size: int) -> LedgerError:
    return LedgerError(
        "index_out_of_range",
        "叶子序号超出树的大小。",
        "The leaf index is not inside the tree.",
        {"index": index, "size": size},
    )


def _wrong_length(got: int, expected: int) -> LedgerError:
    return LedgerError(
        "proof_length",
        f"证明应有 {expected} 个哈希，实际有 {got} 个。",
        f"The proof should have {expected} hashes but has {got}.",
        {"expected": expected, "got": got},
    )


def _mismatch(kind: str, details: dict[str, object]) -> LedgerError:
    return LedgerError(
        "proof_mismatch",
        "一致性证明不成立：根哈希对不上。",
        f"The {kind} proof failed: the roots do not match.",
        details,
    )
