"""The performance dashboard and a drill-down in a real browser, in Chinese and English and
at phone width: the figures come from the records the test makes, the charts are drawn (no
script, nothing refused by the CSP) and the drill by creditor shows the same money."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import CHROMIUM, Shots, World, log_in

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is absent", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="Python playwright is not installed")

from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SH = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def book(world: World) -> Any:
    from qingqian.accounts.models import User
    from qingqian.cases.models import Case, TimelineEvent
    from qingqian.cases.services import InvoiceInput, case_open
    from qingqian.parties.services import party_create
    from qingqian.payments.services import payment_record
    from tests.support import make_uscc

    lawyer = User.objects.create_user(
        username="lawyer", password=world.password, first_name="李律师",
        organisation=world.org, role="lawyer",
    )  # fmt: skip
    debtor = party_create(
        organisation=world.org, actor=None, kind="company", name="苏州某某贸易有限公司",
        credit_code=make_uscc(77),
    )  # fmt: skip
    for n, (amount, paid) in enumerate([("20000.00", "1800.00"), ("10000.00", "1200.00")]):
        case = case_open(
            organisation=world.org, actor=lawyer, creditor=world.creditor, debtors=[debtor],
            debt_type="trade", channel="web", handler=lawyer,
            invoices=[InvoiceInput(f"E-{n}", Decimal(amount), dt.date(2026, 5, 1),
                                   dt.date(2026, 6, 1))],
        )  # fmt: skip
        TimelineEvent.objects.create(
            case=case, at=dt.datetime(2026, 10, 3 + n, 10, tzinfo=SH), kind="transition",
            from_state="evidence_review", to_state="accepted",
        )  # fmt: skip
        Case.objects.filter(pk=case.pk).update(state="negotiation")
        payment_record(
            case=case, amount=Decimal(paid), kind="bank_transfer", idempotency_key=f"e2e-{n}",
            actor=lawyer, received_at=dt.datetime(2026, 10, 20, 11, tzinfo=SH),
        )  # fmt: skip
    return lawyer


def test_dashboard_and_drill_down_in_both_languages(
    page: Any, live_server: Any, world: World, book: Any, shots: Shots, browser: Any
) -> None:
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.set_default_timeout(60_000)  # the shared machine is loaded
    base = live_server.url
    log_in(page, base, "lawyer", world.password)
    page.get_by_role("link", name="经营指标").click()
    page.fill("input[name=from]", "2026-10-01")
    page.fill("input[name=to]", "2026-10-31")
    page.get_by_role("button", name="计算").click()
    expect(page.locator("#kpi-gross")).to_have_text("¥3,000.00")
    expect(page.locator("#kpi-rate")).to_have_text("10.0%")
    expect(page.locator("h1")).to_contain_text("2026年10月1日")
    assert page.locator("svg.chart").count() >= 3
    expect(page.locator("#kpi-people")).to_contain_text("李律师")
    shots(page, "dashboard-zh")

    page.get_by_role("link", name="按债权人").click()
    row = page.locator("#kpi-drill tbody tr").first
    expect(row).to_contain_text("苏州园区精密电子有限公司")
    expect(row).to_contain_text("¥3,000.00")
    expect(row).to_contain_text("10.0%")
    shots(page, "drill-creditor-zh")

    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_contain_text("Performance · By creditor")
    expect(page.locator("#kpi-drill thead")).to_contain_text("Collected (gross)")
    expect(page.locator("#kpi-drill tbody tr").first).to_contain_text("¥3,000.00")
    shots(page, "drill-creditor-en")
    page.get_by_role("link", name="Back to performance").click()
    expect(page.locator("#kpi-gross")).to_have_text("¥3,000.00")
    expect(page.locator("#kpi-head")).to_contain_text("Right-party contact rate")
    shots(page, "dashboard-en")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("#kpi-gross")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    shots(page, "dashboard-en-390")
    assert width <= 400  # wide tables scroll inside their card
    assert refused == []
