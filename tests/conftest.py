from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine

os.environ.setdefault("QINGQIAN_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")


def suite_settings(media_root: Path, *, two_factor: bool = False) -> dict[str, Any]:
    """The settings every test runs with (and data a fixture loads once for a whole module)."""
    values: dict[str, Any] = {
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "MEDIA_ROOT": media_root,
        "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        # The server runs at the frozen instant while the browser keeps the real calendar:
        # cookies without an expiry date, so a browser years "ahead" never drops them.
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "CSRF_COOKIE_AGE": None,
    }
    # Staff two-factor is enforced only in tests about it (``@pytest.mark.two_factor``): the
    # rest of the suite signs administrators and compliance officers in with force_login.
    if not two_factor:
        values["QINGQIAN_2FA_REQUIRED_ROLES"] = []
    return values


# The PostgreSQL pass of CI (``QINGQIAN_TEST_DATABASE_ONLY=1``, docs/testing.md) runs only the
# tests the database can change: the others ran on SQLite already, and would run the same code
# the same way again. A test "can" when it is marked ``django_db``, asks for a fixture that
# opens the database, or sits in a module that starts processes (they may open the database
# named in the environment). Every other test is refused the database by pytest-django.
_DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback",
     "live_server", "admin_user", "admin_client", "django_user_model"}
)  # fmt: skip
_STARTS_PROCESSES = re.compile(r"\bsubprocess\b|\bPopen\b|\bos\.system\b|tests\.ops\.procs")


def _can_meet_the_database(item: pytest.Item, modules: dict[str, bool]) -> bool:
    if item.get_closest_marker("django_db") or _DATABASE_FIXTURES & set(
        getattr(item, "fixturenames", ())
    ):
        return True
    path = str(item.path)
    if path not in modules:
        modules[path] = bool(_STARTS_PROCESSES.search(item.path.read_text(encoding="utf-8")))
    return modules[path]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("QINGQIAN_TEST_DATABASE_ONLY") != "1":
        return
    modules: dict[str, bool] = {}
    keep = [item for item in items if _can_meet_the_database(item, modules)]
    if len(keep) < len(items):
        chosen = set(map(id, keep))
        config.hook.pytest_deselected(items=[i for i in items if id(i) not in chosen])
        items[:] = keep


@pytest.fixture(scope="session", autouse=True)
def _static_files_listed_once(request: pytest.FixtureRequest) -> Iterator[None]:
    """WhiteNoise lists every static file when its middleware is made, as a server does once
    at start (about 50 ms here); the test client makes the middleware afresh for each
    ``Client``, thousands of times a run. The listing is kept and reused while the settings it
    reads are the same; the files do not change during a run. Requests are served as before."""
    if not request.config.pluginmanager.hasplugin("django"):
        yield
        return
    from django.conf import settings
    from whitenoise.middleware import WhiteNoiseMiddleware

    made = WhiteNoiseMiddleware.__init__
    listings: dict[str, dict[str, Any]] = {}

    def init(self: Any, get_response: Any = None, settings: Any = settings) -> None:
        key = repr(
            [
                (name, getattr(settings, name, None))
                for name in sorted(dir(settings))
                if name.startswith(("WHITENOISE_", "STATIC"))
                or name in {"DEBUG", "FORCE_SCRIPT_NAME", "INSTALLED_APPS"}
            ]
        )
        if key not in listings:
            made(self, get_response, settings)
            listings[key] = {k: v for k, v in vars(self).items() if k != "get_response"}
            return
        vars(self).update(listings[key])
        self.get_response = get_response

    WhiteNoiseMiddleware.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        WhiteNoiseMiddleware.__init__ = made  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _test_settings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Fast password hashing, a private media folder and tasks that run at once.

    Pure-kernel tests also run without Django (``-p no:django``); then there is nothing to set.
    """
    if not request.config.pluginmanager.hasplugin("django"):
        return
    settings = request.getfixturevalue("settings")
    two_factor = request.node.get_closest_marker("two_factor") is not None
    for name, value in suite_settings(
        tmp_path_factory.mktemp("media"), two_factor=two_factor
    ).items():
        setattr(settings, name, value)


# Every test runs at this instant unless it travels elsewhere itself (``time_machine.travel``
# nests): a Friday morning in Suzhou, 10:00 Asia/Shanghai. Tests pass the dates they mean, and
# CI runs the suite a second time under ``faketime`` years ahead to prove no test reads the
# real calendar. The clock ticks from here, so timeouts and ordering still work.
FROZEN_AT = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Freeze the wall clock at :data:`FROZEN_AT` for every test (``@pytest.mark.real_clock``
    opts out, for the few tests about the clock itself)."""
    if request.node.get_closest_marker("real_clock"):
        yield
        return
    with time_machine.travel(FROZEN_AT, tick=True):
        yield


def _clear_contact_policy_caches() -> None:
    services = sys.modules.get("qingqian.contact.services")
    if services is not None:
        services._current.clear()
        services._gate_latest.clear()
        # Parsed versions by row id and creation instant: safe where the clock moves, but
        # every test runs at the same frozen instant and a rolled-back test on SQLite hands
        # the same id to another test's version.
        services._parsed.clear()
    cache = sys.modules.get("django.core.cache")
    if cache is not None and sys.modules["django.conf"].settings.configured:
        for each in cache.caches.all():  # e.g. the collectors' open-case counts (mediation)
            each.clear()


