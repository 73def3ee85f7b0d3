"""Issue 19 on the demo data (``load_demo``), with the demo's providers: the SMS and e-mail
outbox and the labelled fake WeChat Pay.

* The debtor on a phone (390×844): the handler sends the link; the debtor opens it, proves
  identity with a code read from the staff outbox page, sees the claim add up, pays with the
  fake online provider and sees the payment; then opens the link in a second browser and
  proves identity again.
* The creditor: adds and verifies an e-mail, signs the fee agreement with a code sent there,
  uploads evidence and writes to the handler.

Screenshots go to test-results/e2e/ (git-ignored)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Shots, log_in, use_demo_providers

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DEMO_PASSWORD = "qingqian-demo"


@pytest.fixture
def demo(transactional_db: Any, settings: Any) -> Any:
    """The demo portfolio (120 cases: every creditor login has an agreement to sign) with
    the demo's providers, as ``make demo`` has them."""
    from qingqian.demo.generator import load_demo
    from tests.support import reseed_reference_data

    use_demo_providers(settings)
    reseed_reference_data()
    return load_demo(cases=120)


def _log_in(page: Any, base: str, username: str) -> None:
    log_in(page, base, username, DEMO_PASSWORD)


def _outbox(desk: Any, base: str, pattern: str) -> str:
    """The newest match of ``pattern`` on the staff outbox page."""
    desk.goto(f"{base}/outbox/")
    desk.locator("#demo-banner").wait_for()
    match = re.search(pattern, desk.locator("#outbox").inner_text())
    assert match, desk.locator("#outbox").inner_text()[:500]
    return match.group(1)


def _debtor_case() -> tuple[Any, Any, str]:
    """An open demo case with a handler whose debtor has a mobile: (case, debtor, last4)."""
    from qingqian.cases.models import Case
    from qingqian.common import crypto

    for case in Case.objects.filter(
        state__in=["negotiation", "payment_plan", "accepted"], handler__isnull=False
    ).order_by("pk"):
        for cp in case.case_parties.filter(role="debtor").select_related("party"):
            party = cp.party
            phone = crypto.decrypt(party.phone_enc) if party.phone_enc else ""
            if phone.startswith("+861"):
                ident = party.credit_code or crypto.decrypt(party.id_number_enc)
                return case, party, ident[-4:]
    pytest.skip("the demo portfolio has no open case with a mobile debtor")


def _amount(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d.]", "", text))


def _fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide at 390 px"


def test_debtor_on_a_phone_pays_and_opens_the_link_again(
    live_server: Any, demo: Any, browser: Any, page: Any, phone: Any, shots: Shots
) -> None:
    from qingqian.payments.models import Payment

    base = live_server.url
    case, debtor, last4 = _debtor_case()
    desk = page
    _log_in(desk, base, case.handler.username)
    desk.goto(f"{base}/cases/{case.pk}/")
    form = desk.locator(f"form[action='/cases/{case.pk}/portal-link/']")
    if form.count() == 0:
        form = desk.locator("form", has=desk.get_by_role("button", name="发送一次性链接"))
    form.locator("select[name=party]").select_option(str(debtor.pk))
    form.locator("select[name=channel]").select_option("sms")
    form.get_by_role("button", name="发送一次性链接").click()
    desk.get_by_text("自助页面链接已发送").first.wait_for()
    url = _outbox(desk, base, r"(http://\S+/p/[\w-]+/)")
    text = desk.locator("#outbox").inner_text()
    assert "苏州清欠商事调解服务中心" in text and case.creditor.name in text  # who writes
    shots(desk, "outbox-link")

    # The phone: identity, then the code read from the outbox.
    phone.goto(url)
    phone.get_by_label(re.compile("后四位")).fill(last4)
    phone.get_by_role("button", name="下一步").click()
    phone.locator("#code-demo").wait_for()
    assert "未配置" not in phone.content()
    code = _outbox(desk, base, r"验证码 (\d{6})")
    phone.get_by_label("短信验证码").fill(code)
    shots(phone, "code")
    phone.get_by_role("button", name="验证").click()
    phone.get_by_role("heading", name="谁向您主张什么").wait_for()
    _fits(phone)
    shots(phone, "claim")

    # The claim adds up, line by line.
    sums = {
        dt.inner_text().strip(): _amount(dd.inner_text())
        for dt, dd in zip(
            phone.locator("#claim-sum dt").all(), phone.locator("#claim-sum dd").all(), strict=True
        )
        if re.search(r"\d", dd.inner_text())
    }
    owed = sums.pop("尚欠")
    signs = {"单据金额合计": 1, "委托前已付": -1, "利息": 1, "实现债权的费用": 1, "委托后已付": -1}
    total = sum((signs[k] * v for k, v in sums.items() if k in signs), Decimal("0"))
    assert total == owed, sums

    # Pay online with the demo's fake WeChat Pay, then see the payment.
    phone.get_by_role("link", name="付款").first.click()
    phone.locator("#pay-demo").wait_for()
    assert "演示" in phone.locator("main").inner_text() and "请向经办人索取" not in phone.content()
    _fits(phone)
    shots(phone, "pay")
    phone.fill("#pay-amount", "1000.00")
    phone.get_by_role("button", name="微信支付（演示）").click()
    phone.get_by_text("已收到您的付款 ¥1,000.00").wait_for()
    shots(phone, "paid")
    phone.get_by_role("link", name="查看账款明细").click()
    phone.locator("#payments").get_by_text("¥1,000.00").wait_for()
    assert Payment.objects.get(case=case, kind="provider").amount == Decimal("1000.00")
    shots(phone, "claim-after-payment")

    # The same link in another browser: identity again, a new code, and the first stops.
    second = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    try:
        other = second.new_page()
        other.goto(url)
        other.get_by_text("请重新核验身份").wait_for()
        shots(other, "second-browser")
        other.get_by_label(re.compile("后四位")).fill(last4)
        other.get_by_role("button", name="下一步").click()
        other.get_by_label("短信验证码").fill(_outbox(desk, base, r"验证码 (\d{6})"))
        other.get_by_role("button", name="验证").click()
        other.get_by_role("heading", name="谁向您主张什么").wait_for()
        other.locator("#payments").get_by_text("¥1,000.00").wait_for()
        shots(other, "second-browser-claim")
        other.get_by_role("button", name="English").click()
        other.get_by_role("heading", name="Who claims what from you").wait_for()
        other.get_by_text("How the amount adds up").wait_for()
        _fits(other)
        shots(other, "claim-en")
    finally:
        second.close()
    phone.reload()
    assert "已在另一个浏览器中打开" in phone.content()


