"""A demo portfolio loaded once for all the tests of a module that only read it.

``load_demo`` takes seconds; a module whose tests each load the same demo and only read it
loads it once instead, inside a transaction that stays open for the module: each test runs in
a savepoint of it (pytest-django's ``db``), so what a test writes is rolled back before the
next, and the whole demo is rolled back after the module. The load runs with the suite's
settings, as its platform job "tests" (tests/conftest.py) and on its frozen clock, started
five minutes before the frozen instant (:data:`LOAD_AT`): the demo's last activities are
stamped "now", and each test's clock starts again at the frozen instant, which must come after
them as it would after a load inside the test. Five minutes keep the same calendar day in Suzhou.

    @pytest.fixture(scope="module")
    def _loaded(django_db_setup, django_db_blocker, tmp_path_factory):
        with demo_once(django_db_blocker, tmp_path_factory, cases=120, seed=11) as loaded:
            yield loaded

    @pytest.fixture
    def demo(_loaded, settings):
        return _loaded.use(settings)

A module using it keeps its tests that need an empty database in another file: the demo is
there for every test of the module from the first one that asks for it to the last.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import time_machine

from tests.conftest import FROZEN_AT

LOAD_AT = FROZEN_AT - dt.timedelta(minutes=5)


@dataclass
class Loaded:
    result: Any  # what load_demo returned
    media_root: Path  # the files the demo stored

    def use(self, settings: Any) -> Any:
        """For one test: the demo's files where the test reads them; the load's result."""
        settings.MEDIA_ROOT = self.media_root
        return self.result


@contextmanager
def demo_once(
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
    settings: dict[str, Any] | None = None,
    **load: Any,
) -> Iterator[Loaded]:
    """``load_demo(**load)`` in a transaction rolled back on exit; ``settings`` on top of the
    suite's for the load (as a test would set them before loading)."""
    from django.db import transaction
    from django.test.utils import override_settings

    from qingqian.common.system import acting_as_system
    from qingqian.demo.generator import load_demo
    from tests.conftest import _clear_contact_policy_caches, suite_settings

    media_root = tmp_path_factory.mktemp("demo-media")
    values = suite_settings(media_root) | (settings or {})
    with django_db_blocker.unblock(), transaction.atomic():
        with (
            time_machine.travel(LOAD_AT, tick=True),
            override_settings(**values),
            acting_as_system("tests"),  # as every test does (tests/conftest.py)
        ):
            _clear_contact_policy_caches()
            result = load_demo(**load)
        try:
            yield Loaded(result, media_root)
        finally:
            transaction.set_rollback(True)
            _clear_contact_policy_caches()
