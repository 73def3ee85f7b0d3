"""One consolidated statement per debtor from the database, an agreed plan's installments
in place of its invoices, and a manual "send now" through the contact gate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from qingqian.common import clock
from qingqian.contact.channels.base import Delivery, use_adapter
from qingqian.contact.models import ContactAttempt
from qingqian.parties.services import party_email_set
from qingqian.strategy.dunning_services import debtor_statement, dunning_send_now

pytestmark = pytest.mark.django_db


class Outbox:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send(self, attempt: Any, message: Any) -> Delivery:
        self.sent.append(message)
        return Delivery(channel=attempt.channel, provider_ref=f"fake-{len(self.sent)}")


def _agree_plan(case: Any) -> None:
    from qingqian.negotiation.models import Installment, InstallmentPlan, PlanVersion

    plan = InstallmentPlan.objects.create(case=case, active_case=case)
    version = PlanVersion.objects.create(
        plan=plan,
        version=1,
        kind="equal",
        grace_days=5,
        consequence="reminder",
        terms={"amount_total": "20000.50"},
        canonical="{}",
        sha256="a" * 64,
        state="active",
        agreed_at=clock.now() - dt.timedelta(days=30),
    )
    for n, (due, amount) in enumerate(
        [(dt.date(2026, 11, 1), "10000.25"), (dt.date(2026, 11, 25), "10000.25")], start=1
    ):
        Installment.objects.create(
            version=version,
            number=n,
            due=due,
            principal=Decimal(amount),
            interest=Decimal("0"),
            amount=Decimal(amount),
        )


def test_one_statement_across_the_debtors_invoices(case: Any, debtor: Any, users: Any) -> None:
    st = debtor_statement(debtor, users["collector"], today=dt.date(2026, 11, 20))
    assert [ln.ref for ln in st.lines] == ["INV-001", "INV-002"]
    assert st.total == Decimal("20000.50")
    assert st.fees == Decimal("0") and st.interest == Decimal("0")


def test_the_statement_pools_the_debtors_open_cases_each_once(
    case: Any, debtor: Any, users: Any, creditor: Any, creditor_b: Any, org: Any
) -> None:
    """Every open case of the debtor that the user may see, each once (a debtor linked
    twice to a case still counts it once), closed ones left out, one creditor's when asked."""
    from qingqian.cases.models import Case, CaseParty
    from qingqian.cases.services import InvoiceInput, case_open

    other_creditor = creditor_b
    day = dt.date(2025, 5, 1)

    def opened(number: str, amount: str, owner: Any) -> Any:
        return case_open(
            organisation=org, actor=users["lawyer"], creditor=owner, debtors=[debtor],
            debt_type="trade", channel="web", handler=users["collector"],
            invoices=[InvoiceInput(number, Decimal(amount), day, day + dt.timedelta(days=30))],
        )  # fmt: skip

    second = opened("INV-101", "300.00", creditor)
    CaseParty.objects.create(case=second, party=debtor, role="guarantor")
    closed = opened("INV-102", "500.00", creditor)
    Case.objects.filter(pk=closed.pk).update(state="closed", outcome="withdrawn")
    opened("INV-103", "700.00", other_creditor)
    today = dt.date(2026, 11, 20)
    st = debtor_statement(debtor, users["collector"], today=today)
    refs = sorted(ln.ref.rsplit("/", 1)[-1] for ln in st.lines)
    assert refs == ["INV-001", "INV-002", "INV-101", "INV-103"]
    assert st.total == Decimal("21000.50")  # 20,000.50 + 300 + 700, the second case once
    only = debtor_statement(debtor, users["collector"], today=today, creditor=other_creditor)
    assert [ln.ref for ln in only.lines] == ["INV-103"]


def test_an_agreed_plan_replaces_the_invoices(case: Any, debtor: Any, users: Any) -> None:
    _agree_plan(case)
    st = debtor_statement(debtor, users["collector"], today=dt.date(2026, 11, 20))
    assert [ln.kind for ln in st.lines] == ["installment", "installment"]
    assert [ln.level for ln in st.lines] == ["l2", "pre7"]  # 19 days late; 5 days ahead


def test_a_plan_line_is_what_the_portal_says_is_left(case: Any, debtor: Any, users: Any) -> None:
    """The statement and the portal agree on what is left of each installment: cash from the
    agreement's business day counts, even if it came in earlier that day, and a reversed
    payment counts for nothing."""
    from qingqian.negotiation.models import PlanVersion
    from qingqian.negotiation.selectors import plan_assess
    from qingqian.payments.services import payment_record, payment_reverse

    _agree_plan(case)
    version = PlanVersion.objects.get(plan__case=case)
    version.agreed_at = dt.datetime(2026, 10, 20, 7, 0, tzinfo=dt.UTC)  # 15:00 in Suzhou
    version.save(update_fields=["agreed_at"])
    collector = users["collector"]
    payment_record(
        case=case, amount=Decimal("3000.00"), kind="bank_transfer", idempotency_key="same-day",
        actor=collector, received_at=dt.datetime(2026, 10, 20, 1, 0, tzinfo=dt.UTC),  # 09:00
    )  # fmt: skip
    bounced, _ = payment_record(
        case=case, amount=Decimal("500.00"), kind="bank_transfer", idempotency_key="bounced",
        actor=collector, received_at=dt.datetime(2026, 10, 25, 2, 0, tzinfo=dt.UTC),
    )  # fmt: skip
    payment_reverse(payment=bounced, actor=collector, reason="退票")
    st = debtor_statement(debtor, collector, today=dt.date(2026, 11, 20))
    left = [s.outstanding for s in plan_assess(version).installments]
    assert [ln.outstanding for ln in st.lines] == left == [Decimal("7000.25"), Decimal("10000.25")]


def test_send_now_through_the_gate(case: Any, debtor: Any, users: Any) -> None:
    collector = users["collector"]
    party_email_set(party=debtor, email="ap@gusu-hotel.example.cn", actor=collector)
    box = Outbox()
    with use_adapter("email", box):
        sent = dunning_send_now(case=case, party=debtor, channel="email", actor=collector)
    assert sent.attempt.allowed and sent.attempt.channel == "email"
    body = box.sent[0].body
    assert "INV-001" in body and "INV-002" in body and "20,000.50" in body
    assert box.sent[0].to == "ap@gusu-hotel.example.cn"


def test_send_now_from_the_case_page(case: Any, debtor: Any, users: Any) -> None:
    c = Client()
    c.force_login(users["collector"])
    url = reverse("web:case_detail", args=[case.pk])
    page = c.get(url).content.decode()
    assert f'id="desk-statement-{debtor.pk}"' in page and "¥20,000.50" in page
    box = Outbox()
    with use_adapter("sms", box):
        c.post(
            reverse("desk:case_statement", args=[case.pk]),
            {"party": debtor.pk, "channel": "sms"},
        )
    assert len(box.sent) == 1
    assert (
        ContactAttempt.objects.filter(channel="sms", allowed=True, sent_at__isnull=False).count()
        == 1
    )
    page = c.get(url).content.decode()
    assert "已发送至" in page
