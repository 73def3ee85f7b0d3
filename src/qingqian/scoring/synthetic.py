"""Synthetic closed cases for tests and benchmarks (合成数据，仅供测试与基准).

No public collections data exists; these rows exercise the pipeline end to end with the
same columns :func:`qingqian.scoring.features.training_row` produces. A latent propensity
drives both the observable features (contact, promises, payments, evidence) and the target,
so a model has something real but noisy to learn. Deterministic for a seed. Never use these
rows to claim anything about real debtors.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from qingqian.scoring.features import (
    DEBT_TYPES,
    EVIDENCE_LEVELS,
    REGISTRY_STATUSES,
    Columns,
)

TARGET = "paid_within_90d"
DATE_COLUMN = "accepted_on"


def closed_cases(n: int, *, seed: int = 0, start: dt.date = dt.date(2024, 1, 1)) -> pd.DataFrame:
    """``n`` closed cases accepted over two years, target ``paid_within_90d`` (0/1)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    propensity = rng.beta(1.6, 2.4, size=n)
    kind = np.where(rng.random(n) < 0.7, "company", "person")
    evidence = rng.choice(4, size=n, p=[0.3, 0.4, 0.25, 0.05])
    registry = np.where(
        kind == "person",
        4,
        rng.choice(4, size=n, p=[0.75, 0.12, 0.05, 0.08]),
    )
    days_overdue = rng.gamma(2.0, 45.0, size=n).astype(np.int64)
    principal = np.round(rng.lognormal(np.log(28_000), 1.1, size=n), 2)
    attempts = rng.poisson(4, size=n)
    reach_p = np.clip(0.25 + 0.5 * propensity, 0, 1)
    reached = rng.binomial(attempts, reach_p)
    connected = rng.binomial(reached, 0.7)
    kept = rng.binomial(np.minimum(connected, 2), propensity)
    broken = rng.binomial(np.minimum(connected, 2) - kept, 0.8)
    paid_share = np.where(rng.random(n) < propensity * 0.5, rng.uniform(0.05, 0.5, n), 0.0)
    paid = np.round(principal * paid_share, 2)
    judgments = rng.poisson(0.25 + 0.5 * (1 - propensity))
    dishonest = rng.random(n) < 0.05 + 0.1 * (1 - propensity)
    debt_type = rng.choice(len(DEBT_TYPES), size=n, p=[0.6, 0.15, 0.15, 0.1])
    limitation = rng.integers(-60, 900, size=n)
    accepted = pd.Timestamp(start) + pd.to_timedelta(np.sort(rng.integers(0, 730, size=n)), "D")
    ev_effect = np.array([1.0, 0.85, 0.6, 0.4])[evidence]
    reg_effect = np.array([1.0, 0.6, 0.2, 0.9, 1.0])[registry]
    logit = (
        -1.2
        + 3.0 * propensity * ev_effect * reg_effect
        - days_overdue / 300
        + 0.35 * kept
        - 0.3 * broken
        + 1.5 * paid_share
        - 0.5 * dishonest
        + 0.15 * connected
        + rng.normal(0, 0.5, size=n)
    )
    target = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return pd.DataFrame(
        {
            DATE_COLUMN: accepted.strftime("%Y-%m-%d"),
            "days_overdue": days_overdue,
            "principal": principal,
            "balance": np.round(principal - paid, 2),
            "paid_permille": np.rint(paid_share * 1000).astype(np.int64),
            "debt_type": np.asarray(DEBT_TYPES)[debt_type],
            "evidence_strength": np.asarray(EVIDENCE_LEVELS)[evidence],
            "debtor_kind": kind,
            "registry_status": np.asarray(REGISTRY_STATUSES)[registry],
            "judgments": judgments,
            "dishonest_debtor": dishonest.astype(np.int64),
            "contact_attempts": attempts,
            "contacts_reached": reached,
            "contacts_connected": connected,
            "promises_kept": kept,
            "promises_broken": broken,
            "days_to_limitation": limitation,
            TARGET: target,
        }
    )


def card_columns(n: int, *, seed: int = 0) -> Columns:
    """``n`` cases in the columnar form the expert scorecard scores (vectorised)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    has_payment = rng.random(n) < 0.3
    has_limitation = rng.random(n) < 0.8
    attempts = rng.poisson(3, size=n)
    reached = rng.binomial(attempts, 0.5)
    out: dict[str, Any] = {
        "days_overdue": rng.gamma(2.0, 60.0, size=n).astype(np.int64),
        "balance": np.round(rng.lognormal(np.log(28_000), 1.1, size=n), 2),
        "paid_permille": np.where(has_payment, rng.integers(1, 900, size=n), 0),
        "has_payment": has_payment,
        "days_since_last_payment": np.where(has_payment, rng.integers(0, 200, size=n), 0),
        "contact_attempts": attempts,
        "contacts_reached": reached,
        "contacts_connected": rng.binomial(reached, 0.7),
        "promises_kept": rng.poisson(0.3, size=n),
        "promises_broken": rng.poisson(0.3, size=n),
        "promises_open": rng.poisson(0.2, size=n),
        "evidence": rng.integers(0, 4, size=n),
        "registry": rng.integers(0, 5, size=n),
        "judgments": rng.poisson(0.3, size=n),
        "dishonest_debtor": rng.random(n) < 0.07,
        "has_limitation": has_limitation,
        "days_to_limitation": np.where(has_limitation, rng.integers(-60, 1000, size=n), 0),
    }
    return out
