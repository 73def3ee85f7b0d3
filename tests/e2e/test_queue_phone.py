"""The collector's day on the demo data at phone size (issue 19, h19t): the work queue fits
390 px (each debtor a card, no sideways scrolling), and a debtor with only a fixed line gets
no "Send SMS" button to press, with the reason beside it.

Screenshots go to test-results/e2e/ (git-ignored)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import CHROMIUM, Shots, log_in, use_demo_providers

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

DEMO_PASSWORD = "qingqian-demo"


@pytest.fixture
def demo(transactional_db: Any, settings: Any) -> Any:
    from qingqian.accounts.models import Organisation
    from qingqian.common import clock
    from qingqian.demo.catalogue import ORG_CODE
    from qingqian.demo.generator import load_demo
    from qingqian.scoring.services import rescore_organisation
    from tests.support import reseed_reference_data

    use_demo_providers(settings)
    reseed_reference_data()
    result = load_demo(cases=120)
    # scored as `qingqian load-demo` does after loading
    rescore_organisation(Organisation.objects.get(short_code=ORG_CODE).pk, at=clock.today())
    return result


def _log_in(page: Any, base: str, username: str) -> None:
    log_in(page, base, username, DEMO_PASSWORD)


def _fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > 391).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' +"
        " Math.round(e.getBoundingClientRect().right) + ' ' + e.textContent.slice(0, 40))"
    )
    assert width <= 390, f"the page scrolls sideways: {width} px: {wide}"


def _landline_case() -> tuple[Any, Any]:
    """An open case of the collector's whose debtor has only a fixed line."""
    from qingqian.cases.models import Case

    for case in Case.objects.filter(
        state__in=["negotiation", "payment_plan", "accepted"], handler__username="collector"
    ).order_by("pk"):
        for cp in case.case_parties.filter(role="debtor").select_related("party"):
            if cp.party.phone_kind == "landline":
                return case, cp.party
    pytest.skip("the demo portfolio has no open case with a fixed-line debtor")


def test_the_queue_fits_a_phone_and_sms_is_not_offered_to_a_fixed_line(
    live_server: Any, demo: Any, phone: Any, shots: Shots
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    _log_in(phone, base, "collector")
    phone.goto(f"{base}/queue/")
    rows = phone.locator("table.radar-queue tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() > 1
    _fits(phone)
    # each debtor a card: the figures are labelled, within the screen
    first = rows.first
    box = first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    label = first.locator("td.num").first.evaluate("el => getComputedStyle(el, '::before').content")
    assert "余额" in label, label
    shots(phone, "queue-390")
    # the filters stack and stay usable
    phone.fill("#queue-filters input[name=q]", "有限公司")
    with phone.expect_navigation(wait_until="load"):
        phone.locator("#queue-filters").get_by_role("button", name="筛选").click()
    expect(phone.locator("#queue-filters input[name=q]")).to_have_value("有限公司")
    _fits(phone)
    shots(phone, "queue-390-filtered")

    case, party = _landline_case()
    phone.goto(f"{base}/cases/{case.pk}/#contact-actions")
    sms = phone.locator(f"#desk-sms-{party.pk}")
    button = sms.get_by_role("button", name="发送短信")
    expect(button).to_be_disabled()
    expect(sms.locator(f"#desk-sms-why-{party.pk}")).to_contain_text("固定电话")
    expect(sms.locator(f"#desk-sms-why-{party.pk}")).to_be_visible()
    width = phone.evaluate("document.querySelector('#contact-actions').scrollWidth")
    assert width <= 390, width
    shots(phone, "desk-landline-390")
