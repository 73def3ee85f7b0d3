"""Breach detection for an installment plan (pure kernel).

Payments are applied in date order (ties keep their given order) to the earliest
installment that still has something outstanding: the plan's own agreed order, used only
to decide which installment is paid. How each payment splits into costs, interest and
principal for the debt (Civil Code Arts. 560–561) is the allocation calculator's job.

As of ``today``:

* an installment is ``paid``, ``partly_paid`` or ``unpaid``;
* it is **overdue** when something is outstanding and ``today > due + grace_days``;
  ``days_overdue`` counts from the due date;
* a paid installment is ``late`` when the payment completing it came after the grace end;
* the plan is **in breach** when at least ``trigger_overdue_count`` installments are
  overdue, and the agreed consequence applies;
* for ``acceleration``, the accelerated balance is everything outstanding on installments
  already due (``due ≤ today``) plus the outstanding **principal** of the later ones (their
  interest is not yet earned and is dropped; payments made towards a later installment
  count against its principal). Statutory interest after acceleration is the calculators'.

Payments dated after ``today`` are not counted (the assessment is "as of today"). Money
paid beyond the whole schedule is reported as ``surplus``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from qingqian.negotiation.errors import NegotiationError
from qingqian.negotiation.plans import Schedule

ZERO = Decimal("0.00")


class Consequence(StrEnum):
    REMINDER = "reminder"
    ACCELERATION = "acceleration"
    RETURN_TO_STRATEGY = "return_to_strategy"


class PaymentState(StrEnum):
    PAID = "paid"
    PARTLY_PAID = "partly_paid"
    UNPAID = "unpaid"


@dataclass(frozen=True, slots=True)
class Payment:
    amount: Decimal
    paid_on: dt.date


@dataclass(frozen=True, slots=True)
class InstallmentStatus:
    number: int
    due: dt.date
    amount: Decimal
    paid: Decimal
    outstanding: Decimal
    state: PaymentState
    overdue: bool
    days_overdue: int
    settled_on: dt.date | None
    late: bool


@dataclass(frozen=True, slots=True)
class BreachAssessment:
    today: dt.date
    installments: tuple[InstallmentStatus, ...]
    paid_total: Decimal
    surplus: Decimal
    outstanding_total: Decimal
    overdue_count: int
    overdue_amount: Decimal
    in_breach: bool
    breach_since: dt.date | None
    """The day after the grace period of the installment that triggered the breach."""
    consequence: Consequence | None
    accelerated_balance: Decimal | None


def assess_plan(
    schedule: Schedule,
    payments: Sequence[Payment],
    *,
    today: dt.date,
    grace_days: int,
    consequence: Consequence,
    trigger_overdue_count: int = 1,
) -> BreachAssessment:
    """Which installments are paid, partly paid or overdue, and whether the plan is in breach."""
    if isinstance(grace_days, bool) or not isinstance(grace_days, int) or grace_days < 0:
        raise NegotiationError(
            f"宽限期天数必须是非负整数：{grace_days}",
            f"The grace period must be a non-negative number of days: {grace_days}",
            code="grace_invalid",
            details={"grace_days": grace_days},
        )
    if (
        isinstance(trigger_overdue_count, bool)
        or not isinstance(trigger_overdue_count, int)
        or trigger_overdue_count < 1
    ):
        raise NegotiationError(
            f"触发违约的逾期期数必须至少为 1：{trigger_overdue_count}",
            f"The overdue count that triggers a breach must be at least 1: {trigger_overdue_count}",
            code="trigger_invalid",
            details={"trigger_overdue_count": trigger_overdue_count},
        )
    try:
        consequence = Consequence(consequence)
    except ValueError:
        raise NegotiationError(
            f"未知的违约后果：{consequence!r}",
            f"Unknown breach consequence: {consequence!r}",
            code="consequence_invalid",
            details={"consequence": str(consequence), "allowed": [c.value for c in Consequence]},
        ) from None
    for index, payment in enumerate(payments):
        _check_payment(payment, index)

    amounts = [i.amount for i in schedule.installments]
    paid = [ZERO] * len(amounts)
    settled: list[dt.date | None] = [None] * len(amounts)
    surplus = ZERO
    counted = sorted((p for p in payments if p.paid_on <= today), key=lambda p: p.paid_on)
    cursor = 0
    for payment in counted:
        left = payment.amount
        while left > 0 and cursor < len(amounts):
            room = amounts[cursor] - paid[cursor]
            take = min(room, left)
            paid[cursor] += take
            left -= take
            if paid[cursor] == amounts[cursor]:
                settled[cursor] = payment.paid_on
                cursor += 1
        surplus += left

    grace = dt.timedelta(days=grace_days)
    statuses: list[InstallmentStatus] = []
    for index, inst in enumerate(schedule.installments):
        outstanding = amounts[index] - paid[index]
        state = (
            PaymentState.PAID
            if outstanding == 0
            else PaymentState.PARTLY_PAID
            if paid[index] > 0
            else PaymentState.UNPAID
        )
        overdue = outstanding > 0 and today > inst.due + grace
        settled_on = settled[index]
        statuses.append(
            InstallmentStatus(
                number=inst.number,
                due=inst.due,
                amount=amounts[index],
                paid=paid[index],
                outstanding=outstanding,
                state=state,
                overdue=overdue,
                days_overdue=(today - inst.due).days if overdue else 0,
                settled_on=settled_on,
                late=settled_on is not None and settled_on > inst.due + grace,
            )
        )

    overdue_list = [s for s in statuses if s.overdue]
    in_breach = len(overdue_list) >= trigger_overdue_count
    breach_since = None
    accelerated = None
    if in_breach:
        trigger = overdue_list[trigger_overdue_count - 1]
        breach_since = trigger.due + grace + dt.timedelta(days=1)
        if consequence is Consequence.ACCELERATION:
            accelerated = ZERO
            for status, inst in zip(statuses, schedule.installments, strict=True):
                if inst.due <= today:
                    accelerated += status.outstanding
                else:
                    accelerated += max(ZERO, inst.principal - status.paid)
    return BreachAssessment(
        today=today,
        installments=tuple(statuses),
        paid_total=sum(paid, ZERO),
        surplus=surplus,
        outstanding_total=sum((s.outstanding for s in statuses), ZERO),
        overdue_count=len(overdue_list),
        overdue_amount=sum((s.outstanding for s in overdue_list), ZERO),
        in_breach=in_breach,
        breach_since=breach_since,
        consequence=consequence if in_breach else None,
        accelerated_balance=accelerated,
    )


def _check_payment(payment: Payment, index: int) -> None:
    amount = payment.amount
    valid = (
        isinstance(amount, Decimal)
        and amount.is_finite()
        and amount > 0
        and (amount * 100) == (amount * 100).to_integral_value()
    )
    if not valid:
        raise NegotiationError(
            f"第 {index + 1} 笔付款金额无效（须为大于零、最多两位小数的 Decimal）：{amount}",
            f"Payment {index + 1} has an invalid amount (a positive Decimal with at most two "
            f"decimals is required): {amount}",
            code="payment_invalid",
            details={"index": index, "amount": str(amount)},
        )
