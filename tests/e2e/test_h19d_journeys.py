"""On the demo data in a real browser (h19d): a lawyer starts a netting round from the
searchable firm picker, and an intake agent imports a ledger with extra columns, mapping one
and ignoring the others, without uploading the file again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import CHROMIUM, Shots, log_in

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is absent", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="Python playwright is not installed")

from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db: Any, settings: Any) -> Any:
    from qingqian.demo.generator import load_demo
    from tests.support import reseed_reference_data

    reseed_reference_data()
    settings.QINGQIAN_TIMESTAMP_AUTHORITY = "qingqian.ledger.demo_tsa.demo_authority"
    return load_demo(cases=80, seed=7)


def _log_in(page: Any, base: str, username: str) -> None:
    from qingqian.demo.catalogue import PASSWORD

    page.set_default_timeout(60_000)  # the demo's pages on a shared, busy machine
    log_in(page, base, username, PASSWORD)


def test_lawyer_starts_a_netting_round_from_the_search(
    live_server: Any, page: Any, demo: Any, shots: Shots
) -> None:
    from qingqian.accounts.models import User
    from qingqian.netting import selectors
    from qingqian.netting.models import NettingRound

    firms = selectors.firm_choices(User.objects.get(username="lawyer"))[:2]
    assert len(firms) == 2
    _log_in(page, live_server.url, "lawyer")
    page.goto(f"{live_server.url}/netting/")
    page.fill("#id_title", "园区两家企业试算")
    page.check("#scope-firms")
    for firm in firms:
        page.fill("#id_firm_q", firm.name[-8:])
        row = page.locator("#firm-results li", has_text=firm.credit_code)
        row.get_by_role("button", name="添加").click()
    shots(page, "picked")
    expect(page.locator("#id_firms")).to_have_value("\n".join(f.credit_code for f in firms))
    page.get_by_role("button", name="创建").click()
    expect(page.locator("#round-state")).to_have_text("草稿")
    shots(page, "created")
    made = NettingRound.objects.get(title="园区两家企业试算")
    assert {p.party_id for p in made.participants.all()} == {f.party_id for f in firms}


def test_an_import_maps_one_extra_column_and_ignores_the_others(
    live_server: Any, page: Any, demo: Any, shots: Shots, tmp_path: Path
) -> None:
    from qingqian.cases.models import ImportJob, Invoice
    from tests.support import make_uscc

    ledger = tmp_path / "应收台账.csv"
    ledger.write_text(
        "序号,客户名称,信用代码,发票号,金额,账期截止,业务员\n"
        f'1,吴中精工机械有限公司,{make_uscc(88001)},H19D-1,"12,000.50",2025-03-05,张三\n'
        f"2,相城物流有限公司,{make_uscc(88002)},H19D-2,8000,2025-04-01,李四\n",
        encoding="utf-8",
    )
    _log_in(page, live_server.url, "intake")
    page.goto(f"{live_server.url}/imports/")
    expect(page.locator("#import-template")).to_be_visible()
    page.locator("select[name=creditor]").select_option(index=1)
    page.set_input_files("input[name=file]", str(ledger))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator("#import-mapping")).to_be_visible()
    shots(page, "mapping")
    row = page.locator('#import-mapping tr[data-header="账期截止"] select')
    row.select_option("due_date")
    expect(page.locator('#import-mapping tr[data-header="序号"] select')).to_have_value("")
    expect(page.locator('#import-mapping tr[data-header="业务员"] select')).to_have_value("")
    page.get_by_role("button", name="按此对应导入").click()
    expect(page.locator("#import-state")).to_have_attribute("data-status", "done")
    expect(page.locator("body")).to_contain_text("已忽略的列：序号、业务员")
    shots(page, "done")
    job = ImportJob.objects.get(filename="应收台账.csv")
    assert job.imported == 2
    assert Invoice.objects.filter(number__startswith="H19D-").count() == 2
