"""Issue 18's "done means", end to end on the demo data in the browser: a demo case in
negotiation enters mediation → the matched mediator (first of the matching, with reasons) →
a session → a counter-proposal in installments accepted by both sides → the agreement,
signed by both sides with one-time codes sent to their phones and by the mediator → the
judicial confirmation application → the court's ruling recorded → the plan runs: it is the
case's active plan, the case is in 还款计划, the balance is due by the plan and a payment of
the first installment is recorded against it. Then the figures and the roster, and the
mediation pages in Chinese and in English at 390 px with no raw codes or unformatted money."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest

from tests.guide.conftest import Demo
from tests.guide.journeys import require_browser

expect = require_browser()

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

#: Stored codes that must never reach a page: in Chinese no English word at all, in English
#: no code with an underscore.
RAW_ZH = re.compile(r"\b(requested|assigned|agreed|failed|signing|signed|in_person|video|filed|"
                    r"confirmed|rejected|creditor|debtor|kunshan|suzhou|mandarin)\b")  # fmt: skip
RAW_EN = re.compile(r"\b[a-z]+_[a-z_]+\b")


def _a_demo_case_to_mediate(demo: Demo) -> Any:
    """A demo case in negotiation, never mediated, owing money, both sides with a phone."""
    from qingqian.cases.models import Case
    from qingqian.mediation.selectors import debtor_of

    for case in (
        Case.objects.filter(organisation=demo.org, state="negotiation", mediations__isnull=True)
        .select_related("creditor")
        .order_by("pk")
    ):
        if case.outstanding > 1000 and case.creditor.phone_enc and debtor_of(case).phone_enc:
            return case
    raise AssertionError("the demo has no case in negotiation to mediate")


def _no_raw(text: str, raw: re.Pattern[str]) -> None:
    assert not raw.search(text), raw.search(text)
    assert not re.search(r"\d{5,}\.\d{2}", text), "money without thousands separators"


def test_demo_case_from_mediation_to_a_running_plan(
    page: Any, phone: Any, demo: Demo, sms: Any
) -> None:
    from qingqian.common import clock
    from qingqian.litigation.models import Proceeding
    from qingqian.mediation import services
    from qingqian.mediation.models import Mediation
    from qingqian.negotiation.models import InstallmentPlan, VersionState

    case = _a_demo_case_to_mediate(demo)
    best = services.mediation_match(case)[0].candidate
    base = demo.base
    for tab in (page, phone):  # a shared 2-core machine: give slow pages time
        tab.set_default_timeout(45_000)
    demo.log_in(page, "mediator")

    # the case page recommends the best match, with reasons; the mediation page opens it
    page.goto(f"{base}/cases/{case.pk}/")
    panel = page.locator("#mediation-panel")
    expect(panel.locator("ol li").first).to_contain_text(best.name)
    panel.get_by_role("link", name="打开调解页").click()
    page.wait_for_url(f"{base}/cases/{case.pk}/mediation/")
    first = page.locator("#match-table tbody tr").first
    expect(first).to_contain_text(best.name)
    first.get_by_role("button", name="进入调解并指定").click()
    expect(page.locator("main")).to_contain_text("已进入调解并指定调解员")
    m = Mediation.objects.get(case=case)
    assert m.mediator_id == best.id and m.state == "assigned"

    # a session, the creditor's proposal, the debtor's counter in six installments, accepted
    form = page.locator("#session-form")
    form.locator("select[name=mode]").select_option("in_person")
    now = clock.now().astimezone(clock.BUSINESS_TZ)
    form.locator("input[name=at]").fill(now.strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=place]").fill("昆山市周市镇人民调解委员会")
    form.locator("input[name=participants]").fill("债权人代表、债务人、调解员")
    form.locator("textarea[name=minutes]").fill("债务人承认欠款，请求分期。")
    form.get_by_role("button", name="记录调解会").click()
    expect(page.locator("#sessions li")).to_have_count(1)
    owed = case.outstanding
    agreed = (owed * Decimal("0.95")).quantize(Decimal("1"))
    form = page.locator("#proposal-form")
    form.locator("select[name=side]").select_option("creditor")
    form.locator("input[name=amount]").fill(f"{owed:.2f}")
    form.locator("input[name=pay_by]").fill((clock.today() + dt.timedelta(days=20)).isoformat())
    form.get_by_role("button", name="记录方案").click()
    expect(page.locator("#proposals tbody tr")).to_have_count(1)
    start = (clock.today().replace(day=1) + dt.timedelta(days=32)).strftime("%Y-%m")
    form = page.locator("#proposal-form")
    form.locator("select[name=side]").select_option("debtor")
    form.locator("input[name=amount]").fill(f"{agreed:,}")
    form.locator("input[name=months]").fill("6")
    form.locator("input[name=start]").fill(start)
    form.locator("select[name=counter_to]").select_option(index=1)
    form.get_by_role("button", name="记录方案").click()
    expect(page.locator("#proposals tbody tr")).to_have_count(2)
    expect(page.locator("#proposals")).to_contain_text(f"¥{agreed:,.2f}")
    page.locator("#proposals tbody tr").nth(1).get_by_role("button", name="双方接受").click()

    # the agreement: every element present, then drafted
    form = page.locator("#agreement-form")
    form.locator("textarea[name=facts]").fill("债务人拖欠货款，经多次催告未付。")
    form.locator("input[name=disputed]").fill("欠款金额与付款期限")
    form.locator("input[name=method]").fill("银行转账至债权人指定账户")
    form.locator("input[name=place]").fill("江苏省昆山市")
    form.get_by_role("button", name="起草（先检查必备内容）").click()
    expect(page.locator("#signatures")).to_be_visible()

    # both sides sign with a code sent to their own phone, then the mediator
    for side, name in (("creditor", "委托人代表"), ("debtor", "债务人本人")):
        page.locator("#code-form select[name=side]").select_option(side)
        page.locator("#code-form").get_by_role("button", name="发送验证码").click()
        expect(page.locator("main")).to_contain_text("验证码已发送")
        sign = page.locator("#party-sign-form")
        sign.locator("select[name=side]").select_option(side)
        sign.locator("input[name=typed_name]").fill(name)
        sign.locator("input[name=code]").fill(sms.code())
        sign.get_by_role("button", name="当事人签署").click()
        expect(page.locator("#signatures")).to_contain_text(name)
    page.locator("#mediator-sign-form input[name=typed_name]").fill(best.name)
    page.locator("#mediator-sign-form").get_by_role("button", name="调解员签署").click()
    expect(page.locator("#agreement")).to_contain_text("已签署生效")

    # judicial confirmation: the joint application, then the court's ruling
    form = page.locator("#confirmation-form")
    form.locator("input[name=court]").fill("昆山市人民法院")
    form.get_by_role("button", name="提交司法确认申请").click()
    expect(page.locator("#ruling-form")).to_be_visible()
    form = page.locator("#ruling-form")
    form.locator("input[name=ruling_on]").fill(clock.today().isoformat())
    form.locator("input[name=case_number]").fill(f"({clock.today().year})苏0583民特321号")
    form.get_by_role("button", name="记录裁定").click()
    expect(page.locator("#confirmation-state")).to_contain_text("裁定确认有效")
    assert Proceeding.objects.get(case=case, kind="judicial_confirmation").outcome == "confirmed"
    _no_raw(page.inner_text("main"), RAW_ZH)

    # the plan runs: the case's active plan, the case in 还款计划, due by the plan
    plan = InstallmentPlan.objects.get(active_case=case)
    version = plan.versions.get(state=VersionState.ACTIVE)
    assert version.installments.count() == 6
    first_due = version.installments.order_by("number").first()
    assert first_due is not None
    page.goto(f"{base}/cases/{case.pk}/")
    expect(page.locator("h1")).to_contain_text("分期还款")
    expect(page.locator(f"#plan-version-{version.pk}")).to_contain_text(f"¥{agreed:,.2f}")
    expect(page.locator("#case-balance")).to_contain_text("按还款计划")
    # and is paid on: the first installment recorded against it
    form = page.locator("#payment-form")
    form.locator("input[name=amount]").fill(f"{first_due.amount}")
    form.get_by_role("button", name="登记回款").click()
    expect(page.locator("#payments-panel table.payments tbody")).to_contain_text(
        f"{first_due.amount:,.2f}"
    )
    expect(page.locator("#case-balance")).to_contain_text("按还款计划")

    # the figures count it; the mediation page in English on a phone, in words
    page.goto(f"{base}/reports/mediation/")
    for figure in ("#agreement-rate", "#median-days", "#agreement-days", "#confirmation-rate"):
        assert page.inner_text(figure).strip()[0] != "—", figure
    _no_raw(page.inner_text("main"), RAW_ZH)
    page.goto(f"{base}/mediation/roster/")
    expect(page.locator("#collector-speech")).to_contain_text("昆山话")
    _no_raw(page.inner_text("main"), RAW_ZH)
    demo.log_in(phone, "mediator")
    phone.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    phone.goto(f"{base}/cases/{case.pk}/mediation/")
    expect(phone.locator("#confirmation-state")).to_be_visible()
    text = phone.inner_text("main")
    assert "Judicial confirmation" in text or "judicial confirmation" in text
    _no_raw(text, RAW_EN)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 400
    for path in ("/reports/mediation/", "/mediation/roster/"):
        phone.goto(f"{base}{path}")
        _no_raw(phone.inner_text("main"), RAW_EN)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 400, path
