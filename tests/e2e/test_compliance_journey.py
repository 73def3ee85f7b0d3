"""The compliance officer's day on the demo data (issue 19): signs in, sees the expiry
warning on the landing dashboard, filters the audit trail, exports it, edits the contact
policy in the form with its preview, records the renewed liability insurance and sees the
warning go; then every demo login walks its own menu in the browser with no 403."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest

from tests.e2e.conftest import Shots, log_in

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "qingqian-demo"


@pytest.fixture
def demo(transactional_db: Any) -> Any:
    from qingqian.demo.generator import load_demo
    from tests.support import reseed_reference_data

    reseed_reference_data()
    return load_demo(cases=40, seed=3)


def _login(page: Any, base: str, username: str) -> None:
    log_in(page, base, username, DEMO_PASSWORD)


def test_the_compliance_officers_day(live_server: Any, page: Any, demo: Any, shots: Shots) -> None:
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    from qingqian.audit.models import AuditEvent
    from qingqian.common import clock
    from qingqian.compliance.models import RegulatoryRecord
    from qingqian.contact.models import ContactPolicy

    base = live_server.url
    _login(page, base, "compliance")
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="审计记录")).to_be_visible()
    expect(nav.get_by_role("link", name="工作队列")).to_have_count(0)  # not a collector
    warnings = page.locator("#expiry-warnings")
    expect(warnings).to_contain_text("职业责任保险即将到期")
    expect(warnings).to_contain_text("催收员资格证书已过期")  # collector3
    shots(page, "dashboard")

    # the audit trail, filtered by person and period, in words
    nav.get_by_role("link", name="审计记录").click()
    expect(page.get_by_role("heading", name="审计记录")).to_be_visible()
    page.select_option("select[name=actor]", label="钱思远 · 合规专员")
    today = clock.today()
    page.fill("input[name=start]", (today - dt.timedelta(days=30)).isoformat())
    page.fill("input[name=end]", today.isoformat())
    page.get_by_role("button", name="查找").click()
    rows = page.locator("#audit-rows tbody")
    expect(rows).to_contain_text("登记监管资质")
    expect(rows).to_contain_text("合规事件结案")
    expect(rows).not_to_contain_text("regulatory.record_add")
    shots(page, "audit-filtered")

    # export what is shown (XLSX), formula-safe, and the export is itself audited
    with page.expect_download() as info:
        page.locator("#export-xlsx").click()
    sheet = load_workbook(io.BytesIO(info.value.path().read_bytes())).active
    assert sheet is not None
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "登记监管资质" in values and "立案" not in values  # only the filtered rows
    assert AuditEvent.objects.filter(action="audit.export", actor__username="compliance").exists()

    # the contact policy as a form, with its preview, then published
    page.goto(f"{base}/contact/policies/cn-default/")
    page.locator("input[name=cap_limit_0]").fill("2")
    page.get_by_role("button", name="预览", exact=True).click()
    changed = page.locator("#preview-table tr[data-sample=third_conversation]")
    expect(changed).to_contain_text("变化")
    shots(page, "policy-preview")
    page.fill("#policy-form input[name=note]", "每日接通上限收紧为 2 次")
    page.get_by_role("button", name="发布新版本").click()
    expect(page.locator("#policy-cn-default")).to_contain_text("v2")
    assert ContactPolicy.objects.filter(name="cn-default").count() == 2

    # the renewed liability insurance, recorded ahead of time: the warning goes
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="监管资质").click()
    expect(page.locator("#expiry-warnings")).to_contain_text("职业责任保险即将到期")
    current = RegulatoryRecord.objects.filter(kind="insurance").order_by("-valid_until").first()
    assert current is not None
    start = current.valid_until + dt.timedelta(days=1)
    page.select_option("#r-kind", "insurance")
    page.fill("#r-title", "催收服务职业责任保险（续保）")
    page.fill("#r-issuer", "中国人民财产保险股份有限公司苏州市分公司")
    page.fill("#r-number", "PZAA2027320500000042")
    page.fill("#r-cover", "abc")
    page.fill("#r-from", start.isoformat())
    page.fill("#r-until", (start + dt.timedelta(days=364)).isoformat())
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("#record-error")).to_contain_text("保险金额应为数字")
    page.fill("#r-cover", "5,000,000")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已登记")
    expect(page.locator("#records")).to_contain_text("¥5,000,000.00")
    expect(page.locator("#expiry-warnings")).not_to_contain_text("职业责任保险")
    expect(page.locator("#expiry-warnings")).to_contain_text("催收员资格证书已过期")
    shots(page, "records")

    # the public price page shows the insurance in force
    page.goto(f"{base}/prices")
    expect(page.locator("#insurance-public")).to_contain_text(current.number)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/compliance/audit/")
    shots(page, "audit-390")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(page.locator("#audit-rows")).to_contain_text("regulatory record added")
    shots(page, "audit-en-390")


def test_every_demo_login_walks_its_menu_in_the_browser(
    live_server: Any, page: Any, demo: Any, shots: Shots
) -> None:
    from qingqian.demo.generator import demo_usernames

    base = live_server.url
    for username in demo_usernames():
        _login(page, base, username)
        nav = page.get_by_role("navigation", name="主导航")
        hrefs = [a.get_attribute("href") for a in nav.get_by_role("link").all()]
        assert hrefs, username
        for href in hrefs:
            response = page.goto(f"{base}{href}")
            assert response is not None and response.status == 200, (username, href)
            assert "无权访问" not in page.content(), (username, href)
        page.goto(f"{base}/")
        shots(page, f"dashboard-{username}")
        page.context.clear_cookies()
