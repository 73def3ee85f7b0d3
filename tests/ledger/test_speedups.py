"""The case log's compiled loops (``_speedups.c``) against their pure-Python twins: the same
bytes for every input, the same refusals, the fast path really taken, and nothing leaked."""

from __future__ import annotations

import hashlib
import itertools
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.ledger import services, speedups, tiles
from qingqian.ledger.errors import LedgerError

compiled = speedups.compiled
needs_compiled = pytest.mark.skipif(compiled is None, reason="the compiled loops were not built")


def test_pure_mode_turns_the_compiled_loops_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINGQIAN_LEDGER_PURE", "1")
    assert speedups._load() is None
    monkeypatch.setenv("QINGQIAN_LEDGER_PURE", "0")
    assert speedups._load() is compiled


# --------------------------------------------------------------------------- subtree_root


@needs_compiled
@given(st.integers(0, 8), st.randoms(use_true_random=False))
@settings(max_examples=60, deadline=None)
def test_subtree_root_is_its_twins(height: int, random: Any) -> None:
    row = random.randbytes(32 << height)
    assert compiled is not None
    assert compiled.subtree_root(row) == tiles._subtree_root_py(row)


@needs_compiled
def test_subtree_root_of_two_leaves_is_rfc_9162s_node_hash() -> None:
    left, right = hashlib.sha256(b"l").digest(), hashlib.sha256(b"r").digest()
    assert compiled is not None
    assert compiled.subtree_root(left + right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert compiled.subtree_root(left) == left


@needs_compiled
@pytest.mark.parametrize(
    ("row", "error"),
    [(b"", ValueError), (b"x" * 31, ValueError), (b"x" * 96, ValueError), ("x" * 64, TypeError)],
)
def test_subtree_root_refuses_what_is_not_a_perfect_row(row: Any, error: type) -> None:
    assert compiled is not None
    with pytest.raises(error):
        compiled.subtree_root(row)


# --------------------------------------------------------------------------- entry_rows

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False)
)
# Names past ASCII, including one past the BMP and one above the surrogates: RFC 8785
# orders them by UTF-16 code units, orjson by code points, so they must leave the fast path.
_NAMES = st.text("abcz_é中\uff21\U0001f600", min_size=1, max_size=4)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_NAMES, inner, max_size=3),
    max_leaves=6,
)
_STATEMENTS = (
    st.dictionaries(st.text("abcdef_", max_size=5), _SCALARS, max_size=6)
    | st.dictionaries(_NAMES, _VALUES, max_size=5)
    | st.binary(max_size=40)
)
_ENTRIES = st.lists(
    st.tuples(
        st.text("abc.", max_size=60),
        st.none() | st.integers(0, 10**12),
        _STATEMENTS,
        st.booleans(),  # salted
    ),
    max_size=8,
)


def _items(drawn: list[tuple[str, int | None, Any, bool]]) -> list[services.NewEntry]:
    out = []
    for n, (kind, case_id, statement, salted) in enumerate(drawn):
        if salted and isinstance(statement, dict):
            statement = {**statement, "salt": f"{n:02x}"}
        out.append(services.NewEntry(kind, case_id, statement))
    return out


def _built(
    implementation: Any, items: list[services.NewEntry], head: tuple[Any, ...], blobs: bool
) -> tuple[Any, ...]:
    """Rows, kept lists, or the refusal, with the salts ``_encode`` adds made repeatable."""
    counter = itertools.count()
    original_salt, original_impl = services.new_salt, services._compiled
    services.new_salt = lambda: f"{next(counter):032x}"
    services._compiled = implementation
    publics: list[bytes] = []
    leaves: list[bytes] = []
    try:
        rows = services._entry_rows(
            iter(items), head, ("tail", 1), grown=(publics, leaves), blobs=blobs
        )
    except LedgerError as refused:
        return ("refused", refused.code)
    finally:
        services.new_salt, services._compiled = original_salt, original_impl
    return ("rows", rows, [type(v) for row in rows for v in row], publics, leaves)


@needs_compiled
@given(_ENTRIES, st.sampled_from([(), (0,), (2**40,)]), st.booleans())
@settings(max_examples=300, deadline=None)
def test_entry_rows_are_their_twins(
    drawn: list[tuple[str, int | None, Any, bool]], head: tuple[Any, ...], blobs: bool
) -> None:
    """Any mix of statements (flat or nested, salted or not, floats, big integers, non-ASCII
    names, raw bytes), kinds longer than 48, with and without numbering and blobs: the
    compiled loop gives the Python loop's rows, value types, kept hashes and refusals."""
    items = _items(drawn)
    assert _built(compiled, items, head, blobs) == _built(None, items, head, blobs)


