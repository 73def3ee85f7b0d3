"""The ledger kernel is pure: its tests need neither Django nor a database.

``tests/conftest.py`` has an autouse fixture that asks for pytest-django's ``settings``;
this no-op of the same name keeps these tests runnable with ``-p no:django``.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media_root() -> None:
    return None
