"""Bar charts as inline SVG, drawn on the server (no JavaScript, no CDN). Every label is escaped."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 360  # the viewBox: one unit per CSS pixel on a phone, scaled up on a PC
BAR_COLOR = "#1f6f8b"


def columns(title: str, points: Sequence[tuple[str, int]], height: int = 200) -> Markup:
    """Vertical bars (e.g. questions per day), labels under every few bars."""
    top = max((v for _, v in points), default=0) or 1
    left, bottom, plot_h = 30, 28, height - 48
    step = (WIDTH - left - 8) / max(len(points), 1)
    every = max(1, round(len(points) / 6))
    parts = [_axis(left, height - bottom, top, plot_h)]
    for i, (label, value) in enumerate(points):
        h = plot_h * value / top
        x, y = left + i * step, height - bottom - h
        parts.append(
            f'<rect class="bar" x="{x + 1:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" '
            f'height="{h:.1f}" fill="{BAR_COLOR}"><title>{escape(label)}：{value}</title></rect>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{height - 10}" font-size="12" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    return _svg(title, height, parts)


def bars(title: str, items: Sequence[tuple[str, int]]) -> Markup:
    """Horizontal bars with their label and value (e.g. questions per category)."""
    row, label_w = 30, 104
    height = max(len(items), 1) * row + 10
    top = max((v for _, v in items), default=0) or 1
    span = WIDTH - label_w - 40
    parts: list[str] = []
    for i, (label, value) in enumerate(items):
        y, w = 5 + i * row, span * value / top
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 19}" font-size="14" text-anchor="end">'
            f"{escape(_short(label))}</text>"
            f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{max(w, 1):.1f}" height="20" '
            f'fill="{BAR_COLOR}"><title>{escape(label)}：{value}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 19}" font-size="14">{value}</text>'
        )
    return _svg(title, height, parts)


def _short(label: str, limit: int = 6) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _axis(left: int, base: int, top: int, plot_h: int) -> str:
    return (
        f'<line x1="{left}" y1="{base}" x2="{WIDTH - 4}" y2="{base}" stroke="#888"/>'
        f'<text x="{left - 4}" y="{base - plot_h + 10}" font-size="12" '
        f'text-anchor="end">{top}</text>'
        f'<text x="{left - 4}" y="{base}" font-size="12" text-anchor="end">0</text>'
    )


def _svg(title: str, height: int, parts: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )
