"""Hypothesis: whatever payments, set-offs, court receipts and reversals are recorded on
whichever cases and days, the KPI totals reconcile with the payment journal and the trust
ledger to the fen (overall, per creditor, and bucket by bucket of any grain), and a case is
counted in one acceptance cohort once however often it was accepted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingqian.cases.models import Case, TimelineEvent
from qingqian.kpis import measures, rollup
from qingqian.kpis.periods import Window
from qingqian.payments.models import JournalLine, Payment
from qingqian.payments.services import payment_reverse

from .conftest import at

pytestmark = pytest.mark.django_db

ALL = Window(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
START = dt.date(2026, 6, 1)

_op = st.one_of(
    st.tuples(
        st.just("pay"),
        st.integers(0, 3),  # case
        st.integers(1, 1_500_000),  # fen
        st.integers(0, 150),  # day offset from START
        st.sampled_from(["bank_transfer", "cash", "goods", "court", "portal"]),
    ),
    st.tuples(st.just("reverse"), st.integers(0, 50), st.just(0), st.just(0), st.just("")),
)


class _Rollback(Exception):
    pass


def _fen(value: Decimal) -> int:
    return int(value * 100)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    ops=st.lists(_op, min_size=1, max_size=12),
    accept_days=st.lists(st.integers(0, 120), min_size=4, max_size=4),
    twice=st.lists(st.booleans(), min_size=4, max_size=4),
    grain=st.sampled_from(["day", "week", "month", "quarter"]),
)
def test_kpis_reconcile_with_the_journal(
    build: Any,
    creditor_b: Any,
    ops: list[tuple[Any, ...]],
    accept_days: list[int],
    twice: list[bool],
    grain: str,
) -> None:
    try:
        with transaction.atomic():
            _run(build, creditor_b, ops, accept_days, twice, grain)
            raise _Rollback
    except _Rollback:
        pass


def _run(
    build: Any,
    creditor_b: Any,
    ops: list[tuple[Any, ...]],
    accept_days: list[int],
    twice: list[bool],
    grain: str,
) -> None:
    cases = [
        build.case(
            principal="20000.00",
            accepted=START + dt.timedelta(days=accept_days[i]),
            cred=creditor_b if i % 2 else None,
        )
        for i in range(4)
    ]
    for i, c in enumerate(cases):
        if twice[i]:  # re-accepted later (e.g. after a return to review): still one cohort
            TimelineEvent.objects.create(
                case=c, at=at(START + dt.timedelta(days=accept_days[i] + 40)), kind="transition",
                from_state="evidence_review", to_state="accepted",
            )  # fmt: skip
    for op, which, fen, offset, kind in ops:
        if op == "pay":
            build.pay(
                cases[which], str(Decimal(fen) / 100), START + dt.timedelta(days=offset), kind
            )
        else:
            candidates = list(
                Payment.objects.filter(reversed_by__isnull=True)
                .exclude(kind="reversal")
                .order_by("id")
            )
            if candidates:
                payment_reverse(payment=candidates[which % len(candidates)], actor=None, reason="t")

    scope = Case.objects.all()
    col = measures.collections(scope, ALL)
    # received: debits to the bank and set-off accounts in receipts and their reversals
    lines = JournalLine.objects.filter(entry__kind__in=["receipt", "reversal"])
    bank = lines.filter(account="trust_bank").aggregate(s=Sum("fen"))["s"] or 0
    setoff = lines.filter(account__startswith="setoff:").aggregate(s=Sum("fen"))["s"] or 0
    assert _fen(col["gross"]) == bank + setoff
    # commission: the credits to commission_payable in commission entries
    payable = (
        JournalLine.objects.filter(
            entry__kind="commission", account__startswith="commission_payable:"
        ).aggregate(s=Sum("fen"))["s"]
        or 0
    )
    assert _fen(col["commission"]) == -payable
    assert _fen(col["net"]) == bank + setoff + payable
    # the organisation-wide path (rows filtered by their organisation) gives the same
    org_id = cases[0].organisation_id
    whole = measures.whole_organisation(Case.objects.filter(organisation_id=org_id), org_id)
    assert measures.collections(whole, ALL) == col
    assert measures.trend(whole, ALL, grain) == measures.trend(scope, ALL, grain)
    assert measures.funnel(whole, ALL) == measures.funnel(scope, ALL)
    # the daily rollup (built through mid-window, the rest read live) gives the same
    rollup.build(org_id, through=dt.date(2026, 8, 31), rebuild=True)
    rolled = rollup.mark(Case.objects.filter(organisation_id=org_id), organisation=org_id)
    assert measures.collections(rolled, ALL) == col
    assert measures.trend(rolled, ALL, grain) == measures.trend(scope, ALL, grain)
    # per creditor, through the recovery table of the cohort covering every acceptance
    rec = measures.recovery(scope, ALL, "creditor")
    for row in rec["rows"]:
        received = (
            JournalLine.objects.filter(
                entry__kind__in=["receipt", "reversal"], entry__creditor_id=row["key"]
            )
            .filter(account__in=["trust_bank", f"setoff:{row['key']}"])
            .aggregate(s=Sum("fen"))["s"]
            or 0
        )
        assert _fen(row["recovered"]) == received
    assert rec["total"]["recovered"] == col["gross"]
    # bucket by bucket of any grain, the trend adds up to the total
    trend = measures.trend(scope, ALL, grain)
    assert sum((v["gross"] for v in trend.values()), Decimal(0)) == col["gross"]
    assert sum((v["commission"] for v in trend.values()), Decimal(0)) == col["commission"]
    # one cohort per case: the monthly cohorts partition the accepted cases
    cohorts = measures.cohorts(scope, ALL)
    assert sum(c["cases"] for c in cohorts) == 4
    assert sum((c["recovered"] for c in cohorts), Decimal(0)) == col["gross"]
    assert sum(v["accepted"] for v in trend.values()) == 4
    halves = [Window(ALL.start, dt.date(2026, 8, 15)), Window(dt.date(2026, 8, 16), ALL.end)]
    assert sum(measures.recovery(scope, w)["total"]["cases"] for w in halves) == 4
