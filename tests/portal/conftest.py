"""An in-process SMS adapter for portal tests: records what would be sent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qingqian.contact.channels.base import use_adapter
from tests.portal.fakes import RecordingSms


@pytest.fixture(autouse=True)
def sms() -> Iterator[RecordingSms]:
    adapter = RecordingSms()
    with use_adapter("sms", adapter):
        yield adapter
