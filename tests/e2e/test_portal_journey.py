"""Browser journey on a phone (390×844): a debtor opens the one-time link, proves identity,
accepts a seasonal plan with a code, pays the first installment; the creditor's statement
shows the payment; a missed installment later triggers the agreed consequence."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import Shots, SmsOutbox, World, log_in

pytestmark = pytest.mark.e2e


def test_debtor_accepts_seasonal_plan_and_pays(
    live_server: Any,
    phone: Any,
    page: Any,
    world: World,
    shots: Shots,
    settings: Any,
    sms: SmsOutbox,
) -> None:
    from qingqian.accounts.models import User
    from qingqian.cases.models import TimelineEvent
    from qingqian.cases.services import InvoiceInput, case_open
    from qingqian.common import clock
    from qingqian.negotiation.models import BreachRecord, PlanVersion, VersionState
    from qingqian.negotiation.services import (
        plan_accept_staff,
        plan_propose,
        plan_schedule,
        plans_breach_check,
    )
    from qingqian.parties.services import party_create
    from qingqian.payments.statements import creditor_statement
    from qingqian.portal.services import portal_link_send
    from tests.support import make_uscc

    settings.PORTAL_FAKE_PROVIDER = True
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
        name="姑苏文旅民宿管理有限公司",
        credit_code=make_uscc(42),
        phone="13912340042",
        city="苏州市",
        district="姑苏区",
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
            InvoiceInput(
                "GS-2025-07", Decimal("24000.00"), dt.date(2025, 6, 1), dt.date(2025, 7, 1)
            )
        ],
    )
    today = clock.today()
    start = f"{today.year + today.month // 12}-{today.month % 12 + 1:02d}"
    version = plan_propose(
        case=case,
        actor=collector,
        schedule=plan_schedule(
            kind="seasonal",
            total=Decimal("24000"),
            months=12,
            start=start,
            profile="1,1,1,3,3,1,1,1,1,4,1,1",
        ),
        grace_days=5,
        consequence="acceleration",
        profile="1,1,1,3,3,1,1,1,1,4,1,1",
    )
    plan_accept_staff(version=version, actor=collector)
    _, token = portal_link_send(case=case, party=debtor, actor=collector, base_url=live_server.url)

    desk, page = page, phone
    page.goto(f"{live_server.url}/p/{token}/")
    shots(page, "identity")
    page.get_by_label("统一社会信用代码后四位").fill(debtor.credit_code[-4:])
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("短信验证码").fill(sms.code())
    shots(page, "code")
    page.get_by_role("button", name="验证").click()
    page.get_by_role("heading", name="谁向您主张什么").wait_for()
    assert "GS-2025-07" in page.content() and world.creditor.name in page.content()
    shots(page, "claim")

    page.get_by_role("link", name="还款计划").first.click()
    page.get_by_role("button", name="接受此方案（发送验证码）").click()
    page.get_by_label("短信验证码").fill(sms.code())
    shots(page, "plan-code")
    page.get_by_role("button", name="确认接受此方案").click()
    page.get_by_text("您已确认该还款计划。").wait_for()
    shots(page, "plan-accepted")
    version.refresh_from_db()
    assert version.state == VersionState.ACTIVE
    first = version.installments.get(number=1)

    page.get_by_role("link", name="付款").first.click()
    assert re.search(r"QQ\d{10}", page.content())
    assert page.get_by_label("支付金额（元）").input_value() == str(first.amount)
    page.get_by_role("button", name=re.compile("^微信支付")).click()
    page.get_by_text(f"已收到您的付款 ¥{first.amount:,.2f}").wait_for()
    # the next suggestion is the second installment
    assert page.get_by_label("支付金额（元）").input_value() == str(
        version.installments.get(number=2).amount
    )
    shots(page, "paid")

    statement = creditor_statement(
        organisation=world.org, creditor=world.creditor, start=today, end=today
    )
    assert [(r.case_reference, r.amount) for r in statement.rows] == [
        (case.reference, first.amount)
    ]

    # The creditor's own user sees the payment on the statement page.
    User.objects.create_user(
        username="cred",
        password=world.password,
        organisation=world.org,
        role="creditor",
        creditor=world.creditor,
    )
    log_in(desk, live_server.url, "cred", world.password)
    desk.goto(f"{live_server.url}/money/statement/?from={today}&to={today}")
    body = desk.locator("main").inner_text()
    assert case.reference in body
    assert f"{first.amount:,}" in body or str(first.amount) in body
    shots(desk, "creditor-statement")

    # The second installment is missed: after its grace period the daily task accelerates.
    second = version.installments.get(number=2)
    assert plans_breach_check(today=second.due + dt.timedelta(days=5))["breached"] == 0
    assert plans_breach_check(today=second.due + dt.timedelta(days=6))["breached"] == 1
    record = BreachRecord.objects.get(version=version)
    assert record.accelerated_balance == Decimal("24000.00") - first.amount
    assert PlanVersion.objects.get(pk=version.pk).state == VersionState.BREACHED
    assert TimelineEvent.objects.filter(case=case, kind="plan.breach.acceleration").exists()

    # Keyboard: the skip link is the first stop.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"

    # English on request; the dispute opens a hold.
    page.get_by_role("button", name="English").click()
    page.get_by_role("link", name="Dispute").click()
    page.get_by_label("Reason for the dispute").fill("The goods were faulty.")
    page.get_by_role("button", name="Submit dispute").click()
    page.get_by_text("We have received your dispute.").wait_for()
    shots(page, "dispute-en")
    assert case.contact_holds.filter(kind="dispute").exists()


def test_handler_previews_and_proposes_a_seasonal_plan(
    live_server: Any, page: Any, world: World, shots: Shots
) -> None:
    from qingqian.accounts.models import User
    from qingqian.cases.services import InvoiceInput, case_open
    from qingqian.negotiation.models import PlanVersion
    from qingqian.parties.services import party_create
    from tests.support import make_uscc

    User.objects.create_user(
        username="coll2",
        password=world.password,
        organisation=world.org,
        role="collector",
        first_name="小李",
        cert_number="SZ-CERT-10",
        cert_issuer="苏州市商务调解协会",
        cert_expires=dt.date(2099, 12, 31),
    )
    debtor = party_create(
        organisation=world.org,
        actor=None,
        kind="company",
        name="平江路茶馆有限公司",
        credit_code=make_uscc(43),
        phone="13912340043",
    )
    case = case_open(
        organisation=world.org,
        actor=world.agent,
        creditor=world.creditor,
        debtors=[debtor],
        debt_type="trade",
        channel="web",
        handler=User.objects.get(username="coll2"),
        invoices=[
            InvoiceInput("PJ-1", Decimal("120000.00"), dt.date(2025, 6, 1), dt.date(2025, 7, 1))
        ],
    )
    base = live_server.url
    log_in(page, base, "coll2", world.password)
    page.goto(f"{base}/cases/{case.pk}/")
    page.get_by_text("提出还款计划").click()
    form = page.locator("#plan-form")
    form.get_by_label("月数").fill("12")
    form.get_by_label("起始月（YYYY-MM）").fill("2027-01")
    form.get_by_role("button", name="预览").click()
    page.locator("#plan-preview tfoot").wait_for()
    assert "¥120,000.00" in page.locator("#plan-preview").inner_text()
    assert not PlanVersion.objects.exists()  # the preview writes nothing
    shots(page, "preview")
    form.get_by_role("button", name="提出计划").click()
    page.locator(".plan-version").first.wait_for()
    version = PlanVersion.objects.get()
    assert version.kind == "seasonal" and version.terms["amount_total"] == "120000.00"
    page.get_by_role("button", name="代表债权人确认").click()
    page.get_by_text("已代表债权人确认该计划。").wait_for()
    shots(page, "staff-accepted")
