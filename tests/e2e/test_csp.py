"""Finding 15: the Content-Security-Policy holds in a real browser while the htmx UI works.

Chromium reports every blocked script, style or request as a ``securitypolicyviolation``
event and a console error; a journey through the staff pages (htmx search included) and the
debtor portal's entry page must produce none, and htmx must still swap the results.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import CHROMIUM, World

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is absent", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="Python playwright is not installed")

from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def test_pages_work_under_the_csp_with_no_violation(
    live_server: Any, page: Any, world: World
) -> None:
    from qingqian.cases.services import InvoiceInput, case_open
    from qingqian.parties.services import party_create
    from tests.support import make_uscc

    debtor = party_create(
        organisation=world.org, actor=None, kind="company", name="姑苏文旅酒店管理有限公司",
        credit_code=make_uscc(900),
    )  # fmt: skip
    case = case_open(
        organisation=world.org, actor=None, creditor=world.creditor, debtors=[debtor],
        debt_type="trade", channel="web",
        invoices=[
            InvoiceInput("C-1", Decimal("5000.00"), dt.date(2025, 1, 2), dt.date(2025, 2, 2))
        ],
    )  # fmt: skip
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.add_init_script(WATCH)
    base = live_server.url

    response = page.goto(f"{base}/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.fill("#id_username", world.agent.username)
    page.fill("#id_password", world.password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")
    violations: list[str] = page.evaluate("window.__csp")

    page.goto(f"{base}/cases/")
    box = page.get_by_role("searchbox", name="搜索")
    box.fill("姑苏")
    with page.expect_response(lambda r: "/cases/?" in r.url) as resp:
        box.press("Enter")
    assert resp.value.request.headers.get("hx-request") == "true"  # htmx ran
    expect(page.locator("table")).to_contain_text("姑苏文旅酒店管理有限公司")
    violations += page.evaluate("window.__csp")

    for path in (f"/cases/{case.pk}/", "/aging/", "/imports/", "/calc/", "/hotline/", "/p/"):
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
        violations += page.evaluate("window.__csp")

    assert violations == []
    assert [m for m in console if "Content Security Policy" in m or "Refused to" in m] == []
