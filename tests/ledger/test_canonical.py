"""RFC 8785 JSON canonicalisation of entry statements."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qingqian.ledger.canonical import MAX_SAFE_INTEGER, canonicalize, parse_canonical, utf16_key
from qingqian.ledger.errors import LedgerError


def test_rfc8785_sorting_example_utf16_order() -> None:
    # RFC 8785 §3.2.3: names compared as UTF-16 code units, so the emoji (a surrogate pair
    # starting 0xD83D) sorts before U+FB33 although its code point is larger.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    )
    assert canonicalize(value) == expected.encode("utf-8")
    # Code-point order would put the emoji last: the difference matters.
    assert sorted(value)[-1] == "\U0001f600"


def test_rfc8785_string_escaping_example() -> None:
    # RFC 8785 §3.2.2.2.
    value = '\u20ac$\u000f\nA\'B"\\\\"/'
    assert canonicalize(value) == '"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"'.encode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, b"null"),
        (True, b"true"),
        (False, b"false"),
        (0, b"0"),
        (-17, b"-17"),
        (MAX_SAFE_INTEGER, b"9007199254740991"),
        ("", b'""'),
        ("\x7f\x00\x1f", b'"\x7f\\u0000\\u001f"'),
        ("\b\t\n\f\r", b'"\\b\\t\\n\\f\\r"'),
        ("清欠 借条", '"清欠 借条"'.encode()),
        ([], b"[]"),
        ({}, b"{}"),
        ((1, "a"), b'[1,"a"]'),
        (
            {"b": [1, {"z": None, "a": True}], "a": "12345.60"},
            b'{"a":"12345.60","b":[1,{"a":true,"z":null}]}',
        ),
    ],
)
def test_canonical_forms(value: object, expected: bytes) -> None:
    assert canonicalize(value) == expected
    assert parse_canonical(expected) == (list(value) if isinstance(value, tuple) else value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (1.5, "float_not_allowed"),
        (1.0, "float_not_allowed"),
        ({"amount": Decimal("12.30")}, "float_not_allowed"),
        ([float("nan")], "float_not_allowed"),
        (MAX_SAFE_INTEGER + 1, "integer_out_of_range"),
        (-MAX_SAFE_INTEGER - 1, "integer_out_of_range"),
        ({1: "a"}, "statement_invalid"),
        ({"a": b"bytes"}, "statement_invalid"),
        ({"a": {1, 2}}, "statement_invalid"),
        ("\ud800", "statement_invalid"),
        ({"\udfff": 1}, "statement_invalid"),
    ],
)
def test_unsupported_values_are_refused(value: object, code: str) -> None:
    with pytest.raises(LedgerError) as error:
        canonicalize(value)
    assert error.value.code == code


def test_float_error_names_the_field_and_explains() -> None:
    with pytest.raises(LedgerError) as error:
        canonicalize({"payment": {"amount": 100.5}})
    assert error.value.details == {"path": "$.payment.amount"}
    assert "decimal strings" in error.value.message_en
    assert "十进制字符串" in error.value.message_zh


def test_too_deep_is_refused() -> None:
    value: Any = []
    for _ in range(70):
        value = [value]
    with pytest.raises(LedgerError) as error:
        canonicalize(value)
    assert error.value.code == "statement_too_deep"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'{"b":1,"a":2}', "statement_not_canonical"),
        (b'{"a": 1}', "statement_not_canonical"),
        (b'"\\u0041"', "statement_not_canonical"),
        (b'"\\/"', "statement_not_canonical"),
        (b"-0", "statement_not_canonical"),
        (b"1e3", "float_not_allowed"),
        (b"1.0", "float_not_allowed"),
        (b"NaN", "float_not_allowed"),
        (b'{"a":1,"a":2}', "statement_invalid"),
        (b"\xff", "statement_invalid"),
        (b"{", "statement_invalid"),
        (b'"\\ud800"', "statement_invalid"),
    ],
)
def test_parse_canonical_refuses(data: bytes, code: str) -> None:
    with pytest.raises(LedgerError) as error:
        parse_canonical(data)
    assert error.value.code == code


def test_utf16_key() -> None:
    assert utf16_key("\U0001f600") == b"\xd8\x3d\xde\x00"
    assert utf16_key("\U0001f600") < utf16_key("\ufb33")


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), children, max_size=4)
    ),
    max_leaves=20,
)


@given(JSON)
def test_round_trip_and_idempotence(value: object) -> None:
    data = canonicalize(value)
    assert parse_canonical(data) == value
    assert json.loads(data) == value
    assert canonicalize(json.loads(data)) == data


BMP_KEYS = st.text(st.characters(max_codepoint=0xD7FF))


@given(st.dictionaries(BMP_KEYS, st.integers(-1000, 1000) | BMP_KEYS, max_size=6))
def test_agrees_with_sorted_json_dumps_below_the_surrogate_range(value: dict[str, Any]) -> None:
    # Below U+D800, UTF-16 order equals code-point order, so json.dumps with sort_keys and
    # no whitespace must agree byte for byte.
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonicalize(value) == expected.encode("utf-8")