@pytest.fixture(autouse=True)
def _fresh_policy_cache() -> Iterator[None]:
    """Each test sees the contact-policy versions of its own database: the gate caches the
    version in force for two seconds, and a row cached by an earlier test (whose database
    was flushed, as browser tests do) must never be cited by a new decision."""
    _clear_contact_policy_caches()
    yield
    _clear_contact_policy_caches()


@pytest.fixture
def org(db: Any) -> Any:
    from qingqian.accounts.models import Organisation

    return Organisation.objects.create(name="测试商事调解中心", short_code="test")


@pytest.fixture
def other_org(db: Any) -> Any:
    from qingqian.accounts.models import Organisation

    return Organisation.objects.create(name="别家律师事务所", short_code="other")


@pytest.fixture
def creditor(org: Any) -> Any:
    from qingqian.parties.models import Party
    from tests.support import make_uscc

    return Party.objects.create(
        organisation=org,
        kind="company",
        name="苏州园区精密电子有限公司",
        credit_code=make_uscc(1),
        is_client=True,
        city="苏州市",
        district="苏州工业园区",
    )


@pytest.fixture
def creditor_b(org: Any) -> Any:
    from qingqian.parties.models import Party
    from tests.support import make_uscc

    return Party.objects.create(
        organisation=org,
        kind="company",
        name="相城汽车零部件有限公司",
        credit_code=make_uscc(2),
        is_client=True,
    )


def _user(org: Any, role: str, username: str, **extra: Any) -> Any:
    from qingqian.accounts.models import User

    user = User.objects.create_user(
        username=username, password="pw-for-tests-only", organisation=org, role=role, **extra
    )
    return user


@pytest.fixture
def users(org: Any, creditor: Any, creditor_b: Any) -> dict[str, Any]:
    """One user per role, plus a creditor user of another creditor."""
    return {
        "intake_agent": _user(org, "intake_agent", "intake"),
        "collector": _user(
            org,
            "collector",
            "collector",
            cert_number="SZ-CERT-0001",
            cert_issuer="苏州市商务调解协会",
            cert_expires=dt.date(2099, 12, 31),
        ),
        "lawyer": _user(org, "lawyer", "lawyer"),
        "mediator": _user(org, "mediator", "mediator"),
        "compliance": _user(org, "compliance", "compliance"),
        "admin": _user(org, "admin", "admin", is_staff=True),
        "creditor": _user(org, "creditor", "cred-a", creditor=creditor),
        "creditor_other": _user(org, "creditor", "cred-b", creditor=creditor_b),
        "community_mediator": _user(org, "community_mediator", "xiangxian"),  # h18
    }


@pytest.fixture
def debtor(org: Any) -> Any:
    from qingqian.parties.services import party_create
    from tests.support import make_uscc

    return party_create(
        organisation=org,
        actor=None,
        kind="company",
        name="姑苏文旅酒店管理有限公司",
        credit_code=make_uscc(100),
        phone="13912345678",
        city="苏州市",
        district="姑苏区",
    )


@pytest.fixture
def person_debtor(org: Any) -> Any:
    from qingqian.parties.services import party_create
    from tests.support import make_ric

    return party_create(
        organisation=org,
        actor=None,
        kind="person",
        name="张三",
        id_number=make_ric(7),
        phone="+86 139 1234 5679",
    )


@pytest.fixture
def case(org: Any, users: dict[str, Any], creditor: Any, debtor: Any) -> Any:
    import datetime as dt
    from decimal import Decimal

    from qingqian.cases.services import InvoiceInput, case_open

    return case_open(
        organisation=org,
        actor=users["lawyer"],
        creditor=creditor,
        debtors=[debtor],
        debt_type="trade",
        channel="web",
        handler=users["collector"],
        invoices=[
            InvoiceInput(
                "INV-001", Decimal("12000.50"), dt.date(2025, 1, 10), dt.date(2025, 2, 10)
            ),
            InvoiceInput("INV-002", Decimal("8000.00"), dt.date(2025, 3, 1), dt.date(2025, 4, 1)),
        ],
    )


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the whole session, shared by tests/e2e and tests/guide: a second
    Playwright sync session in the same process would fail inside the first one's loop."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium to run browser tests")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(autouse=True)
def _system_job(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests set up their data by calling services directly, often without a user
    (``actor=None``): they act as the declared platform job ``tests`` (``common.system``), as a
    task or a command does. Requests through the test client do not: the first middleware
    clears the job, so a view that lost its user is refused as in production. Tests of the
    refusal itself opt out with ``@pytest.mark.no_system_job``."""
    if request.node.get_closest_marker("no_system_job"):
        yield
        return
    from qingqian.common.system import acting_as_system

    with acting_as_system("tests"):
        yield


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the default language (zh-Hans), whatever a test before it left
    active: a test that switches to English cannot make the next one pass or fail."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
