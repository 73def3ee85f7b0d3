from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.scoring.features import COLUMNS, compute_features, to_columns
from qingqian.scoring.scorecard import CARD_VERSION, FACTORS, score_case, score_columns
from qingqian.scoring.synthetic import card_columns
from tests.scoring.cases import FRESH_PERSON, HOPELESS, PAYING

DOC = Path(__file__).resolve().parents[2] / "docs" / "scoring-scorecard.md"


def test_points_run_from_0_to_100() -> None:
    assert sum(f.max_points for f in FACTORS) == 100
    assert sum(f.min_points for f in FACTORS) == 0


EXAMPLES = [
    (
        PAYING,
        dt.date(2026, 2, 1),
        90,
        {
            "overdue": 16,
            "payments": 15,
            "contact": 12,
            "promises": 13,
            "evidence": 6,
            "standing": 10,
            "enforcement": 10,
            "balance": 3,
            "limitation": 5,
        },
        ["payments.recent", "promises.kept", "overdue.31_90"],
        ["+", "+", "+"],
    ),
    (
        FRESH_PERSON,
        dt.date(2026, 1, 5),
        43,
        {
            "overdue": 6,
            "payments": 0,
            "contact": 6,
            "promises": 5,
            "evidence": 2,
            "standing": 8,
            "enforcement": 10,
            "balance": 3,
            "limitation": 3,
        },
        ["payments.none", "enforcement.clean", "overdue.181_365"],
        ["-", "+", "-"],
    ),
    (
        HOPELESS,
        dt.date(2025, 7, 1),
        5,
        {
            "overdue": 0,
            "payments": 0,
            "contact": 0,
            "promises": 5,
            "evidence": 0,
            "standing": 0,
            "enforcement": 0,
            "balance": 0,
            "limitation": 0,
        },
        ["overdue.gt730", "payments.none", "contact.unreached_5"],
        ["-", "-", "-"],
    ),
]


def test_worked_examples() -> None:
    for facts, at, score, breakdown, codes, directions in EXAMPLES:
        features = compute_features(facts, at)
        result = score_case(features)
        assert result.score == score
        assert result.breakdown == breakdown
        assert [r.code for r in result.reasons] == codes
        assert [r.direction for r in result.reasons] == directions
        assert result.model_version == CARD_VERSION
        assert result.feature_digest == features.digest()


def test_reasons_are_bilingual() -> None:
    reasons = score_case(compute_features(PAYING, dt.date(2026, 2, 1))).as_dict()["reasons"]
    assert reasons[0]["text_zh"] == "已还款情况：近 30 天内有还款"
    assert reasons[0]["text_en"] == "Payments so far: paid within the last 30 days"


def test_batch_equals_one_by_one() -> None:
    cols = card_columns(500, seed=3)
    batch = score_columns(cols)
    for i in range(0, 500, 37):
        one = score_columns({k: v[i : i + 1] for k, v in cols.items()})
        assert int(one.scores[0]) == int(batch.scores[i])
        assert one.reason_factors[0].tolist() == batch.reason_factors[i].tolist()


def test_missing_columns_refused() -> None:
    import pytest

    from qingqian.scoring.errors import ScoringError

    cols = card_columns(3)
    del cols["balance"]
    with pytest.raises(ScoringError) as err:
        score_columns(cols)
    assert err.value.code == "columns_missing"


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_scores_stay_in_range_and_add_up(seed: int) -> None:
    cols = card_columns(64, seed=seed)
    result = score_columns(cols)
    assert result.scores.min() >= 0
    assert result.scores.max() <= 100
    assert set(np.unique(result.reason_factors)) <= set(range(len(FACTORS)))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 800))
def test_more_days_overdue_never_raises_the_score(seed: int, extra: int) -> None:
    cols = card_columns(64, seed=seed)
    later = dict(cols)
    later["days_overdue"] = cols["days_overdue"] + extra
    assert (score_columns(later).scores <= score_columns(cols).scores).all()


def test_columns_cover_what_the_card_reads() -> None:
    cols = to_columns([compute_features(PAYING, dt.date(2026, 2, 1))])
    assert set(cols) == set(COLUMNS)


def test_document_matches_the_points_table() -> None:
    """docs/scoring-scorecard.md lists every bin as `| factor | bin | points | … |`."""
    text = DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\|\s*`(\w+)\.(\w+)`\s*\|\s*(\d+)\s*\|", text, flags=re.M)
    documented = {(f, b): int(p) for f, b, p in rows}
    expected = {(f.code, b.code): b.points for f in FACTORS for b in f.bins}
    assert documented == expected
