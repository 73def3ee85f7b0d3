"""Issue 19, the debtor on a phone: the link opens again in another browser after proving
identity again, the claim adds up (payments before intake shown), the texts say who writes,
a provider failure is told in words, and the demo's outbox and labelled fake provider."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from qingqian.audit.models import AuditEvent
from qingqian.contact.channels.base import use_adapter
from qingqian.contact.channels.sms import AliyunSmsAdapter
from qingqian.outbox.adapters import OutboxSmsAdapter
from qingqian.outbox.models import OutboxMessage
from qingqian.payments.services import payment_record
from qingqian.portal import services

pytestmark = pytest.mark.django_db


def _code(sms: Any) -> str:
    match = re.search(r"验证码 (\d{6})", sms.sent[-1].body)
    assert match, sms.sent[-1].body
    return match.group(1)


def _login(client: Client, token: str, last4: str, sms: Any) -> None:
    assert client.get(f"/p/{token}/").status_code == 302
    client.post("/p/verify/", {"step": "identity", "last4": last4})
    r = client.post("/p/verify/", {"step": "code", "code": _code(sms)})
    assert r.status_code == 302 and r["Location"].endswith("/p/home/"), r.content.decode()[:500]


@pytest.fixture
def link(case: Any, users: Any, debtor: Any) -> tuple[Any, str]:
    return services.portal_link_send(
        case=case, party=debtor, actor=users["collector"], base_url="http://t"
    )


def test_texts_say_who_is_writing(link: Any, case: Any, debtor: Any, sms: Any) -> None:
    body = sms.sent[-1].body
    assert case.organisation.name in body and case.creditor.name in body
    assert case.reference in body and "http://t/p/" in body
    _, token = link
    c = Client()
    c.get(f"/p/{token}/")
    c.post("/p/verify/", {"step": "identity", "last4": debtor.credit_code[-4:]})
    assert sms.sent[-1].body.startswith(f"【{case.organisation.name}】验证码 ")


def test_second_browser_proves_identity_again(link: Any, debtor: Any, sms: Any) -> None:
    _, token = link
    first, second = Client(), Client()
    _login(first, token, debtor.credit_code[-4:], sms)
    assert first.get("/p/home/").status_code == 200
    # The phone's browser opens the same link: identity again, then a new code.
    assert second.get(f"/p/{token}/").status_code == 302
    assert second.get("/p/home/")["Location"].endswith("/p/verify/")
    page = second.get("/p/verify/").content.decode()
    assert "请重新核验身份" in page
    assert first.get("/p/home/").status_code == 403  # the earlier browser has stopped working
    second.post("/p/verify/", {"step": "identity", "last4": debtor.credit_code[-4:]})
    second.post("/p/verify/", {"step": "code", "code": _code(sms)})
    assert second.get("/p/home/").status_code == 200
    assert AuditEvent.objects.filter(action="portal.rebind").count() == 1


def test_the_claim_adds_up_with_payments_before_and_after_intake(
    link: Any, case: Any, debtor: Any, sms: Any, users: Any
) -> None:
    invoice = case.invoices.order_by("pk").first()
    # 2,000.00 had been paid on the invoice before the creditor handed the case over.
    type(invoice).objects.filter(pk=invoice.pk).update(outstanding=invoice.amount - 2000)
    type(case).objects.filter(pk=case.pk).update(outstanding=case.outstanding - 2000)
    case.refresh_from_db()
    payment_record(
        case=case,
        amount=Decimal("1500.00"),
        kind="bank_transfer",
        idempotency_key="h19b-1",
        actor=users["collector"],
    )
    case.refresh_from_db()
    claim = services.claim_summary(case)
    assert claim.paid_before_intake == Decimal("2000.00")
    assert claim.paid_since == Decimal("1500.00")
    assert claim.adjustments == 0
    assert (
        claim.invoiced - claim.paid_before_intake + claim.interest + claim.costs
        - claim.paid_since
    ) == claim.owed  # fmt: skip
    _, token = link
    c = Client()
    _login(c, token, debtor.credit_code[-4:], sms)
    home = c.get("/p/home/").content.decode()
    assert 'id="paid-before">−¥2,000.00' in home
    assert 'id="paid-since">−¥1,500.00' in home
    assert f'id="owed">¥{claim.owed:,.2f}' in home
    assert "<table" not in home  # invoices as cards: nothing wider than a phone


def test_terms_of_nothing_show_no_sign(link: Any, debtor: Any, sms: Any) -> None:
    """Nothing paid before or since intake, no costs: those terms read ``¥0.00``, never
    ``−¥0.00`` or ``+¥0.00``."""
    _, token = link
    c = Client()
    _login(c, token, debtor.credit_code[-4:], sms)
    home = c.get("/p/home/").content.decode()
    assert 'id="paid-before">¥0.00' in home and 'id="paid-since">¥0.00' in home
    assert "−¥0.00" not in home and "+¥0.00" not in home


def test_unconfigured_sms_is_told_in_words(link: Any, debtor: Any) -> None:
    _, token = link
    c = Client()
    c.get(f"/p/{token}/")
    with use_adapter("sms", AliyunSmsAdapter(access_key_id="", access_key_secret="")):
        page = c.post("/p/verify/", {"step": "identity", "last4": debtor.credit_code[-4:]})
    text = page.content.decode()
    assert "验证码暂时无法发送" in text
    assert "未配置短信服务" not in text and "验证码已发送" not in text


def test_demo_outbox_keeps_the_code_and_the_staff_page_shows_it(
    link: Any, debtor: Any, settings: Any, users: Any, client: Client
) -> None:
    settings.QINGQIAN_CONTACT_ADAPTERS = {
        "sms": "qingqian.outbox.adapters.OutboxSmsAdapter",
        "email": "qingqian.outbox.adapters.OutboxEmailAdapter",
    }
    _, token = link
    portal = Client()
    portal.get(f"/p/{token}/")
    with use_adapter("sms", OutboxSmsAdapter()):
        portal.post("/p/verify/", {"step": "identity", "last4": debtor.credit_code[-4:]})
    row = OutboxMessage.objects.get()
    assert row.channel == "sms" and "验证码" not in row.body_enc  # kept encrypted
    client.force_login(users["collector"])
    page = client.get("/outbox/").content.decode()
    assert "演示模式" in page and "+8613912345678" in page
    code = re.search(r"验证码 (\d{6})", page)
    assert code is not None
    r = portal.post("/p/verify/", {"step": "code", "code": code.group(1)})
    assert r.status_code == 302
    assert AuditEvent.objects.filter(action="outbox.view").count() == 1


def test_outbox_page_is_absent_outside_the_demo(users: Any, client: Client) -> None:
    client.force_login(users["collector"])
    assert client.get("/outbox/").status_code == 404


def test_demo_pay_page_labels_account_and_fake_provider(
    link: Any, debtor: Any, sms: Any, settings: Any
) -> None:
    settings.QINGQIAN_DEMO = True
    settings.PORTAL_FAKE_PROVIDER = True
    settings.QINGQIAN_TRUST_ACCOUNT = {"name": "演示专户", "bank": "演示银行", "number": "3202"}
    _, token = link
    c = Client()
    _login(c, token, debtor.credit_code[-4:], sms)
    pay = c.get("/p/pay/").content.decode()
    assert "演示专户" in pay and "请向经办人索取" not in pay
    assert 'id="pay-demo"' in pay and "微信支付（演示）" in pay
    done = c.post("/p/pay/", {"amount": "100.00"}).content.decode()
    assert "已收到您的付款 ¥100.00" in done
    home = c.get("/p/home/").content.decode()
    assert 'id="paid-since">−¥100.00' in home
