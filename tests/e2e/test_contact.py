"""The contact gate in a real browser: a collector puts contact on hold from the case page;
compliance lifts it, previews a stricter policy against sample histories, publishes it as a
new version and reads the denied attempts by reason. Screenshots in test-results/e2e/."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.e2e.conftest import CHROMIUM, PASSWORD, Shots, World, log_in

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is absent", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="Python playwright is not installed")

from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page: Any, base: str, username: str) -> None:
    log_in(page, base, username, PASSWORD)


def _log_out(page: Any) -> None:
    page.locator("form[action='/logout/'] button").click()


def _setup(world: World) -> tuple[Any, Any]:
    from qingqian.accounts.models import User
    from qingqian.cases.services import case_open
    from qingqian.contact.services import contact_attempt_authorize, contact_system_actor
    from qingqian.parties.services import party_create
    from tests.support import make_uscc

    collector = User.objects.create_user(
        username="collector",
        password=PASSWORD,
        organisation=world.org,
        role="collector",
        cert_number="SZ-1",
        cert_issuer="苏州市商务调解协会",
        cert_expires=dt.date(2099, 1, 1),
    )
    User.objects.create_user(
        username="compliance", password=PASSWORD, organisation=world.org, role="compliance"
    )
    debtor = party_create(
        organisation=world.org,
        actor=None,
        kind="company",
        name="吴江丝绸印染有限公司",
        credit_code=make_uscc(77),
        phone="13912340000",
    )
    case = case_open(
        organisation=world.org,
        actor=None,
        creditor=world.creditor,
        debtors=[debtor],
        debt_type="trade",
        channel="web",
        principal="58000.00",
        handler=collector,
    )
    robot = contact_system_actor(organisation=world.org)
    # One denied attempt (23:00 yesterday, Shanghai) for the compliance view.
    sh = dt.timezone(dt.timedelta(hours=8))
    late = (dt.datetime.now(sh) - dt.timedelta(days=1)).replace(hour=23, minute=0)
    contact_attempt_authorize(case=case, party=debtor, channel="robot", actor=robot, at=late)
    return case, debtor


def test_holds_policy_preview_and_compliance_view(
    live_server: Any, page: Any, world: World, shots: Shots
) -> None:
    from qingqian.contact.models import ContactHold, ContactPolicy

    case, debtor = _setup(world)
    base = live_server.url

    _log_in(page, base, "collector")
    page.goto(f"{base}/cases/{case.pk}/")
    panel = page.locator("#contact-panel")
    expect(panel).to_contain_text("最近的联系尝试")
    expect(panel).to_contain_text("拒绝")
    panel.get_by_text("暂停联系").click()
    hold_form = panel.locator(".contact-hold-form")
    hold_form.locator("select[name=kind]").select_option("dispute")
    hold_form.locator("select[name=party]").select_option(str(debtor.pk))
    hold_form.locator("input[name=reason]").fill("债务人称货款早已结清")
    hold_form.get_by_role("button", name="暂停").click()
    expect(page.locator(".messages")).to_contain_text("已暂停联系")
    expect(page.locator("#contact-panel .contact-holds")).to_contain_text("争议")
    shots(page, "case-panel-hold")
    _log_out(page)

    _log_in(page, base, "compliance")
    page.get_by_role("link", name="联系合规").click()
    row = page.locator("#holds-table tbody tr").first
    expect(row).to_contain_text("债务人称货款早已结清")
    row.locator("input[name=reason]").fill("核对银行流水后确认尚未付款")
    row.get_by_role("button", name="解除").click()
    expect(page.locator(".messages")).to_contain_text("已解除暂停")
    shots(page, "holds-lifted")
    assert ContactHold.objects.get().lifted_at is not None

    page.goto(f"{base}/contact/policies/cn-default/")
    box = page.locator("input[name=cap_limit_0]")
    assert box.input_value() == "3"
    box.fill("2")
    page.get_by_role("button", name="预览", exact=True).click()
    changed = page.locator("#preview-table tr[data-sample=third_conversation]")
    expect(changed).to_contain_text("每人每天接通的语音通话")
    expect(changed).to_contain_text("变化")
    shots(page, "policy-preview")
    page.fill("input[name=note]", "每日接通上限收紧为 2 次")
    page.get_by_role("button", name="发布新版本").click()
    expect(page.locator("#policy-cn-default")).to_contain_text("v2")
    expect(page.locator("#policy-cn-default")).to_contain_text("每日接通上限收紧为 2 次")
    shots(page, "policies")
    assert ContactPolicy.objects.filter(name="cn-default").count() == 2

    page.goto(f"{base}/contact/?days=7")
    expect(page.locator("#by-rule")).to_contain_text("不在联系时段内")
    expect(page.locator("#by-code")).to_contain_text("不在联系时段内")
    shots(page, "compliance")
