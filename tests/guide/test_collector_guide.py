"""Guide journey — collector (guide/zh/collector.md): the work queue on the desk and on a
phone, a case (its contact actions on a phone too), sending the debtor's one-time link
through the contact gate, the day plan, follow-ups and the debtor profile."""

from __future__ import annotations

from typing import Any

import pytest

from tests.guide.conftest import Demo
from tests.guide.journeys import fits_phone, nav, require_browser
from tests.guide.shots import guide_shot

expect = require_browser()

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_collector_guide(page: Any, phone: Any, demo: Demo, sms: Any) -> None:
    base = demo.base
    demo.log_in(page, "collector")
    nav(page, "工作队列")
    expect(page.get_by_role("heading", name="我的工作队列")).to_be_visible()
    rows = page.locator("table.radar-queue tbody tr[data-debtor]")
    expect(rows.first).to_be_visible()
    guide_shot(page, "collector/queue")

    demo.log_in(phone, "collector")
    phone.goto(f"{base}/queue/")
    expect(phone.get_by_role("heading", name="我的工作队列")).to_be_visible()
    guide_shot(phone, "collector/queue")

    # A case from the queue (collector.md#case-page)
    rows.first.locator("a").first.click()
    expect(page.locator("#contact-panel")).to_be_visible()
    guide_shot(page, "collector/case")
    guide_shot(page, "collector/contact-panel", element="#contact-panel")
    case_url = page.url
    # the same contact actions on the collector's phone (collector-desk.md#desk)
    phone.goto(case_url)
    expect(phone.locator("#contact-actions")).to_be_visible()
    fits_phone(phone)
    guide_shot(phone, "collector/desk", element="#contact-actions")

    # The debtor's one-time link, through the contact gate (collector.md#contact)
    panel = page.locator("#negotiation-panel")
    panel.get_by_label("渠道").select_option("sms")
    panel.get_by_role("button", name="发送一次性链接").click()
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_be_visible()
    guide_shot(page, "collector/link-sent", en=False)

    # Debtor profile (collector.md#debtor-profile)
    page.goto(case_url.rstrip("/") + "/debtor-profile/")
    guide_shot(page, "collector/debtor-profile")

    # The day plan and follow-ups (collector.md#day-plan, #followups)
    page.goto(f"{base}/contact/plan/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("联系计划")
    guide_shot(page, "collector/day-plan")
    page.goto(f"{base}/contact/followups/")
    guide_shot(page, "collector/followups")
