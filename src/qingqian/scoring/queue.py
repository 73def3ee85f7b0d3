"""A handler's work queue (催收工作队列): one entry per debtor, best value per hour first.

Pure ordering, no Django, no clock (``today`` comes in). Each open case of the handler is an
:class:`QueueItem`; items are grouped by debtor (one call covers every invoice and case of
the same debtor), and the debtors are ordered in tiers:

0. **Deadline** — a client SLA due within ``sla_window_days`` or a limitation period expiring
   within ``limitation_window_days`` (and not yet expired): nearest deadline first.
1. **Above threshold** — balance-weighted score ≥ ``threshold`` (default 60, the seed's):
   highest expected recovered value per hour first.
2. **Below threshold** — the same order.
3. **Waiting** — the contact policy forbids contact before a later date
   (``next_contact_allowed_on``): earliest date first.

Expected recovered value = Σ score/100 × balance over the debtor's cases (the score read
as a probability of paying; a trained model's score is calibrated, the cold-start card's is
an ordinal guide). Hours = the largest expected handling time among the debtor's cases (one
contact deals with all of them), counted as at least one hour, so the value per hour is never
above the expected value (nor the balance). Ties fall back to the debtor id, so the order
is total and repeatable. Each entry carries a *next best action* with its reason in Chinese
and English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from qingqian.scoring.errors import fail

_CENT = Decimal("0.01")
_ONE_HOUR = Decimal(1)


@dataclass(frozen=True)
class QueueItem:
    case_id: str
    debtor_id: str
    balance: Decimal
    score: int
    hours: Decimal = Decimal("0.5")
    sla_due_on: dt.date | None = None
    limitation_expires_on: dt.date | None = None
    contact_attempts: int = 0
    contacts_reached: int = 0
    promise_due_on: dt.date | None = None
    dishonest_debtor: bool = False
    registry_status: str = "unknown"
    next_contact_allowed_on: dt.date | None = None


@dataclass(frozen=True)
class QueueConfig:
    threshold: int = 60
    sla_window_days: int = 7
    limitation_window_days: int = 30
    unreached_attempts_for_review: int = 5


@dataclass(frozen=True)
class NextAction:
    code: str
    text_zh: str
    text_en: str
    reason_zh: str
    reason_en: str

    def as_dict(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class QueueEntry:
    rank: int
    debtor_id: str
    case_ids: tuple[str, ...]
    balance: Decimal
    score: int
    expected_value: Decimal
    value_per_hour: Decimal
    tier: int
    deadline: dt.date | None
    action: NextAction
    _key: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "debtor_id": self.debtor_id,
            "case_ids": list(self.case_ids),
            "balance": f"{self.balance:f}",
            "score": self.score,
            "expected_value": f"{self.expected_value:f}",
            "value_per_hour": f"{self.value_per_hour:f}",
            "tier": self.tier,
            "deadline": None if self.deadline is None else self.deadline.isoformat(),
            "action": self.action.as_dict(),
        }


def _q(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _check(item: QueueItem) -> None:
    if not item.balance.is_finite() or item.balance <= 0:
        raise fail(
            "balance_not_positive",
            f"案件 {item.case_id} 的余额必须大于零：{item.balance}",
            f"Case {item.case_id} must have a positive balance: {item.balance}",
            case_id=item.case_id,
            balance=item.balance,
        )
    if not 0 <= item.score <= 100:
        raise fail(
            "score_out_of_range",
            f"案件 {item.case_id} 的评分须在 0 到 100 之间：{item.score}",
            f"Case {item.case_id} must have a score from 0 to 100: {item.score}",
            case_id=item.case_id,
            score=item.score,
        )
    if not item.hours.is_finite() or item.hours <= 0:
        raise fail(
            "hours_not_positive",
            f"案件 {item.case_id} 的预计工时必须大于零：{item.hours}",
            f"Case {item.case_id} must have positive expected hours: {item.hours}",
            case_id=item.case_id,
            hours=item.hours,
        )


def _earliest(dates: Iterable[dt.date | None]) -> dt.date | None:
    real = [d for d in dates if d is not None]
    return min(real) if real else None


def _action(
    cases: list[QueueItem], today: dt.date, score: int, config: QueueConfig
) -> tuple[NextAction, int | None, dt.date | None]:
    """The next best action, plus the deadline tier (0) and date when one applies."""
    limitation = _earliest(
        c.limitation_expires_on
        for c in cases
        if c.limitation_expires_on is not None and c.limitation_expires_on >= today
    )
    sla = _earliest(c.sla_due_on for c in cases)
    allowed = _earliest(c.next_contact_allowed_on for c in cases)
    lim_soon = limitation is not None and (limitation - today).days <= config.limitation_window_days
    sla_soon = sla is not None and (sla - today).days <= config.sla_window_days
    if lim_soon and limitation is not None:
        days = (limitation - today).days
        return (
            NextAction(
                "interrupt_limitation",
                "发送书面催收函并留存送达凭证，以中断诉讼时效",
                "Send a written demand with proof of delivery to interrupt the limitation period",
                f"诉讼时效于 {limitation} 届满（剩 {days} 天）",
                f"The limitation period expires on {limitation} ({days} days left)",
            ),
            0,
            limitation if not sla_soon or sla is None else min(limitation, sla),
        )
    if sla_soon and sla is not None:
        days = (sla - today).days
        return (
            NextAction(
                "meet_sla",
                "按委托约定的服务时限完成本轮处理",
                "Complete this round of work within the client's service deadline",
                f"委托服务时限 {sla}（剩 {days} 天）",
                f"The client's service deadline is {sla} ({days} days left)",
            ),
            0,
            sla,
        )
    if allowed is not None and allowed > today:
        return (
            NextAction(
                "wait",
                f"{allowed} 前不得联系，届时再跟进",
                f"Do not contact before {allowed}; follow up then",
                "联系频次规则限制",
                "The contact policy forbids contact until then",
            ),
            3,
            allowed,
        )
    promise = _earliest(c.promise_due_on for c in cases)
    if promise is not None and promise <= today:
        return (
            NextAction(
                "promise_follow_up",
                "跟进到期的还款承诺",
                "Follow up the promise to pay that has fallen due",
                f"承诺还款日 {promise} 已到",
                f"The promised payment date {promise} has arrived",
            ),
            None,
            None,
        )
    attempts = max(c.contact_attempts for c in cases)
    reached = max(c.contacts_reached for c in cases)
    bad_standing = any(c.dishonest_debtor or c.registry_status == "deregistered" for c in cases)
    if bad_standing or (reached == 0 and attempts >= config.unreached_attempts_for_review):
        why_zh = "债务人失信或已注销" if bad_standing else f"已联系 {attempts} 次均未接通"
        why_en = (
            "the debtor is on the dishonest list or deregistered"
            if bad_standing
            else f"{attempts} attempts without reaching the debtor"
        )
        return (
            NextAction(
                "legal_review",
                "转交律师评估诉讼、执行或终结",
                "Refer to a lawyer to weigh litigation, enforcement or closure",
                why_zh,
                why_en.capitalize(),
            ),
            None,
            None,
        )
    if attempts == 0:
        return (
            NextAction(
                "first_contact",
                "首次联系债务人，核对欠款并了解还款意向",
                "Make first contact: confirm the debt and ask about repayment",
                "尚未联系",
                "Not contacted yet",
            ),
            None,
            None,
        )
    if reached == 0:
        return (
            NextAction(
                "another_channel",
                "换用其他合规渠道（书面函件、电子邮件）联系",
                "Try another lawful channel (letter, e-mail)",
                f"已尝试 {attempts} 次未接通",
                f"{attempts} attempts, not reached",
            ),
            None,
            None,
        )
    if score >= config.threshold:
        return (
            NextAction(
                "negotiate_plan",
                "提出和解或分期还款方案",
                "Propose a settlement or an installment plan",
                f"评分 {score} 不低于阈值 {config.threshold}，还款意愿较高",
                f"Score {score} is at or above the threshold {config.threshold}",
            ),
            None,
            None,
        )
    return (
        NextAction(
            "demand_letter",
            "发送正式催款函，说明法律后果",
            "Send a formal demand letter stating the legal consequences",
            f"评分 {score} 低于阈值 {config.threshold}",
            f"Score {score} is below the threshold {config.threshold}",
        ),
        None,
        None,
    )


def order_queue(
    items: Iterable[QueueItem], *, today: dt.date, config: QueueConfig | None = None
) -> list[QueueEntry]:
    """Group ``items`` by debtor and order them (see the module docstring)."""
    config = config or QueueConfig()
    by_debtor: dict[str, list[QueueItem]] = {}
    seen: set[str] = set()
    for item in items:
        _check(item)
        if item.case_id in seen:
            raise fail(
                "case_duplicated",
                f"案件 {item.case_id} 重复出现。",
                f"Case {item.case_id} appears twice.",
                case_id=item.case_id,
            )
        seen.add(item.case_id)
        by_debtor.setdefault(item.debtor_id, []).append(item)
    entries = []
    for debtor_id, cases in by_debtor.items():
        cases.sort(key=lambda c: c.case_id)
        balance = sum((c.balance for c in cases), Decimal(0))
        expected = sum((c.balance * c.score / 100 for c in cases), Decimal(0))
        score = int((expected * 100 / balance).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        hours = max(c.hours for c in cases)
        # A contact is counted as at least one hour of work, so the value per hour never
        # exceeds the expected value, let alone the balance (issue 19).
        per_hour = _q(expected / max(hours, _ONE_HOUR))
        action, forced_tier, deadline = _action(cases, today, score, config)
        tier = forced_tier if forced_tier is not None else (1 if score >= config.threshold else 2)
        key: tuple[Any, ...]
        if tier in (0, 3):
            key = (tier, deadline, -per_hour, debtor_id)
        else:
            key = (tier, dt.date.min, -per_hour, debtor_id)
        entries.append(
            QueueEntry(
                rank=0,
                debtor_id=debtor_id,
                case_ids=tuple(c.case_id for c in cases),
                balance=_q(balance),
                score=score,
                expected_value=_q(expected),
                value_per_hour=per_hour,
                tier=tier,
                deadline=deadline,
                action=action,
                _key=key,
            )
        )
    entries.sort(key=lambda e: e._key)
    return [
        QueueEntry(
            rank=i + 1,
            debtor_id=e.debtor_id,
            case_ids=e.case_ids,
            balance=e.balance,
            score=e.score,
            expected_value=e.expected_value,
            value_per_hour=e.value_per_hour,
            tier=e.tier,
            deadline=e.deadline,
            action=e.action,
        )
        for i, e in enumerate(entries)
    ]
