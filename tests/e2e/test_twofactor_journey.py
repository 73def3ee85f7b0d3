"""Staff two-factor in Chromium: a compliance officer is sent to enrol (QR code drawn on the
server, no CSP violation), confirms a code and gets backup codes; an administrator enrolled
with the demo's published secret signs in with a code. Screenshots in zh, en and at 390 px."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import CHROMIUM, PASSWORD, Shots, World

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is absent", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="Python playwright is not installed")

from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.two_factor, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def _code(device: Any) -> str:
    from django_otp.oath import TOTP

    device.refresh_from_db()
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return f"{token:06d}"


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("button[type=submit].primary").click()


def test_enrol_then_verify_in_the_browser(
    live_server: Any, page: Any, browser: Any, world: World, shots: Shots
) -> None:
    from qingqian.accounts import twofactor
    from qingqian.accounts.models import User
    from qingqian.demo.twofactor import demo_key_hex

    officer = User.objects.create_user(
        username="hegui", password=PASSWORD, organisation=world.org, role="compliance"
    )
    admin = User.objects.create_user(
        username="guanli", password=PASSWORD, organisation=world.org, role="admin"
    )
    demo_device = twofactor.enrol_with_secret(admin, demo_key_hex())
    base = live_server.url
    page.add_init_script(WATCH)

    _sign_in(page, base, officer.username)
    page.wait_for_url(f"{base}/account/2fa/enrol/**")
    expect(page.locator(".qr svg")).to_be_visible()
    shots(page, "enrol-zh")
    page.goto(f"{base}/cases/")
    page.wait_for_url(f"{base}/account/2fa/enrol/**")  # nothing else until enrolled
    device = twofactor.pending_enrolment(officer)
    page.fill("#id_code", _code(device))
    page.get_by_role("button", name="确认绑定").click()
    expect(page.locator(".backup-codes li")).to_have_count(10)
    shots(page, "backup-codes-zh")
    page.get_by_role("link", name="我已保存，继续").click()
    page.wait_for_url(f"{base}/cases/")  # where the officer was going
    assert page.evaluate("window.__csp") == []

    # The administrator, enrolled with the demo's published secret, in English at 390 px.
    phone = browser.new_context(
        locale="en-GB", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844}
    )
    try:
        mobile = phone.new_page()
        mobile.add_init_script(WATCH)
        mobile.goto(f"{base}/login/")
        mobile.locator("form.lang button").click()
        _sign_in(mobile, base, admin.username)
        mobile.wait_for_url(f"{base}/account/2fa/verify/**")
        expect(mobile.locator("h1")).to_have_text("Two-factor authentication")
        mobile.fill("#id_code", "000000")
        mobile.get_by_role("button", name="Verify").click()
        expect(mobile.locator(".error")).to_contain_text("Wrong code")
        shots(mobile, "verify-wrong-en-390")
        mobile.wait_for_timeout(1100)  # django-otp: one second after a wrong code
        mobile.fill("#id_code", _code(demo_device))
        mobile.get_by_role("button", name="Verify").click()
        mobile.wait_for_url(f"{base}/")
        mobile.goto(f"{base}/account/")
        expect(mobile.locator("main")).to_contain_text("Your role must use two-factor")
        shots(mobile, "security-en-390")
        width = mobile.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        assert mobile.evaluate("window.__csp") == []
    finally:
        phone.close()
