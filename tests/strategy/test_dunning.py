"""Follow-up schedules as data (issue 19, "at least as good as the ERP dunning tools"):
levels before and after the due date, per-debtor and per-creditor schedules, "send now",
capped fees and interest, one statement per debtor, reminders following an agreed plan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from qingqian.strategy.dunning import (
    Item,
    Terms,
    default_schedule,
    due_levels,
    items_for,
    load_schedule,
    resolve,
    statement,
)
from qingqian.strategy.errors import StrategyError

D = Decimal
TODAY = dt.date(2026, 11, 20)


def test_levels_before_and_after_the_due_date() -> None:
    s = default_schedule()
    assert [lv.offset_days for lv in s.levels] == [-7, 0, 7, 15, 30, 60]
    soon = Item("INV-1", TODAY + dt.timedelta(days=5), D("1000.00"))
    late = Item("INV-2", TODAY - dt.timedelta(days=20), D("2000.00"))
    fresh = Item("INV-3", TODAY + dt.timedelta(days=30), D("3000.00"))
    got = {(i.ref, lv.key) for i, lv in due_levels(s, [soon, late, fresh], today=TODAY)}
    assert got == {("INV-1", "pre7"), ("INV-2", "l2")}  # the highest level only, no backlog
    again = due_levels(s, [soon, late], today=TODAY, sent=got)
    assert again == []
    now = due_levels(s, [soon, late], today=TODAY, sent=got, force=True)  # "send now"
    assert len(now) == 2


def test_any_number_of_levels_strictly_ordered() -> None:
    levels = [{"key": f"l{i}", "offset_days": -30 + 10 * i, "channels": ["sms"]} for i in range(15)]
    s = load_schedule({"key": "long", "levels": levels})
    assert len(s.levels) == 15
    with pytest.raises(StrategyError) as err:
        load_schedule({"key": "bad", "levels": [levels[1], levels[0]]})
    assert err.value.code == "levels_out_of_order"
    with pytest.raises(StrategyError) as err:
        load_schedule(
            {"key": "bad", "levels": [{"key": "a", "offset_days": 1, "channels": ["fax"]}]}
        )
    assert err.value.code == "bad_channels"
    assert load_schedule(s.to_dict()) == s


def test_schedule_per_debtor_then_creditor_then_default() -> None:
    one = load_schedule(
        {"key": "d", "levels": [{"key": "a", "offset_days": 3, "channels": ["sms"]}]}
    )
    two = load_schedule(
        {"key": "c", "levels": [{"key": "a", "offset_days": 5, "channels": ["sms"]}]}
    )
    assert resolve(debtor=one, creditor=two).key == "d"
    assert resolve(debtor=None, creditor=two).key == "c"
    assert resolve(debtor=None, creditor=None).key == "standard"


def test_a_plan_replaces_the_invoices_it_covers() -> None:
    invoices = [
        Item("INV-1", dt.date(2026, 5, 1), D("6000.00")),
        Item("INV-2", dt.date(2026, 6, 1), D("4000.00")),
        Item("INV-9", dt.date(2026, 9, 1), D("500.00")),
    ]
    plan = [
        Item("PLAN-1/1", dt.date(2026, 11, 1), D("0.00"), "installment"),  # paid
        Item("PLAN-1/2", dt.date(2026, 11, 25), D("5000.00"), "installment"),
        Item("PLAN-1/3", dt.date(2026, 12, 25), D("5000.00"), "installment"),
    ]
    items = items_for(invoices, plan, covered=["INV-1", "INV-2"])
    assert [i.ref for i in items] == ["INV-9", "PLAN-1/2", "PLAN-1/3"]
    due = {(i.ref, lv.key) for i, lv in due_levels(default_schedule(), items, today=TODAY)}
    # a courtesy reminder before the next installment; nothing about the old invoices
    assert due == {("PLAN-1/2", "pre7"), ("INV-9", "l4")}


def test_one_statement_per_debtor_with_capped_fee_and_interest() -> None:
    s = load_schedule(
        {
            "key": "fees",
            "levels": [
                {"key": "l1", "offset_days": 10, "channels": ["email"], "fee": "300.00"},
                {
                    "key": "l2",
                    "offset_days": 30,
                    "channels": ["letter"],
                    "fee": "800.00",
                    "interest": True,
                },
            ],
        }
    )
    items = [
        Item("INV-1", TODAY - dt.timedelta(days=15), D("4000.00")),
        Item("INV-2", TODAY - dt.timedelta(days=73), D("10000.00")),
    ]
    allowed = Terms(fees_allowed=True, annual_rate=D("0.24"), rate_cap=D("0.124"))
    st = statement("吴江纺织有限公司", s, items, today=TODAY, terms=allowed)
    assert [ln.level for ln in st.lines] == ["l1", "l2"]
    assert st.rate == D("0.124") and "rate_capped" in st.notes
    assert st.lines[1].interest == D("248.00")  # 10,000 × 12.4 % × 73 / 365
    assert st.lines[0].interest == D("0")  # interest only from the level that says so
    assert st.fees == D("700.00") and "fee_capped" in st.notes  # 5 % of 14,000 = 700
    assert st.total == D("14000.00") + D("700.00") + D("248.00")
    none = statement("x", s, items, today=TODAY, terms=Terms())
    assert none.fees == D("0") and none.interest == D("0")
    assert "fees_not_allowed" in none.notes
    assert none.as_dict()["total"] == "14000.00"


def test_a_plan_statement_demands_only_what_is_due_and_names_the_next_installment() -> None:
    plan = [
        Item("P/1", TODAY - dt.timedelta(days=10), D("3000.00"), "installment"),
        Item("P/2", TODAY + dt.timedelta(days=5), D("3000.00"), "installment"),
        Item("P/3", TODAY + dt.timedelta(days=35), D("3000.00"), "installment"),
    ]
    st = statement("x", default_schedule(), plan, today=TODAY, terms=Terms())
    assert st.due_now == D("3000.00")  # the late installment only
    assert st.not_due == D("6000.00")  # the later ones are not demanded
    assert st.next_due is not None and st.next_due.ref == "P/2"
    assert st.as_dict()["due_now"] == "3000.00"


def test_private_loans_keep_fees_and_interest_within_the_combined_cap() -> None:
    s = load_schedule(
        {
            "key": "loan",
            "fees_agreed": True,
            "levels": [
                {"key": "l1", "offset_days": 10, "channels": ["letter"], "fee": "500.00"},
            ],
        }
    )
    assert s.fees_agreed and load_schedule(s.to_dict()) == s
    item = Item("L-1", TODAY - dt.timedelta(days=30), D("10000.00"))
    terms = Terms(fees_allowed=True, fee_cap_ratio=D("1"), combined_cap=True)
    st = statement("x", s, [item], today=TODAY, terms=terms)
    assert st.fees == D("101.92")  # 10,000 × 12.4 % × 30 / 365
    assert "fee_capped" in st.notes
    loose = statement("x", s, [item], today=TODAY, terms=Terms(fees_allowed=True))
    assert loose.fees == D("500.00")
    with pytest.raises(StrategyError) as err:
        load_schedule({**s.to_dict(), "fees_agreed": "yes"})
    assert err.value.code == "bad_fees_agreed"
