"""Staff money pages: record and reverse from the case page, statement + exports,
remittances, reconciliation with bank import."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from qingqian.payments.models import Payment, RemittanceBatch
from qingqian.payments.services import payment_reference_for

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_case_page_records_a_payment_once_and_shows_allocation(case: Any, users: Any) -> None:
    client = _client(users["lawyer"])
    page = client.get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="payments-panel"' in html
    key = html.split('name="idempotency_key" value="')[1].split('"')[0]
    form = {"amount": "1,000.50", "kind": "bank_transfer", "idempotency_key": key}
    for _ in range(2):  # a double click
        response = client.post(f"/cases/{case.pk}/payments/", form)
        assert response.status_code == 302
    assert Payment.objects.count() == 1
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "INV-001" in html and "1,000.50" in html
    payment = Payment.objects.get()
    client.post(f"/payments/{payment.pk}/reverse/", {"reason": "录入错误"})
    assert Payment.objects.filter(kind="reversal").count() == 1
    bad = client.post(
        f"/cases/{case.pk}/payments/", form | {"idempotency_key": "x", "amount": "-1"}
    )
    assert bad.status_code == 302
    assert Payment.objects.count() == 2


def test_collector_of_another_case_cannot_record(case: Any, users: Any, org: Any) -> None:
    from qingqian.accounts.models import User

    stranger = User.objects.create_user(
        username="other-collector", password="x", organisation=org, role="collector"
    )
    client = _client(stranger)
    client.post(
        f"/cases/{case.pk}/payments/",
        {"amount": "10", "kind": "cash", "idempotency_key": "s"},
    )
    assert Payment.objects.count() == 0


def test_money_pages(case: Any, users: Any, creditor: Any) -> None:
    client = _client(users["lawyer"])
    page = client.get("/money/reconciliation/")
    assert page.status_code == 200 and "reconciliation" in page.content.decode()
    ref = payment_reference_for(case).code
    csv = (
        f"交易日期,收入金额,对方户名,摘要\n2026-11-02,500.00,姑苏文旅,{ref}\n"
        "2026-11-03,7.00,路人,无\n"
    )
    upload = {"statement": _file("bank.csv", csv.encode("gb18030"))}
    client.post("/money/reconciliation/", upload)
    assert Payment.objects.count() == 1
    html = client.get("/money/reconciliation/").content.decode()
    assert "路人" in html
    response = client.post("/money/remittances/", {"period": "2026-11", "basis": "net"})
    assert response.status_code == 302  # period still open today: a message, no batch
    assert RemittanceBatch.objects.count() == 0
    statement = client.get(
        f"/money/statement/?creditor={creditor.pk}&from=2026-11-01&to=2026-11-30"
    )
    assert "500.00" in statement.content.decode()
    xlsx = client.get(
        f"/money/statement/?creditor={creditor.pk}&from=2026-11-01&to=2026-11-30&format=xlsx"
    )
    assert xlsx.content[:2] == b"PK"
    assert _client(users["collector"]).get("/money/remittances/").status_code == 403
    own = _client(users["creditor"]).get("/money/statement/")
    assert own.status_code == 200
    other = _client(users["creditor_other"]).get(f"/money/statement/?creditor={creditor.pk}")
    assert Decimal("500.00").to_eng_string() not in other.content.decode()


def _file(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_the_flash_messages_speak_the_users_language_and_format_money(
    case: Any, users: Any
) -> None:
    """A refusal says its reason in the page's language only (not "中文 / English"), and a
    recorded amount reads as people write it."""
    client = _client(users["lawyer"])
    form = {"amount": "12000.5", "kind": "bank_transfer", "idempotency_key": "flash-1"}
    done = client.post(f"/cases/{case.pk}/payments/", form, follow=True).content.decode()
    assert "已登记回款 12,000.50 元" in done
    bad = form | {"idempotency_key": "flash-2", "amount": "-1"}
    refused = client.post(f"/cases/{case.pk}/payments/", bad, follow=True).content.decode()
    assert "金额必须大于零：-1" in refused
    assert "greater than zero" not in refused.lower()