def test_creditor_signs_uploads_and_writes_to_the_handler(
    live_server: Any, demo: Any, browser: Any, page: Any, shots: Shots, tmp_path: Path
) -> None:
    from qingqian.creditors.models import CaseMessage
    from qingqian.evidence.models import EvidenceItem
    from qingqian.fees.models import Agreement

    base = live_server.url
    agreement = Agreement.objects.filter(state="sent").select_related("case").order_by("pk").first()
    assert agreement is not None, "the demo has an agreement waiting for its creditor"
    case = agreement.case
    from qingqian.accounts.models import User

    creditor = User.objects.get(role="creditor", creditor_id=case.creditor_id)
    staff_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        desk = staff_ctx.new_page()
        _log_in(desk, base, "collector")
        _log_in(page, base, creditor.username)
        # The creditor's case page: its own things, no staff forms.
        page.goto(f"{base}/cases/{case.pk}/")
        page.locator("#case-money").wait_for()
        assert "/transition/" not in page.content() and "发送一次性链接" not in page.content()
        shots(page, "creditor-case")

        # Add and verify an e-mail, from the agreement page.
        page.locator("#agreement-link").click()
        page.locator("#add-address").click()
        page.locator("#point-kind").select_option("email")
        page.fill("#point-value", "finance@example.cn")
        page.locator("#point-add").click()
        page.locator("#verify-point").wait_for()
        shots(page, "verify-email")
        page.fill("#point-code", _outbox(desk, base, r"验证码 (\d{6})"))
        page.locator("#verify-submit").click()
        page.get_by_text("已验证").first.wait_for()
        assert f"/cases/{case.pk}/agreement/" in page.url

        # Sign with a code sent to the new e-mail.
        email_option = page.locator("#code-to option", has_text="电子邮箱").first
        page.locator("#code-to").select_option(value=email_option.get_attribute("value"))
        page.locator("#send-code").click()
        page.get_by_text("验证码已发送").first.wait_for()
        page.get_by_label("签署人姓名").fill(creditor.get_full_name())
        page.get_by_label("验证码", exact=True).fill(_outbox(desk, base, r"验证码：(\d{6})"))
        page.locator("#sign-agreement").click()
        page.locator("#signed").wait_for()
        assert "[" not in page.locator("ul.messages").inner_text()  # no raw codes
        shots(page, "signed")
        agreement.refresh_from_db()
        assert agreement.state == "signed"

        # Upload evidence.
        page.goto(f"{base}/cases/{case.pk}/")
        sample = tmp_path / "购销合同.pdf"
        sample.write_bytes(PDF)
        details = page.locator("details.evidence-upload")
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        form = page.locator("#evidence-upload-form")
        form.locator("select[name=evidence_type]").select_option(index=0)
        form.locator("input[name=title]").fill("购销合同（盖章版）")
        form.locator("input[name=collected_by]").fill(creditor.get_full_name())
        form.locator("input[name=collected_at]").fill("2026-11-01T10:30")
        form.locator("input[name=capture_method]").fill("扫描")
        form.locator("input[name=original_location]").fill("财务部档案柜")
        form.locator("input[name=file]").set_input_files(str(sample))
        form.get_by_role("button", name="上传").click()
        page.get_by_text("购销合同（盖章版）").first.wait_for()
        assert EvidenceItem.objects.filter(case=case, title="购销合同（盖章版）").exists()

        # Write to the handler; the staff see it on their case page.
        page.fill("#message-body", "合同原件已上传，请查收。")
        page.locator("#message-send").click()
        page.get_by_text("留言已发送").wait_for()
        page.locator("#messages").get_by_text("合同原件已上传").wait_for()
        shots(page, "message")
        assert CaseMessage.objects.filter(case=case, from_creditor=True).exists()
        _log_in(desk, base, "lawyer")
        desk.goto(f"{base}/cases/{case.pk}/")
        desk.locator("#messages").get_by_text("合同原件已上传").wait_for()
    finally:
        staff_ctx.close()
