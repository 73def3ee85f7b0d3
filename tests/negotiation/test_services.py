"""Promises, plan versions with hash chain, two-sided acceptance, breach task, offers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from qingqian.accounts.otp import OtpError
from qingqian.audit.models import AuditEvent
from qingqian.cases.models import TimelineEvent
from qingqian.common.exceptions import Conflict, ValidationFailed
from qingqian.negotiation import terms as kterms
from qingqian.negotiation.models import (
    BreachRecord,
    PlanVersion,
    PromiseState,
    SettlementLimit,
    VersionState,
)
from qingqian.negotiation.selectors import default_rates
from qingqian.negotiation.services import (
    plan_accept_debtor,
    plan_accept_staff,
    plan_debtor_code_send,
    plan_propose,
    plan_schedule,
    plans_breach_check,
    promise_record,
    promises_decide,
    settlement_offer_make,
)
from qingqian.payments.services import payment_record

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 15, 2, 0, tzinfo=dt.UTC)  # 2026-12-15 10:00 in Suzhou


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _seasonal() -> Any:
    return plan_schedule(
        kind="seasonal", total=Decimal("12000"), months=6, start="2027-01", profile="1,1,2,1,1,3"
    )


def _agree(case: Any, users: Any, debtor: Any, **kw: Any) -> PlanVersion:
    v = plan_propose(
        case=case,
        actor=users["collector"],
        schedule=_seasonal(),
        grace_days=kw.get("grace", 5),
        consequence=kw.get("consequence", "acceleration"),
        profile="1,1,2,1,1,3",
    )
    plan_accept_staff(version=v, actor=users["collector"])
    sent: list[str] = []
    plan_debtor_code_send(version=v, party=debtor, deliver=sent.append)
    return plan_accept_debtor(version=v, party=debtor, code=sent[0])


def test_both_sides_accept_and_terms_go_into_the_case_log(
    case: Any, users: Any, debtor: Any
) -> None:
    v = _agree(case, users, debtor)
    assert v.state == VersionState.ACTIVE
    assert kterms.sha256_hex(kterms.terms_version(v.terms).document()) == v.sha256
    agreed = TimelineEvent.objects.get(case=case, kind="plan.agreed")
    assert v.sha256 in agreed.note and v.canonical in agreed.note
    assert sum(i.amount for i in v.installments.all()) == Decimal("12000.00")
    assert AuditEvent.objects.filter(action="plan.accept_debtor", object_id=str(v.pk)).exists()
    # The agreed terms are a signed document: their own log entry, by content hash.
    import hashlib

    from qingqian.evidence.models import SignedDocument
    from qingqian.ledger.canonical import parse_canonical

    [document] = SignedDocument.objects.filter(case=case, kind="plan_terms")
    assert document.file.sha256 == hashlib.sha256(v.canonical.encode()).hexdigest()
    assert document.log_entry is not None
    assert parse_canonical(document.log_entry.private_statement)["sha256"] == document.file.sha256


def test_wrong_code_does_not_accept(case: Any, users: Any, debtor: Any) -> None:
    v = plan_propose(
        case=case,
        actor=users["collector"],
        schedule=_seasonal(),
        grace_days=5,
        consequence="reminder",
    )
    plan_debtor_code_send(version=v, party=debtor, deliver=lambda c: None)
    with pytest.raises(OtpError):
        plan_accept_debtor(version=v, party=debtor, code="000000x")
    v.refresh_from_db()
    assert v.accepted_by_debtor_at is None and v.state == VersionState.PROPOSED


def test_change_is_a_new_chained_version_and_agreed_one_cannot_be_reaccepted(
    case: Any, users: Any, debtor: Any
) -> None:
    v1 = _agree(case, users, debtor)
    with pytest.raises(Conflict):
        plan_accept_staff(version=v1, actor=users["collector"])
    equal = plan_schedule(kind="equal", total=Decimal("12000"), months=12, start="2027-01")
    v2 = plan_propose(
        case=case,
        actor=users["collector"],
        schedule=equal,
        grace_days=5,
        consequence="reminder",
        plan=v1.plan,
    )
    v1.refresh_from_db()
    assert v2.version == 2 and v2.previous_sha256 == v1.sha256
    assert v1.state == VersionState.SUPERSEDED and v2.state == VersionState.PROPOSED
    kterms.verify_chain(
        [
            kterms.terms_version(v1.terms),
            kterms.terms_version(v2.terms, previous=kterms.terms_version(v1.terms)),
        ]
    )


def test_plan_above_balance_is_refused(case: Any, users: Any) -> None:
    big = plan_schedule(kind="equal", total=Decimal("30000"), months=6, start="2027-01")
    with pytest.raises(ValidationFailed):
        plan_propose(
            case=case, actor=users["collector"], schedule=big, grace_days=5, consequence="reminder"
        )
    assert not PlanVersion.objects.exists()


def test_breach_after_grace_applies_acceleration_once(case: Any, users: Any, debtor: Any) -> None:
    v = _agree(case, users, debtor, grace=5)
    first = v.installments.order_by("number").first()
    assert first is not None
    payment_record(
        case=case,
        amount=first.amount,
        kind="bank_transfer",
        idempotency_key="i1",
        actor=users["collector"],
        received_at=dt.datetime(2027, 1, 20, 2, tzinfo=dt.UTC),
    )
    # second installment due 2027-02-xx; within grace nothing happens
    second = v.installments.get(number=2)
    assert plans_breach_check(today=second.due + dt.timedelta(days=5))["breached"] == 0
    assert plans_breach_check(today=second.due + dt.timedelta(days=6))["breached"] == 1
    assert plans_breach_check(today=second.due + dt.timedelta(days=7))["breached"] == 0
    v.refresh_from_db()
    rec = BreachRecord.objects.get(version=v)
    assert v.state == VersionState.BREACHED and rec.consequence == "acceleration"
    assert rec.accelerated_balance == Decimal("12000.00") - first.amount
    assert TimelineEvent.objects.filter(case=case, kind="plan.breach.acceleration").count() == 1
    rates = default_rates(type(case).objects.all())
    assert rates == [{"kind": "seasonal", "agreed": 1, "breached": 1, "rate": Decimal("100.0")}]


def test_reminder_keeps_plan_active(case: Any, users: Any, debtor: Any) -> None:
    v = _agree(case, users, debtor, consequence="reminder", grace=0)
    assert plans_breach_check(today=dt.date(2027, 6, 30))["breached"] == 1
    v.refresh_from_db()
    assert v.state == VersionState.ACTIVE
    assert TimelineEvent.objects.filter(case=case, kind="plan.breach.reminder").exists()


def test_promise_kept_and_broken(case: Any, users: Any) -> None:
    kept = promise_record(
        case=case,
        amount=Decimal("500.00"),
        due_date=dt.date(2026, 12, 20),
        source="handler",
        actor=users["collector"],
    )
    broken = promise_record(
        case=case,
        amount=Decimal("9000.00"),
        due_date=dt.date(2026, 12, 20),
        source="handler",
        actor=users["collector"],
    )
    payment_record(
        case=case,
        amount=Decimal("600.00"),
        kind="bank_transfer",
        idempotency_key="p1",
        actor=users["collector"],
        received_at=NOW,
    )
    assert promises_decide(today=dt.date(2026, 12, 16)) == {"kept": 1, "broken": 0}
    kept.refresh_from_db()
    broken.refresh_from_db()
    assert kept.state == PromiseState.KEPT
    # 600 paid < 9000: open until the date passes, then broken
    assert broken.state == PromiseState.OPEN
    promises_decide(today=dt.date(2026, 12, 21))
    broken.refresh_from_db()
    assert broken.state == PromiseState.BROKEN and broken.paid == Decimal("600.00")
    assert TimelineEvent.objects.filter(case=case, kind="promise.broken").exists()


def test_settlement_offer_within_creditor_limit(case: Any, users: Any) -> None:
    with pytest.raises(ValidationFailed):
        settlement_offer_make(
            case=case,
            actor=users["collector"],
            discount_percent=Decimal("10"),
            expires_on=dt.date(2026, 12, 31),
        )
    SettlementLimit.objects.create(
        creditor=case.creditor, max_discount_percent=Decimal("15"), max_days=30
    )
    with pytest.raises(ValidationFailed) as over:
        settlement_offer_make(
            case=case,
            actor=users["collector"],
            discount_percent=Decimal("20"),
            expires_on=dt.date(2026, 12, 31),
        )
    assert over.value.code == "discount_over_limit"
    with pytest.raises(ValidationFailed):
        settlement_offer_make(
            case=case,
            actor=users["collector"],
            discount_percent=Decimal("10"),
            expires_on=dt.date(2027, 3, 1),
        )
    offer = settlement_offer_make(
        case=case,
        actor=users["collector"],
        discount_percent=Decimal("10"),
        expires_on=dt.date(2026, 12, 31),
    )
    assert offer.amount == Decimal("18000.45")


def test_daily_command_applies_breach(case: Any, users: Any, debtor: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    v = _agree(case, users, debtor, consequence="return_to_strategy", grace=0)
    out = StringIO()
    call_command("plan", "daily", "--today", "2027-12-31", stdout=out)
    assert '"breached": 1' in out.getvalue()
    v.refresh_from_db()
    assert v.state == VersionState.BREACHED
    assert TimelineEvent.objects.filter(case=case, kind="plan.breach.return_to_strategy").exists()


def test_terms_cannot_be_saved_over(case: Any, users: Any, debtor: Any) -> None:
    v = _agree(case, users, debtor)
    v.terms = {**v.terms, "total": "1.00"}
    with pytest.raises(Conflict):
        v.save()
    with pytest.raises(Conflict):
        v.save(update_fields=["terms"])
    assert PlanVersion.objects.get(pk=v.pk).terms["total"] == "12000.00"


def test_plans_and_offers_cover_costs_and_interest_not_just_principal(
    case: Any, users: Any
) -> None:
    from qingqian.payments.services import charge_add

    assert case.outstanding == Decimal("20000.50")
    invoice = case.invoices.order_by("pk").first()
    charge_add(
        case=case, kind="court_fee", amount="1000.00", actor=users["collector"], invoice=invoice
    )
    # a plan may cover the whole debt (principal + costs) but not more
    whole = plan_schedule(kind="equal", total=Decimal("21000.50"), months=6, start="2027-01")
    assert plan_propose(
        case=case, actor=users["collector"], schedule=whole, grace_days=5, consequence="reminder"
    ).pk
    more = plan_schedule(kind="equal", total=Decimal("21000.51"), months=6, start="2027-01")
    with pytest.raises(ValidationFailed) as err:
        plan_propose(
            case=case, actor=users["collector"], schedule=more, grace_days=5, consequence="reminder"
        )
    assert err.value.code == "plan_exceeds_balance"
    SettlementLimit.objects.create(
        creditor=case.creditor, max_discount_percent=Decimal("15"), max_days=30
    )
    offer = settlement_offer_make(
        case=case,
        actor=users["collector"],
        discount_percent=Decimal("10"),
        expires_on=dt.date(2026, 12, 31),
    )
    assert offer.balance == Decimal("21000.50") and offer.amount == Decimal("18900.45")
