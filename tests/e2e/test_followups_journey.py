"""Follow-ups in a real browser (issue 19, "at least as good as the ERP dunning tools"): a
lawyer opens the follow-up schedules from the strategy page, gives a client its own schedule
with a reminder before the due date, the day's sweep sends it through the gate, and the
lawyer sees the sent letter and, on a phone-sized screen, the page without sideways
scrolling. Screenshots in test-results/e2e/ (git-ignored)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import CHROMIUM, PASSWORD, Shots, World, log_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


def test_lawyer_sets_a_clients_follow_ups_and_sees_them_sent(
    live_server: Any, page: Any, world: World, shots: Shots
) -> None:
    from playwright.sync_api import expect

    from qingqian.accounts.models import User
    from qingqian.cases.models import Case
    from qingqian.cases.services import InvoiceInput, case_open
    from qingqian.common import clock
    from qingqian.parties.services import party_create
    from qingqian.strategy.dunning_services import followups_run
    from tests.support import make_uscc

    User.objects.create_user(
        username="lawyer",
        password=PASSWORD,
        first_name="陈律师",
        organisation=world.org,
        role="lawyer",
    )
    debtor = party_create(
        organisation=world.org,
        actor=None,
        kind="company",
        name="吴江纺织有限公司",
        credit_code=make_uscc(310),
        city="苏州市",
        district="吴江区",
        address="松陵镇中山路 18 号",
    )
    today = clock.today()
    case = case_open(
        organisation=world.org,
        actor=None,
        creditor=world.creditor,
        debtors=[debtor],
        debt_type="trade",
        channel="web",
        invoices=[
            InvoiceInput("WJ-1101", Decimal("128000.50"), today, today + dt.timedelta(days=4)),
        ],
    )
    Case.objects.filter(pk=case.pk).update(state="negotiation")

    base = live_server.url
    page.set_default_timeout(30_000)
    log_in(page, base, "lawyer", PASSWORD)

    page.goto(f"{base}/strategy/")
    page.get_by_role("link", name="查看和设置催告计划").click()
    expect(page.get_by_role("heading", name="催告计划", exact=True)).to_be_visible()
    expect(page.locator("#followup-schedules")).to_contain_text("到期前 7 天")
    shots(page, "schedules")

    schedule = {
        "key": "client",
        "name_zh": "精密电子：提前一周寄函",
        "name_en": "Precision: a letter a week ahead",
        "levels": [
            {"key": "pre7", "offset_days": -7, "channels": ["letter"]},
            {"key": "l1", "offset_days": 15, "channels": ["letter"], "template": "statement"},
        ],
    }
    page.select_option("#followup-target", f"creditor:{world.creditor.pk}")
    page.fill("#followup-editor textarea", json.dumps(schedule, ensure_ascii=False))
    page.locator("#followup-save").click()
    expect(page.locator("body")).to_contain_text("催告计划已保存")
    expect(page.locator("#followup-schedules")).to_contain_text("精密电子：提前一周寄函")
    expect(page.locator("#followup-schedules")).to_contain_text("到期前 7 天")

    # the morning's sweep (what `qingqian daily` queues for 09:00)
    counts = followups_run(today=today)
    assert counts["sent"] == 1
    page.reload()
    sent = page.locator("#followup-sent")
    expect(sent).to_contain_text("吴江纺织有限公司")
    expect(sent).to_contain_text("¥128,000.50")
    expect(sent).to_contain_text("已发送")
    letter = sent.get_by_role("link", name="信函（PDF）")
    href = letter.get_attribute("href")
    response = page.request.get(f"{base}{href}")
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    shots(page, "sent")

    # the same page on a phone: nothing wider than the screen
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    shots(page, "phone")
