"""A collector's work queue in a real browser: one row per debtor, the case with a deadline
or a higher expected value per hour first, next best action with its reason; the case page's
debt-radar panel; the model card one click away; the English UI."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import CHROMIUM, PASSWORD, Shots, World, log_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


def _portfolio(world: World) -> Any:
    from qingqian.accounts.models import User
    from qingqian.cases.models import Case
    from qingqian.cases.services import InvoiceInput, case_open
    from qingqian.common import clock
    from qingqian.parties.services import party_create
    from qingqian.scoring import services
    from tests.support import make_uscc

    collector = User.objects.create_user(
        username="collector",
        password=PASSWORD,
        first_name="小李",
        organisation=world.org,
        role="collector",
        cert_number="SZ-CERT-0002",
        cert_issuer="苏州市商务调解协会",
        cert_expires=dt.date(2099, 12, 31),
    )
    debtors = [
        party_create(
            organisation=world.org,
            actor=None,
            kind="company",
            name=name,
            credit_code=make_uscc(200 + i),
        )
        for i, name in enumerate(["吴江纺织有限公司", "昆山机电有限公司"])
    ]
    for i, (debtor, amount) in enumerate(
        [(debtors[0], "300000.00"), (debtors[0], "50000.00"), (debtors[1], "20000.00")]
    ):
        case_open(
            organisation=world.org,
            actor=None,
            creditor=world.creditor,
            debtors=[debtor],
            debt_type="trade",
            channel="web",
            handler=collector,
            invoices=[
                InvoiceInput(f"E2E-{i}", Decimal(amount), dt.date(2025, 6, 1), dt.date(2025, 7, 1))
            ],
        )
    Case.objects.update(state="negotiation")
    services.expert_model_ensure()
    services.rescore(Case.objects.all(), at=clock.today())
    return collector


def test_collector_works_the_queue(live_server: Any, page: Any, world: World, shots: Shots) -> None:
    from playwright.sync_api import expect

    collector = _portfolio(world)
    base = live_server.url
    log_in(page, base, collector.username, PASSWORD)
    page.get_by_role("link", name="工作队列").click()
    expect(page.get_by_role("heading", name="我的工作队列")).to_be_visible()
    rows = page.locator("table.radar-queue tbody tr")
    expect(rows).to_have_count(2)  # three cases, two debtors
    first = rows.nth(0)
    expect(first).to_contain_text("吴江纺织有限公司")
    expect(first.locator("a")).to_have_count(2)  # both of its cases in one entry
    expect(first.locator(".radar-reason")).not_to_have_count(0)
    # contact history comes from the contact gate now: no "not enabled" banner
    expect(page.locator(".banner.warn")).to_have_count(0)
    shots(page, "queue")
    first.locator("a").first.click()
    panel = page.locator("#radar-panel")
    expect(panel).to_contain_text("债务雷达")
    expect(panel.locator(".radar-score")).to_be_visible()
    shots(page, "case-panel")
    panel.locator("a").first.click()
    expect(page.get_by_role("heading", name="模型卡")).to_contain_text("expert")
    shots(page, "model-card")
    page.goto(f"{base}/queue/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="My work queue")).to_be_visible()
    expect(page.locator("table.radar-queue tbody tr").nth(0)).to_contain_text("吴江纺织有限公司")
    shots(page, "queue-en")
