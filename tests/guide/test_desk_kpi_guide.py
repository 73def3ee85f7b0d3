"""Guide journeys — the collector's desk (guide/zh/collector-desk.md): the queue's filters,
calling through the contact gate and recording the result with a callback, an SMS from a
template, a refusal beside the action; the KPI dashboards (guide/zh/kpi.md), as the
administrator: the dashboard, a drill-down, an XLSX export, the monthly creditor reports."""

from __future__ import annotations

from typing import Any

import pytest

from tests.guide.conftest import Demo
from tests.guide.journeys import nav, require_browser
from tests.guide.shots import guide_shot

expect = require_browser()

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_collector_desk_guide(page: Any, demo: Demo, sms: Any) -> None:
    from qingqian.common import clock

    base = demo.base
    demo.log_in(page, "collector")

    # A case from the queue opens at its contact actions (collector-desk.md#call)
    nav(page, "工作队列")
    first = page.locator("table.radar-queue tbody tr[data-debtor]").first
    first.locator("a").first.click()
    desk = page.locator("#contact-actions")
    expect(desk).to_be_visible()
    debtor = desk.locator(".desk-debtor").first
    guide_shot(page, "collector/desk", element="#contact-actions")
    case_url = page.url.split("#")[0]

    call = debtor.locator("[id^=desk-call-]")
    call.get_by_role("button", name="拨打电话").click()
    expect(call.locator(".desk-result.ok")).to_contain_text("联系规则允许现在拨打")
    expect(call.locator("a.desk-tel")).to_be_visible()
    record = call.locator("form.desk-record").first
    record.locator("select[name=disposition]").select_option("callback")
    record.locator("input[name=callback_at]").fill(f"{clock.today().isoformat()}T16:00")
    guide_shot(page, "collector/desk-call", element="[id^=desk-call-]", en=False)
    record.get_by_role("button", name="登记结果").click()
    expect(call.locator(".desk-result.ok")).to_contain_text("已登记通话结果")
    guide_shot(page, "collector/desk-recorded", element="[id^=desk-call-]", en=False)

    # An SMS from a template (#messages)
    text = debtor.locator("[id^=desk-sms-]")
    button = text.get_by_role("button", name="发送短信")
    if button.is_enabled():
        text.locator("select[name=template]").select_option(index=0)
        button.click()
        expect(text.locator(".desk-result")).to_be_visible()
    else:  # only a fixed line: no SMS offered, the reason beside the button (h19t)
        expect(text.locator(".desk-why")).to_contain_text("固定电话")
    guide_shot(page, "collector/desk-sms", element="[id^=desk-sms-]", en=False)

    # A refusal beside the action (#refusals): a second call within the hour, once the
    # debtor has been reached today, is over the policy's limits or interval.
    for _ in range(4):
        page.goto(case_url)
        call = page.locator("#contact-actions .desk-debtor").first.locator("[id^=desk-call-]")
        call.get_by_role("button", name="拨打电话").click()
        if call.locator(".desk-result.refused").count():
            break
    expect(call.locator(".desk-result.refused")).to_contain_text("联系规则拒绝")
    guide_shot(page, "collector/desk-refused", element="[id^=desk-call-]", en=False)

    # The queue's filters, order and the callbacks due today (#queue)
    page.goto(f"{base}/queue/?sort=callback&callbacks=1")
    expect(page.locator("#queue-filters")).to_be_visible()
    expect(page.locator("table.radar-queue tbody tr.callback-due").first).to_be_visible()
    guide_shot(page, "collector/queue-callbacks")


def test_kpi_guide(page: Any, demo: Demo) -> None:
    from qingqian.common import clock
    from qingqian.kpis.reports import creditor_reports_monthly

    creditor_reports_monthly(today=clock.today())  # what `qingqian daily` makes on the 1st
    demo.log_in(page, "admin")
    nav(page, "经营指标")
    expect(page.locator("#kpi-head")).to_be_visible()
    guide_shot(page, "manager/kpi")
    guide_shot(page, "manager/kpi-recovery", element="#kpi-recovery")

    # An export of a table (kpi.md#export)
    with page.expect_download() as got:
        page.locator("#kpi-recovery").get_by_role("link", name="导出 XLSX").click()
    assert got.value.suggested_filename.endswith(".xlsx")

    # A drill-down by creditor (#drill)
    page.get_by_role("link", name="按债权人").first.click()
    expect(page.locator("table").first).to_be_visible()
    guide_shot(page, "manager/kpi-drill", full_page=True)

    # The monthly creditor reports (#creditor-report)
    nav(page, "经营指标")
    page.get_by_role("link", name="债权人月度报告").first.click()
    expect(page.locator("#creditor-reports")).to_contain_text("下载 PDF")
    guide_shot(page, "manager/kpi-reports")
