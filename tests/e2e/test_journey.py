"""The intake agent's journey through the staff UI, in a real browser.

Log in; record a hotline call and open a case from it; find the case in the list by debtor
name and by credit code (htmx filter form); import a ledger with one bad row and see exactly
that row reported and nothing imported; import a valid ledger and see the counts; switch the
UI to English. Each step leaves a screenshot in test-results/e2e/.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import CHROMIUM, Shots, World

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is absent: install Debian's chromium to run browser tests",
        allow_module_level=True,
    )
pytest.importorskip("playwright.sync_api", reason="Python playwright is not installed")

from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LEDGER_HEADER = "客户名称,统一社会信用代码,发票号,金额,开票日期,到期日"
DEBTOR = "吴中精密模具有限公司"


def _uscc(n: int) -> str:
    from tests.support import make_uscc

    return make_uscc(n)


def _decoy_case(world: World) -> Any:
    """Another open case, so the list search has something to filter out."""
    from qingqian.cases.services import InvoiceInput, case_open
    from qingqian.parties.services import party_create

    other = party_create(
        organisation=world.org,
        actor=None,
        kind="company",
        name="姑苏文旅酒店管理有限公司",
        credit_code=_uscc(900),
    )
    return case_open(
        organisation=world.org,
        actor=None,
        creditor=world.creditor,
        debtors=[other],
        debt_type="trade",
        channel="web",
        invoices=[
            InvoiceInput("DECOY-1", Decimal("5000.00"), dt.date(2025, 1, 2), dt.date(2025, 2, 2))
        ],
    )


def _write_csv(folder: Path, name: str, rows: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join([LEDGER_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _log_in(page: Any, base: str, world: World, shots: Shots) -> None:
    page.goto(f"{base}/login/")
    expect(page.get_by_role("heading", name="登录清欠")).to_be_visible()
    shots(page, "login")
    page.fill("#id_username", world.agent.username)
    page.fill("#id_password", world.password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")
    expect(page.locator(".who")).to_have_text("小王")


def _search(page: Any, text: str) -> None:
    # htmx binds the form once its deferred script has run: the list can be on screen before
    # that, and an Enter pressed then would submit the form as a plain page load.
    page.wait_for_load_state("load")
    box = page.get_by_role("searchbox", name="搜索")
    box.fill(text)
    with page.expect_response(lambda r: "/cases/?" in r.url and r.request.method == "GET") as resp:
        box.press("Enter")
    # The filter form swaps only the results (htmx), and pushes the query into the address.
    assert resp.value.request.headers.get("hx-request") == "true"


def test_intake_agent_journey(
    live_server: Any, page: Any, world: World, shots: Shots, tmp_path: Path
) -> None:
    from qingqian.cases.models import Case, HotlineCall, ImportJob, Invoice
    from qingqian.common.exceptions import ValidationFailed
    from qingqian.common.money import parse_amount

    base = live_server.url
    decoy = _decoy_case(world)
    _log_in(page, base, world, shots)
    shots(page, "dashboard")

    # 1. The hotline screen: record the call, then open the case from it.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="热线受理").click()
    page.fill("#id_caller_name", "李经理")
    page.fill("#id_callback_phone", "13912345678")
    page.fill("#id_summary", "来电称对方拖欠模具款三个月，要求协助催收。")
    page.check("#id_consent_to_record")
    shots(page, "hotline-call")
    page.get_by_role("button", name="登记来电并立案").click()
    call = HotlineCall.objects.get()
    page.wait_for_url(f"{base}/hotline/{call.pk}/case/")
    expect(page.locator(".banner")).to_contain_text("李经理")
    expect(page.locator("#id_summary")).to_have_value("来电称对方拖欠模具款三个月，要求协助催收。")

    code = _uscc(4242)
    page.select_option("#id_creditor", label=world.creditor.name)
    page.select_option("#id_debt_type", value="trade")
    page.select_option("#id_debtor_kind", value="company")
    page.fill("#id_debtor_name", DEBTOR)
    page.fill("#id_debtor_credit_code", code)
    page.fill("#id_principal", "壹万贰仟元")
    page.fill("#id_due_date", "2025-03-31")
    shots(page, "hotline-case-form")
    page.get_by_role("button", name="立案", exact=True).click()

    case = Case.objects.exclude(pk=decoy.pk).get()
    page.wait_for_url(f"{base}/cases/{case.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)
    expect(page.locator(".messages")).to_contain_text(f"已立案：{case.reference}")
    assert (case.channel, case.principal, case.debtor_name) == (
        "hotline",
        Decimal("12000.00"),
        DEBTOR,
    )
    call.refresh_from_db()
    assert call.case_id == case.pk
    shots(page, "case-detail")

    # 2. The case list: two cases; the htmx search narrows to ours by name, then by code.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="案件").click()
    expect(page.locator("#result-count")).to_have_text("共 2 件")
    _search(page, "精密模具")
    expect(page.locator("#result-count")).to_have_text("共 1 件")
    rows = page.locator("table.cases tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(case.reference)
    expect(rows.first).to_contain_text(DEBTOR)
    expect(page).to_have_url(re.compile(r"/cases/\?q=%E7%B2%BE"))
    shots(page, "list-by-name")
    _search(page, code)
    expect(page.locator("#result-count")).to_have_text("共 1 件")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(case.reference)
    expect(rows.first).to_contain_text(code)
    shots(page, "list-by-code")

    # 3. A ledger with one bad row (line 3: a negative amount): that row alone is reported
    #    with its line number and message, and nothing is imported.
    a, b = _uscc(501), _uscc(502)
    bad = _write_csv(
        tmp_path,
        "ledger-bad.csv",
        [
            f"相城物流有限公司,{a},FP-2001,8000.00,2025-01-05,2025-03-05",
            f"相城物流有限公司,{a},FP-2002,-5,2025-02-01,2025-04-01",
            f"昆山五金制品有限公司,{b},FP-2003,12000.50,2025-03-01,2025-05-01",
        ],
    )
    with pytest.raises(ValidationFailed) as expected:
        parse_amount("-5", field="amount")
    assert expected.value.code == "amount_not_positive"

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="台账导入").click()
    page.select_option("#id_creditor", label=world.creditor.name)
    page.set_input_files("#id_file", str(bad))
    shots(page, "import-form")
    page.get_by_role("button", name="上传并校验").click()
    job = ImportJob.objects.get()
    page.wait_for_url(f"{base}/imports/{job.pk}/")
    expect(page.locator("#import-state")).to_have_attribute("data-status", "failed")
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first).to_have_attribute("data-line", "3")
    cells = errors.first.locator("td")
    expect(cells.nth(0)).to_have_text("3")
    expect(cells.nth(1)).to_have_text("金额")  # the column as the file names it
    expect(cells.nth(2)).to_contain_text(expected.value.message_zh)  # in the page's language
    expect(page.locator("#import-error-count")).to_have_text("1")
    expect(page.locator("#import-imported")).to_have_text("0")
    expect(page.locator("#import-rows")).to_have_text("3")
    shots(page, "import-bad-row")
    assert not Invoice.objects.filter(number__startswith="FP-").exists()
    assert Case.objects.count() == 2

    # 4. A fully valid ledger: the counts, and the invoices are there.
    good = _write_csv(
        tmp_path,
        "ledger-good.csv",
        [
            f"相城物流有限公司,{a},FP-2001,8000.00,2025-01-05,2025-03-05",
            f"相城物流有限公司,{a},FP-2002,500.00,2025-02-01,2025-04-01",
            f"昆山五金制品有限公司,{b},FP-2003,12000.50,2025-03-01,2025-05-01",
        ],
    )
    page.get_by_role("link", name="返回台账导入").click()
    page.select_option("#id_creditor", label=world.creditor.name)
    page.set_input_files("#id_file", str(good))
    page.get_by_role("button", name="上传并校验").click()
    job = ImportJob.objects.latest("id")
    page.wait_for_url(f"{base}/imports/{job.pk}/")
    expect(page.locator("#import-state")).to_have_attribute("data-status", "done")
    expect(page.locator("#import-rows")).to_have_text("3")
    expect(page.locator("#import-imported")).to_have_text("3")
    expect(page.locator("#import-duplicates")).to_have_text("0")
    expect(page.locator("#import-error-count")).to_have_text("0")
    expect(page.locator("#import-errors")).to_have_count(0)
    shots(page, "import-good")
    assert sorted(
        Invoice.objects.filter(number__startswith="FP-").values_list("number", flat=True)
    ) == [
        "FP-2001",
        "FP-2002",
        "FP-2003",
    ]
    assert Case.objects.count() == 4

    # 5. The English switch: the same page, English labels.
    page.get_by_role("button", name="English").click()
    page.wait_for_url(f"{base}/imports/{job.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="中文")).to_be_visible()
    page.goto(f"{base}/cases/{case.pk}/")
    expect(page.locator("h1 .state")).to_have_text("Intake")
    nav = page.locator("nav.main-nav")
    expect(
        nav.get_by_role("link", name="Cases", exact=True),
        "the English catalogue translates the navigation (is django.mo compiled? make messages)",
    ).to_be_visible()
    shots(page, "english")
