"""Browser journeys: Playwright (sync API) driving Debian's Chromium against ``live_server``.

Playwright's sync API keeps an asyncio loop running in the test thread, so Django refuses
ORM calls from that thread unless ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set. It must be set before
anything touches the database, hence first thing here.
"""

from __future__ import annotations

import os
import re

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHROMIUM  # noqa: F401 (imported by the journeys)

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "test-results" / "e2e"
PASSWORD = "journey-pw-only-for-tests"


def use_demo_providers(settings: Any) -> None:
    """What ``make demo`` (QINGQIAN_DEMO=1) sets: SMS and e-mail to the demo outbox, the fake
    WeChat Pay, the demo's trust account (settings.py, h19b)."""
    settings.QINGQIAN_DEMO = True
    settings.QINGQIAN_CONTACT_ADAPTERS = {
        "sms": "qingqian.outbox.adapters.OutboxSmsAdapter",
        "email": "qingqian.outbox.adapters.OutboxEmailAdapter",
    }
    settings.PORTAL_FAKE_PROVIDER = True
    settings.QINGQIAN_TRUST_ACCOUNT = {
        "name": "苏州清欠商事调解服务中心客户资金专户（演示）",
        "bank": "演示银行苏州工业园区支行",
        "number": "3202 0000 0000 0000 000（演示账号）",
    }


@pytest.fixture(autouse=True)
def _immediate_tasks(settings: Any) -> None:
    """Import jobs run inside the upload request, so the result page is final at once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    p = context.new_page()
    try:
        yield p
    finally:
        context.close()


class Shots:
    """Numbered full-page screenshots in test-results/e2e/ (git-ignored)."""

    def __init__(self, prefix: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.n = 0

    def __call__(self, page: Any, name: str) -> Path:
        self.n += 1
        path = SHOTS / f"{self.prefix}-{self.n:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        # A full-page shot stretches the emulated screen and then puts it back. Once in CI
        # (a loaded machine, a phone context at scale 2) every later tap on that page landed
        # beside its target until the test timed out; setting the viewport again re-applies
        # the context's size, scale and mobile flag, so the next step sees the phone again.
        if page.viewport_size:
            page.set_viewport_size(page.viewport_size)
        return path


def verify_offline(*args: str) -> Any:
    """Run the standalone ``qingqian-verify`` (the installed script, else the module) on a
    downloaded file: the completed process."""
    import subprocess
    import sys

    verifier = Path(sys.executable).with_name("qingqian-verify")
    command = (
        [str(verifier)]
        if verifier.exists()
        else [sys.executable, "-m", "qingqian.ledger.verify_cli"]
    )
    return subprocess.run(  # noqa: S603
        [*command, *args], capture_output=True, text=True, check=False
    )


def log_in(page: Any, base: str, username: str, password: str) -> None:
    """Sign in through the login form, as a person does, and wait for the home page."""
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(request.node.name)


@dataclass
class World:
    org: Any
    agent: Any
    creditor: Any
    password: str


@pytest.fixture
def world(transactional_db: Any) -> World:
    """An organisation, an intake agent and one client creditor, made with the real code."""
    from qingqian.accounts.models import Organisation, User
    from qingqian.parties.services import party_create
    from tests.support import make_uscc, reseed_reference_data

    reseed_reference_data()  # an earlier browser test's flush removed the migrations' rows
    org = Organisation.objects.create(name="苏州清欠商事调解中心", short_code="e2e")
    agent = User.objects.create_user(
        username="agent",
        password=PASSWORD,
        first_name="小王",
        organisation=org,
        role="intake_agent",
    )
    creditor = party_create(
        organisation=org,
        actor=None,
        kind="company",
        name="苏州园区精密电子有限公司",
        credit_code=make_uscc(1),
        city="苏州市",
        district="苏州工业园区",
    )
    creditor.is_client = True
    creditor.save(update_fields=["is_client"])
    return World(org=org, agent=agent, creditor=creditor, password=PASSWORD)


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A page at phone size (390×844, touch), in Chinese and Suzhou's time zone."""
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


class SmsOutbox:
    """The SMS adapter of the browser journeys: keeps what was sent (the one-time codes)."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send(self, attempt: Any, message: Any) -> Any:
        from qingqian.contact.channels.base import Delivery

        self.sent.append(message)
        return Delivery(channel="sms", provider_ref=f"e2e-{len(self.sent)}")

    def code(self) -> str:
        """The six digits of the last one-time code sent."""
        match = re.search(r"验证码 (\d{6})", self.sent[-1].body)
        assert match, self.sent[-1].body
        return match.group(1)


@pytest.fixture
def sms() -> Iterator[SmsOutbox]:
    from qingqian.contact.channels.base import use_adapter

    outbox = SmsOutbox()
    with use_adapter("sms", outbox):
        yield outbox
