"""Online payment from the portal through WeChat Pay API v3 H5 orders (against the in-process
fake provider, which verifies the merchant's signature), and bank transfer when no provider
is configured."""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client

from qingqian.audit.models import AuditEvent
from qingqian.common.exceptions import ValidationFailed
from qingqian.negotiation import selectors
from qingqian.negotiation.services import plan_accept_staff, plan_propose, plan_schedule
from qingqian.payments import wechatpay_order
from qingqian.payments.models import Payment
from qingqian.portal import services
from qingqian.portal.provider import FakeProvider, WeChatPayH5, provider
from tests.payments.fake_wechatpay import FakeWeChatPay

pytestmark = pytest.mark.django_db


@pytest.fixture
def wx(settings: Any) -> Iterator[FakeWeChatPay]:
    fake = FakeWeChatPay()
    settings.QINGQIAN_WECHATPAY = fake.settings()
    with wechatpay_order.use_transport(fake.transport):
        yield fake


@pytest.fixture
def portal(case: Any, users: Any, debtor: Any, sms: Any) -> Client:
    return _signed_in(case, users, debtor, sms)


def _signed_in(case: Any, users: Any, debtor: Any, sms: Any) -> Client:
    _, token = services.portal_link_send(
        case=case, party=debtor, actor=users["collector"], base_url="http://t"
    )
    c = Client(REMOTE_ADDR="203.0.113.7")
    c.get(f"/p/{token}/")
    c.post("/p/verify/", {"step": "identity", "last4": debtor.credit_code[-4:]})
    code = re.search(r"验证码 (\d{6})", sms.sent[-1].body)
    assert code
    r = c.post("/p/verify/", {"step": "code", "code": code.group(1)})
    assert r.status_code == 302
    return c


def _audits(action: str) -> list[dict[str, Any]]:
    return [e.after for e in AuditEvent.objects.filter(action=action).order_by("id")]


def test_without_a_provider_the_portal_offers_bank_transfer_and_says_so(
    portal: Client, case: Any
) -> None:
    assert provider() is None
    page = portal.get("/p/pay/").content.decode()
    assert "在线支付暂未开通" in page and 'name="amount"' not in page
    assert re.search(r"QQ\d{10}", page)
    refused = portal.post("/p/pay/", {"amount": "100.00"}).content.decode()
    assert "暂不支持在线支付" in refused
    assert _audits("portal.pay_refused")[0]["code"] == "provider_unavailable"
    assert not Payment.objects.exists()


def test_provider_choice_follows_settings(settings: Any, wx: FakeWeChatPay) -> None:
    assert isinstance(provider(), WeChatPayH5)
    settings.QINGQIAN_WECHATPAY = {**wx.settings(), "merchant_private_key": ""}
    assert provider() is None
    settings.PORTAL_FAKE_PROVIDER = True
    assert isinstance(provider(), FakeProvider)


def test_pay_creates_a_signed_h5_order_and_redirects(
    portal: Client, case: Any, wx: FakeWeChatPay
) -> None:
    r = portal.post("/p/pay/", {"amount": "1234.56"})
    assert r.status_code == 302
    target = urllib.parse.urlsplit(r["Location"])
    assert (target.scheme, target.netloc) == ("https", "wx.tenpay.com")
    query = urllib.parse.parse_qs(target.query)
    assert query["redirect_url"] == ["http://testserver/p/pay/?returned=1"]
    [(trade_no, order)] = wx.orders.items()
    reference = case.payment_reference.code
    assert trade_no.startswith(reference + "-") and len(trade_no) <= 32
    assert order["amount"] == {"total": 123456, "currency": "CNY"}
    assert type(order["amount"]["total"]) is int
    assert order["scene_info"] == {"payer_client_ip": "203.0.113.7", "h5_info": {"type": "Wap"}}
    assert order["notify_url"].startswith("https://") and order["appid"] == wx.appid
    assert case.reference in order["description"]
    auth = wx.requests[-1]["headers"]["Authorization"]
    assert auth.startswith("WECHATPAY2-SHA256-RSA2048 mchid=")
    [audit] = _audits("portal.pay_order")
    assert audit["out_trade_no"] == trade_no and audit["amount_fen"] == 123456
    assert audit["provider"] == "wxpay"
    # Back from WeChat before the notice: pending; nothing recorded yet.
    back = portal.get("/p/pay/?returned=1").content.decode()
    assert "支付结果确认中" in back and not Payment.objects.exists()
    # The provider's signed notice arrives: recorded once, and the page says so.
    headers, body = wx.pay(trade_no, transaction_id="4200000001")
    notify = Client().post(
        "/api/v1/payments/wechatpay/notify",
        data=body,
        content_type="application/json",
        headers=headers,
    )
    assert notify.status_code == 204, notify.content
    payment = Payment.objects.get()
    assert (payment.amount, payment.kind, payment.reference) == (
        Decimal("1234.56"),
        "provider",
        trade_no,
    )
    assert payment.idempotency_key == "wxpay:4200000001"
    done = portal.get("/p/pay/?returned=1").content.decode()
    assert "已收到您的付款 ¥1,234.56" in done
    assert len(_audits("portal.pay_return")) == 2


