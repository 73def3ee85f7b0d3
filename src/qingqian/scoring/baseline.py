"""The plain logistic regression on raw features (基线逻辑回归) and the expert card as a model.

Pure: no Django, no clock.

* :class:`RawLogit` — the textbook baseline every learned model must not lose to: numeric
  columns standardised (mean-imputed, with a 0/1 missing-value indicator when the training
  rows had any missing value), categorical columns one-hot (a missing value is its own level;
  a category never seen in training has every indicator 0), an L2-penalised logistic
  regression (scikit-learn, C = 1). With known directions (``monotone``: column → +1 when
  more of it makes the positive class likelier, −1 when less) a numeric column whose fitted
  coefficient has the wrong sign is dropped and the model refitted, until every remaining
  constrained coefficient agrees — sign-constrained backward elimination. Stored as plain JSON.
* :class:`ExpertIncumbent` — the expert cold-start card (:mod:`qingqian.scoring.scorecard`)
  scoring a training table, so a learned model can be judged against it on the same
  held-out rows (score / 100 as its "probability"; only its ranking is compared).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_MISSING = "(missing)"


@dataclass
class RawLogit:
    """A logistic regression on standardised numerics, missing indicators and one-hot levels."""

    numeric: list[str]
    means: list[float]
    stds: list[float]
    missing_flag: list[bool]
    categorical: list[str]
    levels: dict[str, list[str]]
    #: one coefficient per design column, in :meth:`term_names` order
    coef: list[float]
    intercept: float
    #: the training mean of every design column: contributions are relative to it
    centre: list[float]
    dropped: list[str] = field(default_factory=list)

    def term_names(self) -> list[tuple[str, str]]:
        """(source column, term) per design column."""
        terms: list[tuple[str, str]] = []
        for name, flag in zip(self.numeric, self.missing_flag, strict=True):
            terms.append((name, "value"))
            if flag:
                terms.append((name, _MISSING))
        for name in self.categorical:
            terms.extend((name, level) for level in self.levels[name])
        return terms

    def design(self, x: pd.DataFrame) -> FloatArray:
        cols: list[FloatArray] = []
        for name, mean, std, flag in zip(
            self.numeric, self.means, self.stds, self.missing_flag, strict=True
        ):
            v = x[name].to_numpy(dtype=np.float64) if name in x else np.full(len(x), np.nan)
            missing = np.isnan(v)
            cols.append(np.where(missing, 0.0, (v - mean) / std))
            if flag:
                cols.append(missing.astype(np.float64))
        for name in self.categorical:
            raw = x[name] if name in x else pd.Series([None] * len(x), index=x.index)
            values = np.array([_level(v) for v in raw], dtype=object)
            cols.extend((values == level).astype(np.float64) for level in self.levels[name])
        if not cols:
            return np.zeros((len(x), 0))
        return np.stack(cols, axis=1)

    def logit(self, x: pd.DataFrame) -> FloatArray:
        z: FloatArray = self.design(x) @ np.asarray(self.coef, dtype=np.float64) + self.intercept
        return z

    def predict(self, x: pd.DataFrame) -> FloatArray:
        result: FloatArray = 1.0 / (1.0 + np.exp(-self.logit(x)))
        return result

    def contributions(self, x: pd.DataFrame) -> tuple[list[str], FloatArray]:
        """Per source column, the logit contribution relative to the average training case."""
        d = self.design(x) - np.asarray(self.centre, dtype=np.float64)
        terms = d * np.asarray(self.coef, dtype=np.float64)
        names = [*self.numeric, *self.categorical]
        owner = [names.index(source) for source, _term in self.term_names()]
        out = np.zeros((len(x), len(names)))
        for j, k in enumerate(owner):
            out[:, k] += terms[:, j]
        return names, out

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": "raw_logistic",
            "numeric": self.numeric,
            "means": self.means,
            "stds": self.stds,
            "missing_flag": self.missing_flag,
            "categorical": self.categorical,
            "levels": self.levels,
            "coef": self.coef,
            "intercept": self.intercept,
            "centre": self.centre,
            "dropped": self.dropped,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RawLogit:
        return cls(
            numeric=list(data["numeric"]),
            means=[float(v) for v in data["means"]],
            stds=[float(v) for v in data["stds"]],
            missing_flag=[bool(v) for v in data["missing_flag"]],
            categorical=list(data["categorical"]),
            levels={k: list(v) for k, v in data["levels"].items()},
            coef=[float(v) for v in data["coef"]],
            intercept=float(data["intercept"]),
            centre=[float(v) for v in data["centre"]],
            dropped=list(data.get("dropped", [])),
        )


def _level(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return _MISSING
    return str(value)


def fit_raw_logit(
    x: pd.DataFrame,
    y: IntArray,
    numeric: Sequence[str],
    categorical: Sequence[str],
    monotone: Mapping[str, int] | None = None,
) -> RawLogit:
    """Fit the baseline; with ``monotone``, drop wrong-signed constrained numerics and refit."""
    monotone = dict(monotone or {})
    keep = list(numeric)
    dropped: list[str] = []
    while True:
        model = _fit_once(x, y, keep, categorical)
        wrong = []
        for source_term, c in zip(model.term_names(), model.coef, strict=True):
            source, term = source_term
            direction = monotone.get(source, 0)
            if term == "value" and direction and c * direction < 0:
                wrong.append((abs(c), source))
        if not wrong:
            model.dropped = dropped
            return model
        # drop the most wrongly signed column first: the others may change sign after a refit
        worst = max(wrong)[1]
        keep.remove(worst)
        dropped.append(worst)


def _fit_once(
    x: pd.DataFrame, y: IntArray, numeric: Sequence[str], categorical: Sequence[str]
) -> RawLogit:
    from sklearn.linear_model import LogisticRegression

    means, stds, flags = [], [], []
    for name in numeric:
        v = x[name].to_numpy(dtype=np.float64)
        finite = v[~np.isnan(v)]
        mean = float(finite.mean()) if finite.size else 0.0
        std = float(finite.std()) if finite.size else 1.0
        means.append(mean)
        stds.append(std if std > 0 else 1.0)
        flags.append(bool(np.isnan(v).any()))
    levels = {name: sorted({_level(v) for v in x[name]}) for name in categorical}
    shell = RawLogit(list(numeric), means, stds, flags, list(categorical), levels, [], 0.0, [])
    d = shell.design(x)
    if d.shape[1] == 0:
        rate = float(np.clip(np.mean(y), 1e-6, 1 - 1e-6))
        shell.intercept = float(np.log(rate / (1 - rate)))
        return shell
    lr = LogisticRegression(C=1.0, max_iter=5000)
    lr.fit(d, y)
    shell.coef = [float(c) for c in lr.coef_[0]]
    shell.intercept = float(lr.intercept_[0])
    shell.centre = [float(c) for c in d.mean(axis=0)]
    return shell


# --------------------------------------------------------------------------- the expert card


@dataclass(frozen=True)
class ExpertIncumbent:
    """The expert card as a live model to beat: scores the pipeline's training rows."""

    version: str = "expert-card-1"
    #: the columns it cannot do without (the rest default as for a new case)
    feature_names: tuple[str, ...] = ("days_overdue", "balance", "evidence_strength")

    def predict(self, x: pd.DataFrame) -> FloatArray:
        from qingqian.scoring.scorecard import score_columns

        scores = score_columns(expert_columns(x)).scores
        result: FloatArray = scores.astype(np.float64) / 100.0
        return result