class _Raw(bytes):
    pass


@needs_compiled
def test_entry_rows_cut_kinds_and_order_names_as_the_twin_does() -> None:
    items = [
        services.NewEntry("k" * 60, 1, {"n": 1, "salt": "00"}),
        services.NewEntry("k" * 48, 2, {"\uff21": 1, "\U0001f600": 2, "salt": "01"}),
        services.NewEntry("k", 3, _Raw(b'{"raw":1}')),
    ]
    rows = _built(compiled, items, (3,), False)
    assert rows == _built(None, items, (3,), False)
    assert [row[4] for row in rows[1]] == ["k" * 48, "k" * 48, "k"]
    assert type(rows[1][2][2]) is _Raw  # a bytes subclass is stored as it came
    assert rows[1][1][2].index("😀".encode()) < rows[1][1][2].index("\uff21".encode())


def _slow_refuses(statement: object) -> bytes:
    raise AssertionError(f"the fast path should have taken {statement!r}")


def _call(entries: Any, slow: Any = _slow_refuses, dumps: Any = None) -> list[Any]:
    assert compiled is not None
    rows: list[Any] = compiled.entry_rows(
        entries,
        None,
        (),
        False,
        None,
        None,
        dumps or services._ORJSON_DUMPS,
        services._ORJSON_OPTIONS,
        slow,
        services.COMMITMENT_DOMAIN,
        services.LEAF_PREFIX,
        "salt",
    )
    return rows


@needs_compiled
def test_flat_salted_statements_never_leave_the_compiled_loop() -> None:
    """The shape nearly every entry has goes orjson → hashes → row inside C (a keyword
    name orjson did not recognise once sent every entry to the slow path, unseen)."""
    flat = {"n": 1, "t": "中文", "ok": True, "none": None, "big": 2**40, "salt": "00"}
    [row] = _call([("k", 7, flat)])
    assert row[1] == services.canonical_statement(flat)
    taken: list[object] = []

    def slow(statement: object) -> bytes:
        taken.append(statement)
        return services._entry_data(statement)  # type: ignore[arg-type]

    nested = {"l": [1], "salt": "00"}
    unsalted = {"n": 1}
    _call([("k", 1, nested), ("k", 2, unsalted), ("k", 3, b"raw")], slow)
    assert taken == [nested, unsalted, b"raw"]


@needs_compiled
def test_entry_rows_refuses_what_is_not_an_entry_and_passes_errors_on() -> None:
    with pytest.raises(ValueError, match="kind, case_id, statement"):
        _call([("k", 1)])
    with pytest.raises(ValueError, match="kind, case_id, statement"):
        _call([["k", 1, {"salt": "x"}, "extra"]])
    with pytest.raises(TypeError, match="kind, case_id, statement"):
        _call([7])
    # Any sequence of three unpacks, as in the Python loop.
    assert _call([["k", 1, {"n": 1, "salt": "x"}]]) == _call([("k", 1, {"n": 1, "salt": "x"})])

    def failing() -> Iterator[Any]:
        yield ("k", 1, {"n": 1, "salt": "x"})
        raise RuntimeError("the source broke")

    with pytest.raises(RuntimeError, match="source broke"):
        _call(failing())

    def broken_dumps(value: object, option: int = 0) -> bytes:
        raise KeyError("not a refusal")

    with pytest.raises(KeyError):
        _call([("k", 1, {"n": 1, "salt": "x"})], dumps=broken_dumps)
    with pytest.raises(TypeError, match="must return bytes"):
        _call([("k", 1, {"f": 1.5, "salt": "x"})], slow=lambda statement: "text")


@needs_compiled
def test_compiled_loops_leak_nothing() -> None:
    """Rows built and dropped, refusals raised mid-batch, roots hashed: the traced memory
    comes back to where it was (a missed reference in C would keep every row alive)."""
    items = [services.NewEntry("k", n, {"n": n, "t": "x" * 40, "salt": "00"}) for n in range(200)]
    refused = [*items[:50], services.NewEntry("k", None, {"b": "x" * 70_000, "salt": "x"})]
    row = bytes(range(32)) * 256

    def work() -> None:
        for _ in range(20):
            services._entry_rows(items, (0,), ("t",), grown=([], []), blobs=True)
            with pytest.raises(LedgerError):
                services._entry_rows(refused, (0,), ("t",), grown=([], []), blobs=True)
            assert compiled is not None
            compiled.subtree_root(row)

    work()  # warm caches (interned strings, free lists)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        work()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 64 * 1024, after - before
