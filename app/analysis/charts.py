"""The problem profile's charts, drawn on the server as SVG (no script, no inline style): the harm
concentration curve, and bar charts (app.charts) of victims by reports and of the quarterly trend.
Every chart sits next to a table of the same figures."""

from markupsafe import Markup, escape

from app.analysis.figures import Concentration, ProblemProfile
from app.charts import Bar, bar_chart

WIDTH, HEIGHT = 480, 340
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 12, 48


def _xy(share_x: float, share_y: float) -> tuple[float, float]:
    area_w, area_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    return LEFT + share_x * area_w, TOP + (1 - share_y) * area_h


def lorenz_chart(chart_id: str, title: str, c: Concentration) -> Markup:
    """Share of harm (up) against share of perpetrators (across), most harmful first; the dashed
    diagonal is every perpetrator causing the same harm; the marks are the top 1%, 5% and 10%."""
    cid = escape(chart_id)
    marks = "; ".join(f"the top {p}% ({n}) caused {100 * s:.1f}%" for p, (n, s) in c.top.items())
    description = (
        f"Of {c.perpetrators} perpetrators and {c.harm} harm days: {marks}."
        + (f" Half of all harm was caused by {100 * c.half:.1f}% of perpetrators." if c.half is not None else "")
        + " The same figures are in the table below."
    )
    parts = [
        f'<svg class="chart" id="{cid}" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
    ]
    for tick in range(0, 101, 20):
        x, bottom = _xy(tick / 100, 0)
        right, y = _xy(1, tick / 100)
        hidden = 'aria-hidden="true"'
        parts += [
            f'<line class="chart-grid" x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{bottom:.1f}" {hidden}/>',
            f'<line class="chart-grid" x1="{LEFT}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" {hidden}/>',
            f'<text class="chart-tick" x="{x:.1f}" y="{bottom + 16:.1f}" text-anchor="middle" {hidden}>{tick}%</text>',
            f'<text class="chart-tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" {hidden}>{tick}%</text>',
        ]
    (x0, y0), (x1, y1) = _xy(0, 0), _xy(1, 1)
    parts.append(f'<line class="chart-equal" x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" aria-hidden="true"/>')
    if c.curve:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (_xy(a, b) for a, b in c.curve))
        parts.append(f'<polyline class="chart-curve" points="{points}" fill="none" aria-hidden="true"/>')
    for percent, (count, share) in c.top.items():
        if not c.perpetrators:
            continue
        x, y = _xy(count / c.perpetrators, share)
        parts.append(f'<circle class="chart-mark" cx="{x:.1f}" cy="{y:.1f}" r="4" aria-hidden="true"/>')
        parts.append(
            f'<text class="chart-value" x="{x + 8:.1f}" y="{y + 14:.1f}" aria-hidden="true">'
            f"top {percent}%: {100 * share:.0f}%</text>"
        )
    parts.append(
        f'<text class="chart-tick" x="{(LEFT + WIDTH - RIGHT) / 2:.0f}" y="{HEIGHT - 8}" text-anchor="middle" '
        'aria-hidden="true">share of perpetrators, most harmful first</text>'
    )
    parts.append("</svg>")
    # Every piece of text above is escaped or a number we formatted, so the SVG is safe to mark up.
    return Markup("".join(parts))  # noqa: S704  # nosec B704


def charts_for(p: ProblemProfile) -> dict[str, Markup]:
    year = f"{p.year_start:%d %b %Y} to {p.as_of:%d %b %Y}"
    bands = [Bar(f"{b.label} report{'' if b.label == '1' else 's'}", b.victims) for b in p.repeat.bands]
    trend = [Bar(q.label, q.reports) for q in p.trends]
    return {
        "lorenz": lorenz_chart("chart-lorenz", f"Harm concentration, {year}", p.concentration),
        "bands": bar_chart(
            "chart-bands",
            f"Victims by number of reports, {year}",
            "; ".join(f"{b.label}: {b.value:g} victims" for b in bands) + ". The same figures are in the table below.",
            bands,
        ),
        "trend": bar_chart(
            "chart-trend",
            "Reports per quarter, last three years",
            "; ".join(f"{b.label}: {b.value:g}" for b in trend) + ". The table below gives each measure.",
            trend,
        ),
    }
