"""Browser journeys of the judicial route.

1. A lawyer takes a case more than 180 days overdue to court by payment order: finds it with
   the 180-day filter, moves it to litigation, drafts and finalises the application, records
   the order as served and tracks the objection window on the case, the dashboard and the
   calendar.
2. A suit through judgment: the appeal window passes, the judgment takes effect, the case
   goes to enforcement and the money the court pays over is posted as a payment.

Dates are relative to the day the test runs; the expected last days come from the
court-deadline calculator (tested with fixed dates in tests/calculators)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import Shots, World, log_in

pytestmark = pytest.mark.e2e


def _setup(world: World, *, overdue_days: int, state_path: list[str]) -> tuple[Any, Any]:
    from qingqian.accounts.models import User
    from qingqian.cases.services import InvoiceInput, case_open, case_transition
    from qingqian.common import clock
    from qingqian.parties.services import party_create
    from tests.support import make_uscc

    lawyer = User.objects.create_user(
        username="lawyer", password=world.password, organisation=world.org, role="lawyer",
        first_name="文涛", last_name="顾",
    )  # fmt: skip
    debtor = party_create(
        organisation=world.org, actor=None, kind="company", name="姑苏文旅酒店管理有限公司",
        credit_code=make_uscc(77), city="苏州市", district="姑苏区",
    )  # fmt: skip
    due = clock.today() - dt.timedelta(days=overdue_days)
    case = case_open(
        organisation=world.org, actor=lawyer, creditor=world.creditor, debtors=[debtor],
        debt_type="trade", channel="web",
        invoices=[InvoiceInput("J-001", Decimal("86000.00"), due - dt.timedelta(days=30), due)],
    )  # fmt: skip
    for state in state_path:
        case = case_transition(case=case, to_state=state, actor=lawyer)
    return lawyer, case


def _login(page: Any, base: str, world: World) -> None:
    log_in(page, base, "lawyer", world.password)


def test_payment_order_and_its_objection_window(
    live_server: Any, page: Any, world: World, shots: Shots
) -> None:
    from qingqian.calculators import court_deadline
    from qingqian.cases.models import TimelineEvent
    from qingqian.common import clock
    from qingqian.litigation.models import LitigationDocument

    _, case = _setup(
        world, overdue_days=200, state_path=["evidence_review", "accepted", "negotiation"]
    )
    base = live_server.url
    _login(page, base, world)
    page.goto(f"{base}/cases/?judicial=1")
    page.get_by_role("link", name=case.reference).click()
    page.locator("select[name=to_state]").select_option("litigation")
    page.get_by_role("button", name="确认").click()
    page.wait_for_url(f"{base}/cases/{case.pk}/")

    panel = page.locator("#litigation-panel")
    panel.get_by_label("文书").select_option("payment_order_application")
    panel.get_by_role("button", name="生成草稿").click()
    page.locator("#litigation-panel .documents").wait_for()
    assert "支付令申请书" in page.locator("#litigation-panel .documents").inner_text()
    page.once("dialog", lambda d: d.accept())
    page.locator("#litigation-panel").get_by_role("button", name="定稿并记入案件日志").click()
    page.locator("#litigation-panel .documents code").wait_for()
    doc = LitigationDocument.objects.get(case=case)
    assert doc.final and TimelineEvent.objects.filter(note__contains=doc.sha256).exists()

    today = clock.today()
    # served about ten days ago: pick the day whose window ends within the 7-day warning
    # (inside a long holiday no such day exists: then only the "later" state is checked)
    due_soon = False
    for back in range(15, 0, -1):
        served = today - dt.timedelta(days=back)
        expected = court_deadline("payment_order_objection", start=served)["deadline"]
        if 0 <= (expected - today).days <= 7:
            due_soon = True
            break
    page.locator("#litigation-panel .proceeding-new summary").click()
    form = page.locator("#proceeding-new-form")
    form.get_by_label("程序").select_option("payment_order")
    form.get_by_label("法院", exact=True).fill("苏州市姑苏区人民法院")
    form.get_by_label("法院案号").fill(f"({today.year})苏0508民督12号")
    form.get_by_label("立案申请日").fill((today - dt.timedelta(days=20)).isoformat())
    form.get_by_label("送达日").fill(served.isoformat())
    form.get_by_role("button", name="登记").click()
    row = page.locator("#litigation-panel tr[data-kind=payment_order_objection]")
    row.wait_for()
    assert "支付令异议期" in row.inner_text()
    assert expected.isoformat() in row.inner_text()
    assert ("即将届满" in row.inner_text()) is due_soon
    assert "第二百二十六条" in row.inner_text()
    # the filing interrupted the limitation period: the reason is on the page
    assert "起诉、申请支付令或保全" in page.locator("#limitation-reason").inner_text()
    shots(page, "case-objection-window")

    page.goto(f"{base}/")
    assert (case.reference in page.locator("#deadlines-due-soon").inner_text()) is due_soon
    page.goto(f"{base}/deadlines/")
    assert expected.isoformat() in page.locator("#deadline-calendar").inner_text()
    shots(page, "calendar")


def test_suit_judgment_appeal_window_enforcement_and_recovery(
    live_server: Any, page: Any, world: World, shots: Shots
) -> None:
    from qingqian.calculators import court_deadline
    from qingqian.common import clock
    from qingqian.litigation.models import Proceeding
    from qingqian.payments.models import Payment

    _, case = _setup(
        world, overdue_days=400,
        state_path=["evidence_review", "accepted", "negotiation", "litigation"],
    )  # fmt: skip
    base = live_server.url
    _login(page, base, world)
    page.goto(f"{base}/cases/{case.pk}/")
    today = clock.today()
    page.locator("#litigation-panel .proceeding-new summary").click()
    form = page.locator("#proceeding-new-form")
    form.get_by_label("程序").select_option("first_instance")
    form.get_by_label("法院", exact=True).fill("苏州市姑苏区人民法院")
    form.get_by_label("法院案号").fill(f"({today.year})苏0508民初1234号")
    form.get_by_label("立案申请日").fill((today - dt.timedelta(days=90)).isoformat())
    form.get_by_label("送达日").fill((today - dt.timedelta(days=80)).isoformat())
    form.get_by_role("button", name="登记").click()
    page.locator("#litigation-panel tr[data-kind=answer]").wait_for()
    suit = Proceeding.objects.get(case=case)

    # judgment served 30 days ago: the appeal window has passed
    served = today - dt.timedelta(days=30)
    appeal_by = court_deadline("appeal_judgment", start=served)["deadline"]
    assert appeal_by < today
    page.locator(f"#proceeding-{suit.pk} details summary").first.click()
    edit = page.locator(f"#proceeding-edit-{suit.pk}")
    edit.get_by_label("判决/裁定日").fill((today - dt.timedelta(days=33)).isoformat())
    edit.get_by_label("判决/裁定送达日").fill(served.isoformat())
    edit.get_by_label("结果").select_option("won")
    edit.get_by_label("判决本金").fill("86000.00")
    edit.get_by_role("button", name="保存并重算期限").click()
    appeal = page.locator("#litigation-panel tr[data-kind=appeal_judgment]")
    appeal.wait_for()
    assert appeal_by.isoformat() in appeal.inner_text() and "已逾期" in appeal.inner_text()
    shots(page, "appeal-window-passed")

    # no appeal: the judgment took effect the day after the window, 10 days to pay
    effective = appeal_by + dt.timedelta(days=1)
    pay_by = effective + dt.timedelta(days=10)
    page.locator(f"#proceeding-{suit.pk} details summary").first.click()
    edit = page.locator(f"#proceeding-edit-{suit.pk}")
    edit.get_by_label("生效日").fill(effective.isoformat())
    edit.get_by_label("履行期限最后一日").fill(pay_by.isoformat())
    edit.get_by_role("button", name="保存并重算期限").click()
    window = page.locator("#litigation-panel tr[data-kind=enforcement]")
    window.wait_for()
    enforce_by = court_deadline("enforcement", start=pay_by)["deadline"]
    assert enforce_by.isoformat() in window.inner_text()

    page.locator("select[name=to_state]").select_option("enforcement")
    page.get_by_role("button", name="确认").click()
    page.wait_for_url(f"{base}/cases/{case.pk}/")
    page.locator("#litigation-panel .proceeding-new summary").click()
    form = page.locator("#proceeding-new-form")
    form.get_by_label("程序").select_option("enforcement")
    form.get_by_label("法院", exact=True).fill("苏州市姑苏区人民法院")
    form.get_by_label("法院案号").fill(f"({today.year})苏0508执88号")
    form.get_by_label("立案申请日").fill((today - dt.timedelta(days=2)).isoformat())
    form.get_by_role("button", name="登记").click()
    page.locator("#litigation-panel .case-number", has_text="执88号").wait_for()
    enforcement = Proceeding.objects.get(case=case, kind="enforcement")

    page.locator(f"#proceeding-{enforcement.pk} details summary", has_text="法院执行款").click()
    recovery = page.locator(f"#recovery-{enforcement.pk}")
    recovery.get_by_label("金额（元）").fill("30000")
    recovery.get_by_label("到账日").fill(today.isoformat())
    recovery.get_by_label("法院划款凭证号").fill("ZX-2026-0001")
    recovery.get_by_role("button", name="入账").click()
    page.locator("#litigation-panel .flash, #litigation-panel .error", has_text="入账").wait_for()
    assert not page.locator("#litigation-panel .error").count(), page.locator(".error").inner_text()
    payment = Payment.objects.get(case=case)
    assert payment.kind == "court" and payment.amount == Decimal("30000.00")
    page.goto(f"{base}/cases/{case.pk}/")
    assert "30,000.00" in page.locator("#payments-panel").inner_text()
    assert "法院执行款" in page.locator("#payments-panel").inner_text()
    shots(page, "court-recovery")
