"""Bar charts drawn on the server as SVG: no script, no internet assets, no inline styles.

Hand-written rather than pygal: a horizontal bar chart is a few rectangles, and writing them
ourselves keeps every style in app.css (the CSP forbids style attributes) and gives full control
of the accessible name (<title>, <desc>). Colours come from CSS classes; the values are also
printed beside each bar, and every chart on a page sits next to a table of the same figures.
"""

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

# Narrow enough that, scaled to a 390-px phone, the 14-px labels stay readable.
WIDTH = 480
LABEL_WIDTH = 150
VALUE_WIDTH = 80
ROW_HEIGHT = 28
BAR_HEIGHT = 18
TOP = 8
BOTTOM = 24
MAX_LABEL_CHARS = 20


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str | None = None  # what to print beside the bar (defaults to the value)


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def _scale(value: float) -> tuple[float, float]:
    """A round top for the scale and the step between ticks (1, 2 or 5 times a power of ten),
    with at most five steps, so every tick is a whole, readable number."""
    value = max(value, 1)
    step = 1.0
    while True:
        for m in (1, 2, 5):
            if value / (step * m) <= 5:
                size = step * m
                return math.ceil(value / size) * size, size
        step *= 10


def bar_chart(
    chart_id: str, title: str, description: str, bars: list[Bar], *, max_value: float | None = None
) -> Markup:
    """A horizontal bar chart as an <svg role="img"> named by its title and described by `description`."""
    top_value, tick_step = _scale(max_value if max_value is not None else max((b.value for b in bars), default=0))
    area = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = TOP + ROW_HEIGHT * max(len(bars), 1) + BOTTOM
    cid = escape(chart_id)
    parts = [
        f'<svg class="chart" id="{cid}" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
    ]
    axis_y = TOP + ROW_HEIGHT * max(len(bars), 1)
    ticks = round(top_value / tick_step)
    for n in range(ticks + 1):
        x = LABEL_WIDTH + area * n / ticks
        parts.append(
            f'<line class="chart-grid" x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{axis_y}" aria-hidden="true"/>'
        )
        parts.append(
            f'<text class="chart-tick" x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle" aria-hidden="true">'
            f"{tick_step * n:g}</text>"
        )
    if not bars:
        parts.append(f'<text class="chart-label" x="{LABEL_WIDTH}" y="{TOP + 18}">Nothing to show</text>')
    for n, bar in enumerate(bars):
        y = TOP + ROW_HEIGHT * n
        length = 0 if top_value <= 0 else max(0.0, min(1.0, bar.value / top_value)) * area
        text = bar.text if bar.text is not None else f"{bar.value:g}"
        label = escape(_short(bar.label))
        parts.append('<g class="chart-row">')
        parts.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT - 4}" text-anchor="end">{label}</text>'
        )
        parts.append(
            f'<rect class="chart-bar chart-bar--{n % 4}" x="{LABEL_WIDTH}" y="{y + 2}" '
            f'width="{length:.1f}" height="{BAR_HEIGHT}"/>'
        )
        parts.append(
            f'<text class="chart-value" x="{LABEL_WIDTH + length + 6:.1f}" y="{y + BAR_HEIGHT - 4}">'
            f"{escape(text)}</text>"
        )
        parts.append("</g>")
    parts.append(
        f'<line class="chart-axis" x1="{LABEL_WIDTH}" y1="{TOP}" x2="{LABEL_WIDTH}" y2="{axis_y}" aria-hidden="true"/>'
    )
    parts.append("</svg>")
    # Every piece of text above is escaped, so the SVG is safe to mark up.
    return Markup("".join(parts))  # noqa: S704  # nosec B704


COLUMN_WIDTH = 480
COLUMN_TOP = 22
COLUMN_BOTTOM = 34
COLUMN_LEFT = 36
COLUMN_AREA = 120


def column_chart(chart_id: str, title: str, description: str, bars: list[Bar]) -> Markup:
    """A small vertical bar chart (a trend: one column per month, oldest first) as <svg role="img">,
    its value printed above each column; the figures are also in the page's table."""
    top_value, tick_step = _scale(max((b.value for b in bars), default=0))
    height = COLUMN_TOP + COLUMN_AREA + COLUMN_BOTTOM
    slot = (COLUMN_WIDTH - COLUMN_LEFT - 4) / max(len(bars), 1)
    base_y = COLUMN_TOP + COLUMN_AREA
    cid = escape(chart_id)
    parts = [
        f'<svg class="chart chart--columns" id="{cid}" width="{COLUMN_WIDTH}" height="{height}" '
        f'viewBox="0 0 {COLUMN_WIDTH} {height}" role="img" aria-labelledby="{cid}-title {cid}-desc" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
    ]
    ticks = round(top_value / tick_step)
    for n in range(ticks + 1):
        y = base_y - COLUMN_AREA * n / ticks
        parts.append(
            f'<line class="chart-grid" x1="{COLUMN_LEFT}" y1="{y:.1f}" x2="{COLUMN_WIDTH - 4}" y2="{y:.1f}" '
            'aria-hidden="true"/>'
        )
        parts.append(
            f'<text class="chart-tick" x="{COLUMN_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" aria-hidden="true">'
            f"{tick_step * n:g}</text>"
        )
    for n, bar in enumerate(bars):
        x = COLUMN_LEFT + slot * n
        length = 0 if top_value <= 0 else max(0.0, min(1.0, bar.value / top_value)) * COLUMN_AREA
        centre = x + slot / 2
        parts.append('<g class="chart-row">')
        parts.append(
            f'<rect class="chart-bar chart-bar--0" x="{x + slot * 0.15:.1f}" y="{base_y - length:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{length:.1f}"/>'
        )
        text = bar.text if bar.text is not None else f"{bar.value:g}"
        parts.append(
            f'<text class="chart-tick" x="{centre:.1f}" y="{base_y - length - 4:.1f}" text-anchor="middle">'
            f"{escape(text)}</text>"
        )
        parts.append(
            f'<text class="chart-tick" x="{centre:.1f}" y="{base_y + 16}" text-anchor="middle">'
            f"{escape(_short(bar.label))}</text>"
        )
        parts.append("</g>")
    parts.append(
        f'<line class="chart-axis" x1="{COLUMN_LEFT}" y1="{base_y}" x2="{COLUMN_WIDTH - 4}" y2="{base_y}" '
        'aria-hidden="true"/>'
    )
    parts.append("</svg>")
    # Every piece of text above is escaped, so the SVG is safe to mark up.
    return Markup("".join(parts))  # noqa: S704  # nosec B704
