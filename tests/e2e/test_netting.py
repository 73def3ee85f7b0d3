"""Supply-chain clearing in a real browser: a mediator creates a round among the seed's
auto-parts chain, every firm confirms and consents, the round runs, all accept and the
set-offs are applied; in a second round one firm declines and nothing is applied."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import CHROMIUM, Shots, World, log_in

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is absent", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="Python playwright is not installed")

from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chain(world: World) -> dict[str, Any]:
    from qingqian.accounts.models import User
    from tests.netting.world import build_chain

    lawyer = User.objects.create_user(
        username="lawyer", password=world.password, organisation=world.org, role="lawyer"
    )
    User.objects.create_user(
        username="mediator",
        password=world.password,
        first_name="调解员老陈",
        organisation=world.org,
        role="mediator",
    )
    return build_chain(world.org, lawyer)


def _log_in(page: Any, base: str, world: World) -> None:
    log_in(page, base, "mediator", world.password)


def _create_and_invite(page: Any, base: str, chain: dict[str, Any], title: str) -> None:
    page.goto(f"{base}/netting/")
    page.fill("#id_title", title)
    page.check("#scope-firms")
    for party in chain.values():  # the searchable picker adds each firm's credit code
        page.fill("#id_firm_q", party.credit_code)
        row = page.locator("#firm-results li", has_text=party.credit_code)
        row.get_by_role("button", name="添加").click()
    expect(page.locator("#id_firms")).to_have_value(
        "\n".join(p.credit_code for p in chain.values())
    )
    page.get_by_role("button", name="创建").click()
    expect(page.locator("#round-state")).to_have_text("草稿")
    page.get_by_role("button", name="发出邀请").click()
    expect(page.locator("#round-state")).to_have_text("邀请确认中")


def _answer(page: Any, firm: str, button: str) -> None:
    row = page.locator(f'.netting-answers tr[data-firm="{firm}"]')
    row.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def _all_consent(page: Any, chain: dict[str, Any]) -> None:
    for name in chain:
        _answer(page, name, "确认债务")
        _answer(page, name, "同意参加")


def _outstanding() -> dict[str, Decimal]:
    from qingqian.cases.models import Invoice

    return dict(Invoice.objects.values_list("number", "outstanding"))


def test_round_from_invitation_to_applied(
    live_server: Any, page: Any, world: World, chain: dict[str, Any], shots: Shots
) -> None:
    from qingqian.payments.models import Payment
    from tests.netting.chain import CHAIN

    base = live_server.url
    _log_in(page, base, world)
    page.get_by_role("link", name="供应链清欠").click()
    shots(page, "rounds")
    _create_and_invite(page, base, chain, "园区汽车链清欠 2026-11")
    shots(page, "invited")
    _all_consent(page, chain)
    expect(page.locator("#round-state")).to_have_text("已全部同意")
    page.get_by_role("button", name="计算抵销方案").click()
    expect(page.locator("#round-state")).to_have_text("已计算")
    expect(page.locator("#cleared")).to_have_text("32,000,000.00")
    expect(page.locator("svg.netting-graph")).to_be_visible()
    shots(page, "solved")
    before = _outstanding()
    for name in chain:
        _answer(page, name, "接受结果")
    expect(page.locator("#round-state")).to_have_text("已全部接受")
    assert _outstanding() == before
    page.get_by_role("button", name="执行抵销").click()
    expect(page.locator("#round-state")).to_have_text("已执行抵销")
    expect(page.locator(".messages")).to_contain_text("抵销已全部执行")
    shots(page, "applied")
    after = _outstanding()
    for oid, *_, setoff in CHAIN:
        assert after[oid] == before[oid] - Decimal(setoff)
    assert Payment.objects.filter(kind="setoff").count() == sum(
        1 for *_, s in CHAIN if Decimal(s) > 0
    )


def test_a_decline_cancels_the_round_with_nothing_applied(
    live_server: Any, page: Any, world: World, chain: dict[str, Any], shots: Shots
) -> None:
    from qingqian.payments.models import Payment
    from tests.netting.chain import STEEL

    base = live_server.url
    _log_in(page, base, world)
    _create_and_invite(page, base, chain, "园区汽车链清欠（被拒）")
    _all_consent(page, chain)
    page.get_by_role("button", name="计算抵销方案").click()
    expect(page.locator("#round-state")).to_have_text("已计算")
    before = _outstanding()
    row = page.locator(f'.netting-answers tr[data-firm="{STEEL}"]')
    row.locator("input[name=reason]").fill("与物流公司的账目尚未对平")
    row.get_by_role("button", name="拒绝（取消本轮）").click()
    expect(page.locator("#round-state")).to_have_text("已取消")
    expect(page.locator(".banner.warn")).to_contain_text("与物流公司的账目尚未对平")
    expect(page.get_by_role("button", name="执行抵销")).to_have_count(0)
    expect(page.locator("svg.netting-graph")).to_have_count(0)
    shots(page, "cancelled")
    assert _outstanding() == before
    assert not Payment.objects.exists()
