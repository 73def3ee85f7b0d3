"""Monitoring kernel (issue 21): PSI of score and features against the training reference,
calibration on outcomes as they arrive, alerts at the configured thresholds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qingqian.scoring.monitoring import (
    Thresholds,
    drift_report,
    outcome_calibration,
    psi_counts,
    reference_profile,
    stability_band,
)


def _population(n: int, seed: int, overdue_shift: float = 0.0, company: float = 0.7):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(
        {
            "days_overdue": rng.gamma(2.0, 45.0, size=n) + overdue_shift,
            "principal": rng.lognormal(10, 1, size=n),
            "days_to_limitation": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 900, n)),
            "debtor_kind": np.where(rng.random(n) < company, "company", "person"),
        }
    )
    score = 1 / (1 + np.exp(x["days_overdue"].to_numpy() / 100 - 1))
    return x, score


NUMERIC = ["days_overdue", "principal", "days_to_limitation"]


def test_same_population_is_stable_and_raises_nothing() -> None:
    x, s = _population(5000, 1)
    ref = reference_profile(x, s, NUMERIC, ["debtor_kind"])
    assert ref["rows"] == 5000 and sum(ref["score"]["counts"]) == 5000
    assert ref["features"]["days_to_limitation"]["counts"][-1] > 0  # missing kept as a bin
    today, st = _population(3000, 2)
    report = drift_report(ref, today, st, Thresholds())
    assert report["psi_score"] < 0.05 and report["psi_band"] == "stable"
    assert max(report["psi_features"].values()) < 0.05
    assert report["alerts"] == []


def test_shifted_population_raises_score_and_feature_alerts_only_where_it_moved() -> None:
    x, s = _population(5000, 1)
    ref = reference_profile(x, s, NUMERIC, ["debtor_kind"])
    today, st = _population(3000, 3, overdue_shift=150.0, company=0.2)
    report = drift_report(ref, today, st, Thresholds())
    kinds = {(a["kind"], a["subject"]) for a in report["alerts"]}
    assert ("psi_score", "score") in kinds
    assert ("psi_feature", "days_overdue") in kinds
    assert ("psi_feature", "debtor_kind") in kinds
    assert ("psi_feature", "principal") not in kinds
    assert report["max_feature"]["feature"] == "days_overdue"
    # thresholds are settings: raised high enough, nothing is flagged
    calm = drift_report(ref, today, st, Thresholds(psi_score=50, psi_feature=50))
    assert calm["alerts"] == [] and calm["psi_score"] == report["psi_score"]


def test_unseen_category_counts_as_drift() -> None:
    x, s = _population(2000, 1)
    ref = reference_profile(x, s, NUMERIC, ["debtor_kind"])
    today = x.copy()
    today["debtor_kind"] = "partnership"
    report = drift_report(ref, today, s, Thresholds())
    assert report["psi_features"]["debtor_kind"] > 1


def test_psi_by_hand() -> None:
    assert psi_counts([50, 50], [50, 50]) == pytest.approx(0.0)
    expected = (0.8 - 0.5) * np.log(0.8 / 0.5) + (0.2 - 0.5) * np.log(0.2 / 0.5)
    assert psi_counts([50, 50], [80, 20]) == pytest.approx(expected)
    assert [stability_band(v) for v in (0.05, 0.2, 0.3)] == ["stable", "watch", "shift"]


def test_calibration_on_arrived_outcomes() -> None:
    rng = np.random.default_rng(5)
    p = rng.uniform(0.1, 0.6, 400)
    y = (rng.random(400) < p).astype(int)
    fine = outcome_calibration(p, y, Thresholds())
    assert abs(fine["gap"]) < 0.05 and fine["alerts"] == [] and fine["n"] == 400
    # the model promised 35 % on average, only 5 % paid: an alert with the gap
    y_bad = (rng.random(400) < 0.05).astype(int)
    bad = outcome_calibration(p, y_bad, Thresholds())
    assert bad["alerts"] == [{"kind": "calibration", "subject": "score", "value": bad["gap"]}]
    assert bad["gap"] < -0.2
    # too few outcomes yet: reported, not judged
    few = outcome_calibration(p[:10], y_bad[:10], Thresholds(min_outcomes=30))
    assert few["n"] == 10 and few["alerts"] == []
    assert outcome_calibration(np.array([]), np.array([]), Thresholds())["n"] == 0


def test_thresholds_from_settings_mapping() -> None:
    t = Thresholds.from_mapping({"psi_score": "0.3", "min_outcomes": 5})
    assert (t.psi_score, t.psi_feature, t.min_outcomes) == (0.3, 0.25, 5)
