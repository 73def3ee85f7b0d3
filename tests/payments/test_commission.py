"""Commission: legal-cap vectors, modes, minimum/cap, debt types and no rounding drift."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.fees.commission import (
    CONTINGENCY_CAP_2021,
    BandMode,
    FeeBand,
    FeeSchedule,
    agreement_in_force,
    commission_for_recovery,
    commission_on_total,
    commission_series,
    fee_agreement_from_data,
    fee_schedule_from_data,
    for_claim,
)
from qingqian.fees.errors import FeeError

D = Decimal


@pytest.mark.parametrize(
    ("recovered", "expected"),
    [
        ("800000", "144000.00"),
        ("1000000", "180000.00"),
        ("3000000", "480000.00"),
        ("8000000", "1140000.00"),
        ("20000000", "2280000.00"),
        ("60000000", "5580000.00"),
        ("0", "0.00"),
        ("0.01", "0.00"),  # 0.0018 rounds to 0.00
        ("0.03", "0.01"),  # 0.0054 rounds half-up to 0.01
    ],
)
def test_contingency_cap_2021_vectors(recovered: str, expected: str) -> None:
    assert commission_on_total(CONTINGENCY_CAP_2021, D(recovered)) == D(expected)


TIERS = {
    "mode": "marginal",
    "bands": [
        {"up_to": "100000", "rate": "0.20"},
        {"up_to": "500000", "rate": "0.15"},
        {"up_to": None, "rate": "0.10"},
    ],
    "minimum": "1000",
    "cap": "80000",
}


@pytest.mark.parametrize(
    ("mode", "recovered", "expected"),
    [
        ("marginal", "3000", "1000.00"),  # 600 → minimum 1,000
        ("marginal", "500", "500.00"),  # minimum, but never more than recovered
        ("marginal", "100000", "20000.00"),
        ("marginal", "300000", "50000.00"),  # 20,000 + 30,000
        ("marginal", "600000", "80000.00"),  # 20,000 + 60,000 + 10,000 = 90,000 → cap
        ("flat", "100000", "20000.00"),
        ("flat", "100000.01", "15000.00"),  # whole total at 15 %
        ("flat", "300000", "45000.00"),
        ("flat", "700000", "70000.00"),
        ("flat", "900000", "80000.00"),  # cap
    ],
)
def test_modes_minimum_and_cap(mode: str, recovered: str, expected: str) -> None:
    schedule = fee_schedule_from_data(TIERS | {"mode": mode})
    assert commission_on_total(schedule, D(recovered)) == D(expected)


def test_per_recovery_commission_uses_cumulative_differences() -> None:
    schedule = fee_schedule_from_data(TIERS | {"minimum": None, "cap": None})
    series = commission_series(schedule, [D("60000"), D("60000"), D("-20000"), D("0.07")])
    assert [str(r.commission) for r in series] == ["12000.00", "11000.00", "-3000.00", "0.01"]
    assert [str(r.net) for r in series] == ["48000.00", "49000.00", "-17000.00", "0.06"]
    assert sum(r.commission for r in series) == commission_on_total(schedule, D("100000.07"))


def test_flat_band_drop_gives_a_credit() -> None:
    schedule = fee_schedule_from_data(TIERS | {"mode": "flat", "minimum": None, "cap": None})
    item = commission_for_recovery(schedule, recovered_before=D("90000"), amount=D("20000"))
    # 18,000 on 90,000 → 16,500 on 110,000 (whole total at 15 %)
    assert item.commission == D("-1500.00")


def test_agreement_by_debt_type_and_date() -> None:
    old = fee_agreement_from_data(
        {"valid_from": "2026-01-01", "default": TIERS, "by_debt_type": {}}
    )
    new = fee_agreement_from_data(
        {
            "valid_from": "2027-01-01",
            "default": TIERS,
            "by_debt_type": {
                "trade_receivable": {"mode": "flat", "bands": [{"up_to": None, "rate": "0.08"}]}
            },
        }
    )
    agreement = agreement_in_force([old, new], dt.date(2027, 6, 1))
    assert agreement is new
    assert agreement_in_force([old, new], dt.date(2026, 12, 31)) is old
    schedule = agreement.schedule_for("trade_receivable")
    assert commission_on_total(schedule, D("12345.67")) == D("987.65")  # 987.6536
    assert agreement.schedule_for("loan") == agreement.default
    with pytest.raises(FeeError) as caught:
        agreement_in_force([old, new], dt.date(2025, 1, 1))
    assert caught.value.code == "commission_no_agreement"
    bare = fee_agreement_from_data({"valid_from": "2027-01-01", "by_debt_type": {}})
    with pytest.raises(FeeError) as caught:
        bare.schedule_for("loan")
    assert caught.value.code == "commission_no_schedule"


@pytest.mark.parametrize(
    "data",
    [
        {"mode": "tiered", "bands": [{"up_to": None, "rate": "0.1"}]},
        {"mode": "marginal", "bands": []},
        {"mode": "marginal", "bands": [{"up_to": None, "rate": 0.1}]},  # float
        {"mode": "marginal", "bands": [{"up_to": None, "rate": "1.5"}]},
        {"mode": "marginal", "bands": [{"up_to": None, "rate": "-0.1"}]},
        {"mode": "marginal", "bands": [{"up_to": "100", "rate": "0.1"}]},  # last not open
        {
            "mode": "marginal",
            "bands": [{"up_to": None, "rate": "0.1"}, {"up_to": None, "rate": "0.1"}],
        },
        {
            "mode": "marginal",
            "bands": [
                {"up_to": "100", "rate": "0.1"},
                {"up_to": "50", "rate": "0.1"},
                {"up_to": None, "rate": "0.1"},
            ],
        },
        {"mode": "flat", "bands": [{"up_to": None, "rate": "0.1"}], "minimum": "10", "cap": "5"},
        {"mode": "flat", "bands": [{"up_to": None, "rate": "abc"}]},
    ],
)
def test_bad_schedules_are_refused(data) -> None:
    with pytest.raises(FeeError) as caught:
        fee_schedule_from_data(data)
    assert caught.value.code == "commission_schedule_invalid"
    assert caught.value.message_zh
    assert caught.value.message_en


@pytest.mark.parametrize(
    ("before", "amount", "code"),
    [
        ("100", "-100.01", "commission_reversal_too_large"),
        ("100", "0", "commission_amount_invalid"),
        ("100", "1.001", "commission_amount_invalid"),
        ("-1", "10", "commission_amount_invalid"),
    ],
)
def test_bad_recoveries_are_refused(before: str, amount: str, code: str) -> None:
    with pytest.raises(FeeError) as caught:
        commission_for_recovery(CONTINGENCY_CAP_2021, recovered_before=D(before), amount=D(amount))
    assert caught.value.code == code


fen = st.integers(1, 10**10).map(lambda f: D(f) / 100)


@st.composite
def schedules(draw) -> FeeSchedule:
    limits = sorted(set(draw(st.lists(st.integers(1, 10**8), max_size=4))))
    rates = draw(
        st.lists(
            st.integers(0, 10000).map(lambda r: D(r) / 10000),
            min_size=len(limits) + 1,
            max_size=len(limits) + 1,
        )
    )
    bands = [FeeBand(D(u), r) for u, r in zip(limits, rates, strict=False)]
    bands.append(FeeBand(None, rates[-1]))
    minimum = draw(st.one_of(st.none(), st.integers(0, 10**6).map(D)))
    cap = draw(st.one_of(st.none(), st.integers(10**6, 10**8).map(D)))
    return FeeSchedule(
        mode=draw(st.sampled_from([BandMode.MARGINAL, BandMode.FLAT])),
        bands=tuple(bands),
        minimum=minimum,
        cap=cap,
    )


@st.composite
def resolved_schedules(draw) -> FeeSchedule:
    """Any schedule a case is charged on: marginal, flat, or by-claim resolved for a claim."""
    schedule = draw(schedules())
    if draw(st.booleans()):
        schedule = for_claim(
            dataclasses.replace(schedule, mode=BandMode.BY_CLAIM),
            D(draw(st.integers(0, 10**10))) / 100,
        )
    return schedule


@settings(max_examples=300, deadline=None)
@given(schedule=resolved_schedules(), moves=st.lists(st.tuples(fen, st.booleans()), max_size=20))
def test_no_rounding_drift(schedule: FeeSchedule, moves) -> None:
    amounts: list[Decimal] = []
    running = D(0)
    for amount, reverse in moves:
        if reverse and amount <= running:
            amounts.append(-amount)
            running -= amount
        else:
            amounts.append(amount)
            running += amount
    series = commission_series(schedule, amounts)
    assert sum((r.commission for r in series), D(0)) == commission_on_total(schedule, running)
    for item in series:
        assert D(0) <= item.commission_after <= item.recovered_after
        if schedule.cap is not None:
            assert item.commission_after <= schedule.cap
        if schedule.mode is BandMode.MARGINAL and item.amount > 0:
            assert item.commission >= 0
        assert item.commission == item.commission.quantize(D("0.01"))
