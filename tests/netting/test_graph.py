"""The server-drawn picture of the set-offs (pure)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from qingqian.netting.graph import cycles_svg


def test_one_arrow_per_pair_width_by_amount_and_names_escaped() -> None:
    edges = {
        ("A<script>", "B & Co"): Decimal("100.00"),
        ("B & Co", "C"): Decimal("400000.00"),
        ("C", "A<script>"): Decimal("100.00"),
    }
    svg = cycles_svg(["A<script>", "B & Co", "C", "Idle"], edges, title="环")
    root = ET.fromstring(svg)  # noqa: S314 - our own output; well-formed means escaped
    ns = {"s": "http://www.w3.org/2000/svg"}
    paths = [p for p in root.iter("{http://www.w3.org/2000/svg}path") if p.get("marker-end")]
    assert len(paths) == 3
    widths = sorted(float(p.get("stroke-width", "0")) for p in paths)
    assert widths[0] < widths[-1]
    assert "<script>" not in svg
    assert "40.00 万" in svg and "100.00" in svg
    # A firm with no set-off is not drawn.
    names = [t.text for t in root.findall(".//s:g/s:text", ns)]
    assert "Idle" not in names and "C" in names
    assert re.search(r'aria-label="环"', svg)


def test_empty_edges_draw_the_firms_only() -> None:
    svg = cycles_svg(["A", "B"], {})
    assert svg.count("<circle") == 2 and "marker-end=" not in svg


def test_amounts_for_a_reader_of_english_are_not_in_wan() -> None:
    edges = {("A", "B"): Decimal("159628.64"), ("B", "A"): Decimal("9931.40")}
    svg = cycles_svg(["A", "B"], edges, en=True)
    assert "159.6k" in svg and "9,931.40" in svg and "万" not in svg
    assert "15.96 万" in cycles_svg(["A", "B"], edges)
