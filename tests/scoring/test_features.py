from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from qingqian.scoring.errors import ScoringError
from qingqian.scoring.features import (
    FEATURE_VERSION,
    Payment,
    compute_features,
    is_forbidden_column,
    to_columns,
)
from tests.scoring.cases import FRESH_PERSON, HOPELESS, PAYING

AT = dt.date(2026, 2, 1)


def test_worked_example_as_at_a_date() -> None:
    f = compute_features(PAYING, AT)
    assert f.as_dict() == {
        "feature_version": FEATURE_VERSION,
        "at": "2026-02-01",
        "days_overdue": 63,
        "days_since_acceptance": 27,
        "principal": "120000.00",
        "balance": "90000.00",
        "paid": "30000.00",
        "paid_permille": 250,
        "debt_type": "trade",
        "evidence_strength": "medium",
        "debtor_kind": "company",
        "registry_status": "active",
        "judgments": 0,
        "dishonest_debtor": False,
        "contact_attempts": 2,
        "contacts_reached": 1,
        "contacts_connected": 1,
        "days_since_last_contact": 24,
        "promises_kept": 1,
        "promises_broken": 0,
        "promises_open": 1,
        "payments_count": 1,
        "days_since_last_payment": 13,
        "days_to_limitation": 1033,
    }


def test_digest_is_sha256_of_canonical_json_and_pinned() -> None:
    f = compute_features(PAYING, AT)
    assert f.digest() == "de6e2da4391b3c5175d8219739ce0cc1a13b624d524d008b1dbf265eb469c44e"
    assert compute_features(PAYING, AT).digest() == f.digest()
    assert compute_features(PAYING, AT + dt.timedelta(days=1)).digest() != f.digest()


def test_later_facts_are_invisible() -> None:
    """The 2026-03 contact and payment do not exist as at 2026-02-01 (no leakage)."""
    early = compute_features(PAYING, AT)
    late = compute_features(PAYING, dt.date(2026, 3, 5))
    assert (early.contact_attempts, early.payments_count) == (2, 1)
    assert (late.contact_attempts, late.payments_count, late.balance) == (3, 2, Decimal("80000"))
    # the promise due 2026-02-20 has no recorded outcome: it stays open, neither kept nor broken
    assert (late.promises_kept, late.promises_broken, late.promises_open) == (1, 0, 1)


def test_person_has_no_registry_and_company_defaults_to_unknown() -> None:
    assert compute_features(FRESH_PERSON, dt.date(2026, 1, 5)).registry_status == "not_applicable"
    company = dataclasses.replace(PAYING, registry_status=None)
    assert compute_features(company, AT).registry_status == "unknown"


def test_hopeless_case() -> None:
    f = compute_features(HOPELESS, dt.date(2025, 7, 1))
    assert (f.days_overdue, f.judgments, f.dishonest_debtor) == (1126, 1, True)
    assert (f.contact_attempts, f.contacts_reached, f.days_to_limitation) == (6, 0, -30)


@pytest.mark.parametrize(
    ("change", "at", "code"),
    [
        ({"debt_type": "gambling"}, AT, "debt_type_unknown"),
        ({"evidence_strength": "great"}, AT, "evidence_strength_unknown"),
        ({"debtor_kind": "robot"}, AT, "debtor_kind_unknown"),
        ({"registry_status": "bankrupt"}, AT, "registry_status_unknown"),
        ({"principal": Decimal("0")}, AT, "principal_not_positive"),
        ({"principal": Decimal("NaN")}, AT, "principal_not_positive"),
        ({}, dt.date(2026, 1, 4), "at_before_acceptance"),
        ({"principal": Decimal("20000")}, AT, "payments_exceed_principal"),
        ({"payments": (Payment(dt.date(2026, 1, 9), Decimal("-1")),)}, AT, "payment_not_positive"),
    ],
)
def test_bad_facts_are_refused(change: dict[str, object], at: dt.date, code: str) -> None:
    facts = dataclasses.replace(PAYING, **change)  # type: ignore[arg-type]
    with pytest.raises(ScoringError) as err:
        compute_features(facts, at)
    assert err.value.code == code
    assert err.value.message_zh and err.value.message_en


def test_person_with_registry_status_is_refused() -> None:
    with pytest.raises(ScoringError) as err:
        compute_features(dataclasses.replace(FRESH_PERSON, registry_status="active"), AT)
    assert err.value.code == "registry_status_for_person"


@pytest.mark.parametrize(
    ("name", "forbidden"),
    [
        ("age_in_years", True),
        ("personal_status_and_sex", True),
        ("Gender", True),
        ("debtor_ethnicity", True),
        ("date_of_birth", True),
        ("年龄", True),
        ("通讯录联系人数", True),
        ("contacts", True),
        ("installment_rate_in_percentage_of_disposable_income", False),
        ("contacts_reached", False),
        ("contact_attempts", False),
        ("days_overdue", False),
        ("message_count", False),
    ],
)
def test_forbidden_columns(name: str, forbidden: bool) -> None:
    assert is_forbidden_column(name) is forbidden


def test_columns_encode_missing_values_with_flags() -> None:
    cols = to_columns([compute_features(FRESH_PERSON, dt.date(2026, 1, 5))])
    assert bool(cols["has_payment"][0]) is False
    assert bool(cols["has_limitation"][0]) is False
    assert int(cols["registry"][0]) == 4
    assert int(cols["evidence"][0]) == 2


def test_fast_digest_equals_the_rfc8785_encoder() -> None:
    for facts in (PAYING, FRESH_PERSON, HOPELESS):
        for at in (dt.date(2026, 3, 15), dt.date(2027, 1, 1)):
            f = compute_features(facts, at)
            assert f.digest() == f.digest_reference()
    odd = compute_features(PAYING, dt.date(2026, 3, 15))
    # strings with quotes, control characters and non-ASCII text escape the same way
    weird = dataclasses.replace(odd, debt_type='t"\\\n\t\x01中文\u2028')
    assert weird.digest() == weird.digest_reference()
