"""Canonical terms, hashes and the version chain."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.negotiation.errors import NegotiationError
from qingqian.negotiation.plans import parse_profile, plan_seasonal
from qingqian.negotiation.terms import (
    canonical_json,
    plan_terms,
    sha256_hex,
    terms_version,
    verify_chain,
)

D = Decimal


def test_canonical_bytes_exact() -> None:
    value = {
        "b": D("1.50"),
        "a": "清欠",
        "c": [1, True, None, D("0.120"), D("-0.00"), D("1E+3")],
        "d": dt.date(2027, 1, 1),
        "e": dt.datetime(2027, 1, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    }
    expected = (
        '{"a":"清欠","b":"1.5","c":[1,true,null,"0.12","0","1000"],"d":"2027-01-01",'
        '"e":"2027-01-01T00:00:00.000000Z"}'
    ).encode()
    assert canonical_json(value) == expected
    assert sha256_hex(value) == hashlib.sha256(expected).hexdigest()


def test_canonical_form_ignores_key_order_and_normalises_unicode() -> None:
    composed = {"name": "é", "x": 1, "y": 2}
    decomposed = {"y": 2, "name": "e\u0301", "x": 1}
    assert canonical_json(composed) == canonical_json(decomposed)


@pytest.mark.parametrize(
    "bad",
    [
        {"x": 1.5},
        {"x": dt.datetime(2027, 1, 1, 8, 0)},  # naive
        {"x": 2**53},
        {1: "non-string key"},
        {"x": D("NaN")},
        {"x": {1, 2}},
        {"é": 1, "e\u0301": 2},  # duplicate after NFC
    ],
)
def test_non_canonical_values_are_refused(bad) -> None:
    with pytest.raises(NegotiationError) as caught:
        canonical_json(bad)
    assert caught.value.code == "terms_not_canonical"


def _issue_schedule():
    return plan_seasonal(
        total=D("120000"),
        months=12,
        profile=parse_profile("1,1,1,2,2,1,1,1,1,3,1,1"),
        start=(2027, 1),
        day=15,
    )


def _issue_terms(**changes):
    args = {
        "case_ref": "QQ-2027-0001",
        "creditor": "苏州某旅游用品有限公司",
        "debtor": "姑苏区某民宿",
        "grace_days": 5,
        "consequence": "acceleration",
    } | changes
    return plan_terms(_issue_schedule(), **args)


def test_plan_terms_shape() -> None:
    terms = _issue_terms()
    assert terms["total"] == "120000.00"
    assert terms["installments"][3] == {
        "number": 4,
        "due": "2027-04-15",
        "principal": "15000.00",
        "interest": "0.00",
        "amount": "15000.00",
    }
    assert terms["breach"] == {
        "grace_days": 5,
        "consequence": "acceleration",
        "trigger_overdue_count": 1,
    }
    encoded = canonical_json(terms)
    assert b'"amount":"22500.00"' in encoded
    assert b" " not in encoded.replace("某旅游用品有限公司".encode(), b"")


def test_version_chain() -> None:
    first = terms_version(_issue_terms())
    assert first.version == 1
    assert first.previous is None
    assert first.sha256 == hashlib.sha256(first.canonical).hexdigest()
    assert first.canonical.startswith(b'{"previous":null,"schema":"qingqian.plan-terms/1"')
    # Same terms, same hash: both parties can compute it independently.
    assert terms_version(_issue_terms()).sha256 == first.sha256

    second = terms_version(_issue_terms(grace_days=10), previous=first)
    assert second.version == 2
    assert second.previous == first.sha256
    assert second.sha256 != first.sha256
    verify_chain([first, second])


def test_unchanged_terms_are_not_a_new_version() -> None:
    first = terms_version(_issue_terms())
    with pytest.raises(NegotiationError) as caught:
        terms_version(_issue_terms(), previous=first)
    assert caught.value.code == "terms_unchanged"


def test_tampering_breaks_the_chain() -> None:
    first = terms_version(_issue_terms())
    second = terms_version(_issue_terms(grace_days=10), previous=first)
    altered_terms = dict(first.terms) | {"total": "100000.00"}
    forged = type(first)(
        version=1,
        previous=None,
        terms=altered_terms,
        canonical=first.canonical,
        sha256=first.sha256,
    )
    with pytest.raises(NegotiationError) as caught:
        verify_chain([forged, second])
    assert caught.value.code == "terms_chain_broken"
    assert caught.value.details == {"index": 0, "problem": "hash does not match the terms"}
    with pytest.raises(NegotiationError) as caught:
        verify_chain([second])
    assert caught.value.details["problem"] == "version number"
    third = terms_version(_issue_terms(grace_days=3), previous=first)
    with pytest.raises(NegotiationError) as caught:
        verify_chain([first, second, type(third)(3, first.sha256, {}, b"", "")])
    assert caught.value.details == {"index": 2, "problem": "previous hash"}


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**53) + 1, 2**53 - 1),
        st.text(max_size=8),
        st.decimals(allow_nan=False, allow_infinity=False, places=2),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_canonical_json_is_stable_and_round_trips(value) -> None:
    import json

    encoded = canonical_json(value)
    decoded = json.loads(encoded.decode("utf-8"))
    assert canonical_json(decoded) == encoded
