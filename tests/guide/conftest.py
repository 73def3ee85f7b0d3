"""The guide journeys: each role's steps as the user guide describes them, on the demo data.

Each journey loads the demo portfolio (``qingqian load-demo``, a small one), signs in with a
demo login and walks the steps its guide page describes, calling ``guide_shot`` where the
guide shows a picture. A change to the UI that breaks a described step fails here, and the
pictures follow the product (docs/decisions/0007-guide-screenshots.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.conftest import (  # the browser fixtures, shared with tests/e2e
    _immediate_tasks,  # noqa: F401
    page,  # noqa: F401
    phone,  # noqa: F401
    sms,  # noqa: F401
)

DEMO_CASES = 80


@dataclass
class Demo:
    base: str
    org: Any
    password: str
    log_in: Callable[[Any, str], None]


@pytest.fixture
def demo(transactional_db: Any, live_server: Any) -> Demo:
    """The demo organisation and its logins (``qingqian load-demo --cases 80``)."""
    from django.core.management import call_command

    from qingqian.accounts.models import Organisation
    from qingqian.demo import catalogue
    from tests.support import reseed_reference_data

    reseed_reference_data()  # an earlier browser test's flush removed the migrations' rows
    call_command("load-demo", "--cases", str(DEMO_CASES), "--json", stdout=_Null())
    base = live_server.url

    def log_in(tab: Any, username: str) -> None:
        tab.context.clear_cookies()
        tab.goto(f"{base}/login/")
        tab.fill("#id_username", username)
        tab.fill("#id_password", catalogue.PASSWORD)
        tab.get_by_role("button", name="登录").click()
        tab.wait_for_url(f"{base}/")

    return Demo(
        base=base,
        org=Organisation.objects.get(short_code=catalogue.ORG_CODE),
        password=catalogue.PASSWORD,
        log_in=log_in,
    )


class _Null:
    def write(self, _text: str) -> None:
        pass

    def flush(self) -> None:
        pass
