"""The lived-in demo (h19d): payments through the payment service (allocations, commission,
trust ledger consistent with each case's balance), a report for every case in evidence
review so none is overdue at first login, and a finished netting round."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum

from tests.demo.loaded import Loaded, demo_once

pytestmark = pytest.mark.django_db


TSA = {"QINGQIAN_TIMESTAMP_AUTHORITY": "qingqian.ledger.demo_tsa.demo_authority"}


@pytest.fixture(scope="module")
def _loaded(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Loaded]:
    """One demo for the module's tests (tests/demo/loaded.py): they read it, and what one
    writes (a log integration) is rolled back before the next."""
    with demo_once(django_db_blocker, tmp_path_factory, TSA, cases=200, seed=3) as loaded:
        yield loaded


@pytest.fixture
def demo(_loaded: Loaded, settings: Any) -> Any:
    settings.QINGQIAN_TIMESTAMP_AUTHORITY = TSA["QINGQIAN_TIMESTAMP_AUTHORITY"]
    return _loaded.use(settings)


def test_history_is_consistent_with_each_case(demo: Any) -> None:
    from qingqian.accounts.models import User
    from qingqian.cases.models import Case, Invoice
    from qingqian.common import clock
    from qingqian.netting.models import NettingRound, RoundState
    from qingqian.payments.models import Payment, PaymentAllocation
    from qingqian.reports.selectors import cases_awaiting_report, feasibility_sla

    payments = Payment.objects.all()
    assert payments.count() > 10
    assert all(p.received_at <= clock.now() for p in payments)
    allocated = PaymentAllocation.objects.aggregate(s=Sum("amount"))["s"]
    assert allocated == payments.aggregate(s=Sum("amount"))["s"]
    for case in Case.objects.filter(pk__in=payments.values("case_id")):
        owed = Invoice.objects.filter(case=case).aggregate(s=Sum("outstanding"))["s"]
        assert case.outstanding == owed and case.outstanding < case.principal
        assert case.payments.aggregate(s=Sum("amount"))["s"] > Decimal("0")
    assert not cases_awaiting_report(Case.objects.all()).exists()
    lawyer = User.objects.get(username="lawyer")
    assert feasibility_sla(lawyer, now=clock.now())["breached"] == []
    assert NettingRound.objects.filter(state=RoundState.APPLIED).count() == 1


def test_calls_and_promises_went_through_the_gate_and_were_decided(demo: Any) -> None:
    import datetime as dt

    from qingqian.cases.models import Case, TimelineEvent
    from qingqian.common import clock
    from qingqian.contact.models import ContactAttempt, Disposition
    from qingqian.kpis import measures
    from qingqian.kpis.periods import Window
    from qingqian.ledger.integrity import ledger_verify
    from qingqian.ledger.services import ledger_integrate
    from qingqian.negotiation.models import Promise, PromiseState

    now, today = clock.now(), clock.today()
    calls = ContactAttempt.objects.filter(channel="voice")
    assert calls.filter(allowed=True).count() > 10
    dispositions = set(calls.filter(allowed=True).values_list("disposition", flat=True))
    assert {Disposition.NO_ANSWER, Disposition.RIGHT_PARTY, Disposition.PROMISE} <= dispositions
    assert not calls.filter(allowed=True, disposition="").exists()  # every call was answered
    seen: set[tuple[int, dt.date]] = set()
    for call in calls:
        local = call.at.astimezone(clock.BUSINESS_TZ)
        assert call.at < now and local.weekday() < 5 and 9 <= local.hour < 20
        assert (call.party_id, local.date()) not in seen  # one call a debtor a day
        seen.add((call.party_id, local.date()))
        if call.allowed:
            assert call.outcome and call.outcome_at is not None
            assert call.at < call.outcome_at < now
        if call.disposition == Disposition.CALLBACK:
            assert call.callback_at is not None and call.outcome_at is not None
            assert call.callback_at > call.outcome_at
    states = Case.objects.filter(pk__in=calls.values("case_id")).values_list("state", flat=True)
    assert set(states) <= {"negotiation", "payment_plan"}
    # promises: made on a right-party call, the past ones decided by the product
    promises = Promise.objects.all()
    assert promises.count() == calls.filter(disposition=Disposition.PROMISE).count() > 0
    kept = promises.filter(state=PromiseState.KEPT)
    broken = promises.filter(state=PromiseState.BROKEN)
    assert kept.exists() and broken.exists()
    assert not promises.filter(state=PromiseState.OPEN, due_date__lt=today).exists()
    for p in promises.exclude(state=PromiseState.OPEN):
        assert p.decided_on is not None and (p.paid >= p.amount) == (p.state == "kept")
        decided = TimelineEvent.objects.get(case=p.case, kind=f"promise.{p.state}")
        assert decided.at.astimezone(clock.BUSINESS_TZ).date() == p.decided_on <= today
    for p in broken:
        assert p.decided_on == p.due_date + dt.timedelta(days=1)
    for p in kept:
        paid = p.case.payments.filter(note="演示：债务人按承诺转账").get()
        day = paid.received_at.astimezone(clock.BUSINESS_TZ).date()
        assert p.made_on < day <= p.due_date and paid.amount == p.amount
        assert p.decided_on is not None
        assert day <= p.decided_on <= p.due_date + dt.timedelta(days=1)
    written = TimelineEvent.objects.filter(kind__in=("contact_disposition", "promise.recorded"))
    assert written.exists() and all(e.at < now for e in written)
    # the KPI dashboard's contact and promise charts have something to show
    window = Window(start=today - dt.timedelta(days=70), end=today)
    cases = Case.objects.all()
    contact = measures.contact(cases, window)
    assert contact["attempts"] > 10 and contact["rpc"] > 0 and contact["promises"] > 0
    assert measures.funnel(cases, window)["promised"] > 0
    due = measures.promises(cases, window)
    assert due["kept"] == kept.count() and due["broken"] == broken.count()
    # the history was written at its instants: the tamper-evident log still verifies
    ledger_integrate()
    report = ledger_verify()
    assert report.ok, report.as_dict()
