"""The portfolio plan without a database: coverage, consistent dates and money, legal routes,
determinism (pure: runs with or without Django)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from qingqian.cases.aging import BUCKETS, bucket_for
from qingqian.cases.lifecycle import Outcome, State
from qingqian.demo.plan import (
    AMOUNT_RANGES,
    DEBT_TYPES,
    MIN_CASES,
    ROUTES,
    TARGETS,
    Portfolio,
    plan_portfolio,
    route_is_legal,
)

TODAY = dt.date(2026, 3, 1)
NOW = dt.datetime(2026, 3, 1, 2, 30, tzinfo=ZoneInfo("UTC"))  # 10:30 in Suzhou


def _plan(count: int = 300, seed: int = 7) -> Portfolio:
    return plan_portfolio(count=count, seed=seed, today=TODAY, now=NOW)


@pytest.fixture(scope="module")
def book() -> Portfolio:
    return _plan()


def test_every_route_is_legal_and_every_target_has_one() -> None:
    assert {(s, o) for s, o, _ in TARGETS} == set(ROUTES)
    assert {s for s, _, _ in TARGETS} == set(State)
    assert {o for _, o, _ in TARGETS if o} == {o.value for o in Outcome}
    for (_, outcome), routes in ROUTES.items():
        for route in routes:
            assert route_is_legal(route, outcome), route


@pytest.mark.parametrize(
    ("route", "outcome"),
    [
        ((State.ACCEPTED,), ""),  # intake cannot jump to accepted
        ((State.CLOSED,), "paid_in_full"),  # never accepted: only withdrawn
        ((State.EVIDENCE_REVIEW, State.ACCEPTED, State.CLOSED), ""),  # closing needs an outcome
        (("nowhere",), ""),
    ],
)
def test_route_is_legal_refuses(route: tuple[str, ...], outcome: str) -> None:
    assert not route_is_legal(list(route), outcome)


@pytest.mark.parametrize("count", [MIN_CASES, 57])
def test_small_books_still_cover_everything(count: int) -> None:
    book = _plan(count)
    assert len(book.cases) == count
    assert {(c.state, c.outcome) for c in book.cases} == {(s.value, o) for s, o, _ in TARGETS}
    assert {c.debt_type for c in book.cases} == set(DEBT_TYPES)
    buckets = {bucket_for((TODAY - c.oldest_due_date).days).key for c in book.cases}
    assert buckets == {b.key for b in BUCKETS}
    assert set(book.creditor_logins.values()) <= {c.creditor for c in book.cases}


def test_too_few_cases_or_a_naive_now_are_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        _plan(MIN_CASES - 1)
    with pytest.raises(ValueError, match="aware"):
        plan_portfolio(count=30, seed=1, today=TODAY, now=dt.datetime(2026, 3, 1))


def test_same_seed_same_book_other_seed_other_book(book: Portfolio) -> None:
    assert _plan() == book
    other = _plan(seed=8)
    assert [c.principal for c in other.cases] != [c.principal for c in book.cases]


def test_timelines_tell_one_story(book: Portfolio) -> None:
    for c in book.cases:
        first = c.events[0]
        assert first.kind == "opened" and first.to_state == "intake" and first.at == c.opened_at
        times = [e.at for e in c.events]
        assert times == sorted(times) and len(set(times)) == len(times)
        assert times[-1] < NOW and c.updated_at == times[-1]
        moves = [e for e in c.events if e.kind == "state_changed"]
        route = [e.to_state for e in moves]
        assert route_is_legal(route, c.outcome)
        assert (route[-1] if route else "intake") == c.state
        assert [e.from_state for e in moves] == ["intake", *route][: len(route)]
        assert bool(c.outcome) == (c.state == "closed")
        opened = c.opened_at.astimezone(ZoneInfo("Asia/Shanghai")).date()
        assert c.oldest_due_date + dt.timedelta(days=3) <= opened < TODAY
        assert c.contract_date <= c.due_date == c.oldest_due_date
        assigned = [e.note for e in c.events if e.kind == "assigned"]
        assert (assigned[-1] if assigned else None) == c.handler
        if c.channel == "hotline":
            assert c.hotline is not None and c.hotline.received_at < c.opened_at
            assert c.events[1].kind == "hotline_linked"
        else:
            assert c.hotline is None


def test_money_reconciles(book: Portfolio) -> None:
    cent = Decimal("0.01")
    for c in book.cases:
        low, high = AMOUNT_RANGES[c.debt_type]
        assert low <= c.principal <= high
        assert c.principal == c.principal.quantize(cent)
        assert sum(i.amount for i in c.invoices) == c.principal
        assert sum(i.outstanding for i in c.invoices) == c.outstanding
        assert Decimal(0) <= c.outstanding <= c.principal
        assert all(Decimal(0) <= i.outstanding <= i.amount and i.amount > 0 for i in c.invoices)
        assert min(i.due_date for i in c.invoices) == c.oldest_due_date
        assert all(c.contract_date <= i.issue_date <= i.due_date for i in c.invoices)
        if c.outcome == "paid_in_full":
            assert c.outstanding == 0 and c.last_payment_date is not None
        assert (c.last_payment_date is not None) == (c.outstanding < c.principal)
        # Payments clear the oldest invoices first.
        open_flags = [i.outstanding > 0 for i in c.invoices]
        assert open_flags == sorted(open_flags)
    numbers: dict[int, list[str]] = defaultdict(list)
    for c in book.cases:
        numbers[c.creditor] += [i.number for i in c.invoices]
    assert all(len(set(v)) == len(v) for v in numbers.values())
    per_type = Counter(c.debt_type for c in book.cases for _ in c.invoices)
    cases_per_type = Counter(c.debt_type for c in book.cases)
    assert per_type["trade"] / cases_per_type["trade"] > 2.5  # several invoices a case


def test_parties_and_people(book: Portfolio) -> None:
    parties = book.parties
    clients = [p for p in parties if p.is_client]
    assert [p.kind for p in clients].count("company") == 3
    assert 3 <= [p.kind for p in clients].count("person") <= 6
    for c in book.cases:
        assert parties[c.creditor].is_client
        assert not set(c.debtors) & set(c.guarantors)
        assert c.debtor_name == parties[c.debtors[0]].name
        kinds = {parties[d].kind for d in c.debtors}
        assert kinds == ({"person"} if c.debt_type == "private_loan" else {"company"})
    owed: dict[int, set[int]] = defaultdict(set)
    for c in book.cases:
        owed[c.debtors[0]].add(c.creditor)
    assert sum(len(v) > 1 for v in owed.values()) >= 5  # debtors of several creditors
    assert sum(bool(c.guarantors) for c in book.cases) >= 15
    pairs = Counter((c.creditor, c.debtors[0]) for c in book.cases)
    assert max(pairs.values()) == 1  # one case groups a debtor's invoices per creditor
    handlers = Counter(c.handler for c in book.cases if c.handler)
    assert handlers["collector"] + handlers["collector2"] > sum(handlers.values()) / 2
    assert "collector3" not in handlers  # expired certificate: never given work
