"""The expert cold-start scorecard (专家冷启动评分卡): points per factor, 0–100, three reasons.

No collections data exists in public, so until a firm has closed enough cases to train on,
Qingqian scores willingness to repay with this transparent card. Nine factors each award
points from a fixed table; the points of all nine add up to the score, 0 at worst and 100 at
best (the table is built so that the worst bins sum to 0 and the best to 100: no rescaling,
no clipping). The table and the reasoning behind every factor are in
``docs/scoring-scorecard.md``; a test checks that the document and :data:`FACTORS` agree.

Reasons: each factor's *effect* is its points minus its midpoint (half its maximum). The
three factors with the largest absolute effect are the reasons, the larger first, ties in the
order of :data:`FACTORS`; each carries its direction (``+`` helps, ``-`` hurts) and a sentence
in Chinese and English.

One implementation serves one case and a million: :func:`score_columns` works on numpy
columns (see :func:`qingqian.scoring.features.to_columns`) and :func:`score_case` wraps it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from qingqian.scoring.errors import fail
from qingqian.scoring.features import COLUMNS, REGISTRY_STATUSES, Columns, Features, to_columns

CARD_VERSION = "expert-card-1"
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Bin:
    code: str
    points: int
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class Factor:
    code: str
    name_zh: str
    name_en: str
    bins: tuple[Bin, ...]
    #: Maps the columns to the index of each case's bin (first matching condition wins).
    pick: Callable[[Columns], IntArray]

    @property
    def max_points(self) -> int:
        return max(b.points for b in self.bins)

    @property
    def min_points(self) -> int:
        return min(b.points for b in self.bins)


def _first(conditions: list[npt.NDArray[np.bool_]]) -> IntArray:
    """Index of the first true condition per row; the last condition must cover the rest."""
    return np.select(conditions, list(range(len(conditions))), default=len(conditions) - 1).astype(
        np.int64
    )


def _overdue(c: Columns) -> IntArray:
    d = c["days_overdue"]
    return _first([d <= 30, d <= 90, d <= 180, d <= 365, d <= 730, d > 730])


def _payments(c: Columns) -> IntArray:
    paid = c["has_payment"]
    recent = paid & (c["days_since_last_payment"] <= 30)
    return _first([recent, paid & (c["paid_permille"] >= 200), paid, ~paid])


def _contact(c: Columns) -> IntArray:
    attempts = c["contact_attempts"]
    return _first(
        [
            c["contacts_connected"] >= 1,
            c["contacts_reached"] >= 1,
            attempts == 0,
            attempts < 5,
            attempts >= 5,
        ]
    )


def _promises(c: Columns) -> IntArray:
    kept, broken, open_ = c["promises_kept"], c["promises_broken"], c["promises_open"]
    return _first(
        [
            (kept >= 1) & (broken == 0),
            (kept >= 1) & (broken >= 1),
            (broken == 0) & (open_ >= 1),
            broken == 0,
            broken == 1,
            broken >= 2,
        ]
    )


def _evidence(c: Columns) -> IntArray:
    # EVIDENCE_LEVELS is ("strong", "medium", "weak", "none"): the index is the bin.
    return c["evidence"].astype(np.int64)


_REGISTRY_BIN = np.array(
    [
        {"active": 0, "not_applicable": 1, "unknown": 2, "abnormal": 3, "deregistered": 4}[s]
        for s in REGISTRY_STATUSES
    ],
    dtype=np.int64,
)


def _standing(c: Columns) -> IntArray:
    result: IntArray = _REGISTRY_BIN[c["registry"]]
    return result


def _enforcement(c: Columns) -> IntArray:
    j = c["judgments"]
    listed = c["dishonest_debtor"]
    return _first([~listed & (j == 0), ~listed & (j == 1), ~listed & (j >= 2), listed])


def _balance(c: Columns) -> IntArray:
    b = c["balance"]
    return _first([b <= 10_000, b <= 100_000, b <= 1_000_000, b > 1_000_000])


def _limitation(c: Columns) -> IntArray:
    has = c["has_limitation"]
    d = c["days_to_limitation"]
    return _first([has & (d > 180), ~has, has & (d > 30), has & (d >= 0), has & (d < 0)])


FACTORS: tuple[Factor, ...] = (
    Factor(
        "overdue",
        "逾期时长",
        "Days overdue",
        (
            Bin("le30", 20, "逾期不超过 30 天", "30 days overdue or less"),
            Bin("31_90", 16, "逾期 31–90 天", "31–90 days overdue"),
            Bin("91_180", 11, "逾期 91–180 天", "91–180 days overdue"),
            Bin("181_365", 6, "逾期 181–365 天", "181–365 days overdue"),
            Bin("366_730", 3, "逾期一至两年", "one to two years overdue"),
            Bin("gt730", 0, "逾期超过两年", "more than two years overdue"),
        ),
        _overdue,
    ),
    Factor(
        "payments",
        "已还款情况",
        "Payments so far",
        (
            Bin("recent", 15, "近 30 天内有还款", "paid within the last 30 days"),
            Bin("paid_20pct", 12, "已还至少 20%", "has paid at least 20%"),
            Bin("some", 9, "有过部分还款", "has paid something"),
            Bin("none", 0, "尚无任何还款", "no payment yet"),
        ),
        _payments,
    ),
    Factor(
        "contact",
        "联系情况",
        "Contact",
        (
            Bin("connected", 12, "已与债务人本人沟通", "has engaged in conversation"),
            Bin("reached", 7, "能联系上但未实质沟通", "reachable but not yet engaged"),
            Bin("not_tried", 6, "尚未联系", "not contacted yet"),
            Bin("unreached", 3, "多次联系未接通", "not reached yet"),
            Bin("unreached_5", 0, "五次以上联系均未接通", "not reached in five or more attempts"),
        ),
        _contact,
    ),
    Factor(
        "promises",
        "还款承诺",
        "Promises to pay",
        (
            Bin("kept", 13, "还款承诺均已兑现", "kept every promise to pay"),
            Bin("mixed", 8, "承诺有兑现也有违约", "kept some promises, broke others"),
            Bin("open", 9, "有待到期的还款承诺", "has a promise to pay pending"),
            Bin("none", 5, "尚无还款承诺", "no promise to pay yet"),
            Bin("broken_1", 2, "违背一次还款承诺", "broke a promise to pay"),
            Bin("broken_2", 0, "多次违背还款承诺", "broke two or more promises to pay"),
        ),
        _promises,
    ),
    Factor(
        "evidence",
        "证据强度",
        "Evidence",
        (
            Bin(
                "strong",
                10,
                "证据充分（合同、交付及对账确认）",
                "strong evidence (contract, delivery, acknowledgement)",
            ),
            Bin(
                "medium",
                6,
                "证据较充分（合同或发票及交付）",
                "fair evidence (contract or invoices with delivery)",
            ),
            Bin(
                "weak",
                2,
                "证据薄弱（仅有发票或聊天记录）",
                "weak evidence (invoices or chats only)",
            ),
            Bin("none", 0, "缺乏证据", "no evidence"),
        ),
        _evidence,
    ),
    Factor(
        "standing",
        "主体状态",
        "Registry standing",
        (
            Bin("active", 10, "企业登记状态为存续", "company registered as active"),
            Bin("person", 8, "自然人债务人", "person debtor (no registry)"),
            Bin("unknown", 6, "企业登记状态未核查", "company registry status not checked"),
            Bin("abnormal", 3, "企业被列入经营异常名录", "company listed for abnormal operations"),
            Bin("deregistered", 0, "企业已注销或吊销", "company deregistered or revoked"),
        ),
        _standing,
    ),
    Factor(
        "enforcement",
        "涉诉与失信",
        "Judgments and dishonesty list",
        (
            Bin(
                "clean", 10, "无生效判决、未列入失信名单", "no judgments, not on the dishonest list"
            ),
            Bin("judgment_1", 5, "有一项针对债务人的判决", "one court judgment against the debtor"),
            Bin(
                "judgment_2",
                2,
                "有两项以上针对债务人的判决",
                "two or more judgments against the debtor",
            ),
            Bin("dishonest", 0, "已列入失信被执行人名单", "listed as a dishonest judgment debtor"),
        ),
        _enforcement,
    ),
    Factor(
        "balance",
        "欠款余额",
        "Balance",
        (
            Bin("le10k", 5, "余额不超过 1 万元", "balance ¥10,000 or less"),
            Bin("le100k", 3, "余额 1 万至 10 万元", "balance ¥10,000–100,000"),
            Bin("le1m", 1, "余额 10 万至 100 万元", "balance ¥100,000–1,000,000"),
            Bin("gt1m", 0, "余额超过 100 万元", "balance above ¥1,000,000"),
        ),
        _balance,
    ),
    Factor(
        "limitation",
        "诉讼时效",
        "Limitation period",
        (
            Bin("gt180", 5, "诉讼时效剩余半年以上", "more than 180 days of limitation left"),
            Bin("unknown", 3, "诉讼时效未计算", "limitation deadline not computed"),
            Bin("31_180", 3, "诉讼时效剩余 31–180 天", "31–180 days of limitation left"),
            Bin("le30", 1, "诉讼时效即将届满（30 天内）", "limitation expires within 30 days"),
            Bin("expired", 0, "诉讼时效已届满", "limitation period has expired"),
        ),
        _limitation,
    ),
)

_POINTS: tuple[IntArray, ...] = tuple(
    np.array([b.points for b in f.bins], dtype=np.int64) for f in FACTORS
)
_MID2 = np.array([f.max_points for f in FACTORS], dtype=np.int64)  # twice the midpoint


@dataclass(frozen=True)
class Reason:
    code: str
    direction: str
    points: int
    max_points: int
    text_zh: str
    text_en: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "direction": self.direction,
            "points": self.points,
            "max_points": self.max_points,
            "text_zh": self.text_zh,
            "text_en": self.text_en,
        }


@dataclass(frozen=True)
class CardScore:
    score: int
    reasons: tuple[Reason, ...]
    breakdown: dict[str, int]
    model_version: str
    feature_digest: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "reasons": [r.as_dict() for r in self.reasons],
            "breakdown": dict(self.breakdown),
            "model_version": self.model_version,
            "feature_digest": self.feature_digest,
        }


@dataclass(frozen=True)
class BatchResult:
    """Scores (n,), bin indices (n, factors) and the factor indices of the reasons (n, 3)."""

    scores: IntArray
    bins: IntArray
    reason_factors: IntArray


def score_columns(columns: Columns) -> BatchResult:
    """Score many cases at once (vectorised; see :func:`features.to_columns`)."""
    missing = [name for name in COLUMNS if name not in columns]
    if missing:
        raise fail(
            "columns_missing",
            f"缺少评分列：{', '.join(missing)}",
            f"Scoring columns missing: {', '.join(missing)}",
            missing=",".join(missing),
        )
    bins = np.stack([f.pick(columns) for f in FACTORS], axis=1)
    points = np.stack([_POINTS[i][bins[:, i]] for i in range(len(FACTORS))], axis=1)
    scores = points.sum(axis=1)
    # effect ×2 keeps integers; a stable sort on -|effect| breaks ties in factor order.
    effect2 = np.abs(2 * points - _MID2)
    order = np.argsort(-effect2, axis=1, kind="stable")[:, :3]
    return BatchResult(scores=scores, bins=bins, reason_factors=order.astype(np.int64))


def score_case(features: Features) -> CardScore:
    """Score one case: 0–100, the three main reasons, the points per factor."""
    batch = score_columns(to_columns([features]))
    bins = batch.bins[0]
    breakdown = {f.code: f.bins[int(bins[i])].points for i, f in enumerate(FACTORS)}
    reasons = []
    for fi in batch.reason_factors[0]:
        factor = FACTORS[int(fi)]
        chosen = factor.bins[int(bins[int(fi)])]
        reasons.append(
            Reason(
                code=f"{factor.code}.{chosen.code}",
                direction="+" if 2 * chosen.points >= factor.max_points else "-",
                points=chosen.points,
                max_points=factor.max_points,
                text_zh=f"{factor.name_zh}：{chosen.label_zh}",
                text_en=f"{factor.name_en}: {chosen.label_en}",
            )
        )
    return CardScore(
        score=int(batch.scores[0]),
        reasons=tuple(reasons),
        breakdown=breakdown,
        model_version=CARD_VERSION,
        feature_digest=features.digest(),
    )
