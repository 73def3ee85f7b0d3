from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _fresh_policy_cache() -> Iterator[None]:
    """Each test sees the policy versions of its own database, not a cached one."""
    services = sys.modules.get("qingqian.contact.services")
    if services is not None:
        services._current.clear()
        services._gate_latest.clear()
        services._gate_versions.clear()
    yield
    services = sys.modules.get("qingqian.contact.services")
    if services is not None:
        services._current.clear()
        services._gate_latest.clear()
        services._gate_versions.clear()
