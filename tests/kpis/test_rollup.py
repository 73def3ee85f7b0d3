"""The daily rollup answers exactly what the direct SQL path answers — on random payments,
reversals, contact attempts and promises over cases of two creditors and several handlers,
for every scope (the organisation, a creditor, a team, a collector's own cases, the
unassigned), any window and grain, built through any day — and it stays so when records
land on built days or cases move after the build."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingqian.cases.models import Case, TimelineEvent
from qingqian.common import clock
from qingqian.kpis import facts, funnel, measures, rollup, selectors
from qingqian.kpis.models import CaseFact, CaseMonth, DayFigure, RollupState
from qingqian.kpis.periods import Window, next_start
from qingqian.payments.models import Payment
from qingqian.payments.services import payment_reverse

from .conftest import at

pytestmark = pytest.mark.django_db

START = dt.date(2026, 9, 1)
#: "Now" for the property test: some payments and windows lie after it
NOW = at(START + dt.timedelta(days=70), 12)
DISPOSITIONS = ["", "rpc", "third_party", "wrong_number", "no_answer", "refused", "promise"]
RULES = ["quiet_hours", "daily_cap", "weekly_cap"]

_op = st.one_of(
    st.tuples(st.just("pay"), st.integers(0, 5), st.integers(1, 900_000), st.integers(0, 60)),
    st.tuples(st.just("reverse"), st.integers(0, 50), st.just(0), st.integers(0, 60)),
    st.tuples(st.just("attempt"), st.integers(0, 5), st.integers(0, 9), st.integers(0, 60)),
    st.tuples(st.just("promise"), st.integers(0, 5), st.just(0), st.integers(0, 60)),
)


class _Rollback(Exception):
    pass


def _specs(cases: list[Case], users: dict[str, Any]) -> list[tuple[Any, Any]]:
    """(marked, plain) pairs: the same cases with and without the rollup marking."""
    org = cases[0].organisation_id
    base = Case.objects.filter(organisation_id=org)
    whole = measures.whole_organisation(base, org)
    creditor = cases[1].creditor_id
    out = [
        (rollup.mark(base.all(), organisation=org), whole),
        (
            rollup.mark(base.filter(creditor_id=creditor), organisation=org, creditor=creditor),
            base.filter(creditor_id=creditor),
        ),
        (
            rollup.mark(base.filter(handler__role="lawyer"), organisation=org, team="lawyer"),
            base.filter(handler__role="lawyer"),
        ),
        (
            rollup.mark(base.filter(handler__isnull=True), organisation=org, unassigned=True),
            base.filter(handler__isnull=True),
        ),
    ]
    # the selectors' own marking, for a collector (their cases) and a creditor's user
    for who in ("collector", "creditor"):
        user = users[who]
        marked = selectors.scope(user)
        assert rollup.spec_of(marked) is not None
        out.append((marked, selectors.scope(user).all()))
    return out


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    ops=st.lists(_op, min_size=1, max_size=16),
    built=st.integers(-5, 70),
    window=st.tuples(st.integers(-3, 62), st.integers(0, 100)),
    grain=st.sampled_from(["day", "week", "month", "quarter"]),
)
def test_the_rollup_answers_what_the_records_answer(
    build: Any,
    users: dict[str, Any],
    creditor_b: Any,
    ops: list[tuple[Any, ...]],
    built: int,
    window: tuple[int, int],
    grain: str,
) -> None:
    try:
        with transaction.atomic(), clock.pinned(NOW):
            _run(build, users, creditor_b, ops, built, window, grain)
            raise _Rollback
    except _Rollback:
        pass


def _run(
    build: Any,
    users: dict[str, Any],
    creditor_b: Any,
    ops: list[tuple[Any, ...]],
    built: int,
    window: tuple[int, int],
    grain: str,
) -> None:
    handlers = [users["collector"], users["lawyer"], users["mediator"], None]
    cases = []
    for i in range(6):
        # accepted on different days (one never: no cohort), due dates in different
        # aging buckets, one accepted twice, one closed as settled
        c = build.case(
            accepted=None if i == 5 else START + dt.timedelta(days=9 * i),
            cred=creditor_b if i % 2 else None,
            due=dt.date(2026, 7, 1) - dt.timedelta(days=70 * i),
            principal=str(5000 + 1000 * i),
        )
        if i == 4:
            _event(c, START + dt.timedelta(days=50), "accepted")
        if i == 2:
            _event(c, START + dt.timedelta(days=40), "closed")
            Case.objects.filter(pk=c.pk).update(state="closed", outcome="settled")
        if handlers[i % 4] is None:
            Case.objects.filter(pk=c.pk).update(handler=None)
        elif handlers[i % 4] != c.handler:
            Case.objects.filter(pk=c.pk).update(handler=handlers[i % 4])
        cases.append(c)
    for op, which, n, offset in ops:
        day = START + dt.timedelta(days=offset)
        if op == "pay":
            build.pay(cases[which], str(Decimal(n) / 100), day, ("bank_transfer", "court")[n % 2])
        elif op == "reverse":
            candidates = list(
                Payment.objects.filter(reversed_by__isnull=True)
                .exclude(kind="reversal")
                .order_by("id")
            )
            if candidates:
                payment_reverse(payment=candidates[which % len(candidates)], actor=None, reason="t")
        elif op == "attempt":
            allowed = n < 7
            build.attempt(
                cases[which],
                day,
                allowed=allowed,
                disposition=DISPOSITIONS[n] if allowed else "",
                rule="ok" if allowed else RULES[n - 7],
                actor=users[("collector", "lawyer")[which % 2]],
            )
        else:
            build.promise(cases[which], day, day + dt.timedelta(days=7))
    org = cases[0].organisation_id
    through = START + dt.timedelta(days=built)
    rollup.build(org, through=through, rebuild=True)
    w = Window(
        START + dt.timedelta(days=window[0]), START + dt.timedelta(days=window[0] + window[1])
    )
    assert facts.usable(rollup.mark(Case.objects.all(), organisation=org), w)
    for marked, plain in _specs(cases, users):
        assert measures.collections(marked, w) == measures.collections(plain, w)
        assert measures.contact(marked, w) == measures.contact(plain, w)
        assert measures.trend(marked, w, grain) == measures.trend(plain, w, grain)
        assert measures.people(marked, w) == measures.people(plain, w)
        own = [users["collector"].pk]
        assert measures.people(marked, w, own) == measures.people(plain, w, own)
        # the cohort measures read the case facts, the rest by primary-key probes
        for group_by in (None, *measures.GROUPS):
            assert measures.recovery(marked, w, group_by) == measures.recovery(plain, w, group_by)
        assert measures.cycle_times(marked, w) == measures.cycle_times(plain, w)
        assert measures.cohorts(marked, w) == measures.cohorts(plain, w)
        assert measures.promises(marked, w) == measures.promises(plain, w)
        assert measures.funnel(marked, w) == measures.funnel(plain, w)
        assert measures.overview(marked, w) == measures.overview(plain, w)
        court = measures.collections(marked, w)["court"]
        assert measures.litigation(marked, w, court=court) == measures.litigation(plain, w)
    # the drill-downs' slices filter their scope's cohort rows: the same as reading each
    base = Case.objects.filter(organisation_id=org)
    plain_org = measures.whole_organisation(base.all(), org)
    for row in selectors.drill(users["admin"], w, by="period", grain=grain)["rows"]:
        end = min(next_start(row["key"], grain) - dt.timedelta(days=1), w.end)
        part_w = Window(max(row["key"], w.start), end)
        assert row == selectors._slice(plain_org, part_w, label=row["label"], key=row["key"])
    for by in ("creditor", "team"):
        for row in selectors.drill(users["admin"], w, by=by)["rows"]:
            if by == "creditor":
                part = base.filter(creditor_id=row["key"])
            elif row["key"]:
                part = base.filter(handler__role=row["key"])
            else:
                part = base.filter(handler__isnull=True)
            assert row == selectors._slice(part, w, label=row["label"], key=row["key"])


def _event(c: Case, day: dt.date, to_state: str) -> None:
    TimelineEvent.objects.create(
        case=c, at=at(day), kind="transition", from_state="negotiation", to_state=to_state
    )


def test_writes_on_built_days_and_case_moves_re_derive(
    build: Any,
    users: dict[str, Any],
    creditor_b: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    a = build.case(accepted=START)
    b = build.case(accepted=START, cred=creditor_b)
    build.pay(a, "100.00", START)
    build.attempt(b, START + dt.timedelta(days=1), disposition="rpc")
    org = a.organisation_id
    rollup.build(org, through=START + dt.timedelta(days=10))
    w = Window(START, START + dt.timedelta(days=20))
    org_cases = Case.objects.filter(organisation_id=org)
    marked = rollup.mark(org_cases.all(), organisation=org)
    lawyers = rollup.mark(org_cases.all(), organisation=org, team="lawyer")
    with django_capture_on_commit_callbacks(execute=True):
        build.pay(a, "50.00", START + dt.timedelta(days=2))  # back-dated onto a built day
        promise = build.promise(b, START + dt.timedelta(days=3), START + dt.timedelta(days=9))
        build.attempt(a, START + dt.timedelta(days=3), allowed=False, rule="quiet_hours")
    assert measures.collections(marked, w)["gross"] == Decimal("150.00")
    assert measures.contact(marked, w)["promises"] == 1
    whole = measures.whole_organisation(org_cases.all(), org)
    assert measures.promises(marked, w)["open"] == 1
    with django_capture_on_commit_callbacks(execute=True):  # decided: its due day again
        promise.state, promise.paid = "kept", Decimal("100.00")
        promise.save(update_fields=["state", "paid"])
    assert (measures.promises(marked, w)["kept"], measures.promises(marked, w)["paid"]) == (
        1,
        Decimal("100.00"),
    )
    assert measures.promises(marked, w) == measures.promises(whole, w)
    assert measures.contact(marked, w)["refusals_by_rule"] == [("quiet_hours", 1)]
    assert measures.collections(lawyers, w)["gross"] == Decimal("0.00")
    from qingqian.cases.services import case_assign

    with django_capture_on_commit_callbacks(execute=True):
        case_assign(case=Case.objects.get(pk=a.pk), actor=users["admin"], handler=users["lawyer"])
    assert measures.collections(lawyers, w)["gross"] == Decimal("150.00")
    assert measures.collections(lawyers, w) == measures.collections(
        org_cases.filter(handler__role="lawyer"), w
    )
    assert measures.contact(marked, w) == measures.contact(
        measures.whole_organisation(org_cases.all(), org), w
    )


def test_daily_job_and_rebuild_command(build: Any, users: dict[str, Any]) -> None:
    a = build.case(accepted=START)
    build.pay(a, "80.00", START)
    org = a.organisation_id
    call_command("kpis", "--rebuild-rollup", "--through", "2026-09-30", stdout=_Null())
    state = RollupState.objects.get(organisation_id=org)
    assert state.built_through == dt.date(2026, 9, 30)
    assert DayFigure.objects.filter(organisation_id=org, metric="pay").count() == 1
    month = CaseMonth.objects.get(case=a)  # the funnel's row: paid on the 1st of September
    assert (month.month, month.contacted, month.promised, month.paid) == (START, 0, 0, 1)
    # a row written behind the ORM's back is picked up by the next incremental build
    Payment.objects.filter(case=a).update(amount=Decimal("90.00"))
    rollup.build(org, through=dt.date(2026, 10, 5))
    assert RollupState.objects.get(organisation_id=org).built_through == dt.date(2026, 10, 5)
    marked = rollup.mark(Case.objects.filter(organisation_id=org), organisation=org)
    assert measures.collections(marked, Window(START, dt.date(2026, 10, 5)))["gross"] == Decimal(
        "80.00"
    )  # START is more than REDERIVE_DAYS before the last build: kept until a rebuild
    call_command("kpis", "--rebuild-rollup", stdout=_Null())
    assert measures.collections(marked, Window(START, dt.date(2026, 10, 5)))["gross"] == Decimal(
        "90.00"
    )
    # an attempt whose commit hooks never ran (as a write behind the ORM): the next daily
    # build re-derives the funnel's rows from the month of its first re-derived day
    build.attempt(a, dt.date(2026, 10, 3))
    assert not CaseMonth.objects.filter(case=a, month=dt.date(2026, 10, 1)).exists()
    rollup.build(org, through=dt.date(2026, 10, 6))
    assert CaseMonth.objects.get(case=a, month=dt.date(2026, 10, 1)).contacted == 1 << 2
    assert CaseMonth.objects.get(case=a, month=START).paid == 1


class _Null:
    def write(self, *_: Any) -> None:
        pass


def test_the_daily_job_builds_through_yesterday(build: Any) -> None:
    import json
    from io import StringIO

    a = build.case(accepted=START)
    build.pay(a, "80.00", dt.date(2026, 10, 30))
    out = StringIO()
    call_command("daily", "--today", "2026-11-01", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["kpi_rollup"]["test"]["through"] == "2026-10-31"
    state = RollupState.objects.get(organisation_id=a.organisation_id)
    assert state.built_through == dt.date(2026, 10, 31)
    row = DayFigure.objects.get(organisation_id=a.organisation_id, metric="pay")
    assert (row.day, row.amount, row.n) == (dt.date(2026, 10, 30), Decimal("80.00"), 1)
    month = CaseMonth.objects.get(case=a)
    assert (month.month, month.paid) == (dt.date(2026, 10, 1), 1 << 29)


def test_moving_a_row_to_another_built_day_re_derives_both(
    build: Any, django_capture_on_commit_callbacks: Any
) -> None:
    a = build.case(accepted=START)
    p = build.pay(a, "70.00", START)
    promise = build.promise(a, START, START + dt.timedelta(days=5))
    org = a.organisation_id
    rollup.build(org, through=START + dt.timedelta(days=10))
    later = START + dt.timedelta(days=4)
    with django_capture_on_commit_callbacks(execute=True):
        p = Payment.objects.get(pk=p.pk)
        p.received_at = p.received_at + dt.timedelta(days=4)
        p.save(update_fields=["received_at"])
        promise.made_on = later
        promise.save(update_fields=["made_on"])
    rows = DayFigure.objects.filter(organisation_id=org, metric__in=["pay", "prom"])
    assert sorted((f.metric, f.day) for f in rows) == [("pay", later), ("prom", later)]


def _facts_of(org: int) -> list[tuple[Any, ...]]:
    return sorted(
        CaseFact.objects.filter(organisation_id=org).values_list(
            "case_id", "accepted_at", "first_paid_at", "closed_at", "recovered", "commission"
        )
    )


def test_case_facts_are_kept_on_payment_reversal_state_change_and_reassignment(
    build: Any,
    users: dict[str, Any],
    creditor_b: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from qingqian.cases.services import case_assign, case_transition
    from qingqian.payments.bulk import BulkPayment, payments_post_bulk

    a = build.case(accepted=START)
    b = build.case(accepted=START + dt.timedelta(days=3), cred=creditor_b)
    late = build.case(accepted=None)
    build.pay(a, "100.00", START + dt.timedelta(days=1))
    org = a.organisation_id
    rollup.build(org, through=START + dt.timedelta(days=10))
    built = _facts_of(org)
    assert [f[0] for f in built] == [a.pk, b.pk]

    def same_as_records() -> None:
        kept = _facts_of(org)
        facts.rebuild(org)
        assert kept == _facts_of(org)
        w = Window(START, START + dt.timedelta(days=40))
        marked = rollup.mark(Case.objects.filter(organisation_id=org), organisation=org)
        plain = measures.whole_organisation(Case.objects.filter(organisation_id=org), org)
        for group_by in (None, "handler", "creditor", "aging"):
            assert measures.recovery(marked, w, group_by) == measures.recovery(plain, w, group_by)
        assert measures.cycle_times(marked, w) == measures.cycle_times(plain, w)
        assert measures.cohorts(marked, w) == measures.cohorts(plain, w)
        assert measures.people(marked, w) == measures.people(plain, w)

    with django_capture_on_commit_callbacks(execute=True):  # payment: first paid, sums
        p = build.pay(b, "250.50", START + dt.timedelta(days=4))
    fact_b = CaseFact.objects.get(case=b)
    assert (fact_b.recovered, fact_b.first_paid_at) == (Decimal("250.50"), p.received_at)
    same_as_records()
    with django_capture_on_commit_callbacks(execute=True):  # reversal: a negative payment
        payment_reverse(payment=p, actor=None, reason="bounced")
    assert CaseFact.objects.get(case=b).recovered == Decimal("0.00")
    same_as_records()
    with django_capture_on_commit_callbacks(execute=True):  # acceptance of a new case
        _event(late, START + dt.timedelta(days=5), "accepted")
    assert CaseFact.objects.get(case=late).accepted_at == at(START + dt.timedelta(days=5))
    same_as_records()
    with django_capture_on_commit_callbacks(execute=True):  # state change: closing
        Case.objects.filter(pk=a.pk).update(state="negotiation")
        case_transition(
            case=Case.objects.get(pk=a.pk),
            actor=users["admin"],
            to_state="closed",
            outcome="settled",
        )
    assert CaseFact.objects.get(case=a).closed_at is not None
    same_as_records()
    with django_capture_on_commit_callbacks(execute=True):  # reassignment: read live
        case_assign(case=Case.objects.get(pk=b.pk), actor=users["admin"], handler=users["lawyer"])
    same_as_records()
    with django_capture_on_commit_callbacks(execute=True):  # the bulk import (no signals)
        payments_post_bulk(
            organisation=a.organisation,
            items=[
                BulkPayment(late.pk, Decimal("80.00"), "bank_transfer", "bulk-1", at(START, 16)),
            ],
            actor=users["admin"],
        )
    assert CaseFact.objects.get(case=late).recovered == Decimal("80.00")
    same_as_records()
    with django_capture_on_commit_callbacks(execute=True):  # an acceptance removed
        TimelineEvent.objects.filter(case=late, to_state="accepted").delete()
    assert not CaseFact.objects.filter(case=late).exists()
    same_as_records()


def _months_of(org: int) -> list[tuple[Any, ...]]:
    return sorted(
        CaseMonth.objects.filter(organisation_id=org).values_list(
            "case_id", "month", "creditor_id", "handler_id", "contacted", "promised", "paid"
        )
    )


def test_funnel_rows_are_kept_on_writes_and_agree_with_a_rebuild(
    build: Any,
    users: dict[str, Any],
    creditor_b: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from qingqian.cases.services import case_assign
    from qingqian.contact.models import ContactAttempt
    from qingqian.payments.bulk import BulkPayment, payments_post_bulk

    a = build.case(accepted=START)
    b = build.case(accepted=START, cred=creditor_b)
    c = build.case(accepted=None)
    build.attempt(a, START + dt.timedelta(days=1), disposition="rpc")
    build.promise(a, START + dt.timedelta(days=2), START + dt.timedelta(days=9))
    build.pay(a, "100.00", START + dt.timedelta(days=3))
    org = a.organisation_id
    built = START + dt.timedelta(days=45)
    with clock.pinned(at(built + dt.timedelta(days=1), 12)):
        rollup.build(org, through=built)
    assert _months_of(org)[0][4:] == (0b10, 0b100, 0b1000)  # days 2, 3 and 4 of September

    def same_as_records() -> None:
        kept = _months_of(org)
        funnel.rebuild(org)
        assert kept == _months_of(org)
        base = Case.objects.filter(organisation_id=org)
        with clock.pinned(at(built + dt.timedelta(days=1), 12)):
            for w in (
                Window(START, START + dt.timedelta(days=40)),  # two months
                Window(START + dt.timedelta(days=5), START + dt.timedelta(days=5)),
                Window(START + dt.timedelta(days=29), START + dt.timedelta(days=31)),
                Window(START + dt.timedelta(days=30), built + dt.timedelta(days=1)),  # today live
            ):
                pairs = [
                    (rollup.mark(base.all(), organisation=org), base.all()),
                    (
                        rollup.mark(
                            base.filter(creditor_id=creditor_b.pk),
                            organisation=org,
                            creditor=creditor_b.pk,
                        ),
                        base.filter(creditor_id=creditor_b.pk),
                    ),
                    (
                        rollup.mark(
                            base.filter(handler__role="lawyer"), organisation=org, team="lawyer"
                        ),
                        base.filter(handler__role="lawyer"),
                    ),
                ]
                for marked, plain in pairs:
                    assert measures.funnel(marked, w) == measures.funnel(plain, w), w

    with django_capture_on_commit_callbacks(execute=True):  # contacted, promised, paid
        build.attempt(b, START + dt.timedelta(days=5), disposition="no_answer")
        build.attempt(b, START + dt.timedelta(days=6), allowed=False, rule="quiet_hours")
        build.promise(b, START + dt.timedelta(days=5), START + dt.timedelta(days=12))
        p = build.pay(b, "20.00", START + dt.timedelta(days=5))
        build.attempt(c, START + dt.timedelta(days=30))
    same_as_records()
    with django_capture_on_commit_callbacks(execute=True):  # a reversal is no payment day
        payment_reverse(payment=p, actor=None, reason="bounced")
    same_as_records()
    with django_capture_on_commit_callbacks(execute=True):  # moved to 00:30 on 1 October
        moved = ContactAttempt.objects.get(case=b, allowed=True)
        moved.at = at(START + dt.timedelta(days=30), 0) + dt.timedelta(minutes=30)
        moved.save()
    assert (b.pk, dt.date(2026, 10, 1)) in {(r[0], r[1]) for r in _months_of(org) if r[4] == 1}
    same_as_records()
    with django_capture_on_commit_callbacks(execute=True):  # the case moves to a lawyer
        case_assign(case=Case.objects.get(pk=b.pk), actor=users["admin"], handler=users["lawyer"])
    same_as_records()
    with django_capture_on_commit_callbacks(execute=True):  # the bulk import (no signals)
        payments_post_bulk(
            organisation=a.organisation,
            items=[BulkPayment(c.pk, Decimal("80.00"), "bank_transfer", "bulk-f", at(START, 16))],
            actor=users["admin"],
        )
    same_as_records()
    with django_capture_on_commit_callbacks(execute=True):  # removed
        moved.delete()
    same_as_records()


def test_the_creditors_of_a_whole_organisation_skip_other_organisations(
    build: Any, users: dict[str, Any], creditor: Any, other_org: Any
) -> None:
    from qingqian.parties.models import Party

    build.case(accepted=START)
    # another organisation's creditor whose id lies between this one's two creditors
    theirs = Party.objects.create(organisation=other_org, kind="company", name="别家债权人")
    moved = build.case(accepted=START)
    Case.objects.filter(pk=moved.pk).update(organisation=other_org, creditor=theirs)
    mine = Party.objects.create(organisation=creditor.organisation, kind="company", name="后来")
    build.case(accepted=START, cred=mine)
    build.case(accepted=None, cred=mine)
    whole = selectors.scope(users["admin"])
    assert getattr(whole, "kpi_organisation_id", None) == creditor.organisation_id
    assert selectors.creditor_ids(whole) == [creditor.pk, mine.pk]
    # a collector's own cases: the plain distinct read
    own = selectors.scope(users["collector"])
    assert sorted(selectors.creditor_ids(own)) == sorted(
        set(
            Case.objects.filter(
                handler=users["collector"], organisation_id=creditor.organisation_id
            ).values_list("creditor_id", flat=True)
        )
    )
