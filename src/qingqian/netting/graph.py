"""The picture of a round's set-offs: a server-drawn SVG (pure: no Django, no JavaScript).

Firms sit on a circle; every debtor → creditor pair with a set-off is an arrow from the
debtor to the creditor whose width grows with the amount set off and whose label shows it.
Arrows of opposite direction between the same two firms bend apart so both stay readable.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from html import escape

WIDTH = 720
HEIGHT = 520
_R_NODE = 16


def _short(name: str, limit: int = 8) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _money(v: Decimal, *, en: bool = False) -> str:
    """An edge's amount, short: 15.96 万 in Chinese, 159.6k in English (a reader of English
    does not count in 万); below ten thousand, in full."""
    if v >= 10_000:
        return f"{v / 1_000:,.1f}k" if en else f"{v / 10_000:,.2f} 万"
    return f"{v:,.2f}"


def cycles_svg(
    firms: Sequence[str],
    edges: Mapping[tuple[str, str], Decimal],
    *,
    title: str = "",
    highlight: str | None = None,
    en: bool = False,
) -> str:
    """SVG markup. ``edges`` maps (debtor, creditor) to the amount set off on that pair;
    ``firms`` fixes the order around the circle. ``highlight`` draws one firm darker; ``en``
    writes the amounts for a reader of English."""
    names = [f for f in firms if any(f in pair for pair in edges)] or list(firms)
    n = len(names)
    cx, cy = WIDTH / 2, HEIGHT / 2
    radius = min(cx, cy) - 70
    pos: dict[str, tuple[float, float]] = {}
    for i, name in enumerate(names):
        angle = -math.pi / 2 + 2 * math.pi * i / max(n, 1)
        pos[name] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    biggest = max(edges.values(), default=Decimal(1)) or Decimal(1)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="netting-graph" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerUnits="userSpaceOnUse" markerWidth="14" markerHeight="14" '
        'orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#1b4f8a"/></marker></defs>',
    ]
    for (debtor, creditor), amount in sorted(edges.items()):
        if debtor not in pos or creditor not in pos:
            continue
        (x1, y1), (x2, y2) = pos[debtor], pos[creditor]
        dx, dy = x2 - x1, y2 - y1
        dist = math.hypot(dx, dy) or 1.0
        ux, uy = dx / dist, dy / dist
        sx, sy = x1 + ux * _R_NODE, y1 + uy * _R_NODE
        ex, ey = x2 - ux * (_R_NODE + 4), y2 - uy * (_R_NODE + 4)
        bend = 0.18 * dist if (creditor, debtor) in edges else 0.06 * dist
        mx, my = (sx + ex) / 2 - uy * bend, (sy + ey) / 2 + ux * bend
        width = 1.5 + 7 * float(amount / biggest)
        label = escape(_money(amount, en=en))
        out.append(
            f'<path d="M{sx:.1f},{sy:.1f} Q{mx:.1f},{my:.1f} {ex:.1f},{ey:.1f}" fill="none" '
            f'stroke="#1b4f8a" stroke-opacity=".75" stroke-width="{width:.1f}" '
            f'marker-end="url(#arrow)"><title>{escape(debtor)} → {escape(creditor)}: '
            f"{escape(str(amount))}</title></path>"
        )
        lx, ly = (sx + 2 * mx + ex) / 4, (sy + 2 * my + ey) / 4
        out.append(
            f'<text x="{lx:.1f}" y="{ly:.1f}" class="edge-label" text-anchor="middle" '
            f'font-size="12" fill="#333" stroke="#fff" stroke-width="3" paint-order="stroke">'
            f"{label}</text>"
        )
    for name, (x, y) in pos.items():
        fill = "#0f3a66" if name == highlight else "#2f6fad"
        # The name sits outside the circle, away from the centre.
        ny = y + (_R_NODE + 16 if y >= cy else -_R_NODE - 8)
        out.append(
            f'<g class="firm"><circle cx="{x:.1f}" cy="{y:.1f}" r="{_R_NODE}" fill="{fill}"/>'
            f'<text x="{x:.1f}" y="{ny:.1f}" text-anchor="middle" font-size="13" '
            f'fill="#1d2733" stroke="#fff" stroke-width="4" paint-order="stroke">'
            f"{escape(_short(name, 12))}</text><title>{escape(name)}</title></g>"
        )
    out.append("</svg>")
    return "".join(out)
