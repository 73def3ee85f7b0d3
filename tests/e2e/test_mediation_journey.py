"""Browser journey of mediation the Kunshan way: a case enters mediation → the matched
community mediator (speaks the debtor's Kunshan Wu, knows their town) → a session → a
counter-proposal in installments accepted → the agreement drafted (elements checked), signed
by both sides with one-time codes and by the mediator → the judicial confirmation application
→ the ruling recorded → the installments run as the case's active plan. Pages looked at in
Chinese, in English and at 390 px."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import Shots, SmsOutbox, World, log_in

pytestmark = pytest.mark.e2e


def _setup(world: World) -> tuple[Any, Any, Any]:
    from qingqian.accounts.models import User
    from qingqian.cases.services import InvoiceInput, case_open, case_transition
    from qingqian.common import clock
    from qingqian.mediation import services
    from qingqian.parties.services import party_create
    from tests.support import make_uscc

    admin = User.objects.create_user(
        username="boss", password=world.password, organisation=world.org, role="admin"
    )
    staff = User.objects.create_user(
        username="mediator", password=world.password, organisation=world.org, role="mediator",
        first_name="佩芬", last_name="陆",
    )  # fmt: skip
    world.creditor.phone_enc = party_create(
        organisation=world.org, actor=None, kind="person", name="临时", phone="13800000001"
    ).phone_enc
    world.creditor.save(update_fields=["phone_enc"])
    debtor = party_create(
        organisation=world.org, actor=None, kind="company", name="昆山周市精工机械有限公司",
        credit_code=make_uscc(88), city="苏州市", district="昆山市",
        address="江苏省昆山市周市镇青阳北路 88 号", phone="13912340088",
    )  # fmt: skip
    due = clock.today() - dt.timedelta(days=90)
    case = case_open(
        organisation=world.org, actor=admin, creditor=world.creditor, debtors=[debtor],
        debt_type="trade", channel="web",
        invoices=[InvoiceInput("K-001", Decimal("60000.00"), due - dt.timedelta(days=30), due)],
    )  # fmt: skip
    for state in ("evidence_review", "accepted", "negotiation"):
        case = case_transition(case=case, to_state=state, actor=admin)
    services.mediator_add(
        organisation=world.org, actor=admin, kind="staff", name="陆佩芬",
        localities=["姑苏区"], dialects=[{"dialect": "mandarin", "level": "native"}],
        specialities=["trade"], capacity=10, user=staff,
    )  # fmt: skip
    elder = services.mediator_add(
        organisation=world.org, actor=admin, kind="community", name="顾明德", title="退休教师",
        localities=["昆山市/周市镇"],
        dialects=[{"dialect": "kunshan", "level": "native"},
                  {"dialect": "mandarin", "level": "fluent"}],
        specialities=["trade"], capacity=5,
    )  # fmt: skip
    services.mediator_undertakings_record(
        mediator=elder, actor=admin, consent=True, confidentiality=True
    )
    return staff, case, elder


def test_mediation_to_judicial_confirmation_and_plan(
    live_server: Any, page: Any, phone: Any, world: World, shots: Shots, sms: SmsOutbox
) -> None:
    from qingqian.common import clock
    from qingqian.litigation.models import Proceeding
    from qingqian.mediation.models import Mediation
    from qingqian.negotiation.models import InstallmentPlan, VersionState
    from qingqian.negotiation.services import plan_assess

    _staff, case, elder = _setup(world)
    base = live_server.url
    for pg in (page, phone):  # a shared 2-core machine: give slow pages time
        pg.set_default_timeout(45_000)
    log_in(page, base, "mediator", world.password)

    # the case page recommends the Kunshan elder first, with reasons
    page.goto(f"{base}/cases/{case.pk}/")
    panel = page.locator("#mediation-panel")
    assert "顾明德" in panel.locator("ol li").first.inner_text()
    assert "会讲昆山话（母语）" in panel.inner_text()
    panel.get_by_role("link", name="打开调解页").click()
    page.wait_for_url(f"{base}/cases/{case.pk}/mediation/")
    shots(page, "match")
    first = page.locator("#match-table tbody tr").first
    assert "顾明德" in first.inner_text()
    first.get_by_role("button", name="进入调解并指定").click()
    page.wait_for_url(f"{base}/cases/{case.pk}/mediation/")
    assert "已进入调解并指定调解员" in page.inner_text("main")
    m = Mediation.objects.get(case=case)
    assert m.mediator_id == elder.pk and m.dialect_matched

    # a session, a creditor proposal, the debtor's counter in installments, accepted
    form = page.locator("#session-form")
    form.locator("select[name=mode]").select_option("in_person")
    now = clock.now().astimezone(clock.BUSINESS_TZ)
    form.locator("input[name=at]").fill(now.strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=place]").fill("昆山市周市镇人民调解委员会")
    form.locator("input[name=participants]").fill("债权人代表、债务人法定代表人、顾明德")
    form.locator("textarea[name=minutes]").fill("债务人承认欠款，请求分期。")
    form.get_by_role("button", name="记录调解会").click()
    page.wait_for_selector("#sessions li")
    form = page.locator("#proposal-form")
    form.locator("select[name=side]").select_option("creditor")
    form.locator("input[name=amount]").fill("60000")
    form.locator("input[name=pay_by]").fill((clock.today() + dt.timedelta(days=20)).isoformat())
    form.get_by_role("button", name="记录方案").click()
    page.wait_for_selector("#proposals")
    start = (clock.today().replace(day=1) + dt.timedelta(days=32)).strftime("%Y-%m")
    form = page.locator("#proposal-form")
    form.locator("select[name=side]").select_option("debtor")
    form.locator("input[name=amount]").fill("57,000")
    form.locator("input[name=months]").fill("6")
    form.locator("input[name=start]").fill(start)
    form.locator("select[name=counter_to]").select_option(index=1)
    form.get_by_role("button", name="记录方案").click()
    page.wait_for_selector("#proposals tbody tr:nth-child(2)")
    assert "¥57,000.00" in page.inner_text("#proposals")
    page.locator("#proposals tbody tr").nth(1).get_by_role("button", name="双方接受").click()
    page.wait_for_url(f"{base}/cases/{case.pk}/mediation/")

    # the agreement: a missing element is refused (422, in words), then drafted
    form = page.locator("#agreement-form")
    form.locator("input[name=disputed]").fill("货款金额与付款期限")
    form.locator("input[name=method]").fill("银行转账")
    form.locator("input[name=place]").fill("江苏省昆山市")
    form.locator("textarea[name=facts]").fill(" ")
    form.get_by_role("button", name="起草（先检查必备内容）").click()
    page.wait_for_selector("#mediation-error")
    assert "纠纷的主要事实" in page.inner_text("#mediation-error")
    form = page.locator("#agreement-form")
    form.locator("textarea[name=facts]").fill("债务人拖欠货款六万元，经催告未付。")
    form.locator("input[name=disputed]").fill("货款金额与付款期限")
    form.locator("input[name=method]").fill("银行转账")
    form.locator("input[name=place]").fill("江苏省昆山市")
    form.get_by_role("button", name="起草（先检查必备内容）").click()
    page.wait_for_selector("#signatures")

    # both sides sign with a one-time code sent to their own phone, then the mediator
    for side, name in (("creditor", "张经理"), ("debtor", "王厂长")):
        page.locator("#code-form select[name=side]").select_option(side)
        page.locator("#code-form").get_by_role("button", name="发送验证码").click()
        page.wait_for_url(f"{base}/cases/{case.pk}/mediation/")
        sign = page.locator("#party-sign-form")
        sign.locator("select[name=side]").select_option(side)
        sign.locator("input[name=typed_name]").fill(name)
        sign.locator("input[name=code]").fill(sms.code())
        sign.get_by_role("button", name="当事人签署").click()
        page.wait_for_url(f"{base}/cases/{case.pk}/mediation/")
        assert name in page.inner_text("#signatures")
    page.locator("#mediator-sign-form input[name=typed_name]").fill("顾明德")
    page.locator("#mediator-sign-form").get_by_role("button", name="调解员签署").click()
    page.wait_for_selector("#confirmation-form")
    shots(page, "signed")
    assert "已签署生效" in page.inner_text("#agreement")

    # judicial confirmation: application, then the court's ruling
    form = page.locator("#confirmation-form")
    form.locator("input[name=court]").fill("昆山市人民法院")
    form.get_by_role("button", name="提交司法确认申请").click()
    page.wait_for_selector("#ruling-form")
    with page.expect_download() as dl:
        page.get_by_role("link", name="司法确认申请书 PDF").click()
    assert dl.value.suggested_filename.endswith(".pdf")
    form = page.locator("#ruling-form")
    form.locator("input[name=ruling_on]").fill(clock.today().isoformat())
    form.locator("input[name=case_number]").fill(f"({clock.today().year})苏0583民特66号")
    form.get_by_role("button", name="记录裁定").click()
    page.wait_for_selector("#confirmation-state")
    assert "裁定确认有效" in page.inner_text("#confirmation-state")
    p = Proceeding.objects.get(case=case, kind="judicial_confirmation")
    assert p.outcome == "confirmed"

    # the plan runs: active on the case, assessed by the breach rules, case in 还款计划
    plan = InstallmentPlan.objects.get(active_case=case)
    version = plan.versions.get(state=VersionState.ACTIVE)
    assert version.installments.count() == 6
    assert plan_assess(version).overdue_count == 0
    page.goto(f"{base}/cases/{case.pk}/")
    assert "分期还款" in page.inner_text("h1")

    # the figures, in English and on a phone
    page.goto(f"{base}/reports/mediation/")
    assert "100.0%" in page.inner_text("#headline")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page.goto(f"{base}/cases/{case.pk}/mediation/")
    assert "speaks Kunshan Wu (native)" in page.inner_text("#match")
    shots(page, "en")
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{base}/cases/{case.pk}/mediation/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    shots(phone, "phone")
    assert width <= 400
