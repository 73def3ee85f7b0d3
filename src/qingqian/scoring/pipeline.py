"""The learning pipeline (评分模型训练): WOE/logistic scorecard plus a LightGBM challenger.

Pure: the caller reads the CSV and writes the files; this module takes a ``pandas.DataFrame``
and returns numbers and bytes. No clock: a model's version comes from its data window and
a digest of its content.

* **Champion — WOE + logistic regression** (the "C card", 催收评分卡). optbinning's
  ``BinningProcess`` finds monotone optimal bins per column; the fitted bins, their WOE and
  the regression coefficients are exported to plain JSON (:class:`WoeLogit`), which scores
  vectorised with ``numpy.searchsorted`` and needs neither optbinning nor pickle to load.
  A category never seen in training and a missing value take WOE 0 (the population's log
  odds: no evidence either way).
* **Challenger — LightGBM, calibrated** (:class:`CalibratedBooster`). The booster is fitted
  on the earlier 80 % of the training window and calibrated on the later 20 % (isotonic with
  1,000 or more calibration rows, Platt's sigmoid below that); stored as LightGBM's text
  model plus the calibration map.
* **Reports**: AUC, KS, Brier score, expected calibration error (10 equal-width bins), a
  decile calibration table, information value per column (from the bins) and the
  population stability index of the score and of every column's bins between the training
  and the held-out window (toad's conventions: PSI < 0.1 stable, 0.1–0.25 watch, > 0.25 shift).
* **Evaluation** (:func:`evaluate`): stratified k-fold cross-validation on any table with a
  binary target; figures are the mean over folds, the fairness audit uses the pooled
  out-of-fold scores.
* **Training** (:func:`train`): a time-based split — the latest ``holdout_share`` of rows by
  the date column is held out (out-of-time validation); both models are fitted on the earlier
  window and judged on the held-out one. :func:`train` refuses to promote a model whose
  held-out AUC is below the current model's AUC on the *same* held-out rows.
* **Lawful features only**: columns whose names look like protected attributes or contacts'
  data (:func:`qingqian.scoring.features.is_forbidden_column`) are refused as features; an
  auditor names them as audit columns instead, and they go into the fairness report only.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from qingqian.scoring.baseline import RawLogit, fit_raw_logit
from qingqian.scoring.errors import fail
from qingqian.scoring.fairness import group_report, rank_auc
from qingqian.scoring.features import is_forbidden_column

PIPELINE_VERSION = "pipeline-2"
#: The candidates :func:`evaluate` and :func:`train` choose among, in tie-break order.
CANDIDATES = ("scorecard", "logistic", "challenger")
#: Registry kinds and version prefixes per candidate.
CANDIDATE_KINDS = {"scorecard": "woe-lr", "logistic": "logit", "challenger": "lgbm"}
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_TRUE_WORDS = ("1", "yes", "true", "y", "t")
#: optbinning pre-binning for numeric columns: up to 50 pre-bins of at least 2 % of the rows
#: (finer than the default 5 %: measured +0.003 AUC on ISLR Default at twice the fit time;
#: 0.5 % took 30 times as long for +0.001).
NUMERIC_BINNING: dict[str, Any] = {"min_prebin_size": 0.02}


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Config:
    target: str
    positive: str | None = None
    date_column: str | None = None
    audit_columns: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    folds: int = 5
    holdout_share: float = 0.2
    seed: int = 0
    #: work threshold on the 0–100 scale (share of cases at or above it = approval-like rate)
    threshold: int = 60
    challenger: bool = True
    lgbm_estimators: int = 300
    lgbm_learning_rate: float = 0.03
    #: the model a trained artefact scores with: "auto" (chosen by evidence, see
    #: :func:`select`), "scorecard", "logistic" or "challenger"
    primary: str = "auto"
    #: known directions: (column, +1) when more of it makes the positive class likelier,
    #: (column, −1) when less; every candidate is held monotone in those columns
    monotone: tuple[tuple[str, int], ...] = ()
    #: a new model must reach the current model's held-out AUC plus this to be promoted
    min_gain: float = 0.0

    def check(self) -> None:
        if self.folds < 2 or self.folds > 20:
            raise fail(
                "folds_out_of_range",
                f"交叉验证折数须在 2 到 20 之间：{self.folds}",
                f"The number of folds must be between 2 and 20: {self.folds}",
                folds=self.folds,
            )
        if not 0.05 <= self.holdout_share <= 0.5:
            raise fail(
                "holdout_share_out_of_range",
                f"留出比例须在 0.05 到 0.5 之间：{self.holdout_share}",
                f"The held-out share must be between 0.05 and 0.5: {self.holdout_share}",
                holdout_share=self.holdout_share,
            )
        if not 0 <= self.threshold <= 100:
            raise fail(
                "threshold_out_of_range",
                f"阈值须在 0 到 100 之间：{self.threshold}",
                f"The threshold must be between 0 and 100: {self.threshold}",
                threshold=self.threshold,
            )
        if self.primary not in ("auto", *CANDIDATES):
            raise fail(
                "primary_unknown",
                f"主模型只能是 auto、scorecard、logistic 或 challenger：{self.primary}",
                f"The primary model must be auto, scorecard, logistic or challenger: "
                f"{self.primary}",
                primary=self.primary,
            )
        for name, direction in self.monotone:
            if direction not in (-1, 1):
                raise fail(
                    "monotone_direction",
                    f"单调方向只能是 +1 或 -1：{name}={direction}",
                    f"A monotone direction must be +1 or -1: {name}={direction}",
                    column=name,
                )
        if self.primary == "challenger" and not self.challenger:
            raise fail(
                "primary_without_challenger",
                "主模型为 challenger 时不能关闭 challenger。",
                "The challenger cannot be switched off when it is the primary model.",
            )

    def as_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["audit_columns"] = list(self.audit_columns)
        out["exclude"] = list(self.exclude)
        out["monotone"] = [[name, d] for name, d in self.monotone]
        return out

    def directions(self) -> dict[str, int]:
        return dict(self.monotone)


@dataclass
class Prepared:
    x: pd.DataFrame
    y: IntArray
    numeric: list[str]
    categorical: list[str]
    dates: pd.Series | None
    audit: dict[str, npt.NDArray[Any]]
    positive: str
    data_digest: str


def _positive_label(values: pd.Series, positive: str | None, target: str) -> str:
    labels = sorted({str(v) for v in values.dropna().unique()})
    if len(labels) != 2:
        raise fail(
            "target_not_binary",
            f"目标列 {target} 须恰有两个取值，实有 {len(labels)} 个。",
            f"The target column {target} must have exactly two values; it has {len(labels)}.",
            target=target,
            values=",".join(labels[:10]),
        )
    if positive is not None:
        if positive not in labels:
            raise fail(
                "positive_not_found",
                f"目标列 {target} 中没有取值 {positive!r}（实有 {', '.join(labels)}）。",
                f"The target column {target} has no value {positive!r} ({', '.join(labels)}).",
                target=target,
                positive=positive,
                values=",".join(labels),
            )
        return positive
    for word in _TRUE_WORDS:
        for label in labels:
            if label.lower() in (word, f"{word}.0"):
                return label
    raise fail(
        "positive_ambiguous",
        f"请用 --positive 指定目标列 {target} 的正类（{', '.join(labels)}）。",
        f"Name the positive class of {target} with --positive ({', '.join(labels)}).",
        target=target,
        values=",".join(labels),
    )


def prepare(frame: pd.DataFrame, config: Config) -> Prepared:
    """Split a table into features, target, dates and audit columns, refusing what is unlawful."""
    config.check()
    named = [config.target, *config.audit_columns, *config.exclude]
    if config.date_column:
        named.append(config.date_column)
    missing = [c for c in named if c not in frame.columns]
    if missing:
        raise fail(
            "column_missing",
            f"表中没有这些列：{', '.join(missing)}",
            f"The table has no column(s): {', '.join(missing)}",
            missing=",".join(missing),
        )
    if frame[config.target].isna().any():
        raise fail(
            "target_missing_values",
            f"目标列 {config.target} 有空值。",
            f"The target column {config.target} has missing values.",
            target=config.target,
            rows=int(frame[config.target].isna().sum()),
        )
    positive = _positive_label(frame[config.target], config.positive, config.target)
    y = (frame[config.target].astype(str) == positive).to_numpy().astype(np.int64)
    skip = set(named)
    features = [c for c in frame.columns if c not in skip]
    forbidden = [c for c in features if is_forbidden_column(str(c))]
    if forbidden:
        raise fail(
            "protected_feature",
            f"这些列疑似受保护属性或联系人数据，不得作为特征：{', '.join(forbidden)}"
            "（可用 --audit 作为审计列，或用 --exclude 排除）。",
            f"These columns look like protected attributes or contacts' data and may not be "
            f"features: {', '.join(forbidden)} (name them with --audit or --exclude).",
            columns=",".join(forbidden),
        )
    # A column with no values or a single value carries no information (e.g. "days since the
    # last payment" as at acceptance, when nobody has paid yet); binning cannot fit it.
    features = [c for c in features if frame[c].nunique(dropna=True) > 1]
    if not features:
        raise fail("no_features", "没有可用的特征列。", "No feature columns are left.")
    minority = int(min(y.sum(), y.size - y.sum()))
    if y.size < 50 or minority < max(10, config.folds * 2):
        raise fail(
            "too_few_rows",
            f"数据过少：{y.size} 行，少数类 {minority} 行。",
            f"Too little data: {y.size} rows, {minority} in the smaller class.",
            rows=y.size,
            minority=minority,
        )
    x = frame[features].copy()
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(x[c])]
    numeric = [c for c in numeric if not pd.api.types.is_bool_dtype(x[c])]
    categorical = [c for c in features if c not in numeric]
    for c in numeric:
        x[c] = x[c].astype(np.float64)
    for c in categorical:
        x[c] = x[c].map(lambda v: None if _is_nan(v) else str(v)).astype(object)
    dates = None
    if config.date_column:
        dates = pd.to_datetime(frame[config.date_column], errors="coerce")
        if dates.isna().any():
            raise fail(
                "date_unreadable",
                f"日期列 {config.date_column} 有无法识别的日期。",
                f"The date column {config.date_column} has unreadable dates.",
                column=config.date_column,
                rows=int(dates.isna().sum()),
            )
    audit = {c: frame[c].to_numpy() for c in config.audit_columns}
    digest = hashlib.sha256(
        pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
    ).hexdigest()
    return Prepared(x, y, numeric, categorical, dates, audit, positive, digest)


def _is_nan(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# --------------------------------------------------------------------------- metrics


def ks_statistic(y: npt.NDArray[Any], p: npt.NDArray[Any]) -> float:
    """Kolmogorov–Smirnov: the largest gap between the positives' and negatives' score CDFs."""
    y = np.asarray(y).astype(bool)
    order = np.argsort(-np.asarray(p), kind="mergesort")
    ps = np.asarray(p)[order]
    ys = y[order]
    tp = np.cumsum(ys) / max(ys.sum(), 1)
    fp = np.cumsum(~ys) / max((~ys).sum(), 1)
    last = np.r_[ps[1:] != ps[:-1], True]  # evaluate only at the end of tied runs
    return float(np.max(np.abs(tp[last] - fp[last]))) if ps.size else 0.0


def brier(y: npt.NDArray[Any], p: npt.NDArray[Any]) -> float:
    return float(np.mean((np.asarray(p, dtype=np.float64) - np.asarray(y)) ** 2))


def calibration_table(
    y: npt.NDArray[Any], p: npt.NDArray[Any], bins: int = 10
) -> list[dict[str, Any]]:
    """Equal-width probability bins: count, mean predicted, observed rate."""
    p = np.asarray(p, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    idx = np.minimum((p * bins).astype(np.int64), bins - 1)
    out = []
    for b in range(bins):
        mask = idx == b
        if not mask.any():
            continue
        out.append(
            {
                "bin": f"{b / bins:.1f}-{(b + 1) / bins:.1f}",
                "n": int(mask.sum()),
                "mean_predicted": round(float(p[mask].mean()), 4),
                "observed": round(float(y[mask].mean()), 4),
            }
        )
    return out


def ece(y: npt.NDArray[Any], p: npt.NDArray[Any], bins: int = 10) -> float:
    """Expected calibration error: the count-weighted mean |predicted − observed| over bins."""
    n = len(p)
    table = calibration_table(y, p, bins)
    return float(sum(r["n"] * abs(r["mean_predicted"] - r["observed"]) for r in table) / n)


def psi(expected: npt.NDArray[Any], actual: npt.NDArray[Any], bins: int = 10) -> float:
    """Population stability index of a continuous score (deciles of ``expected``)."""
    edges = np.unique(
        np.quantile(np.asarray(expected, dtype=np.float64), np.linspace(0, 1, bins + 1))
    )
    if edges.size < 3:
        return 0.0
    inner = edges[1:-1]
    e = np.bincount(np.searchsorted(inner, expected, side="right"), minlength=inner.size + 1)
    a = np.bincount(np.searchsorted(inner, actual, side="right"), minlength=inner.size + 1)
    return _psi_counts(e, a)


def _psi_counts(e: npt.NDArray[Any], a: npt.NDArray[Any]) -> float:
    eps = 1e-4
    ep = np.maximum(e / max(e.sum(), 1), eps)
    ap = np.maximum(a / max(a.sum(), 1), eps)
    return float(np.sum((ap - ep) * np.log(ap / ep)))


def metrics(y: npt.NDArray[Any], p: npt.NDArray[Any]) -> dict[str, Any]:
    auc = rank_auc(y, p)
    return {
        "auc": None if auc is None else round(auc, 4),
        "ks": round(ks_statistic(y, p), 4),
        "brier": round(brier(y, p), 4),
        "ece": round(ece(y, p), 4),
        "n": len(y),
        "positive_rate": round(float(np.mean(y)), 4),
    }


# --------------------------------------------------------------------------- champion


@dataclass
class WoeVariable:
    name: str
    kind: str  # "numerical" | "categorical"
    splits: list[float]  # numerical: bin edges
    groups: list[list[str]]  # categorical: categories per bin
    woe: list[float]  # one per bin
    missing_woe: float
    coef: float
    iv: float
    labels: list[str]
    _lookup: dict[str, int] = field(default_factory=dict, repr=False)

    def bin_index(self, column: pd.Series) -> IntArray:
        """Bin per value; −1 for missing, −2 for an unseen category."""
        if self.kind == "numerical":
            v = column.to_numpy(dtype=np.float64)
            idx: IntArray = np.searchsorted(np.asarray(self.splits), v, side="right").astype(
                np.int64
            )
            idx[np.isnan(v)] = -1
            return idx
        if not self._lookup:
            self._lookup = {c: i for i, g in enumerate(self.groups) for c in g}
        missing = column.isna().to_numpy()
        mapped = column.astype(str).map(self._lookup).to_numpy(dtype=np.float64, na_value=-2.0)
        out: IntArray = np.where(missing, -1, mapped).astype(np.int64)
        return out

    def woe_of(self, idx: IntArray) -> FloatArray:
        table = np.r_[np.asarray(self.woe, dtype=np.float64), 0.0, self.missing_woe]
        # index −2 (unseen) → the 0.0 slot, −1 (missing) → missing_woe
        out: FloatArray = table[
            np.where(idx == -1, len(self.woe) + 1, np.where(idx == -2, len(self.woe), idx))
        ]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "splits": self.splits,
            "groups": self.groups,
            "woe": self.woe,
            "missing_woe": self.missing_woe,
            "coef": self.coef,
            "iv": self.iv,
            "labels": self.labels,
        }


@dataclass
class WoeLogit:
    """A fitted WOE/logistic scorecard as plain data."""

    variables: list[WoeVariable]
    intercept: float

    def logit(self, x: pd.DataFrame) -> FloatArray:
        z = np.full(len(x), self.intercept, dtype=np.float64)
        for v in self.variables:
            z += v.coef * v.woe_of(v.bin_index(x[v.name]))
        return z

    def predict(self, x: pd.DataFrame) -> FloatArray:
        result: FloatArray = 1.0 / (1.0 + np.exp(-self.logit(x)))
        return result

    def contributions(self, x: pd.DataFrame) -> tuple[FloatArray, IntArray]:
        """Per-variable logit contributions (n, k) and the bins they came from."""
        idx = np.stack([v.bin_index(x[v.name]) for v in self.variables], axis=1)
        contrib = np.stack(
            [v.coef * v.woe_of(idx[:, j]) for j, v in enumerate(self.variables)], axis=1
        )
        return contrib, idx

    def points_table(
        self, pdo: float = 20.0, base: float = 600.0, base_odds: float = 1.0
    ) -> list[dict[str, Any]]:
        """Classic scorecard points: score = offset + factor·ln(odds of paying)."""
        factor = pdo / math.log(2)
        offset = base - factor * math.log(base_odds)
        k = len(self.variables) or 1
        rows = []
        for v in self.variables:
            for label, w in [*zip(v.labels, v.woe, strict=True), ("(missing)", v.missing_woe)]:
                pts = offset / k + factor * (v.coef * w + self.intercept / k)
                rows.append(
                    {"variable": v.name, "bin": label, "woe": round(w, 4), "points": round(pts)}
                )
        return rows

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": "woe_logistic",
            "intercept": self.intercept,
            "variables": [v.as_dict() for v in self.variables],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WoeLogit:
        return cls(
            variables=[WoeVariable(**v) for v in data["variables"]],
            intercept=float(data["intercept"]),
        )


def fit_woe_logit(
    x: pd.DataFrame,
    y: IntArray,
    numeric: Sequence[str],
    categorical: Sequence[str],
    monotone: Mapping[str, int] | None = None,
) -> WoeLogit:
    """Fit optbinning's bins, then a logistic regression on the WOE-transformed columns.

    A numeric column with a known direction gets bins whose positive rate rises
    (``ascending``) or falls (``descending``) with the value."""
    from optbinning import BinningProcess
    from sklearn.linear_model import LogisticRegression

    directions = dict(monotone or {})
    names = [*numeric, *categorical]
    params: dict[str, dict[str, Any]] = {}
    for name in numeric:
        params[name] = dict(NUMERIC_BINNING)
        if directions.get(name):
            params[name]["monotonic_trend"] = "ascending" if directions[name] > 0 else "descending"
    process = BinningProcess(
        names,
        categorical_variables=list(categorical) or None,
        binning_fit_params=params or None,
    )
    with warnings.catch_warnings():
        # optbinning 1.0 writes its "Totals" row in a way pandas 3 flags; harmless here
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        process.fit(x[names], y)
        tables = {name: process.get_binned_variable(name).binning_table.build() for name in names}
    variables = []
    for name in names:
        ob = process.get_binned_variable(name)
        table = tables[name]
        n_bins = len(table) - 3  # minus Special, Missing, Totals
        woe = [float(table["WoE"].iloc[i]) for i in range(n_bins)]
        missing_woe = float(table["WoE"].iloc[n_bins + 1])  # rows: bins, Special, Missing
        labels = [str(table["Bin"].iloc[i]) for i in range(n_bins)]
        if ob.dtype == "categorical":
            groups = [[str(c) for c in g] for g in ob.splits]
            splits: list[float] = []
        else:
            groups = []
            splits = [float(s) for s in ob.splits]
        variables.append(
            WoeVariable(
                name=name,
                kind=str(ob.dtype),
                splits=splits,
                groups=groups,
                woe=woe,
                missing_woe=missing_woe,
                coef=0.0,
                iv=round(float(table["IV"].iloc[-1]), 6),
                labels=labels,
            )
        )
    model = WoeLogit(variables=variables, intercept=0.0)
    w = np.stack([v.woe_of(v.bin_index(x[v.name])) for v in variables], axis=1)
    lr = LogisticRegression(C=1.0, max_iter=2000)
    lr.fit(w, y)
    for v, c in zip(variables, lr.coef_[0], strict=True):
        v.coef = float(c)
    model.intercept = float(lr.intercept_[0])
    return model


# --------------------------------------------------------------------------- challenger


@dataclass
class CalibratedBooster:
    """A LightGBM booster (text model) with an isotonic or sigmoid calibration map."""

    model_text: str
    features: list[str]
    categories: dict[str, list[str]]
    calibration: dict[str, Any]
    _booster: Any = field(default=None, repr=False)

    def matrix(self, x: pd.DataFrame) -> FloatArray:
        cols = []
        for name in self.features:
            if name in self.categories:
                lookup = {c: i for i, c in enumerate(self.categories[name])}
                cols.append(
                    np.array(
                        [np.nan if _is_nan(v) else lookup.get(str(v), np.nan) for v in x[name]],
                        dtype=np.float64,
                    )
                )
            else:
                cols.append(x[name].to_numpy(dtype=np.float64))
        return np.stack(cols, axis=1)

    def raw(self, x: pd.DataFrame) -> FloatArray:
        if self._booster is None:
            import lightgbm as lgb

            self._booster = lgb.Booster(model_str=self.model_text)
        result: FloatArray = np.asarray(self._booster.predict(self.matrix(x)), dtype=np.float64)
        return result

    def predict(self, x: pd.DataFrame) -> FloatArray:
        return apply_calibration(self.calibration, self.raw(x))

    def contributions(self, x: pd.DataFrame) -> tuple[list[str], FloatArray]:
        """Per feature, its SHAP contribution to the booster's log-odds (LightGBM's own)."""
        if self._booster is None:
            import lightgbm as lgb

            self._booster = lgb.Booster(model_str=self.model_text)
        contrib = np.asarray(self._booster.predict(self.matrix(x), pred_contrib=True))
        return list(self.features), contrib[:, : len(self.features)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": "lightgbm_calibrated",
            "model_text": self.model_text,
            "features": self.features,
            "categories": self.categories,
            "calibration": self.calibration,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CalibratedBooster:
        return cls(
            model_text=data["model_text"],
            features=list(data["features"]),
            categories={k: list(v) for k, v in data["categories"].items()},
            calibration=dict(data["calibration"]),
        )


def apply_calibration(cal: Mapping[str, Any], raw: FloatArray) -> FloatArray:
    if cal["method"] == "isotonic":
        out: FloatArray = np.interp(raw, np.asarray(cal["x"]), np.asarray(cal["y"]))
        return out
    z = cal["a"] * _logit(raw) + cal["b"]
    result: FloatArray = 1.0 / (1.0 + np.exp(-z))
    return result


def _logit(p: FloatArray) -> FloatArray:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    result: FloatArray = np.log(q / (1 - q))
    return result


def fit_challenger(
    x: pd.DataFrame,
    y: IntArray,
    numeric: Sequence[str],
    categorical: Sequence[str],
    *,
    config: Config,
    order: npt.NDArray[Any] | None = None,
) -> CalibratedBooster:
    """Fit LightGBM on the first 80 % (in ``order``, e.g. by date) and calibrate on the rest."""
    import lightgbm as lgb
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import LogisticRegression

    features = [*numeric, *categorical]
    categories = {c: sorted({str(v) for v in x[c] if not _is_nan(v)}) for c in categorical}
    shell = CalibratedBooster("", features, categories, {"method": "sigmoid", "a": 1.0, "b": 0.0})
    m = shell.matrix(x)
    if order is None:
        order = np.random.default_rng(config.seed).permutation(len(y))
    cut = int(len(order) * 0.8)
    fit_rows, cal_rows = order[:cut], order[cut:]
    params = {
        "objective": "binary",
        "learning_rate": config.lgbm_learning_rate,
        "num_leaves": 7,
        "min_data_in_leaf": 40,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
        "seed": config.seed,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": 1,
        "verbose": -1,
    }
    directions = config.directions()
    if any(directions.get(c) for c in numeric):
        params["monotone_constraints"] = [
            0 if c in categories else directions.get(c, 0) for c in features
        ]
    cat_idx = [features.index(c) for c in categorical]
    data = lgb.Dataset(
        m[fit_rows], label=y[fit_rows], categorical_feature=cat_idx or "auto", free_raw_data=False
    )
    booster = lgb.train(params, data, num_boost_round=config.lgbm_estimators)
    raw = np.asarray(booster.predict(m[cal_rows]), dtype=np.float64)
    yc = y[cal_rows]
    calibration: dict[str, Any]
    if len(cal_rows) >= 1000 and 0 < yc.sum() < len(yc):
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, yc)
        calibration = {
            "method": "isotonic",
            "x": [float(v) for v in iso.X_thresholds_],
            "y": [float(v) for v in iso.y_thresholds_],
        }
    else:
        lr = LogisticRegression(C=1e6, max_iter=1000).fit(_logit(raw).reshape(-1, 1), yc)
        calibration = {
            "method": "sigmoid",
            "a": float(lr.coef_[0][0]),
            "b": float(lr.intercept_[0]),
        }
    return CalibratedBooster(booster.model_to_string(), features, categories, calibration, booster)


# --------------------------------------------------------------------------- evaluation


def _fairness(
    prepared: Prepared, scores: FloatArray, threshold: int, rows: npt.NDArray[Any] | None = None
) -> dict[str, Any]:
    out = {}
    for column, values in prepared.audit.items():
        groups = values if rows is None else values[rows]
        ys = prepared.y if rows is None else prepared.y[rows]
        out[column] = group_report(
            column, groups, scores * 100.0, threshold=float(threshold), outcomes=ys
        ).as_dict()
    return out


def _mean(values: Sequence[float | None]) -> float | None:
    real = [v for v in values if v is not None]
    return round(float(np.mean(real)), 4) if real else None


def _summarise(folds: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {k: _mean([f[k] for f in folds]) for k in ("auc", "ks", "brier", "ece")}
    aucs = [f["auc"] for f in folds if f["auc"] is not None]
    out["auc_std"] = round(float(np.std(aucs)), 4) if aucs else None
    out["auc_folds"] = [f["auc"] for f in folds]
    return out


def model_version(kind: str, payload: Mapping[str, Any], window_end: str | None = None) -> str:
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    h = hashlib.sha256(body.encode()).hexdigest()[:12]
    return f"{kind}-{window_end}-{h}" if window_end else f"{kind}-{h}"


def calibration_slope(y: npt.NDArray[Any], p: npt.NDArray[Any]) -> tuple[float, float]:
    """Calibration slope and intercept: logistic regression of the outcome on logit(p).

    A well-calibrated model has slope 1 and intercept 0; a slope below 1 means the predictions
    are too extreme (over-fitting), above 1 too timid."""
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(y)
    if y.min() == y.max():
        return float("nan"), float("nan")
    z = _logit(np.asarray(p, dtype=np.float64)).reshape(-1, 1)
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(z, y)
    return float(lr.coef_[0][0]), float(lr.intercept_[0])


def _fit_candidate(
    name: str,
    x: pd.DataFrame,
    y: IntArray,
    prepared: Prepared,
    config: Config,
    order: npt.NDArray[Any] | None = None,
) -> WoeLogit | RawLogit | CalibratedBooster:
    num, cat = prepared.numeric, prepared.categorical
    if name == "scorecard":
        return fit_woe_logit(x, y, num, cat, config.directions())
    if name == "logistic":
        return fit_raw_logit(x, y, num, cat, config.directions())
    if name == "baseline":
        return fit_raw_logit(x, y, num, cat)
    return fit_challenger(x, y, num, cat, config=config, order=order)


def _constrains_logistic(prepared: Prepared, config: Config) -> bool:
    return any(config.directions().get(c) for c in prepared.numeric)


def paired_noise(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """Mean of the per-fold differences a − b and the noise around it: twice its standard
    error, 2·sd(a − b)/√k over k folds (a 95 % band for the mean difference, roughly)."""
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if d.size < 2:
        return float(d.mean()) if d.size else 0.0, 0.0
    return float(d.mean()), float(2.0 * d.std(ddof=1) / math.sqrt(d.size))


def select(
    fold_aucs: Mapping[str, Sequence[float]],
    briers: Mapping[str, float],
    baseline: str = "baseline",
) -> dict[str, Any]:
    """Pick a model by evidence (pure: numbers in, decision out).

    1. Eligible: every candidate whose mean per-fold AUC difference to the plain ``baseline``
       is not below minus its noise (:func:`paired_noise`) — a candidate the baseline beats by
       more than noise is never returned. The baseline itself is always eligible.
    2. Best: the eligible candidate with the highest mean out-of-fold AUC.
    3. Calibration: among the eligible candidates whose AUC is within noise of the best
       (paired over the same folds), the lowest Brier score wins (ties: ``CANDIDATES`` order,
       then the baseline).
    """
    rank = {name: i for i, name in enumerate([*CANDIDATES, baseline])}
    names = sorted(fold_aucs, key=lambda n: rank.get(n, len(rank)))
    vs_base: dict[str, dict[str, float | bool]] = {}
    eligible = []
    for name in names:
        diff, noise = paired_noise(fold_aucs[name], fold_aucs[baseline])
        ok = name == baseline or diff >= -noise
        vs_base[name] = {"diff": round(diff, 4), "noise": round(noise, 4), "eligible": ok}
        if ok:
            eligible.append(name)
    best = max(eligible, key=lambda n: (float(np.mean(fold_aucs[n])), -rank.get(n, 99)))
    close = []
    for name in eligible:
        diff, noise = paired_noise(fold_aucs[name], fold_aucs[best])
        if diff >= -noise:
            close.append(name)
    chosen = min(close, key=lambda n: (briers[n], rank.get(n, 99)))
    return {
        "selected": chosen,
        "best_auc": best,
        "within_noise_of_best": close,
        "vs_baseline": vs_base,
        "rule": (
            "eligible: mean paired fold AUC difference to the plain baseline >= -2*SE; "
            "then, among eligible candidates within 2*SE (paired) of the best mean AUC, "
            "the lowest Brier score"
        ),
    }


@dataclass
class CrossValidation:
    candidates: dict[str, dict[str, Any]]
    selection: dict[str, Any]
    oof: dict[str, FloatArray]

    @property
    def selected(self) -> str:
        return str(self.selection["selected"])


def cross_validate(prepared: Prepared, config: Config) -> CrossValidation:
    """Stratified k-fold (seeded) out-of-fold figures of every candidate and the baseline."""
    from sklearn.model_selection import StratifiedKFold

    x, y = prepared.x, prepared.y
    names = ["scorecard", "logistic", *(["challenger"] if config.challenger else [])]
    separate_baseline = _constrains_logistic(prepared, config)
    fitted = [*names, *(["baseline"] if separate_baseline else [])]
    folds = StratifiedKFold(n_splits=config.folds, shuffle=True, random_state=config.seed)
    per_fold: dict[str, list[dict[str, Any]]] = {n: [] for n in fitted}
    raw_auc: dict[str, list[float]] = {n: [] for n in fitted}
    oof = {n: np.zeros(len(y), dtype=np.float64) for n in fitted}
    for train_rows, test_rows in folds.split(np.zeros(len(y)), y):
        xt, xv = x.iloc[train_rows], x.iloc[test_rows]
        for name in fitted:
            model = _fit_candidate(name, xt, y[train_rows], prepared, config)
            p = model.predict(xv)
            oof[name][test_rows] = p
            per_fold[name].append(metrics(y[test_rows], p))
            raw_auc[name].append(rank_auc(y[test_rows], p) or 0.5)
    if not separate_baseline:
        per_fold["baseline"], raw_auc["baseline"] = per_fold["logistic"], raw_auc["logistic"]
        oof["baseline"] = oof["logistic"]
    summaries: dict[str, dict[str, Any]] = {}
    for name in [*names, "baseline"]:
        summary = _summarise(per_fold[name])
        briers = [f["brier"] for f in per_fold[name]]
        summary["brier_std"] = round(float(np.std(briers)), 4)
        slope, intercept = calibration_slope(y, oof[name])
        summary["calibration_slope"] = round(slope, 3)
        summary["calibration_intercept"] = round(intercept, 3)
        summary["oof_auc"] = round(rank_auc(y, oof[name]) or 0.5, 4)
        summaries[name] = summary
    selection = select(
        raw_auc, {n: float(np.mean([f["brier"] for f in per_fold[n]])) for n in raw_auc}
    )
    for name, s in summaries.items():
        s.update(selection["vs_baseline"][name])
        s["model"] = _CANDIDATE_MODELS.get(name, "raw_logistic")
    selection["baseline_is_logistic"] = not separate_baseline
    return CrossValidation(summaries, selection, oof)


_CANDIDATE_MODELS = {
    "scorecard": "woe_logistic",
    "logistic": "raw_logistic",
    "challenger": "lightgbm_calibrated",
    "baseline": "raw_logistic (plain)",
}


def evaluate(frame: pd.DataFrame, config: Config) -> dict[str, Any]:
    """Cross-validate every candidate, select one by evidence (:func:`select`), report all.

    ``auc`` (and ``ks``, ``brier``, ``ece``) are the selected model's; ``candidates`` holds
    each candidate's mean, spread and per-fold AUC with its calibration; ``baseline`` the plain
    logistic regression (one-hot, standardised, missing indicators, no constraints)."""
    prepared = prepare(frame, config)
    y = prepared.y
    cv = cross_validate(prepared, config)
    chosen = cv.selected
    if config.primary != "auto":
        chosen = config.primary
    oof = cv.oof[chosen]
    full = fit_woe_logit(prepared.x, y, prepared.numeric, prepared.categorical, config.directions())
    top = cv.candidates[chosen]
    result: dict[str, Any] = {
        **{k: top[k] for k in ("auc", "ks", "brier", "ece", "auc_std", "auc_folds")},
        "calibration_slope": top["calibration_slope"],
        "n": len(y),
        "positives": int(y.sum()),
        "positive": prepared.positive,
        "folds": config.folds,
        "model": _CANDIDATE_MODELS[chosen],
        "selected": chosen,
        "model_version": model_version(
            f"{CANDIDATE_KINDS.get(chosen, 'logit')}-cv",
            {"data": prepared.data_digest, "config": config.as_dict()},
        ),
        "pipeline_version": PIPELINE_VERSION,
        "data_digest": prepared.data_digest,
        "features": {"numeric": prepared.numeric, "categorical": prepared.categorical},
        "candidates": {n: v for n, v in cv.candidates.items() if n != "baseline"},
        "baseline": cv.candidates["baseline"],
        "selection": cv.selection,
        "iv": {v.name: round(v.iv, 4) for v in full.variables},
        "oof_calibration": calibration_table(y, oof),
        "fairness": _fairness(prepared, oof, config.threshold),
    }
    return result


# --------------------------------------------------------------------------- training


@dataclass
class Artefact:
    """A trained, versioned model with its model card."""

    version: str
    primary: str
    scorecard: WoeLogit
    challenger: CalibratedBooster | None
    card: dict[str, Any]
    logistic: RawLogit | None = None

    def model(self) -> WoeLogit | RawLogit | CalibratedBooster:
        if self.primary == "challenger" and self.challenger is not None:
            return self.challenger
        if self.primary == "logistic" and self.logistic is not None:
            return self.logistic
        return self.scorecard

    def predict(self, x: pd.DataFrame) -> FloatArray:
        return self.model().predict(x)

    @property
    def feature_names(self) -> list[str]:
        return [v.name for v in self.scorecard.variables]

    def reasons(self, x: pd.DataFrame, top: int = 3) -> list[list[dict[str, Any]]]:
        """Per row, the ``top`` variables that moved its score most, each with its
        contribution to the log-odds (sign = direction), the value or bin it came from."""
        model = self.model()
        labels: list[list[str]]
        if isinstance(model, WoeLogit):
            contrib, idx = model.contributions(x)
            names = [v.name for v in model.variables]
            labels = [
                [
                    v.labels[int(b)] if 0 <= int(b) < len(v.labels) else "(missing)"
                    for v, b in zip(model.variables, row, strict=True)
                ]
                for row in idx
            ]
        else:
            names, contrib = model.contributions(x)
            labels = [[_value_label(x[n].iloc[i]) for n in names] for i in range(len(x))]
        out = []
        for i in range(len(x)):
            order = np.argsort(-np.abs(contrib[i]), kind="stable")[:top]
            out.append(
                [
                    {
                        "variable": names[int(j)],
                        "contribution": round(float(contrib[i, int(j)]), 4),
                        "label": labels[i][int(j)],
                    }
                    for j in order
                ]
            )
        return out

    def model_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "pipeline_version": PIPELINE_VERSION,
            "primary": self.primary,
            "scorecard": self.scorecard.as_dict(),
            "challenger": None if self.challenger is None else self.challenger.as_dict(),
            "logistic": None if self.logistic is None else self.logistic.as_dict(),
        }

    def files(self) -> dict[str, bytes]:
        """The artefact directory's files: ``model.json``, ``model_card.json``/``.md``."""
        return {
            "model.json": json.dumps(self.model_json(), ensure_ascii=False, indent=1).encode(),
            "model_card.json": json.dumps(self.card, ensure_ascii=False, indent=2).encode(),
            "model_card.md": render_card(self.card).encode(),
        }


