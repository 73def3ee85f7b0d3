"""Hypothesis properties from issue 3."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.calculators import (
    Debt,
    Interruption,
    LprTable,
    allocate,
    allocate_across,
    contingency_cap,
    court_fee,
    interest_cap,
    limitation_deadline,
)

CENT = Decimal("0.01")
amounts = st.integers(min_value=1, max_value=10_000_000_000).map(lambda f: Decimal(f) * CENT)
KINDS = ["property", "payment-order", "preservation", "enforcement"]


@settings(max_examples=300, deadline=None)
@given(a=amounts, b=amounts, kind=st.sampled_from(KINDS), halved=st.booleans())
def test_fees_never_decrease_as_amount_grows(
    a: Decimal, b: Decimal, kind: str, halved: bool
) -> None:
    low, high = sorted((a, b))
    flags = {"simplified": halved} if kind in ("property", "payment-order") else {}
    assert court_fee(low, kind=kind, **flags)["fee"] <= court_fee(high, kind=kind, **flags)["fee"]


@settings(max_examples=200, deadline=None)
@given(a=amounts, b=amounts)
def test_contingency_cap_monotone(a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    assert contingency_cap(low)["max_fee"] <= contingency_cap(high)["max_fee"]


parts = st.integers(min_value=0, max_value=10**12).map(lambda f: Decimal(f) * CENT)


@settings(max_examples=300, deadline=None)
@given(payment=amounts, costs=parts, interest=parts, principal=parts)
def test_allocation_conserves_money(
    payment: Decimal, costs: Decimal, interest: Decimal, principal: Decimal
) -> None:
    r = allocate(payment, costs=costs, interest=interest, principal=principal)
    paid = r["to_costs"] + r["to_interest"] + r["to_principal"] + r["to_delay_interest"]
    assert paid + r["surplus"] == payment
    assert r["to_costs"] + r["remaining_costs"] == costs
    assert r["to_interest"] + r["remaining_interest"] == interest
    assert r["to_principal"] + r["remaining_principal"] == principal
    # Art. 561: interest is touched only once costs are paid, principal only after interest.
    if r["to_interest"] > 0:
        assert r["remaining_costs"] == 0
    if r["to_principal"] > 0:
        assert r["remaining_interest"] == 0


debt_strategy = st.builds(
    lambda i, due, principal, interest, security, burden: Debt(
        f"d{i}",
        dt.date(2024, 1, 1) + dt.timedelta(days=due),
        principal,
        interest,
        0,
        security,
        burden,
    ),
    st.integers(0, 10**6),
    st.integers(0, 400),
    parts,
    parts,
    st.integers(0, 2),
    st.integers(0, 3),
)


@settings(max_examples=200, deadline=None)
@given(
    payment=amounts,
    debts=st.lists(debt_strategy, min_size=1, max_size=6, unique_by=lambda d: d.id),
)
def test_allocation_across_conserves_money(payment: Decimal, debts: list[Debt]) -> None:
    r = allocate_across(payment, debts, as_of=dt.date(2024, 7, 1))
    rows = r["debts"]
    assert sum((row["amount"] for row in rows), Decimal(0)) + r["surplus"] == payment
    for row in rows:
        assert row["to_costs"] + row["to_interest"] + row["to_principal"] == row["amount"]
        assert row["remaining"] >= 0


starts = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2026, 12, 31))


@settings(max_examples=300, deadline=None)
@given(start=starts, offset=st.integers(min_value=0, max_value=1500))
def test_interruption_never_makes_deadline_earlier(start: dt.date, offset: int) -> None:
    before = limitation_deadline(start)["deadline"]
    event = start + dt.timedelta(days=offset)
    after = limitation_deadline(start, interruptions=[Interruption(event)])["deadline"]
    assert after >= before


@settings(max_examples=300, deadline=None)
@given(day=st.dates(min_value=dt.date(2020, 8, 20), max_value=dt.date(2027, 12, 31)))
def test_cap_is_four_times_last_quote_on_or_before(day: dt.date) -> None:
    table = LprTable.default()
    last = [q for q in table.quotes if q.day <= day][-1]
    assert interest_cap(day)["annual_rate_cap"] == last.one_year * 4
