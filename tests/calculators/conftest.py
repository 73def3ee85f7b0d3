"""The calculator kernel needs no Django: neutralise the repository-wide settings fixture so
these tests also run with ``-p no:django``."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media_root() -> None:
    return None
