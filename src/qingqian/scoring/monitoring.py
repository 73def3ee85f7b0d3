"""Model monitoring (模型监控): population stability and calibration as outcomes arrive.

Pure: no Django, no clock. :func:`reference_profile` records, at training, how the score and
every feature were distributed over the training window (decile edges and counts for numbers,
counts per level for categories; missing values are a bin of their own) — it goes into the
model card. :func:`drift_report` compares today's open cases with that reference:

* PSI (population stability index) of the score and of each feature: Σ (a − e)·ln(a / e)
  over the reference's bins, shares floored at 0.0001. Usual reading: < 0.1 stable,
  0.1–0.25 watch, > 0.25 shifted.
* Calibration on outcomes as they arrive (:func:`outcome_calibration`): for cases scored at
  least ``target_days`` ago, the mean predicted probability against the observed rate, the
  Brier score, AUC and the calibration-in-the-large gap (observed − predicted).

Alerts (:class:`Thresholds`, set per deployment) name what crossed which line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from qingqian.scoring.fairness import rank_auc

FloatArray = npt.NDArray[np.float64]
_MISSING = "(missing)"
_EPS = 1e-4


@dataclass(frozen=True)
class Thresholds:
    """When monitoring raises an alert (settings: ``QINGQIAN_SCORING_DRIFT``)."""

    psi_score: float = 0.25
    psi_feature: float = 0.25
    #: |observed − predicted| rate on matured outcomes
    calibration_gap: float = 0.10
    #: outcomes needed before calibration is judged at all
    min_outcomes: int = 30

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> Thresholds:
        data = dict(data or {})
        return cls(
            psi_score=float(data.get("psi_score", cls.psi_score)),
            psi_feature=float(data.get("psi_feature", cls.psi_feature)),
            calibration_gap=float(data.get("calibration_gap", cls.calibration_gap)),
            min_outcomes=int(data.get("min_outcomes", cls.min_outcomes)),
        )


def _numeric_profile(values: FloatArray, bins: int = 10) -> dict[str, Any]:
    finite = values[~np.isnan(values)]
    edges = (
        [float(e) for e in np.unique(np.quantile(finite, np.linspace(0, 1, bins + 1)))[1:-1]]
        if finite.size
        else []
    )
    return {"kind": "numeric", "edges": edges, "counts": _numeric_counts(values, edges)}


def _numeric_counts(values: FloatArray, edges: Sequence[float]) -> list[int]:
    """Counts per bin (right-closed at the edges, as ``searchsorted(side="right")``) plus the
    missing values last."""
    missing = np.isnan(values)
    idx = np.searchsorted(np.asarray(edges, dtype=np.float64), values[~missing], side="right")
    counts = np.bincount(idx, minlength=len(edges) + 1).tolist()
    return [int(c) for c in counts] + [int(missing.sum())]


def _level(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _MISSING
    return str(value)


def _categorical_counts(values: Sequence[Any], levels: Sequence[str]) -> list[int]:
    """Counts per reference level, then one bin for every level the reference never saw."""
    index = {level: i for i, level in enumerate(levels)}
    counts = [0] * (len(levels) + 1)
    for v in values:
        counts[index.get(_level(v), len(levels))] += 1
    return counts


def reference_profile(
    x: pd.DataFrame,
    scores: FloatArray,
    numeric: Sequence[str],
    categorical: Sequence[str],
) -> dict[str, Any]:
    """The training window's distributions: the score (probability) and every feature."""
    features: dict[str, Any] = {}
    for name in numeric:
        features[name] = _numeric_profile(x[name].to_numpy(dtype=np.float64))
    for name in categorical:
        levels = sorted({_level(v) for v in x[name]})
        features[name] = {
            "kind": "categorical",
            "levels": levels,
            "counts": _categorical_counts(list(x[name]), levels),
        }
    return {
        "rows": len(x),
        "score": _numeric_profile(np.asarray(scores, dtype=np.float64)),
        "mean_score": round(float(np.mean(scores)), 4) if len(scores) else None,
        "features": features,
    }


def psi_counts(expected: Sequence[int], actual: Sequence[int]) -> float:
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    ep = np.maximum(e / max(e.sum(), 1.0), _EPS)
    ap = np.maximum(a / max(a.sum(), 1.0), _EPS)
    return float(np.sum((ap - ep) * np.log(ap / ep)))


def stability_band(value: float) -> str:
    return "stable" if value < 0.1 else "watch" if value <= 0.25 else "shift"


def drift_report(
    reference: Mapping[str, Any],
    x_today: pd.DataFrame,
    scores_today: FloatArray,
    thresholds: Thresholds,
) -> dict[str, Any]:
    """PSI of the score and of each feature between the reference and today's population."""
    score_ref = reference["score"]
    score_psi = psi_counts(
        score_ref["counts"],
        _numeric_counts(np.asarray(scores_today, dtype=np.float64), score_ref["edges"]),
    )
    features: dict[str, float] = {}
    for name, prof in reference.get("features", {}).items():
        if name not in x_today:
            continue
        if prof["kind"] == "numeric":
            today = _numeric_counts(
                pd.to_numeric(x_today[name], errors="coerce").to_numpy(dtype=np.float64),
                prof["edges"],
            )
        else:
            today = _categorical_counts(list(x_today[name]), prof["levels"])
            ref_counts = [*prof["counts"], 0] if len(prof["counts"]) == len(today) - 1 else None
            features[name] = round(psi_counts(ref_counts or prof["counts"], today), 4)
            continue
        features[name] = round(psi_counts(prof["counts"], today), 4)
    alerts = []
    if score_psi > thresholds.psi_score:
        alerts.append({"kind": "psi_score", "subject": "score", "value": round(score_psi, 4)})
    for name, value in sorted(features.items(), key=lambda kv: -kv[1]):
        if value > thresholds.psi_feature:
            alerts.append({"kind": "psi_feature", "subject": name, "value": value})
    return {
        "rows": len(x_today),
        "psi_score": round(score_psi, 4),
        "psi_band": stability_band(score_psi),
        "mean_score": round(float(np.mean(scores_today)), 4) if len(scores_today) else None,
        "reference_mean_score": reference.get("mean_score"),
        "psi_features": features,
        "max_feature": _largest(features),
        "alerts": alerts,
    }


def _largest(features: Mapping[str, float]) -> dict[str, Any] | None:
    if not features:
        return None
    name = max(features, key=lambda k: features[k])
    return {"feature": name, "value": features[name]}


def outcome_calibration(
    predicted: FloatArray, observed: npt.NDArray[Any], thresholds: Thresholds
) -> dict[str, Any]:
    """Calibration of matured predictions against their outcomes (0/1)."""
    p = np.asarray(predicted, dtype=np.float64)
    y = np.asarray(observed, dtype=np.float64)
    n = len(p)
    if n == 0:
        return {"n": 0, "alerts": []}
    mean_p, rate = float(p.mean()), float(y.mean())
    auc = rank_auc(y.astype(np.int64), p)
    out: dict[str, Any] = {
        "n": n,
        "mean_predicted": round(mean_p, 4),
        "observed_rate": round(rate, 4),
        "gap": round(rate - mean_p, 4),
        "brier": round(float(np.mean((p - y) ** 2)), 4),
        "auc": None if auc is None else round(auc, 4),
        "alerts": [],
    }
    if n >= thresholds.min_outcomes and abs(rate - mean_p) > thresholds.calibration_gap:
        out["alerts"].append(
            {"kind": "calibration", "subject": "score", "value": round(rate - mean_p, 4)}
        )
    return out
