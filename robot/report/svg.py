"""Inline SVG charts, written by hand: no plotting library, no fonts or scripts from outside.

Each chart is a self-contained <svg> element with a <title> and <desc> for screen readers and
a <title> per bar, so the exact figure shows on hover.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT = 'font-family="system-ui, -apple-system, \'Segoe UI\', Roboto, sans-serif" font-size="12"'
ROW = 24
BAR = 16
CHAR_WIDTH = 6.6
"""Rough width of one character at 12 px, for fitting labels."""
MAX_LABEL = 40


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    """The value as shown at the end of the bar (e.g. "1 234 kr" or "12 %")."""


@dataclass(frozen=True)
class Series:
    name: str
    colour: str


def _label(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _label_width(labels: Sequence[str], limit: int = MAX_LABEL) -> int:
    return int(min(limit, max((len(_label(t, limit)) for t in labels), default=4)) * CHAR_WIDTH) + 12


def _legend(series: Sequence[Series], left: int, width: int) -> tuple[str, int]:
    """The legend's elements, wrapped onto as many lines as the width needs, and its height."""
    parts, x, y = [], left, 4
    for s in series:
        item = 16 + int(len(s.name) * CHAR_WIDTH) + 18
        if x > left and x + item > width:
            x, y = left, y + 18
        parts.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{s.colour}"/>'
            f'<text x="{x + 16}" y="{y + 10}" fill="#222">{escape(s.name)}</text>'
        )
        x += item
    return "".join(parts), y + 18


def _open(width: int, height: int, title: str, desc: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" {FONT}><title>{escape(title)}</title><desc>{escape(desc)}</desc>'
    )


def bar_chart(
    bars: Sequence[Bar], title: str, colour: str = "#1f5f99", width: int = 760, label_limit: int = MAX_LABEL
) -> str:
    """Horizontal bars, longest value fills the plot; labels on the left, figures on the right."""
    label_width = _label_width([b.label for b in bars], label_limit)
    value_width = int(max((len(b.text) for b in bars), default=4) * CHAR_WIDTH) + 12
    plot = max(120, width - label_width - value_width)
    height = max(ROW, ROW * len(bars)) + 8
    top = max((b.value for b in bars), default=0) or 1
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars) or "Inga värden"
    parts = [_open(width, height, title, desc)]
    for i, b in enumerate(bars):
        y = 4 + i * ROW
        length = max(0.0, b.value) / top * plot
        parts.append(
            f"<g><title>{escape(b.label)}: {escape(b.text)}</title>"
            f'<text x="{label_width - 8}" y="{y + BAR - 4}" text-anchor="end" fill="#222">{escape(_label(b.label, label_limit))}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{BAR}" fill="{colour}" rx="2"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + BAR - 4}" fill="#222">{escape(b.text)}</text></g>'
        )
    if not bars:
        parts.append(f'<text x="8" y="{BAR}" fill="#555">Inga värden</text>')
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars(
    rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[Series], title: str, width: int = 760
) -> str:
    """One 100 % bar per row, split into the series' shares, with a legend and each row's total."""
    label_width = _label_width([label for label, _ in rows])
    total_width = 70
    plot = max(120, width - label_width - total_width)
    legend, legend_height = _legend(series, label_width, width)
    height = legend_height + max(ROW, ROW * len(rows)) + 8
    desc = "; ".join(
        f"{label}: " + ", ".join(f"{s.name} {v}" for s, v in zip(series, values, strict=True)) for label, values in rows
    )
    parts = [_open(width, height, title, desc or "Inga värden"), legend]
    for i, (label, values) in enumerate(rows):
        y = legend_height + 4 + i * ROW
        total = sum(values)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + BAR - 4}" text-anchor="end" fill="#222">'
            f"<title>{escape(label)}</title>{escape(_label(label))}</text>"
        )
        offset = 0.0
        for s, v in zip(series, values, strict=True):
            if total == 0 or v == 0:
                continue
            length = v / total * plot
            parts.append(
                f'<rect x="{label_width + offset:.1f}" y="{y}" width="{length:.1f}" height="{BAR}" fill="{s.colour}">'
                f"<title>{escape(label)}: {escape(s.name)} {v} av {total}</title></rect>"
            )
            offset += length
        if total == 0:
            parts.append(f'<rect x="{label_width}" y="{y}" width="{plot}" height="{BAR}" fill="none" stroke="#bbb"/>')
        parts.append(f'<text x="{label_width + plot + 8}" y="{y + BAR - 4}" fill="#222">{total}</text>')
    parts.append("</svg>")
    return "".join(parts)
