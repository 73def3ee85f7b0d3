"""Guide journey — intake agent (guide/zh/intake.md): record a hotline call and open its case,
find cases, import a ledger (a bad row reported, then the corrected file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.guide.conftest import Demo
from tests.guide.journeys import nav, require_browser
from tests.guide.shots import guide_shot

expect = require_browser()

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADER = "客户名称,统一社会信用代码,发票号,金额,开票日期,到期日"
CREDITOR = "苏州晟澜精密电子制造有限公司"


def _ledger(folder: Path, name: str, amount: str) -> Path:
    from tests.support import make_uscc

    a, b = make_uscc(7701), make_uscc(7702)
    path = folder / name
    rows = [
        f"相城物流有限公司,{a},FP-2001,8000.00,2026-01-05,2026-03-05",
        f"相城物流有限公司,{a},FP-2002,{amount},2026-02-01,2026-04-01",
        f"昆山五金制品有限公司,{b},FP-2003,12000.50,2026-03-01,2026-05-01",
    ]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_intake_guide(page: Any, demo: Demo, tmp_path: Path) -> None:
    from qingqian.cases.models import Case, HotlineCall, ImportJob
    from tests.support import make_uscc

    base = demo.base
    page.goto(f"{base}/login/")
    guide_shot(page, "start/login")
    demo.log_in(page, "intake")
    expect(page.locator(".who")).to_contain_text("王")
    guide_shot(page, "start/dashboard")

    # Record a hotline call (intake.md#hotline)
    nav(page, "热线受理")
    page.fill("#id_caller_name", "李经理")
    page.fill("#id_callback_phone", "13912345678")
    page.fill("#id_summary", "来电称对方拖欠模具款三个月，要求协助催收。")
    page.check("#id_consent_to_record")
    guide_shot(page, "intake/hotline", en=False)
    page.get_by_role("button", name="登记来电并立案").click()
    call = HotlineCall.objects.latest("pk")
    page.wait_for_url(f"{base}/hotline/{call.pk}/case/")
    page.select_option("#id_creditor", label=CREDITOR)
    page.select_option("#id_debt_type", value="trade")
    page.select_option("#id_debtor_kind", value="company")
    page.fill("#id_debtor_name", "吴中精密模具有限公司")
    page.fill("#id_debtor_credit_code", make_uscc(4242))
    page.fill("#id_principal", "壹万贰仟元")
    page.fill("#id_due_date", "2026-03-31")
    guide_shot(page, "intake/hotline-case", en=False, full_page=True)
    page.get_by_role("button", name="立案", exact=True).click()
    case = Case.objects.get(debtor_name="吴中精密模具有限公司")
    page.wait_for_url(f"{base}/cases/{case.pk}/")
    expect(page.locator(".messages")).to_contain_text(f"已立案：{case.reference}")
    assert case.channel == "hotline"
    guide_shot(page, "intake/case")

    # Find cases (intake.md#cases)
    nav(page, "案件")
    box = page.get_by_role("searchbox", name="搜索")
    box.fill("吴中精密模具")
    box.press("Enter")
    expect(page.locator("#result-count")).to_have_text("共 1 件")
    guide_shot(page, "intake/cases")

    # Import a ledger (intake.md#import): the bad row, then the corrected file
    nav(page, "台账导入")
    page.select_option("#id_creditor", label=CREDITOR)
    page.set_input_files("#id_file", str(_ledger(tmp_path, "bad.csv", "-5")))
    guide_shot(page, "intake/import", en=False)
    page.get_by_role("button", name="上传并校验").click()
    job = ImportJob.objects.latest("pk")
    page.wait_for_url(f"{base}/imports/{job.pk}/")
    expect(page.locator("#import-state")).to_have_attribute("data-status", "failed")
    expect(page.locator("#import-errors tbody tr")).to_have_count(1)
    guide_shot(page, "intake/import-errors")

    nav(page, "台账导入")
    page.select_option("#id_creditor", label=CREDITOR)
    page.set_input_files("#id_file", str(_ledger(tmp_path, "good.csv", "6500.00")))
    page.get_by_role("button", name="上传并校验").click()
    job = ImportJob.objects.latest("pk")
    page.wait_for_url(f"{base}/imports/{job.pk}/")
    expect(page.locator("#import-state")).to_have_attribute("data-status", "done")
    expect(page.locator("#import-imported")).to_have_text("3")
    guide_shot(page, "intake/import-done")