def expert_columns(x: pd.DataFrame) -> dict[str, npt.NDArray[Any]]:
    """The card's columnar input from a table of :func:`features.training_row` columns.

    Columns a table lacks take the value of a new case (no payment, no contact, no promise,
    clean record, limitation unknown).
    """
    from qingqian.scoring.features import EVIDENCE_LEVELS, REGISTRY_STATUSES

    n = len(x)

    def num(name: str) -> FloatArray:
        if name not in x:
            return np.zeros(n)
        out: FloatArray = pd.to_numeric(x[name], errors="coerce").to_numpy(dtype=np.float64)
        return out

    def ints(name: str) -> IntArray:
        return np.nan_to_num(num(name)).astype(np.int64)

    paid_permille = ints("paid_permille")
    has_payment = ints("payments_count") > 0 if "payments_count" in x else paid_permille > 0
    since_payment = num("days_since_last_payment")
    if "days_since_last_payment" not in x:
        since_payment = np.full(n, np.nan)
    limitation = num("days_to_limitation") if "days_to_limitation" in x else np.full(n, np.nan)
    ev = {name: i for i, name in enumerate(EVIDENCE_LEVELS)}
    rg = {name: i for i, name in enumerate(REGISTRY_STATUSES)}
    evidence = (
        np.array([ev.get(str(v), ev["none"]) for v in x["evidence_strength"]], dtype=np.int64)
        if "evidence_strength" in x
        else np.full(n, ev["none"], dtype=np.int64)
    )
    default_registry = rg.get("unknown", 0)
    registry = (
        np.array([rg.get(str(v), default_registry) for v in x["registry_status"]], dtype=np.int64)
        if "registry_status" in x
        else np.full(n, default_registry, dtype=np.int64)
    )
    return {
        "days_overdue": ints("days_overdue"),
        "balance": np.nan_to_num(num("balance")),
        "paid_permille": paid_permille,
        "has_payment": has_payment,
        # "paid, but we do not know when" must not read as "paid today"
        "days_since_last_payment": np.where(np.isnan(since_payment), 10_000, since_payment).astype(
            np.int64
        ),
        "contact_attempts": ints("contact_attempts"),
        "contacts_reached": ints("contacts_reached"),
        "contacts_connected": ints("contacts_connected"),
        "promises_kept": ints("promises_kept"),
        "promises_broken": ints("promises_broken"),
        "promises_open": ints("promises_open"),
        "evidence": evidence,
        "registry": registry,
        "judgments": ints("judgments"),
        "dishonest_debtor": ints("dishonest_debtor") > 0,
        "has_limitation": ~np.isnan(limitation),
        "days_to_limitation": np.nan_to_num(limitation).astype(np.int64),
    }
