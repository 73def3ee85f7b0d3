"""Guide journey — compliance officer (guide/zh/compliance.md): place a hold on a case, lift it
on the holds page, edit the contact policy with its preview and publish a version, read the
report of refused contacts, the audit trail, the regulatory records and the incidents."""

from __future__ import annotations

from typing import Any

import pytest

from tests.guide.conftest import Demo
from tests.guide.journeys import demo_case, require_browser
from tests.guide.shots import guide_shot

expect = require_browser()

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_compliance_guide(page: Any, demo: Demo) -> None:
    base = demo.base
    demo.log_in(page, "compliance")

    # A hold on a case (compliance.md#case-page)
    case = demo_case(state="negotiation")
    page.goto(f"{base}/cases/{case.pk}/")
    hold_form = page.locator("#contact-panel form").first
    page.locator("#contact-panel summary").first.click()
    hold_form.locator("select[name=kind]").select_option("dispute")
    hold_form.locator("input[name=reason]").fill("债务人称货款早已结清")
    guide_shot(page, "compliance/hold", element="#contact-panel", en=False)
    hold_form.get_by_role("button", name="暂停").click()
    expect(page.locator("#contact-panel .contact-holds")).to_contain_text("争议")

    # The holds page (compliance.md#holds)
    page.goto(f"{base}/contact/holds/")
    row = page.locator("#holds-table tbody tr").first
    expect(row).to_contain_text("债务人称货款早已结清")
    guide_shot(page, "compliance/holds")
    row.locator("input[name=reason]").fill("核对银行流水后确认尚未付款")
    row.get_by_role("button", name="解除").click()
    expect(page.locator(".messages")).to_contain_text("已解除暂停")

    # The contact policy: edit, preview, publish (compliance.md#policies)
    page.goto(f"{base}/contact/policies/cn-default/")
    page.locator('#policy-form input[name^=cap_limit_][value="3"]').first.fill("2")
    page.get_by_role("button", name="预览").click()
    expect(page.locator("#preview-table")).to_contain_text("变化")
    guide_shot(page, "compliance/policy-preview", en=False, full_page=True)
    page.fill("input[name=note]", "每日接通上限收紧为 2 次")
    page.get_by_role("button", name="发布新版本").click()
    expect(page.locator("#policy-cn-default")).to_contain_text("v2")
    guide_shot(page, "compliance/policies")

    # Refused contacts (compliance.md#contact-report)
    page.goto(f"{base}/contact/?days=30")
    expect(page.get_by_role("heading", level=1)).to_contain_text("联系合规")
    guide_shot(page, "compliance/contact-report")

    # The audit trail, the regulatory records and incidents (compliance.md#audit, #records,
    # #incidents)
    page.goto(f"{base}/compliance/audit/?case={case.reference}")
    expect(page.locator("table")).to_contain_text("解除联系暂停")  # the hold lifted above
    guide_shot(page, "compliance/audit")
    page.goto(f"{base}/compliance/records/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("监管资质")
    guide_shot(page, "compliance/records", full_page=True)
    page.goto(f"{base}/compliance/incidents/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("合规事件")
    guide_shot(page, "compliance/incidents", full_page=True)
