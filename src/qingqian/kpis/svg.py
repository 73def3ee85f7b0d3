"""Charts drawn on the server as SVG (pure: no Django).

One drawing serves the page and the PDF: no script runs (the CSP allows none inline), the
chart prints, and WeasyPrint renders it. Colours are presentation attributes, never
``style=`` (the CSP allows no inline styles). Every text is escaped; numbers are passed in
already formatted by the caller where they are shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#2f6db5", "#d9822b", "#3a9a5b", "#b0413e", "#7a5aa6", "#4f8f99", "#a68a2b", "#666")
W, H = 640, 260
PAD_L, PAD_R, PAD_T, PAD_B = 64, 16, 16, 48


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 1.0
    while exp * 10 <= value:
        exp *= 10
    while exp > value:
        exp /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * exp >= value:
            return step * exp
    return 10 * exp  # pragma: no cover


def _fmt(value: float) -> str:
    if abs(value) >= 1e8:
        return f"{value / 1e8:.1f}亿"
    if abs(value) >= 1e4:
        return f"{value / 1e4:.1f}万"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _open(title: str, width: int = W, height: int = H) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]


def _axes(ymax: float, labels: Sequence[str], unit: str = "") -> list[str]:
    out = []
    plot_h = H - PAD_T - PAD_B
    for i in range(5):
        y = PAD_T + plot_h - plot_h * i / 4
        out.append(
            f'<line x1="{PAD_L}" y1="{y:.1f}" x2="{W - PAD_R}" y2="{y:.1f}" stroke="#e3e3e3"/>'
        )
        out.append(
            f'<text x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#555">{escape(_fmt(ymax * i / 4) + unit)}</text>'
        )
    n = max(len(labels), 1)
    step = (W - PAD_L - PAD_R) / n
    every = max(1, -(-n // 8))
    for i, label in enumerate(labels):
        if i % every:
            continue
        x = PAD_L + step * (i + 0.5)
        out.append(
            f'<text x="{x:.1f}" y="{H - PAD_B + 16}" text-anchor="middle" font-size="11" '
            f'fill="#555">{escape(label)}</text>'
        )
    return out


def _legend(names: Sequence[str]) -> list[str]:
    out = []
    x = PAD_L
    for i, name in enumerate(names):
        colour = PALETTE[i % len(PALETTE)]
        out.append(f'<rect x="{x}" y="{H - 18}" width="10" height="10" fill="{colour}"/>')
        out.append(
            f'<text x="{x + 14}" y="{H - 9}" font-size="11" fill="#333">{escape(name)}</text>'
        )
        x += 24 + _text_width(name)
    return out


def _text_width(text: str) -> int:
    """Rough width at font size 11: a CJK character is a full em, Latin about 0.6 em."""
    return round(sum(11 if ord(ch) >= 0x2E80 else 6.6 for ch in text))


def bars(title: str, labels: Sequence[str], series: Sequence[Series], unit: str = "") -> str:
    """Grouped vertical bars, one group per label."""
    peak = max((v or 0 for s in series for v in s.values), default=0)
    ymax = _nice_max(float(peak))
    plot_h = H - PAD_T - PAD_B
    parts = _open(title) + _axes(ymax, labels, unit)
    n = max(len(labels), 1)
    group_w = (W - PAD_L - PAD_R) / n
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1)
    for si, s in enumerate(series):
        colour = PALETTE[si % len(PALETTE)]
        for i, v in enumerate(s.values):
            if not v:
                continue
            h = plot_h * float(v) / ymax
            x = PAD_L + group_w * i + group_w * 0.1 + bar_w * si
            y = PAD_T + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(labels[i])}: {escape(_fmt(float(v)))}'
                f"{escape(unit)}</title></rect>"
            )
    if len(series) > 1:
        parts += _legend([s.name for s in series])
    parts.append("</svg>")
    return "".join(parts)


def lines(
    title: str, labels: Sequence[str], series: Sequence[Series], unit: str = "", ymax: float = 0
) -> str:
    """One line per series over the labels; ``None`` values break the line."""
    peak = max((v or 0 for s in series for v in s.values), default=0)
    top = ymax or _nice_max(float(peak))
    plot_h = H - PAD_T - PAD_B
    parts = _open(title) + _axes(top, labels, unit)
    n = max(len(labels), 1)
    step = (W - PAD_L - PAD_R) / n
    for si, s in enumerate(series):
        colour = PALETTE[si % len(PALETTE)]
        points: list[str] = []
        for i, v in enumerate(s.values):
            if v is None:
                if len(points) > 1:
                    parts.append(
                        f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                        f'stroke-width="2"/>'
                    )
                points = []
                continue
            x = PAD_L + step * (i + 0.5)
            y = PAD_T + plot_h - plot_h * min(float(v), top) / top
            points.append(f"{x:.1f},{y:.1f}")
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"><title>'
                f"{escape(s.name)} {escape(labels[i])}: {escape(_fmt(float(v)))}{escape(unit)}"
                "</title></circle>"
            )
        if len(points) > 1:
            parts.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                f'stroke-width="2"/>'
            )
    if len(series) > 1:
        parts += _legend([s.name for s in series])
    parts.append("</svg>")
    return "".join(parts)


def funnel(title: str, steps: Sequence[tuple[str, int]]) -> str:
    """Horizontal bars narrowing step by step, each with its count and its share of the
    first step."""
    height = 40 + 44 * len(steps)
    parts = _open(title, W, height)
    first = steps[0][1] if steps else 0
    for i, (label, value) in enumerate(steps):
        share = value / first if first else 0.0
        width = max((W - 200) * share, 2)
        x = 120 + (W - 200 - width) / 2
        y = 20 + 44 * i
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="34" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/>'
        )
        parts.append(
            f'<text x="110" y="{y + 22}" text-anchor="end" font-size="13" fill="#222">'
            f"{escape(label)}</text>"
        )
        pct = f" · {share * 100:.1f}%" if i and first else ""
        parts.append(
            f'<text x="{W - 70}" y="{y + 22}" font-size="13" fill="#222">'
            f"{value:,}{escape(pct)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def waterfall(title: str, steps: Sequence[tuple[str, float]], total_label: str) -> str:
    """Each step adds its value on top of the previous ones; the last bar is the total."""
    running = 0.0
    spans: list[tuple[str, float, float, bool]] = []
    for label, value in steps:
        spans.append((label, running, running + value, False))
        running += value
    spans.append((total_label, 0.0, running, True))
    ymax = _nice_max(max((max(a, b) for _, a, b, _ in spans), default=0))
    plot_h = H - PAD_T - PAD_B
    parts = _open(title) + _axes(ymax, [s[0] for s in spans])
    step = (W - PAD_L - PAD_R) / max(len(spans), 1)
    for i, (label, low, high, is_total) in enumerate(spans):
        y_high = PAD_T + plot_h - plot_h * high / ymax
        y_low = PAD_T + plot_h - plot_h * low / ymax
        colour = "#555" if is_total else PALETTE[i % len(PALETTE)]
        parts.append(
            f'<rect x="{PAD_L + step * i + step * 0.15:.1f}" y="{y_high:.1f}" '
            f'width="{step * 0.7:.1f}" height="{max(y_low - y_high, 0.5):.1f}" fill="{colour}">'
            f"<title>{escape(label)}: {escape(_fmt(high - low))}</title></rect>"
        )
    parts.append("</svg>")
    return "".join(parts)
