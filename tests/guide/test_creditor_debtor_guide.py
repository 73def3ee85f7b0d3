"""Guide journeys — creditor (guide/zh/creditor.md): the firm's cases, submitting a case, the
public prices, signing the fee agreement with an e-mailed one-time code, the statement, the
netting rounds, the addresses for one-time codes, the debt vouchers; debtor on a phone
(guide/zh/debtor.md): open the one-time link, prove identity, read the claim, the plan,
paying, disputing, contact preferences, privacy."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from tests.guide.conftest import Demo
from tests.guide.journeys import require_browser
from tests.guide.shots import guide_shot

expect = require_browser()

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _creditor_case(username: str, state: str) -> Any:
    from qingqian.accounts.models import User
    from qingqian.cases.models import Case

    creditor = User.objects.get(username=username).creditor
    case = Case.objects.filter(creditor=creditor, state=state).order_by("pk").first()
    assert case is not None, f"the demo has no {state} case of {username}"
    return case


def test_creditor_guide(page: Any, demo: Demo, mailoutbox: list[Any]) -> None:
    from qingqian.accounts.models import User
    from qingqian.cases.services import case_transition
    from qingqian.common import clock
    from qingqian.payments.services import payment_record

    base = demo.base
    lawyer = User.objects.get(username="lawyer")
    client = User.objects.get(username="creditor-ems")
    client.email = "finance@example.com"
    client.save(update_fields=["email"])
    case = _creditor_case("creditor-ems", "intake")
    case_transition(case=case, actor=lawyer, to_state="evidence_review")
    case_transition(case=case, actor=lawyer, to_state="accepted")
    paying = _creditor_case("creditor-ems", "negotiation")
    payment_record(
        case=paying,
        amount=Decimal("12000.00"),
        kind="bank_transfer",
        idempotency_key="guide-creditor-1",
        actor=lawyer,
        received_at=clock.now(),
        reference="货款",
    )
    # the lawyer sends the agreement (lawyer.md#fee-agreement)
    demo.log_in(page, "lawyer")
    page.goto(f"{base}/cases/{case.pk}/agreement/")
    page.click("#draft-agreement")
    page.click("#send-agreement")
    expect(page.locator("#agreement-state")).to_contain_text("已发送待签")

    demo.log_in(page, "creditor-ems")
    page.goto(f"{base}/cases/")
    guide_shot(page, "creditor/cases")
    page.goto(f"{base}/cases/new/")
    guide_shot(page, "creditor/submit")
    page.goto(f"{base}/prices")
    guide_shot(page, "creditor/prices")

    # Signing the fee agreement (creditor.md#sign-agreement)
    page.goto(f"{base}/cases/{case.pk}/agreement/")
    guide_shot(page, "creditor/agreement")
    page.select_option("#code-to", "")  # the account's e-mail address
    page.click("#send-code")
    expect(page.locator("body")).to_contain_text("验证码已发送")
    code = re.search(r"验证码：(\d{6})", mailoutbox[-1].body).group(1)  # type: ignore[union-attr]
    page.fill("input[name=typed_name]", "许静怡")
    page.fill("input[name=code]", code)
    guide_shot(page, "creditor/signing", en=False)
    page.click("#sign-agreement")
    expect(page.locator("#agreement-state")).to_contain_text("已签署")
    guide_shot(page, "creditor/signed")

    # Statements and netting rounds (creditor.md#statements, #netting)
    today = clock.today().isoformat()
    page.goto(f"{base}/money/statement/?from={today[:8]}01&to={today}")
    expect(page.locator("body")).to_contain_text("12,000.00")
    guide_shot(page, "creditor/statement")
    page.goto(f"{base}/netting/")
    guide_shot(page, "creditor/netting")

    # Addresses for one-time codes (creditor.md#contacts), from the account page
    page.goto(f"{base}/account/")
    page.click("#contacts-link")
    expect(page.get_by_role("heading", level=1)).to_contain_text("接收验证码的地址")
    guide_shot(page, "creditor/contacts")

    # Debt vouchers (creditor.md#vouchers): the demo's are on one creditor's cases
    from qingqian.vouchers.models import Voucher

    holder = User.objects.get(
        role="creditor", creditor_id=Voucher.objects.order_by("pk").first().case.creditor_id
    )
    demo.log_in(page, holder.username)
    nav_link = page.get_by_role("navigation", name="主导航").get_by_role("link", name="债权凭证")
    nav_link.click()
    expect(page.locator("table")).to_contain_text(Voucher.objects.order_by("pk").first().number)
    guide_shot(page, "creditor/vouchers")


def test_debtor_guide(phone: Any, demo: Demo, sms: Any) -> None:
    from qingqian.accounts.models import User
    from qingqian.portal.services import portal_link_send
    from tests.guide.journeys import mobile_debtor_case

    case, debtor = mobile_debtor_case()
    collector = case.handler or User.objects.get(username="collector")
    _, token = portal_link_send(case=case, party=debtor, actor=collector, base_url=demo.base)
    page = phone
    page.goto(f"{demo.base}/p/{token}/")
    guide_shot(page, "debtor/identity", en=False)
    page.get_by_label("统一社会信用代码后四位").fill(debtor.credit_code[-4:])
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("短信验证码").fill(sms.code())
    guide_shot(page, "debtor/code", en=False)
    page.get_by_role("button", name="验证").click()
    page.get_by_role("heading", name="谁向您主张什么").wait_for()
    guide_shot(page, "debtor/claim", full_page=True)
    for link, name in (
        ("还款计划", "debtor/plan"),
        ("付款", "debtor/pay"),
        ("提出异议", "debtor/dispute"),
        ("联系方式", "debtor/contact"),
        ("隐私说明", "debtor/privacy"),
    ):
        page.get_by_role("navigation").get_by_role("link", name=link).click()
        page.wait_for_load_state()
        guide_shot(page, name, full_page=True)

    # The language switch stays on one line at phone width, in either language
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    switch = page.locator(".portal-lang button")
    expect(switch).to_have_text("中文")
    box = switch.bounding_box()
    assert box is not None and box["height"] <= 48 and box["width"] > box["height"], box
