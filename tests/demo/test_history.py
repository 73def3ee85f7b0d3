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
    [netted] = NettingRound.objects.filter(state=RoundState.APPLIED)
    # The clients' declared payables close rings with their debtors: the round clears money,
    # and what it set off against the firm's cases is recorded on them as set-off payments.
    assert 0 < netted.cleared < netted.total and netted.setoffs.exists()
    assert payments.filter(kind="setoff").exists()


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
        if call.allowed:  # one call a debtor a day (a second one is the gate's refusal)
            assert (call.party_id, local.date()) not in seen
            seen.add((call.party_id, local.date()))
        if call.allowed:
            assert call.outcome and call.outcome_at is not None
            assert call.at < call.outcome_at < now
        if call.disposition == Disposition.CALLBACK:
            assert call.callback_at is not None and call.outcome_at is not None
            assert call.callback_at > call.outcome_at
    states = Case.objects.filter(pk__in=calls.values("case_id")).values_list("state", flat=True)
    assert set(states) <= {"negotiation", "payment_plan", "accepted"}  # accepted: a treatment
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


def test_treatments_ran_under_the_playbooks_through_the_gate(demo: Any) -> None:
    """Treatments started weeks ago; every step whose day has come ran on that day through
    the contact gate (done, or skipped with the gate's reasons); none is left scheduled in
    the past; each active run has its next step scheduled; the case page's strategy panel
    and the day plan show them."""
    import datetime as dt

    from django.test import Client
    from django.urls import reverse
    from django.utils.html import escape

    from qingqian.accounts.models import Organisation, User
    from qingqian.common import clock
    from qingqian.contact.models import ContactAttempt
    from qingqian.desk.dayplan import day_plan
    from qingqian.ledger.integrity import ledger_verify
    from qingqian.ledger.services import ledger_integrate
    from qingqian.strategy.models import RunStatus, StepState, StrategyRun, StrategyStep
    from qingqian.strategy.services import STEP_HOUR

    now, today = clock.now(), clock.today()
    runs = StrategyRun.objects.all()
    assert runs.filter(status=RunStatus.ACTIVE).count() >= 5
    assert set(runs.values_list("case__state", flat=True)) <= {
        "accepted",
        "negotiation",
        "payment_plan",
    }
    steps = StrategyStep.objects.filter(run__in=runs)
    states = set(steps.values_list("state", flat=True))
    assert StepState.SCHEDULED in states and StepState.SKIPPED in states
    assert states & {StepState.SENT, StepState.AUTHORIZED, StepState.HANDED_OVER}
    for run in runs:
        assert run.started_on <= today and run.created_at < now
        assert run.created_at.astimezone(clock.BUSINESS_TZ).date() == run.started_on
        for step in run.step_rows.all():
            due_at = dt.datetime.combine(step.due_on, dt.time(STEP_HOUR), clock.BUSINESS_TZ)
            if step.state == StepState.SCHEDULED:
                assert due_at > now  # nothing left behind in the past
                assert run.status == RunStatus.ACTIVE
                continue
            assert due_at < now and step.executed_at == due_at  # run on its day, at 09:00
            if step.state == StepState.SKIPPED:  # refused by the gate: the reasons say why
                assert step.reasons and all(
                    r["reasons"] and all(x.get("message") for x in r["reasons"])
                    for r in step.reasons
                )
        if run.status == RunStatus.ACTIVE:
            assert run.step_rows.filter(state=StepState.SCHEDULED).count() == 1
        else:
            assert not run.step_rows.filter(state=StepState.SCHEDULED).exists()
    # each refusal is the gate's decision on record, at the step's instant
    for step in steps.filter(state=StepState.SKIPPED):
        assert ContactAttempt.objects.filter(
            case=step.run.case, party=step.run.debtor, at=step.executed_at, allowed=False
        ).exists()
    # a call the gate cleared for a step was made and its result recorded
    assert not ContactAttempt.objects.filter(channel="voice", allowed=True, disposition="").exists()

    # the case page's strategy panel shows the run, its done steps and the next one
    run = runs.filter(status=RunStatus.ACTIVE, step_rows__state=StepState.SKIPPED).first()
    assert run is not None
    client = Client()
    client.force_login(User.objects.get(username="lawyer"))
    page = client.get(reverse("web:case_detail", args=[run.case_id])).content.decode()
    panel = page[page.index('id="strategy-panel"') :]
    skipped = run.step_rows.filter(state=StepState.SKIPPED).first()
    assert skipped is not None
    assert str(StepState.SKIPPED.label) in panel
    assert escape(skipped.reasons[0]["reasons"][0]["message"]) in panel
    nxt = run.step_rows.get(state=StepState.SCHEDULED)
    assert nxt.due_on.isoformat() in page
    # the next working day's plan carries the strategy's steps (ahead of the queue), and
    # leaves out the represented debtors with the hold's reason
    org = Organisation.objects.get(pk=run.organisation_id)
    day = today + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    plan = day_plan(org, day)
    assert any(s.reason_code.startswith("step_") for s in plan.slots)
    assert {"hold_lawyer"} <= {left.code for left in plan.left_out}
    # written at their instants: the tamper-evident log still verifies
    ledger_integrate()
    report = ledger_verify()
    assert report.ok, report.as_dict()


