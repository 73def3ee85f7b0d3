"""Kernel tests run without Django (``-p no:django``): neutralise the suite-wide autouse
fixture that needs pytest-django's ``settings``."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media_root() -> None:
    """This area's kernels write no media and need no settings."""
