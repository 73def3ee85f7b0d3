"""Browser journey: a lawyer records a bank transfer on the case page (a double click is
recorded once), sees how it was allocated, reverses nothing, finds it on the creditor's
statement and sees the trust ledger reconcile."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import Shots, World, log_in

pytestmark = pytest.mark.e2e


def test_payment_on_case_page_statement_and_reconciliation(
    live_server: Any, page: Any, world: World, shots: Shots
) -> None:
    from qingqian.accounts.models import User
    from qingqian.cases.services import InvoiceInput, case_open
    from qingqian.parties.services import party_create
    from qingqian.payments.models import Payment
    from tests.support import make_uscc

    lawyer = User.objects.create_user(
        username="lawyer", password=world.password, organisation=world.org, role="lawyer"
    )
    debtor = party_create(
        organisation=world.org, actor=None, kind="company", name="姑苏文旅酒店管理有限公司",
        credit_code=make_uscc(77),
    )  # fmt: skip
    case = case_open(
        organisation=world.org, actor=lawyer, creditor=world.creditor, debtors=[debtor],
        debt_type="trade", channel="web",
        invoices=[
            InvoiceInput("E2E-001", Decimal("3000.00"), dt.date(2026, 1, 5), dt.date(2026, 2, 5)),
            InvoiceInput("E2E-002", Decimal("5000.00"), dt.date(2026, 3, 1), dt.date(2026, 4, 1)),
        ],
    )  # fmt: skip
    base = live_server.url
    log_in(page, base, "lawyer", world.password)
    page.goto(f"{base}/cases/{case.pk}/")
    panel = page.locator("#payments-panel")
    panel.get_by_label("金额（元）", exact=True).fill("4000")
    panel.get_by_label("方式").select_option("bank_transfer")
    button = panel.get_by_role("button", name="登记回款")
    # A double click: the same idempotency key is posted twice, recorded once.
    button.dblclick()
    page.wait_for_load_state("networkidle")
    page.goto(f"{base}/cases/{case.pk}/")
    assert Payment.objects.filter(case=case).count() == 1
    rows = page.locator("#payments-panel ul.allocations li")
    assert rows.count() == 2
    assert "E2E-001" in rows.nth(0).inner_text() and "3,000.00" in rows.nth(0).inner_text()
    assert "E2E-002" in rows.nth(1).inner_text() and "1,000.00" in rows.nth(1).inner_text()
    shots(page, "case-payments")

    page.goto(f"{base}/money/statement/?creditor={world.creditor.pk}")
    statement = page.locator("#statement")
    assert "4,000.00" in statement.inner_text()
    shots(page, "statement")

    page.goto(f"{base}/money/reconciliation/")
    assert page.locator(".banner.ok").is_visible()
    assert "4,000.00" in page.locator("#reconciliation").inner_text()
    shots(page, "reconciliation")
