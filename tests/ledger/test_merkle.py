"""RFC 9162 hashing, proof generation and verification, with hypothesis properties."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.ledger.errors import LedgerError
from qingqian.ledger.merkle import (
    EMPTY_ROOT,
    DenseTree,
    NodeId,
    compact_range_extend,
    consistency_plan,
    consistency_proof,
    fold_nodes,
    inclusion_plan,
    inclusion_proof,
    inclusion_proof_length,
    leaf_hash,
    node_hash,
    root_from_entries,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    root_hash,
    subtree_nodes,
    verify_consistency,
    verify_inclusion,
)

from .support import REFERENCE_LEAVES, REFERENCE_ROOTS, flip_bit, shared_data

# ----------------------------------------------------------------- naive RFC 9162 reference


def mth(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*subproof(m, leaves[:k], complete), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def inclusion_shape(m: int, n: int) -> tuple[bool, ...]:
    """Which side each proof hash sits on (True: left sibling), from the RFC recursion."""
    if n == 1:
        return ()
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return (*inclusion_shape(m, k), False)
    return (*inclusion_shape(m - k, n - k), True)


def consistency_shape(m: int, n: int) -> tuple[object, ...]:
    """The seed and the sides of a consistency proof, from the RFC recursion."""

    def walk(m: int, n: int, complete: bool) -> tuple[str, ...]:
        if m == n:
            return () if complete else ("seed",)
        k = 1
        while k * 2 < n:
            k *= 2
        if m <= k:
            return (*walk(m, k, complete), "right")
        return (*walk(m - k, n - k, False), "left")

    return (m & (m - 1) == 0, walk(m, n, True))


def entries(count: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(count)]


def tree_of(count: int) -> DenseTree:
    return DenseTree(leaf_hash(e) for e in entries(count))


# ----------------------------------------------------------------- hashing and roots


def test_leaf_and_node_hash_domain_separation() -> None:
    assert leaf_hash(b"") == bytes.fromhex(
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert (
        bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        == EMPTY_ROOT
    )
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    assert node_hash(a, b) != node_hash(b, a)


@pytest.mark.parametrize("size", range(1, 9))
def test_reference_tree_roots(size: int) -> None:
    leaves = REFERENCE_LEAVES[:size]
    expected = REFERENCE_ROOTS[size - 1]
    assert root_from_entries(leaves) == expected
    assert DenseTree(leaf_hash(x) for x in REFERENCE_LEAVES).root(size) == expected
    assert mth(leaves) == expected


def test_empty_tree_root() -> None:
    assert root_from_entries([]) == EMPTY_ROOT
    assert DenseTree().root() == EMPTY_ROOT


def test_known_consistency_proofs_of_reference_tree() -> None:
    tree = DenseTree(leaf_hash(x) for x in REFERENCE_LEAVES)
    assert consistency_proof(6, 8, tree) == [
        bytes.fromhex("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        bytes.fromhex("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
        bytes.fromhex("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    ]
    assert consistency_proof(2, 5, tree) == [
        bytes.fromhex("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        bytes.fromhex("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
    ]
    assert consistency_proof(4, 4, tree) == []
    verify_consistency(6, 8, REFERENCE_ROOTS[5], REFERENCE_ROOTS[7], consistency_proof(6, 8, tree))


def test_generated_proofs_equal_the_vector_happy_paths() -> None:
    folder = shared_data() / "rfc9162-vectors"
    if not folder.is_dir():
        pytest.skip("shared/data/rfc9162-vectors is absent")
    tree = DenseTree(leaf_hash(x) for x in REFERENCE_LEAVES)
    checked = 0
    for file in sorted((folder / "inclusion").glob("[0-9]*/happy-path.json")):
        case = json.loads(file.read_text())
        proof = [base64.b64decode(p) for p in case["proof"] or []]
        assert inclusion_proof(case["leafIdx"], case["treeSize"], tree) == proof
        checked += 1
    for file in sorted((folder / "consistency").glob("[0-9]*/happy-path.json")):
        case = json.loads(file.read_text())
        proof = [base64.b64decode(p) for p in case["proof"] or []]
        assert consistency_proof(case["size1"], case["size2"], tree) == proof
        checked += 1
    assert checked == 10


# ----------------------------------------------------------------- plans and shapes


def test_subtree_nodes_decomposition() -> None:
    assert subtree_nodes(0, 7) == [NodeId(2, 0), NodeId(1, 2), NodeId(0, 6)]
    assert subtree_nodes(8, 13) == [NodeId(2, 2), NodeId(0, 12)]
    assert subtree_nodes(256, 512) == [NodeId(8, 1)]
    with pytest.raises(LedgerError) as error:
        subtree_nodes(2, 6)  # not aligned: no RFC subtree starts at 2 with width 4
    assert error.value.code == "range_invalid"
    with pytest.raises(LedgerError):
        subtree_nodes(3, 3)


def test_plans_follow_the_rfc_examples() -> None:
    # RFC 9162 §2.1.5: the inclusion proof for d0 in the 7-leaf tree is [b, h, l].
    assert inclusion_plan(0, 7) == [(1, 2), (2, 4), (4, 7)]
    # ... for d3 it is [c, g, l]; for d4 it is [f, j, k].
    assert inclusion_plan(3, 7) == [(2, 3), (0, 2), (4, 7)]
    assert inclusion_plan(4, 7) == [(5, 6), (6, 7), (0, 4)]
    # Consistency 3 -> 7 is [c, d, g, l]; 4 -> 7 is [l]; 6 -> 7 is [i, j, k].
    assert consistency_plan(3, 7) == [(2, 3), (3, 4), (0, 2), (4, 7)]
    assert consistency_plan(4, 7) == [(4, 7)]
    assert consistency_plan(6, 7) == [(4, 6), (6, 7), (0, 4)]


@given(st.integers(1, 5000), st.data())
def test_inclusion_proof_length_formula(size: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, size - 1))
    assert inclusion_proof_length(index, size) == len(inclusion_plan(index, size))


# ----------------------------------------------------------------- properties

SIZES = st.integers(1, 300)


@settings(max_examples=150, deadline=None)
@given(SIZES, st.data())
def test_every_inclusion_proof_verifies_and_matches_the_naive_one(
    size: int, data: st.DataObject
) -> None:
    leaves = entries(size)
    tree = tree_of(size)
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(index, size, tree)
    root = tree.root()
    assert root == mth(leaves) == root_from_leaf_hashes(tree.levels[0])
    assert proof == path(index, leaves)
    verify_inclusion(leaf_hash(leaves[index]), index, size, proof, root)
    assert root_from_inclusion_proof(leaf_hash(leaves[index]), index, size, proof) == root


@settings(max_examples=150, deadline=None)
@given(SIZES, st.data())
def test_every_consistency_proof_verifies_and_matches_the_naive_one(
    size: int, data: st.DataObject
) -> None:
    leaves = entries(size)
    tree = tree_of(size)
    old = data.draw(st.integers(1, size))
    proof = consistency_proof(old, size, tree)
    assert proof == (subproof(old, leaves, True) if old < size else [])
    verify_consistency(old, size, tree.root(old), tree.root(), proof)


@settings(max_examples=120, deadline=None)
@given(SIZES, st.data())
def test_any_bit_flip_in_inclusion_proof_leaf_or_root_fails(size: int, data: st.DataObject) -> None:
    tree = tree_of(size)
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(index, size, tree)
    leaf, root = tree.levels[0][index], tree.root()
    target = data.draw(st.sampled_from(["leaf", "root", "proof"] if proof else ["leaf", "root"]))
    bit = data.draw(st.integers(0, 255))
    if target == "leaf":
        leaf = flip_bit(leaf, bit)
    elif target == "root":
        root = flip_bit(root, bit)
    else:
        position = data.draw(st.integers(0, len(proof) - 1))
        proof[position] = flip_bit(proof[position], bit)
    with pytest.raises(LedgerError) as error:
        verify_inclusion(leaf, index, size, proof, root)
    assert error.value.code == "proof_mismatch"


@settings(max_examples=120, deadline=None)
@given(st.integers(2, 300), st.data())
def test_any_bit_flip_in_consistency_proof_or_roots_fails(size: int, data: st.DataObject) -> None:
    tree = tree_of(size)
    old = data.draw(st.integers(1, size - 1))
    proof = consistency_proof(old, size, tree)
    old_root, new_root = tree.root(old), tree.root()
    target = data.draw(st.sampled_from(["old_root", "new_root", "proof"]))
    bit = data.draw(st.integers(0, 255))
    if target == "old_root":
        old_root = flip_bit(old_root, bit)
    elif target == "new_root":
        new_root = flip_bit(new_root, bit)
    else:
        position = data.draw(st.integers(0, len(proof) - 1))
        proof[position] = flip_bit(proof[position], bit)
    with pytest.raises(LedgerError):
        verify_consistency(old, size, old_root, new_root, proof)


@settings(max_examples=150, deadline=None)
@given(SIZES, st.data())
def test_bit_flip_in_index_always_fails_and_in_size_fails_unless_same_shape(
    size: int, data: st.DataObject
) -> None:
    """Flipping the leaf index always fails. Flipping the tree size fails unless the new
    size gives exactly the same proof shape (same length, same sibling sides): the
    proof alone cannot bind the size, the signed checkpoint does (see test_proofs)."""
    tree = tree_of(size)
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(index, size, tree)
    leaf, root = tree.levels[0][index], tree.root()
    bit = data.draw(st.integers(0, 12))
    bad_index = index ^ (1 << bit)
    with pytest.raises(LedgerError):
        verify_inclusion(leaf, bad_index, size, proof, root)
    bad_size = size ^ (1 << bit)
    same_shape = index < bad_size and inclusion_shape(index, bad_size) == inclusion_shape(
        index, size
    )
    if same_shape:
        verify_inclusion(leaf, index, bad_size, proof, root)
    else:
        with pytest.raises(LedgerError):
            verify_inclusion(leaf, index, bad_size, proof, root)


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 300), st.data())
def test_bit_flip_in_consistency_sizes_fails_unless_same_shape(
    size: int, data: st.DataObject
) -> None:
    tree = tree_of(size)
    old = data.draw(st.integers(1, size - 1))
    proof = consistency_proof(old, size, tree)
    old_root, new_root = tree.root(old), tree.root()
    bit = data.draw(st.integers(0, 12))
    which = data.draw(st.sampled_from(["old", "new"]))
    bad_old, bad_new = (old ^ (1 << bit), size) if which == "old" else (old, size ^ (1 << bit))
    same_shape = 0 < bad_old < bad_new and consistency_shape(bad_old, bad_new) == consistency_shape(
        old, size
    )
    if same_shape:
        verify_consistency(bad_old, bad_new, old_root, new_root, proof)
    else:
        with pytest.raises(LedgerError):
            verify_consistency(bad_old, bad_new, old_root, new_root, proof)


# ----------------------------------------------------------------- malformed inputs


def test_malformed_inclusion_inputs_are_rejected_with_codes() -> None:
    tree = tree_of(5)
    leaf, root = tree.levels[0][2], tree.root()
    proof = inclusion_proof(2, 5, tree)
    verify_inclusion(leaf, 2, 5, proof, root)
    cases: list[tuple[tuple[object, ...], str]] = [
        ((leaf[:31], 2, 5, proof, root), "proof_malformed"),
        ((leaf, 2, 5, proof, root + b"\x00"), "proof_malformed"),
        ((leaf, 2, 5, [*proof[:-1], proof[-1][:16]], root), "proof_malformed"),
        ((leaf, 2, 5, [*proof, proof[0]], root), "proof_length"),
        ((leaf, 2, 5, proof[:-1], root), "proof_length"),
        ((leaf, 5, 5, proof, root), "index_out_of_range"),
        ((leaf, -1, 5, proof, root), "number_invalid"),
        ((leaf, True, 5, proof, root), "number_invalid"),
        ((leaf, 2, 5.0, proof, root), "number_invalid"),
        ((leaf, 2, 5, b"".join(proof), root), "proof_malformed"),
        ((leaf.hex(), 2, 5, proof, root), "proof_malformed"),
    ]
    for arguments, code in cases:
        with pytest.raises(LedgerError) as error:
            verify_inclusion(*arguments)  # type: ignore[arg-type]
        assert error.value.code == code, arguments


def test_consistency_edge_cases() -> None:
    tree = tree_of(8)
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(8, 8, tree.root(), tree.root(), [])
    with pytest.raises(LedgerError) as error:
        verify_consistency(0, 8, EMPTY_ROOT, tree.root(), [])
    assert error.value.code == "sizes_invalid"
    with pytest.raises(LedgerError) as error:
        verify_consistency(8, 8, tree.root(), tree.root(), [tree.root()])
    assert error.value.code == "proof_length"
    with pytest.raises(LedgerError) as error:
        verify_consistency(3, 8, tree.root(3), tree.root(), [])
    assert error.value.code == "proof_length"
    with pytest.raises(LedgerError) as error:
        consistency_plan(0, 3)
    assert error.value.code == "sizes_invalid"


def test_dense_tree_reports_missing_nodes() -> None:
    with pytest.raises(LedgerError) as error:
        tree_of(4).read_nodes([NodeId(3, 0)])
    assert error.value.code == "node_missing"
    with pytest.raises(LedgerError) as error:
        DenseTree([b"short"])
    assert error.value.code == "hash_invalid"


def test_store_returning_garbage_is_caught() -> None:
    class Liar:
        def read_nodes(self, nodes: Sequence[NodeId]) -> list[bytes]:
            return [b"x" * 31 for _ in nodes]

    class Short:
        def read_nodes(self, nodes: Sequence[NodeId]) -> list[bytes]:
            return []

    for store in (Liar(), Short()):
        with pytest.raises(LedgerError) as error:
            root_hash(5, store)
        assert error.value.code == "store_inconsistent"


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 600), st.integers(0, 300))
def test_compact_range_extends_to_the_nodes_of_the_grown_tree(size: int, more: int) -> None:
    """The compact range kept with the log (one perfect subtree per set bit of the size)
    grows to exactly the stored nodes of the larger tree, and folds to its root."""
    leaves = [leaf_hash(b"%d" % i) for i in range(size + more)]
    tree = DenseTree(leaves)
    frontier = tree.read_nodes(subtree_nodes(0, size)) if size else []
    grown = compact_range_extend(size, frontier, leaves[size:])
    assert grown == (tree.read_nodes(subtree_nodes(0, size + more)) if size + more else [])
    if grown:
        assert fold_nodes(grown) == tree.root()


def test_compact_range_of_the_wrong_shape_is_refused() -> None:
    leaves = [leaf_hash(b"%d" % i) for i in range(6)]
    frontier = DenseTree(leaves).read_nodes(subtree_nodes(0, 6))  # 4 + 2: two hashes
    with pytest.raises(LedgerError) as caught:
        compact_range_extend(7, frontier, [leaf_hash(b"x")])  # 7 = 4 + 2 + 1 needs three
    assert caught.value.code == "store_inconsistent"
    with pytest.raises(LedgerError):
        compact_range_extend(6, frontier, [b"short"])