def test_each_treatment_started_on_the_balance_of_its_start_day(demo: Any) -> None:
    """A treatment is assigned what the debtor owed on the day it started: today's balance
    plus the principal that payments received since then took off."""
    from qingqian.cases.models import CaseParty, Invoice
    from qingqian.demo.history import principal_paid_after
    from qingqian.strategy.models import StrategyRun

    paid_since = 0
    for run in StrategyRun.objects.select_related("case"):
        case_ids = set(
            CaseParty.objects.filter(party=run.debtor_id, role="debtor").values_list(
                "case_id", flat=True
            )
        )
        by_invoice, by_case = principal_paid_after(case_ids, run.created_at)
        owed = Decimal("0")
        for inv in Invoice.objects.filter(case_id__in=case_ids).select_related("case"):
            if f"{inv.case.reference}/{inv.number}" in run.invoice_ids:
                owed += inv.outstanding + by_invoice.get(inv.pk, Decimal("0"))
        assert run.assigned_amount == owed, run.pk
        paid_since += bool(by_case)
    assert paid_since  # some debtors paid after their treatment started


def test_follow_up_schedules_are_in_force_and_their_levels_went_through_the_gate(
    demo: Any,
) -> None:
    from django.test import Client
    from django.urls import reverse

    from qingqian.accounts.models import User
    from qingqian.strategy.models import FollowupSchedule, FollowupSent

    schedules = FollowupSchedule.objects.all()
    assert schedules.filter(creditor__isnull=True, debtor__isnull=True).count() == 1
    assert schedules.filter(creditor__isnull=False).exists()
    rows = FollowupSent.objects.select_related("attempt")
    assert rows.filter(allowed=True).exists()
    for row in rows:
        if row.allowed:  # sent on the gate's own allowed decision
            assert row.attempt is not None and row.attempt.allowed
        else:
            assert row.reasons
    client = Client()
    client.force_login(User.objects.get(username="lawyer"))
    page = client.get(reverse("strategy:followups")).content.decode()
    assert "客户定制：提前提醒" in page and "本所标准催告" in page and "已发送" in page


def test_the_model_is_trained_on_the_history_or_the_page_says_why(demo: Any) -> None:
    """After the history the expert card is registered and a model is trained on the demo's
    closed cases: live only if it beats the card on the held-out window; refused with its
    reasons on the models page; or, with too few closed cases, the page says so."""
    from django.test import Client
    from django.urls import reverse

    from qingqian.accounts.models import User
    from qingqian.cases.models import Case
    from qingqian.scoring.models import ModelKind, ScoringModel
    from qingqian.scoring.services import MIN_TRAINING_ROWS

    current = ScoringModel.objects.get(is_current=True)
    learned = ScoringModel.objects.exclude(kind=ModelKind.EXPERT)
    client = Client()
    client.force_login(User.objects.get(username="lawyer"))
    page = client.get(reverse("scoring:models")).content.decode()
    assert 'id="training-status"' in page
    closed = Case.objects.filter(state="closed").count()
    if closed < MIN_TRAINING_ROWS:
        assert not learned.exists() and current.kind == ModelKind.EXPERT
        assert f"只有 {closed} 件已结案件" in page
        return
    model = learned.get()
    assert model.card["data"]["window"] and model.holdout_metrics["auc"] > 0
    promotion = model.card["promotion"]
    if promotion["promoted"]:
        assert current == model
    else:
        assert current.kind == ModelKind.EXPERT
        assert promotion["reason_zh"] in page and model.version in page
