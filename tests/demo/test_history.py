"""The lived-in demo (h19d): payments through the payment service (allocations, commission,
trust ledger consistent with each case's balance), a report for every case in evidence
review so none is overdue at first login, and a finished netting round."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings: Any) -> Any:
    from qingqian.demo.generator import load_demo

    settings.QINGQIAN_TIMESTAMP_AUTHORITY = "qingqian.ledger.demo_tsa.demo_authority"
    return load_demo(cases=200, seed=3)


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