def _plan_agreed(portal: Client, case: Any, sms: Any, total: Decimal, *, months: int) -> None:
    """An equal plan from January 2027, accepted by staff and by the debtor in the portal."""
    v = plan_propose(
        case=case,
        actor=case.handler,
        schedule=plan_schedule(kind="equal", total=total, months=months, start="2027-01"),
        grace_days=5,
        consequence="reminder",
    )
    plan_accept_staff(version=v, actor=case.handler)
    portal.post("/p/plan/", {"action": "code", "version": v.pk})
    code = re.search(r"验证码 (\d{6})", sms.sent[-1].body)
    assert code
    portal.post("/p/plan/", {"action": "accept", "version": v.pk, "code": code.group(1)})


def test_default_amount_is_the_installment_due(
    portal: Client, case: Any, wx: FakeWeChatPay, sms: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _plan_agreed(portal, case, sms, Decimal("3000.01"), months=3)
    assessed = []
    real = selectors.plan_assess
    monkeypatch.setattr(
        selectors, "plan_assess", lambda *a, **k: assessed.append(1) or real(*a, **k)
    )
    page = portal.get("/p/pay/").content.decode()
    assert 'value="1000.00"' in page
    assert len(assessed) == 1  # the page's amounts come from one balance: the plan assessed once
    portal.post("/p/pay/", {"amount": "1000.00"})
    [order] = wx.orders.values()
    assert order["amount"]["total"] == 100000


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "金额必须大于零"),
        ("20000.51", "不超过未还余额"),
        ("12.345", "两位小数"),
        ("abc", "金额不是数字"),
    ],
)
def test_bad_amounts_create_no_order(
    portal: Client, wx: FakeWeChatPay, amount: str, message: str
) -> None:
    page = portal.post("/p/pay/", {"amount": amount}).content.decode()
    assert 'role="alert"' in page and message in page
    assert wx.orders == {} and not _audits("portal.pay_order")
    if amount == "20000.51":  # parsed, then refused by the service: audited
        [refused] = _audits("portal.pay_refused")
        assert refused["code"] == "pay_amount" and refused["amount"] == amount


def test_whole_balance_to_the_fen_is_allowed(portal: Client, wx: FakeWeChatPay) -> None:
    assert portal.post("/p/pay/", {"amount": "20000.50"}).status_code == 302
    [order] = wx.orders.values()
    assert order["amount"]["total"] == 2000050


def test_a_wrong_merchant_key_is_refused_by_the_provider_and_audited(
    portal: Client, settings: Any, wx: FakeWeChatPay
) -> None:
    other = FakeWeChatPay()  # same ids, another private key
    settings.QINGQIAN_WECHATPAY = {
        **wx.settings(),
        "merchant_private_key": other.settings()["merchant_private_key"],
    }
    page = portal.post("/p/pay/", {"amount": "10.00"}).content.decode()
    assert "微信支付下单失败（SIGN_ERROR）" in page
    assert wx.orders == {}
    [failed] = _audits("portal.pay_order_failed")
    assert failed["code"] == "provider_order_failed"
    assert failed["details"]["provider_code"] == "SIGN_ERROR"


def test_an_answer_not_signed_by_the_platform_is_refused(portal: Client, wx: FakeWeChatPay) -> None:
    wx.sign_answers = False
    r = portal.post("/p/pay/", {"amount": "10.00"})
    assert r.status_code == 200
    assert "answer_signature" in json.dumps(_audits("portal.pay_order_failed"))


