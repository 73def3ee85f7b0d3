"""Benchmark of the debt-radar scoring kernel (no database).

Measures, in one run:

* batch scoring throughput of the expert scorecard on 1,000,000 synthetic cases (numpy
  columns, points and top-three reasons), target ≥ 50,000 cases/s;
* batch scoring throughput of a trained WOE/logistic scorecard (from its JSON artefact) and
  of the calibrated LightGBM challenger on the same number of synthetic closed-case rows;
* training time (optbinning WOE + logistic regression, LightGBM challenger, reports, model
  card) on 100,000 synthetic closed cases, target ≤ 2 minutes;
* peak resident memory (``ru_maxrss``), target < 2 GB.

Run: ``.venv/bin/python benchmarks/scoring.py [--cases N] [--train N]``
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from qingqian.scoring.pipeline import Config, load_artefact, train
from qingqian.scoring.scorecard import score_columns
from qingqian.scoring.synthetic import DATE_COLUMN, TARGET, card_columns, closed_cases


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--train", type=int, default=100_000)
    args = parser.parse_args()

    cols = card_columns(args.cases, seed=1)
    t = time.perf_counter()
    result = score_columns(cols)
    card_s = time.perf_counter() - t
    print(
        f"expert card: {args.cases:,} cases in {card_s:.2f} s = {args.cases / card_s:,.0f} cases/s "
        f"(mean score {result.scores.mean():.1f}, share ≥ 60: {(result.scores >= 60).mean():.3f})"
    )
    # peer: the same kernel called once per case (a per-row Python loop), on a sample
    sample = min(args.cases, 20_000)
    one_rows = card_columns(sample, seed=1)
    t = time.perf_counter()
    for i in range(sample):
        score_columns({k: v[i : i + 1] for k, v in one_rows.items()})
    loop_s = time.perf_counter() - t
    speedup = (args.cases / card_s) / (sample / loop_s)
    print(
        f"peer, per-row loop over the same card: {sample:,} cases in {loop_s:.2f} s = "
        f"{sample / loop_s:,.0f} cases/s; vectorised is {speedup:.0f}x"
    )
    del cols, result, one_rows

    frame = closed_cases(args.train, seed=2)
    t = time.perf_counter()
    artefact = train(frame, Config(target=TARGET, date_column=DATE_COLUMN))
    train_s = time.perf_counter() - t
    sc = artefact.card["models"]["scorecard"]["holdout"]
    ch = artefact.card["models"]["challenger"]["holdout"]
    print(
        f"training on {args.train:,} closed cases: {train_s:.1f} s "
        f"(held-out AUC scorecard {sc['auc']}, LightGBM {ch['auc']}; version {artefact.version})"
    )

    # peer: scikit-learn LogisticRegression on one-hot categoricals + standardised numerics
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    x = frame.drop(columns=[TARGET, DATE_COLUMN])
    import pandas as pd

    cats = [
        c
        for c in x.columns
        if not pd.api.types.is_numeric_dtype(x[c]) or pd.api.types.is_bool_dtype(x[c])
    ]
    nums = [c for c in x.columns if c not in cats]
    peer = make_pipeline(
        ColumnTransformer(
            [
                ("cat", OneHotEncoder(handle_unknown="ignore"), cats),
                ("num", StandardScaler(), nums),
            ]
        ),
        LogisticRegression(max_iter=2000),
    )
    t = time.perf_counter()
    peer.fit(x.fillna(dict.fromkeys(nums, 0)), frame[TARGET])
    peer_s = time.perf_counter() - t
    print(
        f"peer, scikit-learn one-hot LogisticRegression fit on {args.train:,}: {peer_s:.1f} s "
        f"(no binning, reports, challenger or card; the radar pipeline is {train_s / peer_s:.0f}x)"
    )

    loaded = load_artefact(artefact.files())
    big = closed_cases(args.cases, seed=3)
    t = time.perf_counter()
    p = loaded.scorecard.predict(big)
    woe_s = time.perf_counter() - t
    print(
        f"WOE/logistic scorecard: {args.cases:,} rows in {woe_s:.2f} s = "
        f"{args.cases / woe_s:,.0f} cases/s (mean p {p.mean():.3f})"
    )
    assert loaded.challenger is not None
    t = time.perf_counter()
    q = loaded.challenger.predict(big)
    gbm_s = time.perf_counter() - t
    print(
        f"LightGBM challenger: {args.cases:,} rows in {gbm_s:.2f} s = "
        f"{args.cases / gbm_s:,.0f} cases/s (mean p {q.mean():.3f})"
    )
    print(f"peak memory (ru_maxrss): {peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
