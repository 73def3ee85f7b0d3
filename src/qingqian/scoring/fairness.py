"""Fairness audit (公平性审计): score distributions and approval-like rates by group.

Dropping a protected attribute from the features is not enough: other columns carry it as
proxies. So every evaluation and every training reports, for any group column an auditor
names (the column is never a feature), each group's size, score quantiles, mean score, the
share of cases at or above the work threshold ("approval-like rate": the share that would be
worked first) and, where outcomes are known, the observed positive rate and the AUC within
the group. The disparity summary gives the lowest-to-highest ratio of the approval-like rates
(the "four-fifths rule" of thumb flags a ratio below 0.8) and the largest gap.

Pure numpy; scores are probabilities in [0, 1] or 0–100 points, with the threshold in the
same unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from qingqian.scoring.errors import fail

FOUR_FIFTHS = 0.8


@dataclass(frozen=True)
class GroupStats:
    group: str
    n: int
    mean: float
    p10: float
    p25: float
    p50: float
    p75: float
    p90: float
    above_threshold: float
    positive_rate: float | None
    auc: float | None

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class GroupReport:
    column: str
    threshold: float
    groups: tuple[GroupStats, ...]
    rate_ratio: float | None
    rate_gap: float
    flagged: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "threshold": self.threshold,
            "groups": [g.as_dict() for g in self.groups],
            "approval_rate_ratio_min_max": self.rate_ratio,
            "approval_rate_gap": self.rate_gap,
            "below_four_fifths": self.flagged,
        }


def rank_auc(y: npt.NDArray[Any], p: npt.NDArray[Any]) -> float | None:
    """Mann–Whitney AUC with tied scores counted half; None unless both classes occur."""
    y = np.asarray(y).astype(bool)
    n_pos = int(y.sum())
    n_neg = int(y.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(p, kind="mergesort")
    ranks = np.empty(p.size, dtype=np.float64)
    sorted_p = np.asarray(p)[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_p, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def _r(x: float) -> float:
    return round(float(x), 4)


def group_report(
    column: str,
    groups: Sequence[Any] | npt.NDArray[Any],
    scores: npt.NDArray[Any],
    *,
    threshold: float,
    outcomes: npt.NDArray[Any] | None = None,
    min_group: int = 1,
) -> GroupReport:
    """Per-group score distribution and approval-like rate for one audit column.

    Missing group values are reported as the group ``"(missing)"``. Groups smaller than
    ``min_group`` are still listed but left out of the ratio and the gap.
    """
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.array(["(missing)" if _missing(g) else str(g) for g in groups], dtype=object)
    if labels.size != scores.size:
        raise fail(
            "audit_length_mismatch",
            f"审计列 {column} 的行数与评分数不一致。",
            f"The audit column {column} and the scores differ in length.",
            column=column,
            groups=labels.size,
            scores=scores.size,
        )
    if outcomes is not None:
        outcomes = np.asarray(outcomes).astype(bool)
    stats = []
    for name in sorted(set(labels.tolist())):
        mask = labels == name
        s = scores[mask]
        q = np.quantile(s, [0.1, 0.25, 0.5, 0.75, 0.9])
        pos_rate = None if outcomes is None else _r(outcomes[mask].mean())
        auc = None if outcomes is None else rank_auc(outcomes[mask], s)
        stats.append(
            GroupStats(
                group=name,
                n=int(mask.sum()),
                mean=_r(s.mean()),
                p10=_r(q[0]),
                p25=_r(q[1]),
                p50=_r(q[2]),
                p75=_r(q[3]),
                p90=_r(q[4]),
                above_threshold=_r((s >= threshold).mean()),
                positive_rate=pos_rate,
                auc=None if auc is None else _r(auc),
            )
        )
    rates = [g.above_threshold for g in stats if g.n >= min_group]
    ratio = None
    gap = 0.0
    if rates:
        gap = _r(max(rates) - min(rates))
        ratio = None if max(rates) == 0 else _r(min(rates) / max(rates))
    return GroupReport(
        column=column,
        threshold=threshold,
        groups=tuple(stats),
        rate_ratio=ratio,
        rate_gap=gap,
        flagged=ratio is not None and ratio < FOUR_FIFTHS,
    )


def _missing(value: Any) -> bool:
    if value is None:
        return True
    return isinstance(value, float) and value != value