def _value_label(value: Any) -> str:
    if _is_nan(value):
        return "(missing)"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):.2f}"
    return str(value)


def load_artefact(files: Mapping[str, bytes]) -> Artefact:
    """Rebuild an :class:`Artefact` from the bytes of its ``model.json`` and card."""
    try:
        model = json.loads(files["model.json"])
        card = json.loads(files.get("model_card.json", b"{}"))
        return Artefact(
            version=model["version"],
            primary=model["primary"],
            scorecard=WoeLogit.from_dict(model["scorecard"]),
            challenger=(
                None
                if model["challenger"] is None
                else CalibratedBooster.from_dict(model["challenger"])
            ),
            card=card,
            logistic=(
                None if model.get("logistic") is None else RawLogit.from_dict(model["logistic"])
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise fail(
            "artefact_unreadable",
            f"模型文件无法读取：{exc}",
            f"The model artefact cannot be read: {exc}",
        ) from None


def _split_by_time(
    prepared: Prepared, share: float, seed: int
) -> tuple[IntArray, IntArray, dict[str, Any]]:
    n = len(prepared.y)
    if prepared.dates is None:
        order = np.random.default_rng(seed).permutation(n)
        cut = round(n * (1 - share))
        return order[:cut], order[cut:], {"split": "random (no date column)"}
    order = np.argsort(prepared.dates.to_numpy(), kind="mergesort")
    cut = round(n * (1 - share))
    dates = prepared.dates.to_numpy()
    # keep a date on one side only: move the cut to the first row of the boundary date
    boundary = dates[order[cut]]
    while cut > 0 and dates[order[cut - 1]] == boundary:
        cut -= 1
    train_rows, hold_rows = order[:cut], order[cut:]
    if len(train_rows) == 0 or len(hold_rows) == 0:
        raise fail(
            "window_unsplittable",
            "无法按日期切分训练窗口与留出窗口（日期过于集中）。",
            "The rows cannot be split by date into a training and a held-out window.",
        )

    def day(i: int) -> str:
        return str(pd.Timestamp(dates[i]).date())

    window = {
        "split": "by date (out-of-time)",
        "train_from": day(int(order[0])),
        "train_to": day(int(train_rows[-1])),
        "holdout_from": day(int(hold_rows[0])),
        "holdout_to": day(int(order[-1])),
    }
    return train_rows, hold_rows, window


def _feature_psi(card: WoeLogit, x_train: pd.DataFrame, x_hold: pd.DataFrame) -> dict[str, float]:
    out = {}
    for v in card.variables:
        k = len(v.woe) + 2
        a = v.bin_index(x_train[v.name])
        b = v.bin_index(x_hold[v.name])
        e = np.bincount(np.where(a < 0, k + a, a), minlength=k)
        h = np.bincount(np.where(b < 0, k + b, b), minlength=k)
        out[v.name] = round(_psi_counts(e, h), 4)
    return out


class Incumbent(Protocol):
    """Whatever is live: a learned :class:`Artefact` or the expert card
    (:class:`qingqian.scoring.baseline.ExpertIncumbent`)."""

    version: str

    @property
    def feature_names(self) -> Sequence[str]: ...

    def predict(self, x: pd.DataFrame) -> FloatArray: ...


@dataclass
class Promotion:
    promoted: bool
    reason_zh: str
    reason_en: str
    current_version: str | None
    current_auc: float | None
    new_auc: float | None
    lift: float | None = None
    min_lift: float = 0.0
    holdout_rows: int = 0
    current_brier: float | None = None
    new_brier: float | None = None
    #: 5th and 95th percentiles of the lift over paired bootstrap resamples of the window
    lift_low: float | None = None
    lift_high: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _subset(prepared: Prepared, rows: npt.NDArray[Any]) -> Prepared:
    return Prepared(
        prepared.x.iloc[rows],
        prepared.y[rows],
        prepared.numeric,
        prepared.categorical,
        None if prepared.dates is None else prepared.dates.iloc[rows],
        {k: v[rows] for k, v in prepared.audit.items()},
        prepared.positive,
        prepared.data_digest,
    )


def train(frame: pd.DataFrame, config: Config, current: Incumbent | None = None) -> Artefact:
    """Choose a model by cross-validation on the training window (or take ``config.primary``),
    fit every candidate on that window, judge them on the held-out (latest) one, and decide
    promotion against ``current`` — whatever is live, the expert card included — on the same
    held-out rows."""
    prepared = prepare(frame, config)
    train_rows, hold_rows, window = _split_by_time(prepared, config.holdout_share, config.seed)
    y = prepared.y
    if min(y[hold_rows].sum(), len(hold_rows) - y[hold_rows].sum()) == 0:
        raise fail(
            "holdout_one_class",
            "留出窗口只有一种结果，无法评估。",
            "The held-out window has only one outcome and cannot be judged.",
        )
    selection: dict[str, Any] | None = None
    primary = config.primary
    if primary == "auto":
        cv = cross_validate(_subset(prepared, train_rows), config)
        selection = {"candidates": cv.candidates, **cv.selection}
        primary = cv.selected
    xt, xh = prepared.x.iloc[train_rows], prepared.x.iloc[hold_rows]
    yt, yh = y[train_rows], y[hold_rows]
    card = fit_woe_logit(xt, yt, prepared.numeric, prepared.categorical, config.directions())
    logistic = _fit_candidate(
        "baseline" if primary == "baseline" else "logistic", xt, yt, prepared, config
    )
    assert isinstance(logistic, RawLogit)
    if primary == "baseline":
        primary = "logistic"
    fitted: dict[str, Any] = {"scorecard": card, "logistic": logistic}
    booster = None
    if config.challenger:
        time_order = np.arange(len(train_rows)) if prepared.dates is not None else None
        booster = fit_challenger(
            xt, yt, prepared.numeric, prepared.categorical, config=config, order=time_order
        )
        fitted["challenger"] = booster
    models: dict[str, Any] = {}
    p_train: dict[str, FloatArray] = {}
    p_hold: dict[str, FloatArray] = {}
    for name, model in fitted.items():
        p_train[name], p_hold[name] = model.predict(xt), model.predict(xh)
        slope, intercept = calibration_slope(yh, p_hold[name])
        models[name] = {
            "kind": _CANDIDATE_MODELS[name],
            "train": metrics(yt, p_train[name]),
            "holdout": {
                **metrics(yh, p_hold[name]),
                "calibration_slope": round(slope, 3),
                "calibration_intercept": round(intercept, 3),
            },
            "psi_score": round(psi(p_train[name], p_hold[name]), 4),
        }
    models["scorecard"]["iv"] = {v.name: round(v.iv, 4) for v in card.variables}
    models["scorecard"]["psi_features"] = _feature_psi(card, xt, xh)
    models["scorecard"]["points_table"] = card.points_table()
    if booster is not None:
        models["challenger"]["calibration"] = booster.calibration["method"]
    if logistic.dropped:
        models["logistic"]["dropped_for_direction"] = logistic.dropped
    p_primary_hold = p_hold[primary]
    payload = {
        "scorecard": card.as_dict(),
        "logistic": logistic.as_dict(),
        "challenger": None if booster is None else booster.model_text,
        "primary": primary,
        "data": prepared.data_digest,
        "config": config.as_dict(),
    }
    window_end = window.get("holdout_to", "").replace("-", "") or None
    version = model_version("radar", payload, window_end)
    holdout_raw = frame.iloc[hold_rows]  # the current model may use other columns
    promotion = _promotion(current, holdout_raw, yh, p_primary_hold, config.min_gain)
    from qingqian.scoring.monitoring import reference_profile

    card_doc = {
        "model_version": version,
        "pipeline_version": PIPELINE_VERSION,
        "primary": primary,
        "target": {"column": config.target, "positive": prepared.positive},
        "data": {
            "rows": len(y),
            "positives": int(y.sum()),
            "train_rows": len(train_rows),
            "holdout_rows": len(hold_rows),
            "digest": prepared.data_digest,
            "window": window,
        },
        "features": {"numeric": prepared.numeric, "categorical": prepared.categorical},
        "excluded": list(config.exclude),
        "audit_columns": list(config.audit_columns),
        "monotone": dict(config.monotone),
        "threshold": config.threshold,
        "selection": selection,
        "models": models,
        "calibration_holdout": calibration_table(yh, p_primary_hold),
        "fairness_holdout": _fairness(prepared, p_primary_hold, config.threshold, hold_rows),
        "promotion": promotion.as_dict(),
        "reference": reference_profile(
            xt, p_train[primary], prepared.numeric, prepared.categorical
        ),
        "config": config.as_dict(),
        "intended_use": (
            "Ordering collection work by estimated willingness to repay; never to refuse "
            "service, set prices or decide legal action on its own. 用于按还款意愿排序催收工作，"
            "不得单独据以拒绝服务、定价或决定诉讼。"
        ),
    }
    return Artefact(version, primary, card, booster, card_doc, logistic)


def _promotion(
    current: Incumbent | None,
    xh: pd.DataFrame,
    yh: IntArray,
    p_new: FloatArray,
    min_lift: float,
) -> Promotion:
    raw_new = rank_auc(yh, p_new)
    new_auc = None if raw_new is None else round(raw_new, 4)
    new_brier = round(brier(yh, p_new), 4)
    n = len(yh)

    def uncompared(promoted: bool, zh: str, en: str, version: str | None) -> Promotion:
        return Promotion(
            promoted, zh, en, version, None, new_auc, None, min_lift, n, None, new_brier
        )

    if current is None:
        return uncompared(True, "尚无现行模型。", "There is no current model.", None)
    missing = [c for c in current.feature_names if c not in xh.columns]
    if missing:
        return uncompared(
            False,
            f"现行模型所需的列缺失，无法在同一留出窗口上比较：{', '.join(missing)}",
            f"The current model needs columns the held-out window lacks: {', '.join(missing)}",
            current.version,
        )
    p_cur = current.predict(xh)
    raw_cur = rank_auc(yh, p_cur)
    current_auc = None if raw_cur is None else round(raw_cur, 4)
    # the expert card's 0–100 is ordinal, not a probability: its Brier score means nothing
    cur_brier = None if current.version.startswith("expert") else round(brier(yh, p_cur), 4)
    lift = low = high = None
    if raw_new is not None and raw_cur is not None:
        lift = round(raw_new - raw_cur, 4)
        low, high = bootstrap_lift(yh, p_new, p_cur)
    numbers = (current.version, current_auc, new_auc, lift, min_lift, n, cur_brier, new_brier)
    head_zh = (
        f"新模型在留出窗口（最近 {n} 件已结案件）上的 AUC 为 {new_auc}，现行模型 "
        f"{current.version} 为 {current_auc}，提升 {lift}（配对自助法 90% 区间 {low} 至 {high}）"
    )
    head_en = (
        f"On the held-out window (the latest {n} closed cases) the new model's AUC is "
        f"{new_auc} against {current_auc} for the live model {current.version}: a lift of "
        f"{lift} (paired bootstrap 90% interval {low} to {high})"
    )
    if lift is None or low is None or lift < min_lift or low <= 0:
        why_zh = "低于要求的最小提升" if lift is None or lift < min_lift else "区间下限不高于 0"
        why_en = (
            "below the required minimum"
            if lift is None or lift < min_lift
            else "its interval reaches 0 or below"
        )
        return Promotion(
            False,
            f"{head_zh}，{why_zh}（最小提升 {min_lift}），不予启用。",
            f"{head_en}; {why_en} (minimum lift {min_lift}); not promoted.",
            *numbers,
            low,
            high,
        )
    return Promotion(
        True,
        f"{head_zh}，不低于最小提升 {min_lift} 且区间下限高于 0。",
        f"{head_en}; at least the minimum lift of {min_lift}, interval above 0.",
        *numbers,
        low,
        high,
    )


def bootstrap_lift(
    y: IntArray, p_new: FloatArray, p_cur: FloatArray, rounds: int = 400, seed: int = 0
) -> tuple[float | None, float | None]:
    """5th and 95th percentiles of AUC(new) − AUC(current) over paired bootstrap resamples of
    the held-out rows (seeded: the same window always gives the same interval)."""
    rng = np.random.default_rng(seed)
    n = len(y)
    lifts = []
    for _ in range(rounds):
        rows = rng.integers(0, n, n)
        a, b = rank_auc(y[rows], p_new[rows]), rank_auc(y[rows], p_cur[rows])
        if a is not None and b is not None:
            lifts.append(a - b)
    if len(lifts) < rounds // 2:
        return None, None
    lo, hi = np.quantile(np.asarray(lifts), [0.05, 0.95])
    return round(float(lo), 4), round(float(hi), 4)


# --------------------------------------------------------------------------- model card


def render_card(card: Mapping[str, Any]) -> str:
    """The model card as Markdown, bilingual headings."""
    lines = [f"# 模型卡 Model card — {card.get('model_version')}", ""]
    data = card.get("data", {})
    window = data.get("window", {})
    lines += [
        "## 数据 Data",
        "",
        f"- rows: {data.get('rows')}, positives: {data.get('positives')} "
        f"(target `{card.get('target', {}).get('column')}` = "
        f"`{card.get('target', {}).get('positive')}`)",
        f"- split: {window.get('split')}; training {window.get('train_from', '')} – "
        f"{window.get('train_to', '')}, held out {window.get('holdout_from', '')} – "
        f"{window.get('holdout_to', '')}",
        f"- data digest (SHA-256): `{data.get('digest')}`",
        f"- features: {', '.join(card.get('features', {}).get('numeric', []))}; "
        f"categorical: {', '.join(card.get('features', {}).get('categorical', []))}",
        f"- excluded: {', '.join(card.get('excluded', [])) or '—'}; audit only: "
        f"{', '.join(card.get('audit_columns', [])) or '—'}",
        "",
        "## 指标 Metrics (held-out window)",
        "",
        "| model | AUC | KS | Brier | ECE | PSI(score) |",
        "|---|---|---|---|---|---|",
    ]
    for name, m in card.get("models", {}).items():
        h = m["holdout"]
        lines.append(
            f"| {name} | {h['auc']} | {h['ks']} | {h['brier']} | {h['ece']} | {m['psi_score']} |"
        )
    selection = card.get("selection") or {}
    if selection:
        lines += [
            "",
            "## 候选模型 Candidates (cross-validated on the training window)",
            "",
            "| candidate | AUC | ± sd | Brier | calibration slope | vs baseline | noise |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, c in selection.get("candidates", {}).items():
            mark = " ★" if name == selection.get("selected") else ""
            lines.append(
                f"| {name}{mark} | {c['auc']} | {c['auc_std']} | {c['brier']} | "
                f"{c['calibration_slope']} | {c['diff']} | {c['noise']} |"
            )
        lines += ["", f"rule: {selection.get('rule')}"]
    lines += ["", "## 信息值 Information value", "", "| column | IV | PSI |", "|---|---|---|"]
    sc = card.get("models", {}).get("scorecard", {})
    for name, iv in sorted(sc.get("iv", {}).items(), key=lambda kv: -kv[1]):
        lines.append(f"| {name} | {iv} | {sc.get('psi_features', {}).get(name, '')} |")
    lines += [
        "",
        "## 校准 Calibration (primary, held out)",
        "",
        "| bin | n | predicted | observed |",
    ]
    lines.append("|---|---|---|---|")
    for r in card.get("calibration_holdout", []):
        lines.append(f"| {r['bin']} | {r['n']} | {r['mean_predicted']} | {r['observed']} |")
    lines += ["", f"## 公平性审计 Fairness audit (threshold {card.get('threshold')})", ""]
    for column, rep in card.get("fairness_holdout", {}).items():
        lines += [
            f"### {column}",
            "",
            "| group | n | mean | p25 | p50 | p75 | ≥ threshold | observed rate | AUC |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for g in rep["groups"]:
            lines.append(
                f"| {g['group']} | {g['n']} | {g['mean']} | {g['p25']} | {g['p50']} | "
                f"{g['p75']} | {g['above_threshold']} | {g['positive_rate']} | {g['auc']} |"
            )
        lines += [
            "",
            f"ratio of lowest to highest rate: {rep['approval_rate_ratio_min_max']}; "
            f"below four-fifths: {rep['below_four_fifths']}",
            "",
        ]
    promo = card.get("promotion", {})
    lines += [
        "## 启用 Promotion",
        "",
        f"- promoted: {promo.get('promoted')}",
        f"- {promo.get('reason_zh')}",
        f"- {promo.get('reason_en')}",
        "",
        "## 用途 Intended use",
        "",
        str(card.get("intended_use", "")),
        "",
    ]
    return "\n".join(lines)
