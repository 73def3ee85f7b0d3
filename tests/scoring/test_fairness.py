from __future__ import annotations

import numpy as np
import pytest

from qingqian.scoring.errors import ScoringError
from qingqian.scoring.fairness import group_report, rank_auc


def test_group_report_worked_example() -> None:
    groups = ["a", "a", "a", "a", "b", "b", "b", "b", None]
    scores = np.array([90, 70, 50, 30, 65, 40, 30, 20, 80], dtype=float)
    outcomes = np.array([1, 1, 0, 0, 1, 0, 1, 0, 1])
    rep = group_report("grp", groups, scores, threshold=60, outcomes=outcomes)
    by = {g.group: g for g in rep.groups}
    assert [g.group for g in rep.groups] == ["(missing)", "a", "b"]
    assert (by["a"].n, by["a"].mean, by["a"].above_threshold) == (4, 60.0, 0.5)
    assert (by["b"].n, by["b"].mean, by["b"].above_threshold) == (4, 38.75, 0.25)
    assert by["a"].p50 == 60.0
    assert by["a"].auc == 1.0
    assert by["b"].auc == 0.75
    assert by["a"].positive_rate == 0.5
    # missing group: 1.0 above threshold → ratio 0.25 / 1.0
    assert rep.rate_ratio == 0.25
    assert rep.rate_gap == 0.75
    assert rep.flagged is True
    assert rep.as_dict()["below_four_fifths"] is True


def test_equal_rates_are_not_flagged() -> None:
    rep = group_report("g", ["x", "y"] * 5, np.array([70.0, 70.0] * 5), threshold=60)
    assert rep.rate_ratio == 1.0
    assert rep.flagged is False
    assert rep.groups[0].auc is None


def test_rank_auc_counts_ties_half() -> None:
    assert rank_auc(np.array([0, 1]), np.array([0.5, 0.5])) == 0.5
    assert rank_auc(np.array([1, 1]), np.array([0.1, 0.2])) is None


def test_length_mismatch_refused() -> None:
    with pytest.raises(ScoringError) as err:
        group_report("g", ["a"], np.array([1.0, 2.0]), threshold=1)
    assert err.value.code == "audit_length_mismatch"
