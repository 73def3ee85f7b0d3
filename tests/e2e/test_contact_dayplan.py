"""The day's contact plan in a real browser: compliance opens it from the contact pages,
reads tomorrow's plan per channel and hour (a call by the certified handler, a robot call at
the hour the debtor answers) and who is left out because of a hold, then reads it in English.
Screenshots in test-results/e2e/."""

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


def _setup(world: World) -> dict[str, Any]:
    from qingqian.accounts.models import User
    from qingqian.cases.models import Case
    from qingqian.cases.services import case_open
    from qingqian.common import clock
    from qingqian.contact.services import (
        contact_attempt_authorize,
        contact_hold_place,
        contact_outcome_record,
        contact_system_actor,
    )
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
    made: dict[str, Any] = {}
    for n, (key, name, principal) in enumerate(
        [
            ("big", "吴江丝绸印染有限公司", "88000.00"),
            ("night", "昆山精工模具有限公司", "30000.00"),
            ("held", "常熟服装辅料有限公司", "20000.00"),
        ]
    ):
        debtor = party_create(
            organisation=world.org,
            actor=None,
            kind="company",
            name=name,
            credit_code=make_uscc(70 + n),
            phone=f"139123400{n:02d}",
        )
        case = case_open(
            organisation=world.org,
            actor=None,
            creditor=world.creditor,
            debtors=[debtor],
            debt_type="trade",
            channel="web",
            principal=principal,
            handler=collector,
            due_date=dt.date(2026, 5, 1),
        )
        Case.objects.filter(pk=case.pk).update(state="negotiation")
        made[key] = (case, debtor)
    case, debtor = made["held"]
    contact_hold_place(case=case, party=debtor, kind="dispute", actor=None, reason="对账中")
    robot = contact_system_actor(organisation=world.org)
    sh = clock.BUSINESS_TZ
    case, debtor = made["night"]
    for back in (1, 2, 3):
        day = clock.today() - dt.timedelta(days=back)
        at = dt.datetime.combine(day, dt.time(20, 0), tzinfo=sh)
        a = contact_attempt_authorize(case=case, party=debtor, channel="robot", actor=robot, at=at)
        contact_outcome_record(attempt=a, outcome="connected", at=at + dt.timedelta(minutes=3))
    return made


def test_compliance_reads_tomorrows_plan(
    live_server: Any, page: Any, world: World, shots: Shots, settings: Any
) -> None:
    from qingqian.contact.models import ContactAttempt

    # one collector call a day: the most valuable debtor gets it, the next a robot
    settings.QINGQIAN_CONTACT_PLAN = {"collector_capacity": 1, "robots": 2}
    made = _setup(world)
    attempts = ContactAttempt.objects.count()
    base = live_server.url

    log_in(page, base, "compliance", PASSWORD)
    page.get_by_role("link", name="联系合规").click()
    page.get_by_role("link", name="今日联系计划").click()
    expect(page.locator("h1")).to_have_text("今日联系计划")
    page.get_by_role("link", name="下一天").click()
    from qingqian.common import clock

    tomorrow = clock.today() + dt.timedelta(days=1)
    expect(page.locator("h1")).to_contain_text("联系计划")
    expect(page.locator("#kpi-planned")).to_have_text("2")
    expect(page.locator("#kpi-left-out")).to_have_text("1")
    expect(page.locator("#kpi-collectors")).to_have_text("1")

    big_case, _ = made["big"]
    _, night = made["night"]
    held_case, _ = made["held"]
    voice = page.locator("#channel-voice")
    expect(voice).to_contain_text(big_case.reference)
    expect(voice).to_contain_text("collector")
    robot_row = page.locator(f"#channel-robot tr[data-party='{night.pk}']")
    expect(robot_row).to_contain_text("20:")  # the hour this debtor answers
    expect(page.locator("#plan-grid tr[data-channel=robot]")).to_contain_text("1")
    left = page.locator("#left-out tr[data-category=hold]")
    expect(left).to_contain_text(held_case.reference)
    expect(left).to_contain_text("争议或投诉暂停")  # the rule in words, its code only in data-code
    expect(left.locator("td[data-code=hold_dispute]")).to_have_count(1)
    shots(page, "dayplan")

    page.locator("form.lang button").click()
    expect(page.locator("h1")).to_contain_text(f"Contact plan for {tomorrow:%Y-%m-%d}")
    expect(page.locator("#left-out")).to_contain_text("Contact hold")
    expect(page.locator("#channel-voice")).to_contain_text("Make first contact")
    shots(page, "dayplan-en")
    assert ContactAttempt.objects.count() == attempts  # reading the plan recorded nothing
