"""Guide journey — one's own account (guide/zh/account.md): the demo administrator signs in
with the password and then the authenticator's code, opens "账户安全", the password change
page, and the reset page a forgotten password starts from. Two-factor is enforced here, as in
production (``two_factor``)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.guide.conftest import Demo
from tests.guide.journeys import require_browser
from tests.guide.shots import guide_shot

expect = require_browser()

pytestmark = [pytest.mark.e2e, pytest.mark.two_factor, pytest.mark.django_db(transaction=True)]


def _demo_code() -> str:
    from django_otp.oath import TOTP

    from qingqian.demo.twofactor import demo_key_hex

    key = bytes.fromhex(demo_key_hex())
    return f"{TOTP(key).token():06d}"


def test_account_guide(page: Any, demo: Demo) -> None:
    base = demo.base
    page.context.clear_cookies()

    # Forgotten password (account.md#password-reset)
    page.goto(f"{base}/login/")
    page.get_by_role("link", name="忘记密码？").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    guide_shot(page, "account/password-reset")

    # Password, then the authenticator's code (account.md#two-factor)
    page.goto(f"{base}/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", demo.password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/account/2fa/verify/**")
    guide_shot(page, "account/verify")
    page.fill("#id_code", _demo_code())
    page.get_by_role("button", name="验证").click()
    page.wait_for_url(f"{base}/")

    # Account security (#security) and changing the password (#password)
    page.locator("a.who").click()
    expect(page.locator("main")).to_contain_text("您的角色必须使用两步验证")
    guide_shot(page, "account/security")
    page.get_by_role("link", name="修改密码").click()
    expect(page.locator("input[type=password]").first).to_be_visible()
    guide_shot(page, "account/password-change")
