"""``clock.pinned``: services called inside read the pinned instant as now; outside, the
clock is untouched; a naive instant is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from qingqian.common import clock

AT = dt.datetime(2025, 3, 1, 23, 30, tzinfo=dt.UTC)  # 2025-03-02 07:30 in Suzhou


def test_pinned_instant_is_now_and_today_inside_only() -> None:
    before = clock.now()
    with clock.pinned(AT):
        assert clock.now() == AT
        assert clock.today() == dt.date(2025, 3, 2)  # the business day, Asia/Shanghai
        with clock.pinned(AT + dt.timedelta(days=1)):
            assert clock.now() == AT + dt.timedelta(days=1)
        assert clock.now() == AT
    assert clock.now() >= before and clock.now() != AT


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"), clock.pinned(dt.datetime(2025, 3, 1)):
        pass
