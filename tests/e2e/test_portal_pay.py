"""Browser journey on a phone (390×844): the debtor pays online through WeChat Pay H5.

The portal creates a signed H5 order with the in-process fake provider (no network), the
browser is sent to the provider's ``h5_url`` (answered here by a stand-in cashier page),
the provider's signed notice is delivered to the webhook, and back on the portal the
payment shows as received. Without a provider, the page offers bank transfer only."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import Shots, SmsOutbox, World

pytestmark = pytest.mark.e2e


def _open_portal(live_server: Any, page: Any, world: World, sms: SmsOutbox) -> Any:
    from qingqian.accounts.models import User
    from qingqian.cases.services import InvoiceInput, case_open
    from qingqian.parties.services import party_create
    from qingqian.portal.services import portal_link_send
    from tests.support import make_uscc

    collector = User.objects.create_user(
        username="coll",
        password=world.password,
        organisation=world.org,
        role="collector",
        cert_number="SZ-CERT-9",
        cert_issuer="苏州市商务调解协会",
        cert_expires=dt.date(2099, 12, 31),
    )
    debtor = party_create(
        organisation=world.org,
        actor=None,
        kind="company",
        name="山塘街丝绸有限公司",
        credit_code=make_uscc(44),
        phone="13912340044",
    )
    case = case_open(
        organisation=world.org,
        actor=world.agent,
        creditor=world.creditor,
        debtors=[debtor],
        debt_type="trade",
        channel="web",
        handler=collector,
        invoices=[
            InvoiceInput("ST-1", Decimal("8800.80"), dt.date(2025, 6, 1), dt.date(2025, 7, 1))
        ],
    )
    _, token = portal_link_send(case=case, party=debtor, actor=collector, base_url=live_server.url)
    page.goto(f"{live_server.url}/p/{token}/")
    page.get_by_label("统一社会信用代码后四位").fill(debtor.credit_code[-4:])
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("短信验证码").fill(sms.code())
    page.get_by_role("button", name="验证").click()
    page.get_by_role("heading", name="谁向您主张什么").wait_for()
    return case


def test_debtor_pays_through_wechat_pay_h5(
    live_server: Any, phone: Any, world: World, shots: Shots, settings: Any, sms: SmsOutbox
) -> None:
    from django.test import Client

    from qingqian.payments import wechatpay_order
    from qingqian.payments.models import Payment
    from tests.payments.fake_wechatpay import FakeWeChatPay

    wx = FakeWeChatPay()
    settings.QINGQIAN_WECHATPAY = wx.settings()
    cashier: list[str] = []

    def wechat_cashier(route: Any) -> None:
        cashier.append(route.request.url)
        route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            body="<!doctype html><title>微信支付</title><h1>微信支付收银台（测试）</h1>",
        )

    page = phone
    page.route("https://wx.tenpay.com/**", wechat_cashier)
    with wechatpay_order.use_transport(wx.transport):
        case = _open_portal(live_server, page, world, sms)
        page.get_by_role("link", name="付款").first.click()
        assert re.search(r"QQ\d{10}", page.content())
        amount = page.get_by_label("支付金额（元）")
        assert amount.input_value() == "8800.80"
        amount.fill("800.80")
        shots(page, "pay-form")
        page.get_by_role("button", name=re.compile("^微信支付")).click()
        page.get_by_role("heading", name="微信支付收银台（测试）").wait_for()
        shots(page, "wechat-cashier")
    [trade_no] = wx.orders
    assert wx.orders[trade_no]["amount"] == {"total": 80080, "currency": "CNY"}
    assert cashier and "redirect_url=" in cashier[0]

    # Back on the portal before the notice: pending.
    page.goto(f"{live_server.url}/p/pay/?returned=1")
    page.get_by_text("支付结果确认中").wait_for()
    # WeChat notifies; the payment is recorded, and the page now says so.
    headers, body = wx.pay(trade_no)
    r = Client().post(
        "/api/v1/payments/wechatpay/notify",
        data=body,
        content_type="application/json",
        headers=headers,
    )
    assert r.status_code == 204, r.content
    assert Payment.objects.get(case=case).amount == Decimal("800.80")
    page.goto(f"{live_server.url}/p/pay/?returned=1")
    page.get_by_text("已收到您的付款 ¥800.80").wait_for()
    assert page.get_by_label("支付金额（元）").input_value() == "8000.00"
    shots(page, "paid")


def test_without_a_provider_only_bank_transfer_is_offered(
    live_server: Any, phone: Any, world: World, shots: Shots, sms: SmsOutbox
) -> None:
    page = phone
    _open_portal(live_server, page, world, sms)
    page.get_by_role("link", name="付款").first.click()
    page.get_by_text("在线支付暂未开通，请使用上面的银行转账付款。").wait_for()
    assert page.get_by_role("button", name=re.compile("^微信支付")).count() == 0
    assert re.search(r"QQ\d{10}", page.locator("main").inner_text())
    shots(page, "bank-only")
