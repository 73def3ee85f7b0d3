"""A debt voucher in a real browser at phone size (390 px): a lawyer issues one from the case
page, records an assignment, sees the Art. 546 warning, downloads the PDF, and the PDF
verifies offline with ``qingqian-verify`` and the published log key (exit 0)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import CHROMIUM, PASSWORD, Shots, World, log_in, verify_offline

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is absent: install Debian's chromium to run browser tests",
        allow_module_level=True,
    )
pytest.importorskip("playwright.sync_api", reason="Python playwright is not installed")

from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_issue_assign_and_verify_the_pdf_on_a_phone(
    live_server: Any, phone: Any, world: World, shots: Shots, tmp_path: Path
) -> None:
    from decimal import Decimal

    from qingqian.accounts.models import User
    from qingqian.cases.services import case_open
    from qingqian.ledger.selectors import log_verifier_key
    from qingqian.parties.services import party_create
    from tests.support import make_uscc

    User.objects.create_user(
        username="lawyer", password=PASSWORD, organisation=world.org, role="lawyer"
    )
    debtor = party_create(
        organisation=world.org,
        actor=None,
        kind="company",
        name="吴中精密模具有限公司",
        credit_code=make_uscc(77),
    )
    case = case_open(
        organisation=world.org,
        actor=None,
        creditor=world.creditor,
        debtors=[debtor],
        debt_type="trade",
        channel="web",
        principal=Decimal("12000.00"),
    )
    base, page = live_server.url, phone
    log_in(page, base, "lawyer", PASSWORD)
    page.goto(f"{base}/cases/{case.pk}/")
    form = page.locator("#voucher-issue")
    form.locator("input[name=amount]").fill("12000.00")
    form.locator("input[name=due_date]").fill("2026-12-31")
    form.get_by_role("button", name="签发债权凭证").click()
    expect(page.locator("body")).to_contain_text("债权凭证已签发并写入日志")
    expect(page.locator("#voucher-document")).to_contain_text("¥12,000.00")
    page.locator("#voucher-assign input[name=assignee]").fill("苏州清源商业保理有限公司")
    page.locator("#voucher-assign").get_by_role("button", name="记录债权转让").click()
    expect(page.locator("#notice-status")).to_contain_text("第五百四十六条")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shots(page, "voucher-assigned")
    with page.expect_download() as download_info:
        page.locator("#voucher-pdf").click()
    target = tmp_path / "voucher.pdf"
    download_info.value.save_as(str(target))
    done = verify_offline(str(target), "--log-key", log_verifier_key().encode())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "苏州清源商业保理有限公司" in done.stdout