def test_authorization_header_signs_method_path_time_nonce_and_body(wx: FakeWeChatPay) -> None:
    cfg = wechatpay_order.order_config()
    assert cfg is not None
    body = b'{"a":1}'
    header = wechatpay_order.authorization(
        cfg, "POST", "/v3/pay/transactions/h5", body, timestamp=1700000000, nonce="n0nce"
    )
    params = dict(re.findall(r'(\w+)="([^"]*)"', header))
    assert params["mchid"] == wx.mchid and params["serial_no"] == wx.merchant_serial
    assert params["timestamp"] == "1700000000" and params["nonce_str"] == "n0nce"
    import base64

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    wx.merchant_key.public_key().verify(
        base64.b64decode(params["signature"]),
        b'POST\n/v3/pay/transactions/h5\n1700000000\nn0nce\n{"a":1}\n',
        padding.PKCS1v15(),
        hashes.SHA256(),
    )


def test_order_amount_must_be_integer_fen(wx: FakeWeChatPay) -> None:
    cfg = wechatpay_order.order_config()
    assert cfg is not None
    for bad in (Decimal("1.00"), 1.0, 0, -5, True):
        with pytest.raises(ValidationFailed) as info:
            wechatpay_order.h5_order_create(
                cfg,
                trade_no="QQ0000000000-abc",
                description="x",
                amount_fen=bad,  # type: ignore[arg-type]
                client_ip="1.2.3.4",
            )
        assert info.value.code == "pay_amount"
    assert services.amount_to_fen(Decimal("0.10")) == 10
    with pytest.raises(ValidationFailed):
        services.amount_to_fen(Decimal("0.105"))


def test_fake_provider_still_records_at_once(portal: Client, settings: Any, case: Any) -> None:
    settings.PORTAL_FAKE_PROVIDER = True
    page = portal.post("/p/pay/", {"amount": "500.00"}).content.decode()
    assert "已收到您的付款 ¥500.00" in page
    payment = Payment.objects.get(kind="provider")
    assert payment.reference.startswith(case.payment_reference.code + "-")
    assert {"portal.pay_order", "portal.pay"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )


def test_costs_recorded_on_the_case_are_claimed_and_payable(
    portal: Client, wx: FakeWeChatPay, case: Any, users: Any
) -> None:
    """The debtor sees the court fee beside the principal, owes both, and may pay both."""
    from qingqian.payments.services import charge_add

    invoice = case.invoices.order_by("pk").first()
    charge_add(
        case=case, kind="court_fee", amount="500.00", actor=users["collector"], invoice=invoice
    )
    home = portal.get("/p/home/").content.decode()
    assert "¥500.00" in home and "¥20,500.50" in home
    assert "20500.50" in portal.get("/p/pay/").content.decode()
    assert portal.post("/p/pay/", {"amount": "20500.51"}).status_code == 200  # refused
    assert wx.orders == {}
    assert portal.post("/p/pay/", {"amount": "20500.50"}).status_code == 302
    [order] = wx.orders.values()
    assert order["amount"]["total"] == 2050050


def test_pay_page_suggests_what_the_claim_page_says_is_due(
    portal: Client, case: Any, sms: Any, wx: FakeWeChatPay, users: Any, debtor: Any
) -> None:
    """The amount filled in and its hint match the claim page: the whole balance without a
    plan; under a plan for the whole balance with nothing due yet, the next installment,
    named with its day on both pages (not "¥0.00 is due now"); once installments fall due,
    what is left of all of them, not just the next one."""
    page = portal.get("/p/pay/").content.decode()
    assert 'value="20000.50"' in page and "已填入尚欠的全部金额" in page
    _plan_agreed(portal, case, sms, Decimal("20000.50"), months=4)
    balance = selectors.case_balance(case)
    assert balance.basis == "plan" and balance.due_now == 0 and balance.plan_due == 0
    assert balance.next_installment and balance.next_due is not None
    day = f"{balance.next_due.year}年{balance.next_due.month}月{balance.next_due.day}日"
    page = portal.get("/p/pay/").content.decode()
    assert f'value="{balance.next_installment}"' in page
    assert "现在没有到期的款项" in page and day in page
    home = portal.get("/p/home/").content.decode()
    assert f"目前没有到期的款项；下一期 ¥{balance.next_installment:,.2f} 于 {day}" in home
    assert "目前到期应还 ¥0.00" not in home
    with time_machine.travel(dt.datetime(2027, 3, 25, 2, 0, tzinfo=dt.UTC)):
        portal = _signed_in(case, users, debtor, sms)  # the earlier link has expired
        later = selectors.case_balance(case)
        assert later.next_installment is not None
        assert later.plan_due and later.plan_due > later.next_installment  # two or more due
        page = portal.get("/p/pay/").content.decode()
        assert f'value="{later.plan_due}"' in page and "已到期分期的未付金额" in page
        home = portal.get("/p/home/").content.decode()
        assert f"目前到期应还 ¥{later.due_now:,.2f}" in home
