"""Installment planner: worked examples, refusals and hypothesis properties."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.negotiation.errors import NegotiationError
from qingqian.negotiation.plans import (
    InterestTerms,
    group_months,
    parse_profile,
    parse_year_month,
    plan_custom,
    plan_equal,
    plan_seasonal,
)

D = Decimal
GUSU = "1,1,1,2,2,1,1,1,1,3,1,1"


def amounts(schedule) -> list[str]:
    return [str(i.amount) for i in schedule.installments]


def dues(schedule) -> list[str]:
    return [i.due.isoformat() for i in schedule.installments]


def test_issue_example_exact_output() -> None:
    schedule = plan_seasonal(
        total=D("120000"),
        months=12,
        profile=parse_profile(GUSU),
        start=(2027, 1),
        min_installment=D("500"),
    )
    assert schedule.as_dict() == {
        "installments": [
            {"due": f"2027-{m:02d}-01", "amount": a}
            for m, a in zip(
                range(1, 13),
                [
                    "7500.00",
                    "7500.00",
                    "7500.00",
                    "15000.00",
                    "15000.00",
                    "7500.00",
                    "7500.00",
                    "7500.00",
                    "7500.00",
                    "22500.00",
                    "7500.00",
                    "7500.00",
                ],
                strict=True,
            )
        ],
        "total": "120000.00",
    }


@pytest.mark.parametrize(
    ("total", "months", "profile", "start", "day", "minimum", "expected_amounts", "expected_dues"),
    [
        # 7 weight units over 5 months: 14,285.79 a unit; floors, remainder + fen on the last.
        (
            "100000.55",
            5,
            "1,2",
            (2027, 1),
            31,
            None,
            ["14285.00", "28571.00", "14285.00", "28571.00", "14288.55"],
            ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31"],
        ),
        # Leap year clamp: 31 → 29 February 2028.
        (
            "300",
            3,
            "1",
            (2027, 12),
            31,
            None,
            ["100.00", "100.00", "100.00"],
            ["2027-12-31", "2028-01-31", "2028-02-29"],
        ),
        # Minimum 300 with 83.33 a month: months merge in fours, due in the 4th month.
        (
            "1000",
            12,
            "1",
            (2027, 1),
            15,
            "300",
            ["333.00", "333.00", "334.00"],
            ["2027-04-15", "2027-08-15", "2027-12-15"],
        ),
        # Minimum 400: groups of 5 months (416.67); the 2-month tail joins the last group.
        (
            "1000",
            12,
            "1",
            (2027, 1),
            15,
            "400",
            ["416.00", "584.00"],
            ["2027-05-15", "2027-12-15"],
        ),
        # Zero-weight months carry nothing: they are deferred into the next paying month.
        (
            "9000",
            6,
            "0,1,2",
            (2027, 1),
            10,
            None,
            ["1500.00", "3000.00", "1500.00", "3000.00"],
            ["2027-02-10", "2027-03-10", "2027-05-10", "2027-06-10"],
        ),
        # Trailing zero weight: the last installment moves to the plan's last month.
        (
            "1000",
            3,
            "1,1,0",
            (2027, 1),
            5,
            None,
            ["500.00", "500.00"],
            ["2027-01-05", "2027-03-05"],
        ),
        # Profile longer than the plan: only the first months are used.
        (
            "600",
            2,
            "1,2,3,4",
            (2027, 1),
            1,
            None,
            ["200.00", "400.00"],
            ["2027-01-01", "2027-02-01"],
        ),
        # Decimal weights.
        (
            "1000",
            3,
            "0.5,1.5,2",
            (2027, 1),
            1,
            None,
            ["125.00", "375.00", "500.00"],
            ["2027-01-01", "2027-02-01", "2027-03-01"],
        ),
    ],
)
def test_seasonal_worked_examples(
    total, months, profile, start, day, minimum, expected_amounts, expected_dues
) -> None:
    schedule = plan_seasonal(
        total=D(total),
        months=months,
        profile=parse_profile(profile),
        start=start,
        day=day,
        min_installment=None if minimum is None else D(minimum),
    )
    assert amounts(schedule) == expected_amounts
    assert dues(schedule) == expected_dues
    assert schedule.amount_total == D(total)


def test_equal_plans_use_the_same_rounding() -> None:
    assert amounts(plan_equal(total=D("1000"), months=3, start=(2027, 1))) == [
        "333.00",
        "333.00",
        "334.00",
    ]
    assert amounts(plan_equal(total=D("1000000"), months=7, start=(2027, 1))) == [
        "142857.00",
        "142857.00",
        "142857.00",
        "142857.00",
        "142857.00",
        "142857.00",
        "142858.00",
    ]
    assert amounts(plan_equal(total=D("200.99"), months=3, start=(2027, 1))) == [
        "66.00",
        "66.00",
        "68.99",
    ]
    schedule = plan_equal(total=D("12"), months=12, start=(2027, 1), min_installment=D("5"))
    assert amounts(schedule) == ["5.00", "7.00"]  # 5 months, then 5 + a 2-month tail
    assert dues(schedule) == ["2027-05-01", "2027-12-01"]


def test_capacity_keeps_each_installment_within_reach() -> None:
    # Capacity 1,000 per weight unit: 16,000 total capacity; plan 15,999.99.
    schedule = plan_seasonal(
        total=D("15999.99"),
        months=12,
        profile=parse_profile(GUSU),
        start=(2027, 1),
        base_capacity=D("1000"),
    )
    for inst in schedule.installments:
        assert inst.capacity is not None
        assert inst.amount <= inst.capacity
    assert schedule.amount_total == D("15999.99")
    # Floors are 999/1999/2999; the last would carry 1,010.99 > 1,000, so 11 yuan move to the
    # 11 earlier installments (1 yuan of room each) and the last keeps 999.99.
    assert amounts(schedule) == [
        "1000.00",
        "1000.00",
        "1000.00",
        "2000.00",
        "2000.00",
        "1000.00",
        "1000.00",
        "1000.00",
        "1000.00",
        "3000.00",
        "1000.00",
        "999.99",
    ]
    assert [str(i.capacity) for i in schedule.installments][:4] == [
        "1000.00",
        "1000.00",
        "1000.00",
        "2000.00",
    ]


def test_capacity_shortfall_is_refused_with_the_amount() -> None:
    with pytest.raises(NegotiationError) as caught:
        plan_seasonal(
            total=D("120000"),
            months=12,
            profile=parse_profile(GUSU),
            start=(2027, 1),
            base_capacity=D("7000"),
        )
    assert caught.value.code == "capacity_insufficient"
    assert caught.value.details == {"shortfall": "8000.00", "reason": "total"}
    assert "8000.00" in caught.value.message_zh
    assert "8000.00" in caught.value.message_en


def test_rounding_shortfall_reported_when_fen_cannot_fit() -> None:
    # Capacity 100.50 a month, 2 months, total 201.00: non-last installments must be whole
    # yuan (≤ 100), so the last would need 101.00 > 100.50.
    with pytest.raises(NegotiationError) as caught:
        plan_seasonal(
            total=D("201"), months=2, profile=[D(1)], start=(2027, 1), base_capacity=D("100.50")
        )
    assert caught.value.code == "capacity_insufficient"
    assert caught.value.details["reason"] == "rounding"
    assert caught.value.details["shortfall"] == "1.00"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1,-1,2", "profile_negative"),
        ("0,0,0", "profile_all_zero"),
        ("", "profile_invalid"),
        ("1,,2", "profile_invalid"),
        ("1,a", "profile_invalid"),
        ("1,NaN", "profile_invalid"),
        ("1,inf", "profile_invalid"),
    ],
)
def test_bad_profiles_are_refused_bilingually(text: str, code: str) -> None:
    with pytest.raises(NegotiationError) as caught:
        parse_profile(text)
    assert caught.value.code == code
    assert caught.value.message_zh
    assert caught.value.message_en
    assert caught.value.message_zh != caught.value.message_en


def test_profile_with_zero_weights_over_the_plan_months_is_refused() -> None:
    with pytest.raises(NegotiationError) as caught:
        plan_seasonal(total=D("100"), months=2, profile=parse_profile("0,0,1"), start=(2027, 1))
    assert caught.value.code == "profile_all_zero"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"total": D("0")}, "amount_not_positive"),
        ({"total": D("-5")}, "amount_not_positive"),
        ({"total": D("1.005")}, "amount_too_precise"),
        ({"total": 100.0}, "amount_invalid"),
        ({"months": 0}, "months_invalid"),
        ({"months": 361}, "months_invalid"),
        ({"day": 0}, "day_invalid"),
        ({"day": 32}, "day_invalid"),
        ({"min_installment": D("500.50")}, "minimum_not_whole_yuan"),
        ({"min_installment": D("2000")}, "minimum_above_total"),
        ({"base_capacity": D("0")}, "capacity_invalid"),
    ],
)
def test_bad_plan_input_is_refused(kwargs, code) -> None:
    args = {"total": D("1000"), "months": 3, "profile": [D(1)], "start": (2027, 1)} | kwargs
    with pytest.raises(NegotiationError) as caught:
        plan_seasonal(**args)
    assert caught.value.code == code


def test_parse_year_month() -> None:
    assert parse_year_month("2027-01") == (2027, 1)
    for bad in ("2027-13", "2027-1", "27-01", "2027/01", ""):
        with pytest.raises(NegotiationError) as caught:
            parse_year_month(bad)
        assert caught.value.code == "start_invalid"


# --------------------------------------------------------------------------- interest


def test_interest_on_declining_balance() -> None:
    terms = InterestTerms(annual_rate=D("0.12"), cap=D("0.12"), accrues_from=dt.date(2027, 1, 1))
    schedule = plan_equal(total=D("3000"), months=3, start=(2027, 2), interest=terms)
    # 3000 × 12% × 31/365 = 30.58; 2000 × 12% × 28/365 = 18.41; 1000 × 12% × 31/365 = 10.19
    assert [str(i.interest) for i in schedule.installments] == ["30.58", "18.41", "10.19"]
    assert amounts(schedule) == ["1030.58", "1018.41", "1010.19"]
    assert schedule.as_dict()["total"] == "3059.18"
    assert schedule.total == D("3000.00")


def test_interest_above_cap_is_refused() -> None:
    terms = InterestTerms(annual_rate=D("0.18"), cap=D("0.12"), accrues_from=dt.date(2027, 1, 1))
    with pytest.raises(NegotiationError) as caught:
        plan_equal(total=D("3000"), months=3, start=(2027, 2), interest=terms)
    assert caught.value.code == "interest_above_cap"
    assert caught.value.details == {"annual_rate": "0.18", "cap": "0.12"}


def test_interest_must_start_before_first_due_and_fit_capacity() -> None:
    late = InterestTerms(annual_rate=D("0.1"), cap=D("0.12"), accrues_from=dt.date(2027, 2, 1))
    with pytest.raises(NegotiationError) as caught:
        plan_equal(total=D("3000"), months=3, start=(2027, 2), interest=late)
    assert caught.value.code == "interest_invalid"
    terms = InterestTerms(annual_rate=D("0.1"), cap=D("0.12"), accrues_from=dt.date(2027, 1, 1))
    with pytest.raises(NegotiationError) as caught:
        plan_seasonal(
            total=D("3000"),
            months=3,
            profile=[D(1)],
            start=(2027, 2),
            base_capacity=D("1000"),
            interest=terms,
        )
    assert caught.value.code == "capacity_insufficient"
    assert caught.value.details == {"shortfall": "25.48", "reason": "interest", "installment": 1}


# --------------------------------------------------------------------------- custom


def test_custom_plan() -> None:
    schedule = plan_custom(
        total=D("1000.50"),
        installments=[(dt.date(2027, 3, 1), D("200")), (dt.date(2027, 5, 1), D("800.50"))],
        min_installment=D("100"),
    )
    assert amounts(schedule) == ["200.00", "800.50"]
    assert schedule.installments[1].months == ("2027-05",)


@pytest.mark.parametrize(
    ("items", "code"),
    [
        (
            [(dt.date(2027, 3, 1), D("200")), (dt.date(2027, 3, 1), D("800"))],
            "due_dates_not_increasing",
        ),
        ([(dt.date(2027, 3, 1), D("200")), (dt.date(2027, 4, 1), D("700"))], "custom_sum_mismatch"),
        ([(dt.date(2027, 3, 1), D("50")), (dt.date(2027, 4, 1), D("950"))], "below_minimum"),
        ([(dt.date(2027, 3, 1), D("0")), (dt.date(2027, 4, 1), D("1000"))], "amount_not_positive"),
        ([], "custom_empty"),
    ],
)
def test_custom_plan_refusals(items, code) -> None:
    with pytest.raises(NegotiationError) as caught:
        plan_custom(total=D("1000"), installments=items, min_installment=D("100"))
    assert caught.value.code == code


def test_custom_mismatch_reports_difference() -> None:
    with pytest.raises(NegotiationError) as caught:
        plan_custom(total=D("1000"), installments=[(dt.date(2027, 3, 1), D("999.99"))])
    assert caught.value.details["difference"] == "0.01"


# --------------------------------------------------------------------------- properties

weights = st.lists(
    st.one_of(st.integers(0, 5).map(D), st.sampled_from([D("0.5"), D("1.25"), D("2.75")])),
    min_size=1,
    max_size=12,
)


def _feasible_given_groups(total_fen, groups, caps_fen, minimum) -> bool:
    """Independent check: can whole-yuan non-last installments and a last one holding the fen
    fit the group capacities and the minimum?"""
    last_cap = caps_fen[-1]
    his = [(c // 100) * 100 for c in caps_fen[:-1]]
    lo = minimum * (len(groups) - 1)
    value = total_fen % 100
    while value <= last_cap:
        if value >= minimum and lo <= total_fen - value <= sum(his):
            return True
        value += 100
    return False


def _assert_refusal_is_justified(error, total_fen, months, profile, minimum_yuan, base) -> None:
    total = D(total_fen) / 100
    expanded = [profile[k % len(profile)] for k in range(months)]
    if error.code == "profile_all_zero":
        assert all(w == 0 for w in expanded)
        return
    if error.code == "minimum_above_total":
        assert minimum_yuan is not None
        assert minimum_yuan > total
        return
    assert error.code == "capacity_insufficient"
    assert D(error.details["shortfall"]) > 0
    assert base is not None
    weight_sum = sum(expanded)
    if error.details["reason"] == "total":
        assert total > weight_sum * base
        return
    shares = [Fraction(total_fen) * Fraction(w) / Fraction(weight_sum) for w in expanded]
    minimum_fen = 100 if minimum_yuan is None else minimum_yuan * 100
    groups = group_months(shares, minimum_fen)
    caps = [int(sum(Fraction(expanded[k]) for k in g) * Fraction(base) * 100) for g in groups]
    assert not _feasible_given_groups(total_fen, groups, caps, minimum_fen)


@settings(max_examples=400, deadline=None)
@given(
    total_fen=st.integers(100, 10**10),
    months=st.integers(1, 36),
    profile=weights,
    minimum_yuan=st.one_of(st.none(), st.integers(1, 5000)),
    base=st.one_of(st.none(), st.integers(1, 10**7).map(lambda f: D(f) / 100)),
    day=st.integers(1, 31),
    start_month=st.integers(1, 12),
)
def test_schedules_are_exact_and_within_bounds(
    total_fen, months, profile, minimum_yuan, base, day, start_month
) -> None:
    _run_and_check(total_fen, months, profile, minimum_yuan, base, day, start_month)


@settings(max_examples=300, deadline=None)
@given(
    total_fen=st.integers(100, 10**8),
    months=st.integers(1, 24),
    profile=weights,
    minimum_yuan=st.one_of(st.none(), st.integers(1, 500)),
    slack=st.sampled_from(["1", "1.0001", "1.001", "1.01", "1.1"]),
)
def test_tight_capacity(total_fen, months, profile, minimum_yuan, slack) -> None:
    weight_sum = sum(profile[k % len(profile)] for k in range(months))
    base = None
    if weight_sum:
        base = (D(total_fen) / 100 / weight_sum * D(slack)).quantize(D("0.01"))
        base = max(base, D("0.01"))
    _run_and_check(total_fen, months, profile, minimum_yuan, base, 28, 1)


def _run_and_check(total_fen, months, profile, minimum_yuan, base, day, start_month) -> None:
    total = D(total_fen) / 100
    minimum = None if minimum_yuan is None else D(minimum_yuan)
    error: NegotiationError | None = None
    try:
        schedule = plan_seasonal(
            total=total,
            months=months,
            profile=profile,
            start=(2027, start_month),
            day=day,
            min_installment=minimum,
            base_capacity=base,
        )
    except NegotiationError as exc:
        error = exc
    if error is not None:
        _assert_refusal_is_justified(error, total_fen, months, profile, minimum_yuan, base)
        return

    insts = schedule.installments
    assert sum(i.amount for i in insts) == total
    floor = minimum if minimum is not None else D(1)
    assert all(i.amount >= floor for i in insts)
    assert all(i.amount > 0 for i in insts)
    assert all(i.principal == i.principal.to_integral_value() for i in insts[:-1])
    assert all(a.due < b.due for a, b in itertools.pairwise(insts))
    covered = [m for i in insts for m in i.months]
    assert len(covered) == months
    assert covered == sorted(covered)
    assert len(set(covered)) == months
    for inst in insts:
        assert inst.due.day == min(day, 28) or inst.due.day >= 28
        assert f"{inst.due.year:04d}-{inst.due.month:02d}" == inst.months[-1]
        if base is not None:
            assert inst.capacity is not None
            assert inst.amount <= inst.capacity


@settings(max_examples=200, deadline=None)
@given(total_fen=st.integers(100, 10**9), months=st.integers(1, 60))
def test_equal_plans_differ_only_on_the_last(total_fen, months) -> None:
    schedule = plan_equal(total=D(total_fen) / 100, months=months, start=(2027, 1))
    values = [i.amount for i in schedule.installments]
    assert sum(values) == D(total_fen) / 100
    assert len(set(values[:-1])) <= 1
    assert values[-1] >= values[0]
