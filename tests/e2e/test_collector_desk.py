"""The collector's day in a real browser (issue 19, dead end 3): the queue with its filters,
a debtor picked, a call asked of the contact gate, the result recorded as a promise with a
callback, an SMS from a template, and an SMS to a fixed line refused with the reason shown
beside the action. Screenshots in test-results/e2e/ (git-ignored)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import CHROMIUM, PASSWORD, Shots, SmsOutbox, World, log_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


def _desk(world: World) -> dict[str, Any]:
    from qingqian.accounts.models import User
    from qingqian.cases.models import Case
    from qingqian.cases.services import InvoiceInput, case_open
    from qingqian.common import clock
    from qingqian.parties.services import party_create
    from qingqian.scoring import services
    from tests.support import make_uscc

    collector = User.objects.create_user(
        username="collector",
        password=PASSWORD,
        first_name="小李",
        organisation=world.org,
        role="collector",
        cert_number="SZ-CERT-0002",
        cert_issuer="苏州市商务调解协会",
        cert_expires=dt.date(2099, 12, 31),
    )
    mobile = party_create(
        organisation=world.org,
        actor=None,
        kind="company",
        name="吴江纺织有限公司",
        credit_code=make_uscc(300),
        phone="13962512345",
        city="苏州市",
        district="吴江区",
        address="松陵镇中山路 18 号",
    )
    fixed = party_create(
        organisation=world.org,
        actor=None,
        kind="person",
        name="沈建国",
        phone="0512-58869951",
        city="苏州市",
        address="张家港市人民路 6 号",
    )
    other = party_create(
        organisation=world.org,
        actor=None,
        kind="company",
        name="昆山机电有限公司",
        credit_code=make_uscc(301),
        phone="13862500001",
    )
    main = case_open(
        organisation=world.org,
        actor=None,
        creditor=world.creditor,
        debtors=[mobile, fixed],
        debt_type="trade",
        channel="web",
        handler=collector,
        invoices=[
            InvoiceInput("WJ-0901", Decimal("300000.00"), dt.date(2025, 6, 1), dt.date(2025, 7, 1)),
            InvoiceInput("WJ-0902", Decimal("64800.65"), dt.date(2025, 7, 1), dt.date(2025, 8, 1)),
        ],
    )
    for i in range(3):
        case_open(
            organisation=world.org,
            actor=None,
            creditor=world.creditor,
            debtors=[other],
            debt_type="trade",
            channel="web",
            handler=collector,
            invoices=[
                InvoiceInput(
                    f"KS-{i}", Decimal("20000.00"), dt.date(2025, 6, 1), dt.date(2025, 7, 1)
                )
            ],
        )
    Case.objects.update(state="negotiation")
    services.expert_model_ensure()
    services.rescore(Case.objects.all(), at=clock.today())
    return {"collector": collector, "case": main, "mobile": mobile, "fixed": fixed}


def test_collector_day(
    live_server: Any, page: Any, world: World, shots: Shots, sms: SmsOutbox
) -> None:
    from playwright.sync_api import expect

    from qingqian.contact.models import ContactAttempt

    d = _desk(world)
    base = live_server.url
    page.set_default_timeout(30_000)  # a shared, loaded machine: allow slow first requests
    log_in(page, base, "collector", PASSWORD)

    # the queue: filter by name, then pick the debtor
    page.goto(f"{base}/queue/")
    expect(page.get_by_role("heading", name="我的工作队列")).to_be_visible()
    expect(page.locator("table.radar-queue tbody tr")).to_have_count(2)
    page.fill("#queue-filters input[name=q]", "吴江")
    page.locator("#queue-filters button[type=submit]").click()
    rows = page.locator("table.radar-queue tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("¥364,800.65")
    shots(page, "queue")
    rows.nth(0).get_by_role("link", name=d["case"].reference).click()
    expect(page.locator("#contact-actions")).to_be_visible()
    mobile, fixed = d["mobile"].pk, d["fixed"].pk
    expect(page.locator(f'.desk-debtor[data-party="{fixed}"] .phone-kind')).to_have_text("固定电话")

    # a call: the gate first, then the tel: link and the result form
    call = page.locator(f"#desk-call-{mobile}")
    call.get_by_role("button", name="拨打电话").click()
    expect(call.locator(".desk-result")).to_contain_text("联系规则允许现在拨打")
    expect(call.locator("a.desk-tel")).to_have_attribute("href", "tel:+8613962512345")
    shots(page, "call-allowed")
    call.locator("select[name=disposition]").select_option("promise")
    when = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).astimezone(
        dt.timezone(dt.timedelta(hours=8))
    )
    call.locator("input[name=callback_at]").fill(when.strftime("%Y-%m-%dT10:00"))
    call.get_by_role("button", name="登记结果").click()
    call = page.locator(f"#desk-call-{mobile}")
    expect(call.locator(".desk-result")).to_contain_text("承诺还款")
    expect(call.locator(".desk-result")).to_contain_text("约定回电")
    attempt = ContactAttempt.objects.get(channel="voice", party_id=mobile)
    assert attempt.disposition == "promise" and attempt.callback_at is not None
    shots(page, "call-recorded")

    # an SMS from a template to the mobile: sent on its own gate decision
    box = page.locator(f"#desk-sms-{mobile}")
    box.get_by_role("button", name="发送短信").click()
    box = page.locator(f"#desk-sms-{mobile}")
    expect(box.locator(".desk-result")).to_contain_text("已发送")
    assert len(sms.sent) == 1 and d["case"].reference in sms.sent[0].body
    assert sms.sent[0].to == "+8613962512345"

    # no SMS to the fixed line: the button is disabled, the reason beside it (h19t); the
    # gate would refuse it anyway (tests/contact/test_desk.py posts it)
    box = page.locator(f"#desk-sms-{fixed}")
    expect(box.get_by_role("button", name="发送短信")).to_be_disabled()
    expect(box.locator(f"#desk-sms-why-{fixed}")).to_contain_text("固定电话")
    assert len(sms.sent) == 1
    shots(page, "sms-not-offered")

    # back in the queue, the callback is shown on the debtor's row
    page.goto(f"{base}/queue/?sort=callback")
    first = page.locator("table.radar-queue tbody tr").nth(0)
    expect(first.locator("td.callback")).to_contain_text(when.strftime("%Y-%m-%d"))

    # a phone-sized screen, then English: the contact section still reads and fits
    page.set_viewport_size({"width": 390, "height": 844})
    shots(page, "queue-390")
    page.goto(f"{base}/cases/{d['case'].pk}/#contact-actions")
    width = page.evaluate("document.querySelector('#contact-actions').scrollWidth")
    assert width <= 390, width
    shots(page, "desk-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="English").click()
    page.goto(f"{base}/cases/{d['case'].pk}/#contact-actions")
    expect(page.locator("#contact-actions")).to_contain_text("Call")
    expect(page.locator(f'.desk-debtor[data-party="{fixed}"] .phone-kind')).to_have_text(
        "fixed line"
    )
    shots(page, "desk-en")
