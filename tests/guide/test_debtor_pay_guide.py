"""Guide journey — the debtor's payment in the demo (guide/zh/debtor-pay.md): the one-time
link and code land in the demo outbox, where staff read them; the debtor, on a phone, opens
the pay page with the transfer instructions and its reference, and pays with the demo's fake
WeChat Pay."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import use_demo_providers
from tests.guide.conftest import Demo
from tests.guide.journeys import mobile_debtor_case, require_browser
from tests.guide.shots import guide_shot

expect = require_browser()

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_mode(settings: Any) -> None:
    use_demo_providers(settings)


def test_debtor_pay_guide(page: Any, phone: Any, demo: Demo, demo_mode: None) -> None:
    from qingqian.accounts.models import User
    from qingqian.common.exceptions import PermissionDenied
    from qingqian.contact.models import ContactAttempt
    from qingqian.portal.services import portal_link_send

    base = demo.base
    case, debtor = mobile_debtor_case()
    collector = case.handler or User.objects.get(username="collector")
    try:
        _, token = portal_link_send(case=case, party=debtor, actor=collector, base_url=base)
    except PermissionDenied:
        refused = ContactAttempt.objects.filter(party=debtor).order_by("-pk").first()
        raise AssertionError(f"the gate refused the link: {refused and refused.reasons}") from None

    # The link and then the code arrive in the demo outbox (debtor-pay.md#demo-outbox)
    phone.goto(f"{base}/p/{token}/")
    phone.get_by_label("统一社会信用代码后四位").fill(debtor.credit_code[-4:])
    phone.get_by_role("button", name="下一步").click()
    phone.get_by_label("短信验证码").wait_for()
    demo.log_in(page, "collector")
    page.goto(f"{base}/outbox/?channel=sms")
    outbox = page.locator("#outbox")
    expect(outbox).to_contain_text("验证码")
    guide_shot(page, "debtor/outbox")
    code = re.search(r"验证码 (\d{6})", outbox.inner_text())
    assert code is not None
    phone.get_by_label("短信验证码").fill(code.group(1))
    phone.get_by_role("button", name="验证").click()
    phone.get_by_role("heading", name="谁向您主张什么").wait_for()

    # The pay page: the transfer with its reference, and the demo's online payment (#transfer)
    phone.get_by_role("navigation").get_by_role("link", name="付款").click()
    expect(phone.locator(".portal-sum code")).to_be_visible()
    reference = phone.locator(".portal-sum code").inner_text().strip()
    assert reference
    guide_shot(phone, "debtor/pay-transfer", full_page=True)

    # Paying online (#online): in the demo a fake WeChat Pay, labelled as such
    expect(phone.locator("#pay-demo")).to_be_visible()
    phone.get_by_role("button", name="微信支付（演示）").click()
    expect(phone.locator(".portal-ok")).to_contain_text("已收到您的付款")
    guide_shot(phone, "debtor/pay-paid", en=False)
