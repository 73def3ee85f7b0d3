"""Lived-in demo history (h19d): what months of work leave behind, written through the
services so every figure is consistent with the case it belongs to.

* **Reports at intake.** Every case in evidence review gets its feasibility report, dated a
  few hours after it entered review (so the dashboard does not open on a wall of overdue
  reports); cases in mediation, litigation and enforcement get theirs too.
* **Payments.** Cases whose balance is below the principal were paid down on the platform:
  their invoices are restored to the amount owed at intake and the difference is recorded
  as one to three payments over the past months through ``payments.services.payment_record``,
  so the allocations, the trust ledger and the commission follow the rules (the balance ends
  where the planned portfolio has it).
* **Installment plans.** Every case in 分期还款 has its one active plan, proposed by the
  mediator and accepted by both sides (the debtor with a one-time code) through
  ``negotiation.services``; most start next month (on schedule), some started months ago
  with nothing paid, so the daily breach check finds them in breach.
* **Calls and promises.** A sample of open cases in negotiation and 分期还款 was called over
  the past weeks by its collector: each call asked of the contact gate at the instant it was
  made (working hours, one call a debtor a day; a refusal is the gate's answer and stays on
  record) and answered with a disposition (``contact.desk``). Some right-party contacts
  gave a promise to pay (``negotiation.services.promise_record``); some of those were paid
  on time through the payment service, the others not, and the product decided them
  (``promises_decide``) on the day after each fell due.
* **Treatments under playbooks.** A bounded sample of working cases (accepted, negotiation,
  分期还款; debts of every age) had its debtor's treatment started weeks ago
  (``strategy.services.strategy_start`` at that instant, on the balances of that day:
  payments received later are not yet counted); every step that fell due since ran
  on its day at 09:00 through ``strategy_step_execute`` and so through the contact gate:
  sent, authorised for the collector (who then made the call and recorded its result) or
  skipped with the gate's reasons. The next step of each active run stays scheduled for a
  day still to come.
* **A finished netting round** among the client companies that owe each other, invited,
  confirmed, consented, run and applied through ``netting.services``.
* **Every paid case reconciles.** A case the steps above paid (a kept promise, a set-off)
  whose planned balance was already below the principal has that earlier part recorded as
  a payment too, on the day after intake: the trust reconciliation then finds every case's
  balance equal to its principal less what was applied to it.

Deterministic for a seed; bounded so ``qingqian load-demo`` stays quick.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db.models import F, Max, Sum

from qingqian.accounts.models import Organisation, User
from qingqian.cases.lifecycle import State
from qingqian.cases.models import Case, Invoice
from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError

#: Bounds (the demo stays quick to load).
MAX_PAID_CASES = 160
MAX_REPORTS_PER_STATE = 40
MAX_CALLED_CASES = 120
MAX_TREATED_CASES = 24
MAX_FOLLOWUP_DEBTORS = 16
TREATMENT_DAYS = (12, 50)  # treatments started this many days ago
CALL_WEEKS = 8
CENT = Decimal("0.01")


def seed_history(*, org: Organisation, users: dict[str, User], seed: int = 7) -> dict[str, int]:
    """Write the history; returns what was written, by kind."""
    from qingqian.cases.models import TimelineEvent

    rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
    last_row = TimelineEvent.objects.aggregate(m=Max("pk"))["m"] or 0
    counts = {
        "payments": _payments(org, users["admin"], rng),
        "reports": _reports(org),
        **_calls(org, users, rng),
        **_treatments(org, users, rng),
        "netting_rounds": _netting(org, users["lawyer"]),
        "plans": _plans(org, users["mediator"], rng),
        **_followups(org, users["lawyer"]),
    }
    counts["payments"] += _paid_before(org, users["admin"])
    _last_activity(org, last_row)
    return counts


def _last_activity(org: Organisation, last_row: int) -> None:
    """The services wrote their rows at the instants the history pins (a payment's on the day
    it was received, a report's when it was made); a case's last activity is its last row."""
    from qingqian.cases.models import TimelineEvent

    touched = set(
        TimelineEvent.objects.filter(case__organisation=org, pk__gt=last_row).values_list(
            "case_id", flat=True
        )
    )
    last_activity_follows(touched)


def last_activity_follows(case_ids: Iterable[int]) -> None:
    """Each case's last activity (``updated_at``) becomes the time of its last timeline row."""
    from qingqian.cases.models import TimelineEvent

    for case_id in sorted(case_ids):
        last = TimelineEvent.objects.filter(case_id=case_id).aggregate(at=Max("at"))["at"]
        if last is not None:
            Case.objects.filter(pk=case_id).update(updated_at=last)


# --------------------------------------------------------------------------- payments


def _payments(org: Organisation, actor: User, rng: random.Random) -> int:
    today = clock.today()
    cases = list(
        Case.objects.filter(organisation=org, outstanding__lt=F("principal"))
        .exclude(state=State.CLOSED.value)
        .order_by("pk")
    )
    rng.shuffle(cases)
    written = 0
    for case in sorted(cases[:MAX_PAID_CASES], key=lambda c: c.pk):
        invoices = list(Invoice.objects.filter(case=case).order_by("due_date", "pk"))
        paid = sum((i.amount - i.outstanding for i in invoices), Decimal("0"))
        if paid <= 0:
            continue
        # Back to what was owed at intake; the payments below bring it down again.
        Invoice.objects.filter(case=case).update(outstanding=F("amount"))
        Case.objects.filter(pk=case.pk).update(
            outstanding=Invoice.objects.filter(case=case).aggregate(s=Sum("amount"))["s"]
        )
        case.refresh_from_db()
        opened = case.created_at.astimezone(clock.BUSINESS_TZ).date()
        span = max(1, (today - opened).days - 1)
        parts = _split(paid, rng.randint(1, 3), rng)
        days = sorted(rng.sample(range(1, span + 1), k=min(len(parts), span)))
        for n, (amount, offset) in enumerate(zip(parts, days, strict=False)):
            day = opened + dt.timedelta(days=offset)
            at = dt.datetime.combine(day, dt.time(10 + n, 15), tzinfo=clock.BUSINESS_TZ)
            try:
                _transfer(
                    case,
                    amount,
                    at,
                    actor,
                    key=f"demo-{case.reference}-{n}",
                    reference=f"DEMO{case.pk:06d}{n}",
                    note="演示：债务人银行转账",
                )
            except ApplicationError:
                continue
            written += 1
    return written


def _paid_before(org: Organisation, actor: User) -> int:
    """Cases paid by the later steps whose planned balance was already below the principal:
    the part paid before is restored to their invoices and recorded as a transfer on the
    day after intake, so the balance ends where it was and ``principal − applied`` holds
    (``payments.reconciliation``). Each case in one transaction: a refused payment leaves
    the case as it was."""
    from django.db import transaction

    from qingqian.payments.models import PaymentAllocation

    applied: dict[int, Decimal] = defaultdict(Decimal)
    by_invoice: dict[int, Decimal] = defaultdict(Decimal)
    for case_id, invoice_id, amount in PaymentAllocation.objects.filter(
        payment__organisation=org, component="principal"
    ).values_list("payment__case_id", "invoice_id", "amount"):
        applied[case_id] += amount
        if invoice_id is not None:
            by_invoice[invoice_id] += amount
    written = 0
    for case in Case.objects.filter(pk__in=list(applied)).order_by("pk"):
        gap = case.principal - applied[case.pk] - case.outstanding
        if gap <= 0:
            continue
        opened = case.created_at.astimezone(clock.BUSINESS_TZ).date()
        at = dt.datetime.combine(
            opened + dt.timedelta(days=1), dt.time(9, 40), tzinfo=clock.BUSINESS_TZ
        )
        try:
            with transaction.atomic():
                for invoice in Invoice.objects.filter(case=case).order_by("due_date", "pk"):
                    before = invoice.amount - invoice.outstanding - by_invoice[invoice.pk]
                    if before > 0:
                        Invoice.objects.filter(pk=invoice.pk).update(
                            outstanding=F("outstanding") + before
                        )
                Case.objects.filter(pk=case.pk).update(outstanding=F("outstanding") + gap)
                case.refresh_from_db()
                _transfer(
                    case,
                    gap,
                    at,
                    actor,
                    key=f"demo-{case.reference}-before",
                    reference=f"DEMO{case.pk:06d}B",
                    note="演示：债务人银行转账",
                )
        except ApplicationError:
            continue
        written += 1
    return written


def _transfer(
    case: Case,
    amount: Decimal,
    at: dt.datetime,
    actor: User,
    *,
    key: str,
    reference: str,
    note: str,
) -> None:
    """A bank transfer from the debtor, recorded through the payment service on the instant
    it was received."""
    from qingqian.payments.models import PaymentKind
    from qingqian.payments.services import payment_record

    with clock.pinned(at):
        payment_record(
            case=case,
            amount=amount,
            kind=PaymentKind.BANK_TRANSFER,
            idempotency_key=key,
            actor=actor,
            received_at=at,
            reference=reference,
            note=note,
        )


def _split(total: Decimal, parts: int, rng: random.Random) -> list[Decimal]:
    if parts <= 1 or total < Decimal("300"):
        return [total]
    cuts = sorted(rng.uniform(0.2, 0.8) for _ in range(parts - 1))
    out, before = [], Decimal("0")
    for c in cuts:
        point = (total * Decimal(str(round(c, 4)))).quantize(CENT)
        out.append(point - before)
        before = point
    out.append(total - before)
    return [p for p in out if p > 0]


# --------------------------------------------------------------------------- calls, promises

#: What a call came to (``contact.models.Disposition``), with its weight in the sample.
_CALL_RESULTS: tuple[tuple[str, int], ...] = (
    ("no_answer", 34),
    ("rpc", 18),
    ("promise", 20),
    ("callback", 12),
    ("third_party", 6),
    ("wrong_number", 5),
    ("refused", 5),
)


def _calls(org: Organisation, users: dict[str, User], rng: random.Random) -> dict[str, int]:
    from qingqian.cases.models import TimelineEvent
    from qingqian.contact.desk import desk_call_ask, desk_call_record
    from qingqian.contact.models import Disposition
    from qingqian.negotiation.models import PromiseSource
    from qingqian.negotiation.services import promise_record, promises_decide

    now = clock.now()
    today = clock.today()
    collectors = [users[n] for n in ("collector", "collector2") if n in users]
    if not collectors:
        return {"calls": 0, "promises": 0}
    cases = list(
        Case.objects.filter(
            organisation=org,
            state__in=(State.NEGOTIATION.value, State.PAYMENT_PLAN.value),
            outstanding__gt=Decimal("100"),
        )
        .select_related("handler")
        .order_by("pk")
    )
    rng.shuffle(cases)
    cases = sorted(cases[:MAX_CALLED_CASES], key=lambda c: c.pk)
    first_day = today - dt.timedelta(weeks=CALL_WEEKS)
    results, weights = zip(*_CALL_RESULTS, strict=True)
    called: set[tuple[int, dt.date]] = set()  # (debtor, day): one call a debtor a day
    calls = promises = 0
    decide_on: set[dt.date] = set()
    for case in cases:
        role = case.case_parties.filter(role="debtor").select_related("party").first()
        if role is None or not role.party.phone_hash:
            continue
        debtor = role.party
        entered = (
            TimelineEvent.objects.filter(case=case, kind="state_changed").aggregate(at=Max("at"))[
                "at"
            ]
            or case.created_at
        )
        start = max(first_day, entered.astimezone(clock.BUSINESS_TZ).date() + dt.timedelta(1))
        days = [
            start + dt.timedelta(n)
            for n in range((today - start).days)
            if (start + dt.timedelta(n)).weekday() < 5
            and (debtor.pk, start + dt.timedelta(n)) not in called
        ]
        if not days:
            continue
        collector = next((u for u in collectors if u.pk == case.handler_id), rng.choice(collectors))
        for day in sorted(rng.sample(days, k=min(len(days), rng.randint(1, 4)))):
            at = dt.datetime.combine(
                day, dt.time(rng.randint(9, 18), rng.randrange(0, 60, 5)), tzinfo=clock.BUSINESS_TZ
            )
            called.add((debtor.pk, day))
            with clock.pinned(at):
                attempt = desk_call_ask(case=case, party=debtor, actor=collector)
            calls += 1
            if not attempt.allowed:
                continue
            result = rng.choices(results, weights)[0]
            ended = at + dt.timedelta(minutes=rng.randint(2, 9))
            callback = None
            if result == Disposition.CALLBACK:
                callback = dt.datetime.combine(
                    day + dt.timedelta(days=1 if day.weekday() < 4 else 3),
                    dt.time(rng.randint(10, 17)),
                    tzinfo=clock.BUSINESS_TZ,
                )
            with clock.pinned(ended):
                desk_call_record(
                    attempt=attempt, actor=collector, disposition=result, callback_at=callback
                )
            if result != Disposition.PROMISE:
                continue
            case.refresh_from_db()
            share = case.outstanding * rng.choice((10, 20, 30)) / 10000  # in hundreds
            amount = min(case.outstanding, max(Decimal("100"), share.quantize(Decimal(1)) * 100))
            due = day + dt.timedelta(days=rng.randint(3, 12))
            with clock.pinned(ended + dt.timedelta(minutes=1)):
                promise = promise_record(
                    case=case,
                    amount=amount,
                    due_date=due,
                    source=PromiseSource.HANDLER,
                    actor=collector,
                )
            promises += 1
            paid_on = due - dt.timedelta(days=rng.randint(0, 2))
            paid_at = dt.datetime.combine(
                max(day + dt.timedelta(1), paid_on), dt.time(11, 20), tzinfo=clock.BUSINESS_TZ
            )
            if rng.random() < 0.6 and paid_at < now:
                _transfer(
                    case,
                    amount,
                    paid_at,
                    users["admin"],
                    key=f"demo-promise-{promise.pk}",
                    reference=f"DEMOP{promise.pk:06d}",
                    note="演示：债务人按承诺转账",
                )
            if due < today:
                decide_on.add(due + dt.timedelta(1))
            break  # a promise made: the next step is to see whether it is kept
    # the product decides each promise the morning after it fell due, as its daily job would
    for day in sorted(decide_on):
        morning = dt.datetime.combine(day, dt.time(6, 30), tzinfo=clock.BUSINESS_TZ)
        with clock.pinned(min(morning, now)):
            promises_decide(today=day)
    return {"calls": calls, "promises": promises}


# --------------------------------------------------------------------------- treatments

#: What the collector's call on a strategy's call step came to.
_STEP_CALL_RESULTS: tuple[tuple[str, int], ...] = (("no_answer", 5), ("rpc", 3), ("callback", 2))


def _treatments(org: Organisation, users: dict[str, User], rng: random.Random) -> dict[str, int]:
    """Start a treatment under the playbooks for a sample of working cases at a past instant,
    then run each step on its day (09:00) through the contact gate, in time order, up to now."""
    from qingqian.cases.models import TimelineEvent
    from qingqian.contact.desk import desk_call_record
    from qingqian.contact.models import ContactAttempt, Disposition
    from qingqian.strategy.models import RunStatus, StepState, StrategyRun, StrategyStep
    from qingqian.strategy.services import STEP_HOUR, strategy_start, strategy_step_execute

    now = clock.now()
    today = clock.today()
    collectors = {u.pk: u for n in ("collector", "collector2") if (u := users.get(n))}
    cases = list(
        Case.objects.filter(
            organisation=org,
            state__in=(State.ACCEPTED.value, State.NEGOTIATION.value, State.PAYMENT_PLAN.value),
            outstanding__gt=0,
            handler_id__in=list(collectors),
        ).order_by("pk")
    )
    rng.shuffle(cases)
    # a third among debtors the collectors already called, whose answers the gate remembers
    called = set(ContactAttempt.objects.filter(channel="voice").values_list("case_id", flat=True))
    before = [c for c in cases if c.pk in called][: MAX_TREATED_CASES // 3]
    # the others across the playbooks: half with debts under 91 days overdue (reminders and
    # calls), a quarter 91-180 days, a quarter over 180 (the judicial route's lawyer letter)
    pools: dict[str, list[Case]] = {"early": [], "late": [], "judicial": []}
    for c in cases:
        if c.pk not in called:
            days = (today - (c.oldest_due_date or today)).days
            pools["judicial" if days > 180 else "late" if days > 90 else "early"].append(c)
    chosen = list(before)
    turn = 0
    while len(chosen) < MAX_TREATED_CASES and any(pools.values()):
        pool = pools[("early", "late", "early", "judicial")[turn % 4]]
        turn += 1
        if pool:
            chosen.append(pool.pop(0))
    # every sixth of the others told the collector, days before, that a lawyer now acts for
    # them: the gate refuses the treatment's contacts with that reason (a hold on record)
    held = {c.pk for c in chosen[len(before) :: 6]}
    results, weights = zip(*_STEP_CALL_RESULTS, strict=True)
    runs: list[int] = []
    for case in sorted(chosen, key=lambda c: c.pk):
        entered = (
            TimelineEvent.objects.filter(case=case, kind="state_changed").aggregate(at=Max("at"))[
                "at"
            ]
            or case.created_at
        )
        day = today - dt.timedelta(days=rng.randint(*TREATMENT_DAYS))
        day = max(day, entered.astimezone(clock.BUSINESS_TZ).date() + dt.timedelta(1))
        while day.weekday() >= 5:
            day += dt.timedelta(1)
        # started before the morning's steps run, so the first one runs at 09:00 that day
        start = dt.datetime.combine(
            day, dt.time(8, rng.randrange(0, 50, 5)), tzinfo=clock.BUSINESS_TZ
        )
        if start >= now:
            continue
        if case.pk in held and case.handler_id in collectors:
            told = (start - dt.timedelta(days=2)).replace(hour=15, minute=10)
            _represented(
                case, collectors[case.handler_id], max(told, entered + dt.timedelta(hours=1))
            )
        with clock.pinned(start), _balances_on(case, start):
            started = strategy_start(case=case, actor=None)
        runs += [r.pk for r in started if r.status == RunStatus.ACTIVE and r.case_id == case.pk]
    steps = calls = 0
    while True:
        step = (
            StrategyStep.objects.filter(
                run_id__in=runs, state=StepState.SCHEDULED, run__status=RunStatus.ACTIVE
            )
            .order_by("due_on", "pk")
            .first()
        )
        if step is None:
            break
        at = dt.datetime.combine(step.due_on, dt.time(STEP_HOUR), tzinfo=clock.BUSINESS_TZ)
        if at >= now:
            break
        with clock.pinned(at), _balances_on(step.run.case, at):
            done = strategy_step_execute(step_id=step.pk)
        steps += 1
        if done.state == StepState.SCHEDULED:  # not run (cannot happen on its day): stop
            break
        # a call the gate cleared is made by the case's collector, who records its result
        run = StrategyRun.objects.select_related("case").get(pk=step.run_id)
        for attempt in ContactAttempt.objects.filter(
            case=run.case, party_id=run.debtor_id, channel="voice", allowed=True, disposition=""
        ):
            collector = collectors.get(attempt.actor_id or 0)
            if collector is None:
                continue
            ended = attempt.at + dt.timedelta(minutes=rng.randint(2, 9))
            result = rng.choices(results, weights)[0]
            callback = None
            if result == Disposition.CALLBACK:
                local = ended.astimezone(clock.BUSINESS_TZ).date()
                callback = dt.datetime.combine(
                    local + dt.timedelta(days=1 if local.weekday() < 4 else 3),
                    dt.time(rng.randint(10, 17)),
                    tzinfo=clock.BUSINESS_TZ,
                )
            with clock.pinned(min(ended, now)):
                desk_call_record(
                    attempt=attempt, actor=collector, disposition=result, callback_at=callback
                )
            calls += 1
    return {"treatments": len(runs), "strategy_steps": steps, "strategy_calls": calls}


def principal_paid_after(
    case_ids: Iterable[int], at: dt.datetime
) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """What payments received after ``at`` took off the principal of the cases: by invoice,
    and by case (the sum over its invoices, or its own principal when it has none);
    reversals count negative."""
    from qingqian.payments.models import Component, PaymentAllocation

    by_invoice: dict[int, Decimal] = {}
    by_case: dict[int, Decimal] = {}
    for row in (
        PaymentAllocation.objects.filter(
            payment__case_id__in=list(case_ids),
            payment__received_at__gt=at,
            component=Component.PRINCIPAL,
        )
        .values("invoice_id", "payment__case_id")
        .annotate(s=Sum("amount"))
    ):
        case_id, amount = row["payment__case_id"], row["s"]
        by_case[case_id] = by_case.get(case_id, Decimal("0")) + amount
        if row["invoice_id"] is not None:
            by_invoice[row["invoice_id"]] = by_invoice.get(row["invoice_id"], Decimal("0")) + amount
    return by_invoice, by_case


@contextmanager
def _balances_on(case: Case, at: dt.datetime) -> Iterator[None]:
    """Inside: the balances of the cases of the case's debtors as they stood at ``at`` (the
    principal that later payments took off is owed again), so what the strategy engine
    decides then (a treatment's start, a step) sees what was owed then, not today's balance;
    today's balances are put back on the way out."""
    from qingqian.cases.models import CaseParty

    debtors = CaseParty.objects.filter(case=case, role="debtor").values_list("party_id")
    case_ids = set(
        CaseParty.objects.filter(party_id__in=debtors, role="debtor").values_list(
            "case_id", flat=True
        )
    )
    by_invoice, by_case = principal_paid_after(case_ids, at)
    invoices = {i.pk: i.outstanding for i in Invoice.objects.filter(pk__in=list(by_invoice))}
    cases = {c.pk: c.outstanding for c in Case.objects.filter(pk__in=list(by_case))}
    try:
        for pk, value in invoices.items():
            Invoice.objects.filter(pk=pk).update(outstanding=value + by_invoice[pk])
        for pk, value in cases.items():
            Case.objects.filter(pk=pk).update(outstanding=value + by_case[pk])
        yield
    finally:
        for pk, value in invoices.items():
            Invoice.objects.filter(pk=pk).update(outstanding=value)
        for pk, value in cases.items():
            Case.objects.filter(pk=pk).update(outstanding=value)


# --------------------------------------------------------------------------- follow-ups


def _followups(org: Organisation, lawyer: User) -> dict[str, int]:
    """Follow-up schedules in force (the firm's default, one client creditor's own), and the
    sweep of the last working morning at 09:30 for a bounded sample of debtors nobody has
    contacted yet (plans among them): each level that fell due went through the gate."""
    from qingqian.cases.models import CaseParty
    from qingqian.contact.models import ContactAttempt
    from qingqian.strategy.dunning import default_schedule
    from qingqian.strategy.dunning_services import FOLLOWUP_STATES, followups_run, schedule_save

    standard = default_schedule().to_dict()
    schedule_save(
        actor=lawyer, data={**standard, "name_zh": "本所标准催告", "name_en": "Firm standard"}
    )
    working = Case.objects.filter(organisation=org, state__in=FOLLOWUP_STATES, outstanding__gt=0)
    first = working.order_by("creditor_id").values_list("creditor_id", flat=True).first()
    if first is not None:
        from qingqian.parties.models import Party

        schedule_save(
            actor=lawyer,
            creditor=Party.objects.get(pk=first),
            data={
                "key": "client-early",
                "name_zh": "客户定制：提前提醒",
                "name_en": "Client's own: early reminders",
                "levels": [
                    {"key": "pre10", "offset_days": -10, "channels": ["email"]},
                    {"key": "pre3", "offset_days": -3, "channels": ["sms"]},
                    {"key": "due", "offset_days": 0, "channels": ["sms", "email"]},
                    {
                        "key": "l1",
                        "offset_days": 10,
                        "channels": ["email"],
                        "template": "statement",
                    },
                    {
                        "key": "l2",
                        "offset_days": 30,
                        "channels": ["letter"],
                        "interest": True,
                        "template": "legal_notice",
                    },
                ],
            },
        )
    contacted = set(ContactAttempt.objects.values_list("party_id", flat=True))
    debtors: list[int] = []
    # half among debtors on a plan (reminders of installments), half among the others
    on_plan = list(working.filter(state=State.PAYMENT_PLAN.value).order_by("pk"))
    others = list(working.exclude(state=State.PAYMENT_PLAN.value).order_by("pk"))
    mixed = [c for pair in zip(on_plan, others, strict=False) for c in pair]
    for case in mixed + on_plan[len(mixed) // 2 :] + others[len(mixed) // 2 :]:
        for party_id in CaseParty.objects.filter(case=case, role="debtor").values_list(
            "party_id", flat=True
        ):
            if party_id not in contacted and party_id not in debtors:
                debtors.append(party_id)
        if len(debtors) >= MAX_FOLLOWUP_DEBTORS:
            break
    day = clock.today() - dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    at = dt.datetime.combine(day, dt.time(9, 30), tzinfo=clock.BUSINESS_TZ)
    with clock.pinned(at):
        counts = followups_run(organisation=org, today=day, debtors=debtors)
    return {"followups_sent": counts["sent"], "followups_refused": counts["refused"]}


def _represented(case: Case, collector: User, at: dt.datetime) -> None:
    """The debtor said a lawyer now acts for them: the collector places the hold."""
    from qingqian.contact.services import contact_hold_place

    debtor = case.case_parties.filter(role="debtor").select_related("party").first()
    if debtor is None:
        return
    with clock.pinned(at):
        contact_hold_place(
            case=case,
            party=debtor.party,
            kind="representation",
            actor=collector,
            reason="演示：债务人来电称已委托律师代理，请经律师联系",
        )


# --------------------------------------------------------------------------- reports


def _reports(org: Organisation) -> int:
    from qingqian.reports.models import FeasibilityReport
    from qingqian.reports.selectors import cases_awaiting_report
    from qingqian.reports.services import feasibility_report_generate

    written = 0
    org_cases = Case.objects.filter(organisation=org)
    for case in list(cases_awaiting_report(org_cases)):
        entered: dt.datetime = case.entered_at  # type: ignore[attr-defined]
        made = entered + dt.timedelta(hours=2 + case.pk % 18)
        # the newest intakes keep their report “due”, not overdue
        with clock.pinned(min(made, clock.now())):
            feasibility_report_generate(case=case, actor=None)
        written += 1
    for state in (State.MEDIATION, State.LITIGATION, State.ENFORCEMENT):
        for case in org_cases.filter(state=state.value).order_by("pk")[:MAX_REPORTS_PER_STATE]:
            if not FeasibilityReport.objects.filter(case=case).exists():
                feasibility_report_generate(case=case, actor=None)
                written += 1
    return written


# --------------------------------------------------------------------------- plans


def _plans(org: Organisation, mediator: User, rng: random.Random) -> int:
    from qingqian.negotiation import services as neg
    from qingqian.negotiation.models import Consequence, InstallmentPlan
    from qingqian.payments.selectors import case_debt_total

    today = clock.today()
    written = 0
    cases = Case.objects.filter(organisation=org, state=State.PAYMENT_PLAN.value).order_by("pk")
    for case in cases:
        if InstallmentPlan.objects.filter(case=case).exists():
            continue
        total = case_debt_total(case)
        if total <= 0:
            continue
        late = rng.random() < 0.2
        first = today.replace(day=1) + dt.timedelta(days=32 if not late else -62)
        try:
            schedule = neg.plan_schedule(
                kind="equal",
                total=total,
                months=rng.choice((6, 10, 12)),
                start=f"{first.year}-{first.month:02d}",
            )
            version = neg.plan_propose(
                case=case,
                actor=mediator,
                schedule=schedule,
                grace_days=7,
                consequence=Consequence.REMINDER if not late else Consequence.ACCELERATION,
            )
            neg.plan_accept_staff(version=version, actor=mediator)
            debtor = neg._debtor(case)
            codes: list[str] = []
            neg.plan_debtor_code_send(version=version, party=debtor, deliver=codes.append)
            neg.plan_accept_debtor(version=version, party=debtor, code=codes[-1])
        except ApplicationError:
            continue
        written += 1
    neg.plans_breach_check(today=today)
    return written


# --------------------------------------------------------------------------- netting


def _netting(org: Organisation, lawyer: User) -> int:
    from qingqian.netting import selectors as nsel
    from qingqian.netting import services as nsvc
    from qingqian.netting.models import RoundState
    from qingqian.parties.models import Party

    choices = nsel.firm_choices(lawyer)
    if len(choices) < 2:
        return 0
    parties = list(Party.objects.filter(pk__in=[c.party_id for c in choices[:40]]))
    try:
        round_ = nsvc.round_create(
            organisation=org,
            actor=lawyer,
            title="苏州园区供应链第一轮清欠",
            parties=parties,
            exclude_unconfirmed=False,
        )
        nsvc.round_invite(round_=round_, actor=lawyer)
        _chain_payables(round_, lawyer)
        for p in round_.participants.all():
            nsvc.participant_confirm(participant=p, actor=lawyer)
            nsvc.participant_consent(participant=p, actor=lawyer)
        nsvc.round_run(round_=round_, actor=lawyer)
        round_.refresh_from_db()
        if round_.state == RoundState.SOLVED:
            for p in round_.participants.all():
                nsvc.participant_accept(participant=p, actor=lawyer)
            nsvc.round_apply(round_=round_, actor=lawyer)
    except ApplicationError:
        return 0
    return 1


def _chain_payables(round_: Any, lawyer: User) -> None:
    """The firm's clients owe their own suppliers too, and some suppliers are other clients'
    debtors: each client declares, as a participant may, what it owes to the biggest debtors
    of the next client (half of what they owe that client). Around the clients these close
    into rings, debtor → client → debtor → client → …, which is what a round clears; without
    them the demo's firms only ever owe the firm's clients and nothing could be set off."""
    from qingqian.netting import services as nsvc
    from qingqian.netting.models import Obligation

    owed: dict[int, list[tuple[Decimal, Any]]] = defaultdict(list)
    lines = Obligation.objects.filter(round=round_).select_related("debtor__party")
    for ob in lines.order_by("pk"):
        owed[ob.creditor_id].append((ob.amount, ob.debtor))
    parts = {p.pk: p for p in round_.participants.select_related("party")}
    clients = sorted(
        (parts[pk] for pk, debts in owed.items() if len(debts) >= 2),
        key=lambda p: (-len(owed[p.pk]), p.pk),
    )[:3]
    if len(clients) < 2:
        return
    for i, client in enumerate(clients):
        nxt = clients[(i + 1) % len(clients)]
        biggest = sorted(owed[nxt.pk], key=lambda d: (-d[0], d[1].pk))
        rows = ["id,debtor,creditor,amount"]
        for k, (amount, supplier) in enumerate(
            [d for d in biggest if d[1].pk != client.pk][:3], start=1
        ):
            half = (amount / 2).quantize(Decimal("0.01"))
            rows.append(f"AP-{i + 1}-{k},{client.party.credit_code},"
                        f"{supplier.party.credit_code},{half}")  # fmt: skip
        nsvc.payables_upload(
            participant=client, actor=lawyer, filename="应付账款.csv",
            data="\n".join(rows).encode(),
        )  # fmt: skip


__all__ = ["seed_history"]
