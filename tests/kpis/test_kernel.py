"""The pure parts: windows and grains, percentiles, rates, and SVG that the CSP accepts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from qingqian.kpis import svg
from qingqian.kpis.periods import Window, buckets, default_grain, percentile, rate


def test_grains_cover_the_window() -> None:
    w = Window(dt.date(2026, 2, 27), dt.date(2026, 7, 2))
    assert buckets(w, "month")[0] == dt.date(2026, 2, 1)
    assert buckets(w, "quarter") == [dt.date(2026, 1, 1), dt.date(2026, 4, 1), dt.date(2026, 7, 1)]
    assert buckets(w, "week")[0] == dt.date(2026, 2, 23)  # a Monday
    assert len(buckets(w, "day")) == w.days
    assert default_grain(w) == "month"


def test_percentile_and_rate() -> None:
    assert percentile([], 50) is None
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10], 90) == 10
    assert rate(1, 3) == Decimal("33.3")
    assert rate(2, 3) == Decimal("66.7")
    assert rate(5, 0) is None


def test_svg_has_no_inline_style_or_script_and_escapes_text() -> None:
    out = svg.bars("<b>x</b>", ["a&b"], [svg.Series("s", [3.0])])
    out += svg.lines("t", ["1", "2"], [svg.Series("s", [1.0, None])])
    out += svg.funnel("f", [("x", 10), ("y", 0)])
    out += svg.waterfall("w", [("a", 5.0), ("b", 0.0)], "total")
    assert "style=" not in out and "<script" not in out
    assert "&lt;b&gt;" in out and "a&amp;b" in out
