from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.scoring.errors import ScoringError
from qingqian.scoring.queue import QueueConfig, QueueItem, order_queue

TODAY = dt.date(2026, 3, 2)
D = Decimal


def item(case: str, debtor: str, balance: str, score: int, **kw: object) -> QueueItem:
    return QueueItem(case_id=case, debtor_id=debtor, balance=D(balance), score=score, **kw)  # type: ignore[arg-type]


ITEMS = [
    item("C1", "alpha", "100000", 80, contact_attempts=2, contacts_reached=1),
    item("C2", "alpha", "20000", 50, contact_attempts=2, contacts_reached=1),
    item("C3", "beta", "500000", 30, contact_attempts=1, contacts_reached=1),
    item("C4", "gamma", "8000", 90, limitation_expires_on=dt.date(2026, 3, 20)),
    item("C5", "delta", "60000", 70, hours=D("2")),
    item("C6", "eps", "30000", 65, sla_due_on=dt.date(2026, 3, 5)),
    item("C7", "zeta", "90000", 75, next_contact_allowed_on=dt.date(2026, 3, 4)),
    item("C8", "eta", "40000", 20, dishonest_debtor=True, contact_attempts=3),
    item(
        "C9",
        "theta",
        "5000",
        60,
        promise_due_on=dt.date(2026, 3, 1),
        contact_attempts=1,
        contacts_reached=1,
    ),
]


def test_worked_queue() -> None:
    q = order_queue(ITEMS, today=TODAY)
    assert [e.debtor_id for e in q] == [
        "eps",
        "gamma",
        "alpha",
        "delta",
        "theta",
        "beta",
        "eta",
        "zeta",
    ]
    assert [e.rank for e in q] == list(range(1, 9))
    assert [e.tier for e in q] == [0, 0, 1, 1, 1, 2, 2, 3]
    alpha = q[2]
    assert alpha.case_ids == ("C1", "C2")
    assert alpha.balance == D("120000.00")
    assert alpha.expected_value == D("90000.00")
    assert alpha.score == 75
    assert alpha.value_per_hour == D("90000.00")  # 0.5 h counts as a whole hour
    assert alpha.value_per_hour <= alpha.expected_value <= alpha.balance
    assert alpha.action.code == "negotiate_plan"
    assert q[0].action.code == "meet_sla"
    assert q[0].deadline == dt.date(2026, 3, 5)
    assert q[1].action.code == "interrupt_limitation"
    assert q[1].action.reason_en == "The limitation period expires on 2026-03-20 (18 days left)"
    assert q[1].action.reason_zh == "诉讼时效于 2026-03-20 届满（剩 18 天）"
    assert q[3].value_per_hour == D("21000.00")  # 60000 × 0.7 / 2 h
    assert q[4].action.code == "promise_follow_up"
    assert q[5].action.code == "demand_letter"
    assert q[6].action.code == "legal_review"
    assert q[7].action.code == "wait"
    assert q[2].as_dict()["balance"] == "120000.00"


def test_threshold_is_configurable() -> None:
    q = order_queue(ITEMS, today=TODAY, config=QueueConfig(threshold=20))
    assert [e.debtor_id for e in q][2:7] == ["beta", "alpha", "delta", "eta", "theta"]


def test_expired_limitation_does_not_pull_forward() -> None:
    q = order_queue(
        [item("X", "x", "1000", 10, limitation_expires_on=dt.date(2026, 3, 1))], today=TODAY
    )
    assert q[0].tier == 2
    assert q[0].action.code == "first_contact"


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        (item("B", "b", "0", 50), "balance_not_positive"),
        (item("B", "b", "10", 101), "score_out_of_range"),
        (item("B", "b", "10", 50, hours=D("0")), "hours_not_positive"),
        (item("C1", "zz", "10", 50), "case_duplicated"),
    ],
)
def test_bad_items_are_refused(bad: QueueItem, code: str) -> None:
    with pytest.raises(ScoringError) as err:
        order_queue([ITEMS[0], bad], today=TODAY)
    assert err.value.code == code


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 9), st.integers(1, 10**7), st.integers(0, 100)),
        min_size=1,
        max_size=40,
    )
)
def test_one_entry_per_debtor_and_order_is_input_independent(
    rows: list[tuple[int, int, int]],
) -> None:
    items = [item(f"c{i}", f"d{d}", str(b), s) for i, (d, b, s) in enumerate(rows)]
    q = order_queue(items, today=TODAY)
    assert len(q) == len({i.debtor_id for i in items})
    assert sum(e.balance for e in q) == sum(i.balance for i in items)
    again = order_queue(list(reversed(items)), today=TODAY)
    assert [e.debtor_id for e in again] == [e.debtor_id for e in q]
    for a, b in itertools.pairwise(q):
        if a.tier == b.tier:
            assert a.value_per_hour >= b.value_per_hour
