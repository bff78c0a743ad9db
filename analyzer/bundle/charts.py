"""Inline SVG bar charts for report.html: drawn here, no script and no external assets.

Every label passes through page_assets.escape (labels may come from the image).
"""

from __future__ import annotations

from collections.abc import Callable

from analyzer.bundle.page_assets import escape

# Bar chart geometry, in SVG pixels.
CHART_W, LABEL_W, BAR_H, GAP, BAR_MAX = 420, 110, 20, 6, 220


def bar_chart(
    svg_id: str, title: str, bars: list[tuple[str, int, str]], fmt: Callable[[int], str] = str
) -> str:
    """A horizontal bar chart as inline SVG: one (label, value, color) per bar, values shown
    with `fmt`."""
    top = max((v for _, v, _ in bars), default=0) or 1
    height = len(bars) * (BAR_H + GAP) + GAP
    rows = "".join(_bar(i * (BAR_H + GAP) + GAP, bar, top, fmt) for i, bar in enumerate(bars))
    return (
        f"<figure><figcaption>{escape(title)}</figcaption>"
        f'<svg id="{svg_id}" xmlns="http://www.w3.org/2000/svg" width="{CHART_W}" '
        f'height="{height}" role="img" aria-label="{escape(title)}">{rows}</svg></figure>'
    )


def _bar(y: int, bar: tuple[str, int, str], top: int, fmt: Callable[[int], str]) -> str:
    label, value, color = bar
    length = round(BAR_MAX * value / top)
    text_y = y + BAR_H - 5
    return (
        f'<g class="bar" data-label="{escape(label)}" data-value="{value}">'
        f'<text x="0" y="{text_y}" font-size="12">{escape(label[:16])}</text>'
        f'<rect x="{LABEL_W}" y="{y}" width="{length}" height="{BAR_H}" fill="{color}"/>'
        f'<text x="{LABEL_W + length + 4}" y="{text_y}" font-size="12">{escape(fmt(value))}</text>'
        "</g>"
    )


def human_size(size: int) -> str:
    """Bytes for a person: `human_size(9216)` is '9.0 KiB'.

    >>> human_size(512), human_size(9216), human_size(3 * 1024**3)
    ('512 B', '9.0 KiB', '3.0 GiB')
    """
    value, unit = float(size), "B"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            break
        value /= 1024
    return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
