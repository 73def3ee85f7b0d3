"""From intake to an accepted case, in a real browser.

A lawyer completes intake (the case enters evidence review) and finds the feasibility
report generated on its own; accepts the case; drafts and sends the fee agreement. The
creditor logs in, has a one-time code e-mailed (read from the test outbox), signs with a
typed name, and the first strategy step is scheduled on the case page. Also: an over-cap fee
schedule refuses the agreement with the rule cited, and a debt past its limitation period
gets a report that says so and recommends against litigation. Screenshots go to
test-results/e2e/.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import CHROMIUM, PASSWORD, Shots, World, log_in

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is absent: install Debian's chromium to run browser tests",
        allow_module_level=True,
    )
pytest.importorskip("playwright.sync_api", reason="Python playwright is not installed")

from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _today() -> dt.date:
    from qingqian.common import clock

    return clock.today()


def _people(world: World) -> tuple[Any, Any]:
    from qingqian.accounts.models import User

    world.org.org_type = "law_firm"
    world.org.save(update_fields=["org_type"])
    lawyer = User.objects.create_user(
        username="lawyer",
        password=PASSWORD,
        organisation=world.org,
        role="lawyer",
        last_name="陈",
        first_name="律师",
    )
    client = User.objects.create_user(
        username="client",
        password=PASSWORD,
        organisation=world.org,
        role="creditor",
        creditor=world.creditor,
        email="finance@example.com",
    )
    return lawyer, client


def _case(world: World, lawyer: Any, *, due: dt.date, name: str, n: int) -> Any:
    from qingqian.cases.services import InvoiceInput, case_open
    from qingqian.parties.services import party_create
    from tests.support import make_uscc

    debtor = party_create(
        organisation=world.org,
        actor=None,
        kind="company",
        name=name,
        credit_code=make_uscc(n),
        phone="13912345678",
    )
    return case_open(
        organisation=world.org,
        actor=lawyer,
        creditor=world.creditor,
        debtors=[debtor],
        debt_type="trade",
        channel="web",
        invoices=[InvoiceInput(f"E2E-{n}", Decimal("86000.00"), due - dt.timedelta(days=30), due)],
    )


def _log_in(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, base, username, PASSWORD)


def _complete_intake(page: Any, base: str, case: Any, shots: Shots) -> None:
    page.goto(f"{base}/cases/{case.pk}/")
    page.select_option("select[name=to_state]", "evidence_review")
    page.get_by_role("button", name="确认").click()
    page.wait_for_load_state()
    shots(page, "intake-complete")


def test_intake_to_signed_agreement_and_first_step(
    page: Any, live_server: Any, world: World, shots: Shots, mailoutbox: list[Any]
) -> None:
    base = live_server.url
    lawyer, _client = _people(world)
    case = _case(
        world,
        lawyer,
        due=_today() - dt.timedelta(days=200),
        name="吴中精密模具有限公司",
        n=301,
    )
    _log_in(page, base, "lawyer")
    _complete_intake(page, base, case, shots)
    # The report was generated on its own after the move committed.
    expect(page.locator("#feasibility-panel")).to_contain_text("第 1 版")
    page.goto(f"{base}/cases/{case.pk}/feasibility/")
    expect(page.locator("#decision")).to_contain_text("待律师审查")
    shots(page, "report")
    page.get_by_role("button", name="接案", exact=True).click()
    expect(page.locator("#decision")).to_contain_text("接案")
    page.goto(f"{base}/cases/{case.pk}/agreement/")
    page.click("#draft-agreement")
    expect(page.locator("h1")).to_contain_text("风险代理协议")
    expect(page.locator("#agreement-terms")).to_contain_text("零预付")
    page.click("#send-agreement")
    expect(page.locator("#agreement-state")).to_contain_text("已发送待签")
    shots(page, "agreement-sent")

    _log_in(page, base, "client")
    page.goto(f"{base}/cases/{case.pk}/agreement/")
    page.click("#send-code")
    expect(page.locator("body")).to_contain_text("验证码已发送")
    code = re.search(r"验证码：(\d{6})", mailoutbox[-1].body).group(1)  # type: ignore[union-attr]
    page.fill("input[name=typed_name]", "王建华")
    page.fill("input[name=code]", code)
    shots(page, "signing")
    page.click("#sign-agreement")
    expect(page.locator("#agreement-state")).to_contain_text("已签署")
    expect(page.locator("#signed")).to_contain_text("王建华")
    shots(page, "signed")

    _log_in(page, base, "lawyer")
    page.goto(f"{base}/cases/{case.pk}/")
    panel = page.locator("#strategy-panel")
    # On the immediate tasks backend the first step (lawyer's letter) ran at once through the
    # contact gate (cleared, or skipped with the gate's reasons at night); the next one
    # (payment order) is scheduled, and the panel says why.
    expect(panel).to_contain_text(re.compile("律师函 · (已获准，待执行|已跳过)"))
    expect(panel.locator(".next-step")).to_contain_text("申请支付令")
    expect(panel).to_contain_text("逾期超过 180 天转司法途径")
    shots(page, "first-step")
    page.goto(f"{base}/strategy/")
    expect(page.locator("#arms")).to_contain_text("司法途径")  # the playbook in words
    shots(page, "strategy-dashboard")


def test_over_cap_schedule_refuses_the_agreement(
    page: Any, live_server: Any, world: World, shots: Shots
) -> None:
    from qingqian.cases.services import case_transition
    from qingqian.fees.models import FeeScheduleRow
    from qingqian.fees.presets import pricing_fields
    from qingqian.fees.rules import LAW_FIRM_SCHEDULE

    base = live_server.url
    lawyer, _client = _people(world)
    case = _case(
        world, lawyer, due=_today() - dt.timedelta(days=60), name="相城物流有限公司", n=302
    )
    case_transition(case=case, actor=lawyer, to_state="evidence_review")
    case_transition(case=case, actor=lawyer, to_state="accepted")
    fields = pricing_fields(LAW_FIRM_SCHEDULE) | {
        "key": "greedy-firm",
        "valid_from": dt.date(2026, 6, 1),  # after the preset: the schedule in force
        "bands": {
            "default": {"mode": "flat", "bands": [{"up_to": None, "rate": "0.30"}]},
            "by_debt_type": {},
        },
    }
    FeeScheduleRow.objects.create(**fields)
    _log_in(page, base, "lawyer")
    page.goto(f"{base}/cases/{case.pk}/agreement/")
    page.click("#draft-agreement")
    body = page.locator("body")
    expect(body).to_contain_text("超过律师风险代理收费上限")  # the reason in words, no code
    expect(page.locator("#agreement-terms")).to_have_count(0)
    shots(page, "over-cap-refused")


def test_limitation_expired_report_recommends_against_litigation(
    page: Any, live_server: Any, world: World, shots: Shots
) -> None:
    base = live_server.url
    lawyer, _client = _people(world)
    case = _case(world, lawyer, due=dt.date(2020, 3, 1), name="昆山旧账贸易有限公司", n=303)
    _log_in(page, base, "lawyer")
    _complete_intake(page, base, case, shots)
    page.goto(f"{base}/cases/{case.pk}/feasibility/")
    body = page.locator("body")
    expect(body).to_contain_text("诉讼时效")
    expect(body).to_contain_text("不建议起诉")
    shots(page, "limitation-expired")
