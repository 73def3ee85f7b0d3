"""Breach detection: installment states, grace, consequences, accelerated balance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.negotiation.breach import Consequence, Payment, PaymentState, assess_plan
from qingqian.negotiation.errors import NegotiationError
from qingqian.negotiation.plans import InterestTerms, plan_equal

D = Decimal
day = dt.date


def plan3():
    # 1,000 due on 2027-02-15, 03-15 and 04-15.
    return plan_equal(total=D("3000"), months=3, start=(2027, 2), day=15)


def states(result):
    return [(s.state.value, str(s.outstanding), s.overdue) for s in result.installments]


def test_within_grace_is_not_overdue() -> None:
    result = assess_plan(
        plan3(), [], today=day(2027, 2, 20), grace_days=5, consequence=Consequence.REMINDER
    )
    assert not result.in_breach
    assert result.consequence is None
    assert result.overdue_count == 0


def test_day_after_grace_is_breach_with_reminder() -> None:
    result = assess_plan(
        plan3(), [], today=day(2027, 2, 21), grace_days=5, consequence=Consequence.REMINDER
    )
    assert result.in_breach
    assert result.consequence is Consequence.REMINDER
    assert result.breach_since == day(2027, 2, 21)
    assert result.installments[0].days_overdue == 6
    assert result.overdue_amount == D("1000.00")
    assert result.accelerated_balance is None


def test_partly_paid_and_acceleration() -> None:
    payments = [Payment(D("1000"), day(2027, 2, 10)), Payment(D("500"), day(2027, 3, 18))]
    result = assess_plan(
        plan3(),
        payments,
        today=day(2027, 3, 25),
        grace_days=5,
        consequence=Consequence.ACCELERATION,
    )
    assert states(result) == [
        ("paid", "0.00", False),
        ("partly_paid", "500.00", True),
        ("unpaid", "1000.00", False),
    ]
    assert result.installments[0].settled_on == day(2027, 2, 10)
    assert not result.installments[0].late
    assert result.installments[1].days_overdue == 10
    assert result.in_breach
    assert result.accelerated_balance == D("1500.00")
    assert result.outstanding_total == D("1500.00")
    assert result.paid_total == D("1500.00")


def test_acceleration_drops_unearned_interest() -> None:
    terms = InterestTerms(annual_rate=D("0.12"), cap=D("0.12"), accrues_from=day(2027, 1, 1))
    schedule = plan_equal(total=D("3000"), months=3, start=(2027, 2), interest=terms)
    # amounts 1030.58 (02-01), 1018.41 (03-01), 1010.19 (04-01)
    payments = [Payment(D("1030.58"), day(2027, 2, 1)), Payment(D("500"), day(2027, 2, 20))]
    result = assess_plan(
        schedule,
        payments,
        today=day(2027, 3, 10),
        grace_days=0,
        consequence=Consequence.ACCELERATION,
    )
    assert states(result)[1] == ("partly_paid", "518.41", True)
    assert result.outstanding_total == D("1528.60")
    assert result.accelerated_balance == D("1518.41")  # 518.41 due + 1,000 future principal


def test_trigger_count_two() -> None:
    kwargs = {"grace_days": 0, "consequence": "return_to_strategy", "trigger_overdue_count": 2}
    one = assess_plan(plan3(), [], today=day(2027, 3, 1), **kwargs)
    assert one.overdue_count == 1
    assert not one.in_breach
    two = assess_plan(plan3(), [], today=day(2027, 3, 16), **kwargs)
    assert two.in_breach
    assert two.consequence is Consequence.RETURN_TO_STRATEGY
    assert two.breach_since == day(2027, 3, 16)


def test_late_payment_surplus_and_future_payments() -> None:
    payments = [
        Payment(D("1000"), day(2027, 2, 25)),
        Payment(D("4000"), day(2027, 3, 1)),
        Payment(D("77"), day(2027, 5, 1)),  # after today: not counted
    ]
    result = assess_plan(
        plan3(), payments, today=day(2027, 4, 30), grace_days=5, consequence="reminder"
    )
    assert [s.state for s in result.installments] == [PaymentState.PAID] * 3
    assert result.installments[0].late
    assert not result.installments[1].late
    assert result.surplus == D("2000")
    assert not result.in_breach


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"grace_days": -1}, "grace_invalid"),
        ({"trigger_overdue_count": 0}, "trigger_invalid"),
        ({"consequence": "jail"}, "consequence_invalid"),
        ({"payments": [Payment(D("0"), day(2027, 1, 1))]}, "payment_invalid"),
        ({"payments": [Payment(D("1.001"), day(2027, 1, 1))]}, "payment_invalid"),
        ({"payments": [Payment(1.5, day(2027, 1, 1))]}, "payment_invalid"),  # type: ignore[arg-type]
    ],
)
def test_bad_breach_input(kwargs, code) -> None:
    args = {
        "payments": [],
        "today": day(2027, 3, 1),
        "grace_days": 0,
        "consequence": "reminder",
    } | kwargs
    payments = args.pop("payments")
    with pytest.raises(NegotiationError) as caught:
        assess_plan(plan3(), payments, **args)
    assert caught.value.code == code


@settings(max_examples=200, deadline=None)
@given(
    total_fen=st.integers(100, 10**8),
    months=st.integers(1, 12),
    pays=st.lists(st.tuples(st.integers(1, 10**7), st.integers(0, 500)), max_size=10),
    today_offset=st.integers(0, 500),
    grace=st.integers(0, 30),
)
def test_money_is_conserved_in_assessment(total_fen, months, pays, today_offset, grace) -> None:
    schedule = plan_equal(total=D(total_fen) / 100, months=months, start=(2027, 1), day=31)
    base = day(2026, 12, 1)
    payments = [Payment(D(f) / 100, base + dt.timedelta(days=o)) for f, o in pays]
    today = base + dt.timedelta(days=today_offset)
    result = assess_plan(
        schedule, payments, today=today, grace_days=grace, consequence="acceleration"
    )
    counted = sum((p.amount for p in payments if p.paid_on <= today), D(0))
    assert result.paid_total + result.surplus == counted
    assert result.paid_total + result.outstanding_total == schedule.amount_total
    assert all(D(0) <= s.paid <= s.amount for s in result.installments)
    if result.accelerated_balance is not None:
        assert D(0) < result.accelerated_balance <= result.outstanding_total
    paid_flags = [s.state is PaymentState.PAID for s in result.installments]
    assert paid_flags == sorted(paid_flags, reverse=True)  # paid in order
