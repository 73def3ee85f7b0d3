"""Guide journey — lawyer (guide/zh/lawyer.md): complete intake and read the feasibility
report, accept and send the fee agreement, propose a seasonal plan, draft a payment-order
application and register the proceeding, the deadlines calendar, the calculators, the
strategy dashboard, and a netting round from invitation to the computed set-off."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.guide.conftest import Demo
from tests.guide.journeys import demo_case, nav, require_browser
from tests.guide.shots import guide_shot

expect = require_browser()

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_lawyer_guide(page: Any, demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    from qingqian.accounts.models import User
    from qingqian.common import clock
    from tests.netting.world import build_chain

    base = demo.base
    demo.log_in(page, "lawyer")

    # Intake complete → the feasibility report (lawyer.md#feasibility)
    case = demo_case(state="intake")
    page.goto(f"{base}/cases/{case.pk}/")
    page.select_option("select[name=to_state]", "evidence_review")
    page.get_by_role("button", name="确认", exact=True).click()
    page.wait_for_load_state()
    expect(page.locator("#feasibility-panel")).to_contain_text("第 1 版")
    guide_shot(page, "lawyer/case", element="#feasibility-panel")
    page.goto(f"{base}/cases/{case.pk}/feasibility/")
    expect(page.locator("#decision")).to_contain_text("待律师审查")
    guide_shot(page, "lawyer/feasibility")
    page.get_by_role("button", name="接案", exact=True).click()
    expect(page.locator("#decision")).to_contain_text("接案")

    # The fee agreement (lawyer.md#fee-agreement)
    page.goto(f"{base}/cases/{case.pk}/agreement/")
    page.click("#draft-agreement")
    expect(page.locator("#agreement-terms")).to_be_visible()
    page.click("#send-agreement")
    expect(page.locator("#agreement-state")).to_contain_text("已发送待签")
    guide_shot(page, "lawyer/agreement")

    # A seasonal plan (lawyer.md#plan)
    talks = demo_case(state="negotiation")
    page.goto(f"{base}/cases/{talks.pk}/")
    page.get_by_text("提出还款计划").click()
    form = page.locator("#plan-form")
    today = clock.today()
    start = f"{today.year + today.month // 12}-{today.month % 12 + 1:02d}"
    form.get_by_label("月数").fill("12")
    form.get_by_label("起始月（YYYY-MM）").fill(start)
    form.get_by_role("button", name="预览").click()
    page.locator("#plan-preview tfoot").wait_for()
    guide_shot(page, "lawyer/plan-preview", element="#negotiation-panel", en=False)
    form.get_by_role("button", name="提出计划").click()
    page.wait_for_load_state()
    expect(page.locator("#negotiation-panel")).to_contain_text("代表债权人确认")
    guide_shot(page, "lawyer/plan-proposed", element="#negotiation-panel")

    # A payment order (lawyer.md#payment-order)
    page.goto(f"{base}/cases/{talks.pk}/")
    page.locator("select[name=to_state]").select_option("litigation")
    page.get_by_role("button", name="确认", exact=True).click()
    page.wait_for_url(f"{base}/cases/{talks.pk}/")
    panel = page.locator("#litigation-panel")
    panel.get_by_label("文书").select_option("payment_order_application")
    panel.get_by_role("button", name="生成草稿").click()
    page.locator("#litigation-panel .documents").wait_for()
    page.locator("#litigation-panel .proceeding-new summary").click()
    form = page.locator("#proceeding-new-form")
    form.get_by_label("程序").select_option("payment_order")
    form.get_by_label("法院", exact=True).fill("苏州市姑苏区人民法院")
    form.get_by_label("法院案号").fill(f"({today.year})苏0508民督12号")
    form.get_by_label("立案申请日").fill((today - dt.timedelta(days=20)).isoformat())
    form.get_by_label("送达日").fill((today - dt.timedelta(days=5)).isoformat())
    form.get_by_role("button", name="登记").click()
    page.locator("#litigation-panel tr[data-kind=payment_order_objection]").wait_for()
    guide_shot(page, "lawyer/payment-order", element="#litigation-panel")

    page.goto(f"{base}/deadlines/")
    guide_shot(page, "lawyer/deadlines")
    page.goto(f"{base}/calc/")
    guide_shot(page, "lawyer/calculators")
    page.goto(f"{base}/strategy/")
    guide_shot(page, "lawyer/strategy")
    # Follow-up schedules (lawyer.md#followups): the demo's firm default and a client's own
    page.get_by_role("link", name="查看和设置催告计划").click()
    page.locator("#followup-schedules .followup-schedule").first.wait_for()
    guide_shot(page, "lawyer/followups")

    # A netting round (lawyer.md#netting)
    chain = build_chain(demo.org, User.objects.get(username="lawyer"))
    page.goto(f"{base}/netting/")
    page.fill("#id_title", "园区汽车链清欠")
    page.check("#scope-firms")
    page.fill("#id_firms", "\n".join(party.credit_code for party in chain.values()))
    guide_shot(page, "lawyer/netting-new", en=False)
    page.get_by_role("button", name="创建").click()
    expect(page.locator("#round-state")).to_have_text("草稿")
    page.get_by_role("button", name="发出邀请").click()
    expect(page.locator("#round-state")).to_have_text("邀请确认中")
    for name in chain:
        for button in ("确认债务", "同意参加"):
            row = page.locator(f'.netting-answers tr[data-firm="{name}"]')
            row.get_by_role("button", name=button).click()
            page.wait_for_load_state()
    page.get_by_role("button", name="计算抵销方案").click()
    expect(page.locator("#round-state")).to_have_text("已计算")
    expect(page.locator("svg.netting-graph")).to_be_visible()
    guide_shot(page, "lawyer/netting-solved", full_page=True)

    # A consortium netting round, convened here (lawyer.md#consortium-netting): this firm and
    # two peer members adopt a member list; the peers are not running, so the invitations
    # are recorded as not delivered, as the page then says.
    from qingqian.consortium import rounds, services
    from qingqian.ledger.note import generate_signer

    me = services.own_signer()
    peers = [generate_signer(f"{n}.example/consortium") for n in ("gusu-law", "kunshan-law")]
    note = services.member_list_publish(
        version=1,
        members=[
            (me.name, base, me.verifier().encode()),
            *[
                (p.name, f"http://127.0.0.1:9/{i}", p.verifier().encode())
                for i, p in enumerate(peers)
            ],
        ],
    )
    services.member_list_adopt(note=note, convener_key=me.verifier().encode())

    class Down:
        def post(self, url: str, body: bytes) -> tuple[int, bytes]:
            raise OSError("the peer is not running")

    monkeypatch.setattr(rounds, "HttpTransport", lambda timeout: Down())
    page.goto(f"{base}/netting/")
    page.get_by_role("link", name="同业清欠（跨机构多边抵销）").click()
    page.fill("#open-round input[name=title]", "长三角汽车零部件同业清欠")
    for peer in peers:
        page.locator("#open-round").get_by_label(peer.name).check()
    page.get_by_role("button", name="开启并发出邀请").click()
    expect(page.locator("body")).to_contain_text("未送达")
    guide_shot(page, "lawyer/consortium-netting", full_page=True)

    # A debt voucher (lawyer.md#vouchers): the demo's assigned one, notice still due
    from qingqian.vouchers.models import Voucher

    assigned = Voucher.objects.filter(events__kind="assigned").order_by("pk").first()
    assert assigned is not None
    nav(page, "债权凭证")
    page.get_by_role("link", name=assigned.number).click()
    expect(page.locator("body")).to_contain_text("第五百四十六条")
    guide_shot(page, "lawyer/voucher", full_page=True)
