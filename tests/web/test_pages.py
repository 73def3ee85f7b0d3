"""Pages render for the shapes real data takes (no handler, no invoices, imported cases)."""

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from qingqian.cases.imports import ledger_import
from qingqian.cases.models import Case
from qingqian.cases.services import case_open
from tests.support import make_uscc

pytestmark = pytest.mark.django_db


def test_pages_render_for_unassigned_imported_and_principal_only_cases(
    tmp_path: Path, org: Any, users: Any, creditor: Any, debtor: Any
) -> None:
    ledger = tmp_path / "l.csv"
    ledger.write_text(
        f"客户名称,统一社会信用代码,发票号,金额,到期日\n甲有限公司,{make_uscc(31)},P-1,100,2024-01-01\n",
        encoding="utf-8",
    )
    ledger_import(organisation=org, creditor=creditor, actor=None, path=ledger, filename="l.csv")
    case_open(
        organisation=org,
        actor=None,
        creditor=creditor,
        debtors=[debtor],
        debt_type="private_loan",
        principal="5000",
        channel="web",
    )
    web = Client()
    web.force_login(users["admin"])
    for url in [
        "/",
        "/cases/",
        "/aging/",
        "/aging/?group_by=debtor",
        "/hotline/",
        "/imports/",
        "/cases/new/",
        "/calc/",
    ]:
        assert web.get(url).status_code == 200, url
    for case in Case.objects.all():
        page = web.get(f"/cases/{case.pk}/")
        assert page.status_code == 200
        assert case.reference in page.content.decode()
        # the timeline names who acted, in words: never the placeholder "system"
        assert "系统（自动）" in page.content.decode()
        assert '<span class="muted">system</span>' not in page.content.decode()
    english = Client()
    english.force_login(users["lawyer"])
    english.post("/i18n/setlang/", {"language": "en", "next": "/cases/"})
    assert english.get("/cases/").status_code == 200


def test_static_css_is_served(client: Client) -> None:
    from django.contrib.staticfiles import finders

    assert finders.find("qingqian/app.css")


def test_chinese_first_whatever_the_browser_says(users: Any) -> None:
    web = Client(headers={"Accept-Language": "en-US,en;q=0.9"})
    web.force_login(users["lawyer"])
    assert web.get("/").headers["Content-Language"] == "zh-hans"
    web.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert web.get("/").headers["Content-Language"] == "en"
