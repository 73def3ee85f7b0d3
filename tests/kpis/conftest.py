"""Builders for KPI tests: cases accepted on a given instant, payments through the payment
service (so the trust journal is written), contact attempts and promises as rows."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest

from qingqian.kpis.periods import BUSINESS_TZ

_seq = itertools.count(1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BUSINESS_TZ)


@pytest.fixture
def build(org: Any, users: dict[str, Any], creditor: Any, debtor: Any) -> Any:
    from qingqian.cases.models import Case, TimelineEvent
    from qingqian.cases.services import InvoiceInput, case_open
    from qingqian.contact.models import ContactAttempt
    from qingqian.contact.services import contact_policy_current
    from qingqian.negotiation.models import Promise
    from qingqian.payments.services import payment_record

    policy, _ = contact_policy_current()

    class Builder:
        def case(
            self,
            *,
            principal: str = "10000.00",
            accepted: dt.date | None = dt.date(2026, 9, 1),
            due: dt.date = dt.date(2026, 7, 1),
            handler: Any = None,
            cred: Any = None,
            debt_type: str = "trade",
        ) -> Case:
            n = next(_seq)
            c = case_open(
                organisation=org,
                actor=users["lawyer"],
                creditor=cred or creditor,
                debtors=[debtor],
                debt_type=debt_type,
                channel="web",
                handler=handler if handler is not None else users["collector"],
                invoices=[
                    InvoiceInput(f"K-{n}", Decimal(principal), due - dt.timedelta(days=30), due)
                ],
            )
            if accepted is not None:
                TimelineEvent.objects.create(
                    case=c,
                    at=at(accepted),
                    kind="transition",
                    from_state="evidence_review",
                    to_state="accepted",
                )
                Case.objects.filter(pk=c.pk).update(state="negotiation")
                c.refresh_from_db()
            return c

        def pay(self, c: Case, amount: str, day: dt.date, kind: str = "bank_transfer") -> Any:
            p, _ = payment_record(
                case=c,
                amount=Decimal(amount),
                kind=kind,
                idempotency_key=f"k-{next(_seq)}",
                actor=users["lawyer"],
                received_at=at(day, 11),
            )
            return p

        def attempt(
            self,
            c: Case,
            day: dt.date,
            *,
            allowed: bool = True,
            disposition: str = "",
            rule: str = "ok",
            actor: Any = None,
        ) -> Any:
            return ContactAttempt.objects.create(
                organisation=org,
                case=c,
                party=debtor,
                party_role="debtor",
                channel="phone",
                actor=actor or users["collector"],
                actor_label="collector",
                at=at(day, 14),
                allowed=allowed,
                rule=rule,
                policy=policy,
                policy_version="v1",
                disposition=disposition,
            )

        def promise(self, c: Case, made: dt.date, due: dt.date, state: str = "open") -> Any:
            return Promise.objects.create(
                case=c,
                amount=Decimal("100.00"),
                due_date=due,
                made_on=made,
                source="handler",
                state=state,
            )

    return Builder()
