"""Capture curves drawn on the server as SVG: the share of the future harm held by the top of each
ranked list (and by the oracle that knew the future) against the share of the list, or against the
number of persons at the head of the list. No script, no style attribute (the CSP forbids them):
each line's look is a CSS class in app.css; the figures are also in a table beside every chart."""

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 480, 300
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 12, 44


@dataclass(frozen=True)
class Series:
    label: str
    points: list[tuple[float, float]]  # (x, y), y a share from 0 to 1
    css: str  # chart-line--0 ... chart-line--3, or chart-line--oracle


def _x(value: float, x_max: float) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * (value / x_max if x_max else 0)


def _y(share: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - share)


def _ticks(x_max: float, percent: bool) -> list[tuple[float, str]]:
    if percent:
        return [(i / 5 * x_max, f"{i * 20}%") for i in range(6)]
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000) if x_max / s <= 5)
    return [(v, f"{v:,}") for v in range(0, int(x_max) + 1, step)]


def capture_chart(
    chart_id: str,
    title: str,
    description: str,
    series: list[Series],
    *,
    x_max: float = 1.0,
    x_label: str = "Share of the ranked list, from the top",
    percent_x: bool = True,
) -> Markup:
    """A line chart of capture curves as an <svg role="img"> named by its title and description."""
    cid = escape(chart_id)
    parts = [
        f'<svg class="chart chart--capture" id="{cid}" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{cid}-title {cid}-desc" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
    ]
    for i in range(6):  # the y grid: 0% to 100% of the future harm
        y = _y(i / 5)
        parts.append(f'<line class="chart-grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>')
        parts.append(f'<text class="chart-tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{i * 20}%</text>')
    for value, text in _ticks(x_max, percent_x):
        x = _x(value, x_max)
        y = HEIGHT - BOTTOM + 16
        parts.append(f'<text class="chart-tick" x="{x:.1f}" y="{y}" text-anchor="middle">{escape(text)}</text>')
    parts.append(
        f'<line class="chart-axis" x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}"/>'
    )
    parts.append(f'<line class="chart-axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}"/>')
    parts.append(
        f'<text class="chart-tick" x="{(LEFT + WIDTH - RIGHT) / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
    )
    for line in series:
        if not line.points:
            continue
        path = " ".join(
            f"{'M' if n == 0 else 'L'}{_x(min(x, x_max), x_max):.1f},{_y(y):.1f}"
            for n, (x, y) in enumerate(line.points)
        )
        parts.append(
            f'<path class="chart-line {escape(line.css)}" d="{path}"><title>{escape(line.label)}</title></path>'
        )
    parts.append("</svg>")
    # Every text put in is escaped above; the numbers are formatted by us.
    return Markup("".join(parts))  # noqa: S704  # nosec B704


def head_points(harm: list[int], total: int, persons: int) -> list[tuple[float, float]]:
    """(k, share of the total future harm held by the first k persons) for k = 0 ... persons."""
    points, running = [(0.0, 0.0)], 0
    step = max(1, persons // 100)
    for k, value in enumerate(harm[:persons], 1):
        running += value
        if k % step == 0 or k == persons:
            points.append((float(k), running / total if total else 0.0))
    return points


LINE_CLASSES = ("chart-line--0", "chart-line--1", "chart-line--2", "chart-line--3")


def charts_for(view, names: dict[int, str]) -> dict:
    """Per as-of date, two capture-curve charts: the whole list, and the head of the list by count."""
    drawn = {}
    for as_of, results in view.by_date:
        if not results:
            continue
        first = results[0]
        whole = [Series("Oracle (knew the future)", first.oracle_curve, "chart-line--oracle")]
        head_size = min(1000, max((r.ranked for r in results), default=0)) or 1
        head = [
            Series(
                "Oracle (knew the future)",
                head_points(first.best_harm, first.total_future_harm, head_size),
                "chart-line--oracle",
            )
        ]
        for n, result in enumerate(results):
            label = names.get(result.model_version, f"Version {result.model_version}")
            css = LINE_CLASSES[n % len(LINE_CLASSES)]
            whole.append(Series(label, result.curve, css))
            head.append(Series(label, head_points(result.ranked_harm, result.total_future_harm, head_size), css))
        day = f"{as_of.day} {as_of:%b %Y}"
        drawn[as_of] = (
            capture_chart(
                f"capture-{as_of.isoformat()}",
                f"Share of the next {view.horizon_days} days' harm held by the top of the list ranked as of {day}",
                "Each line runs from the top of a ranked list down to its end; the higher it rises, the more of the "
                "future harm the top of that list held. The dashed line is the best any list could do.",
                whole,
            ),
            capture_chart(
                f"capture-head-{as_of.isoformat()}",
                f"The first {head_size:,} persons of each list ranked as of {day}",
                "The same curves for the head of each list, by number of persons.",
                head,
                x_max=head_size,
                x_label="Persons from the top of the list",
                percent_x=False,
            ),
        )
    return drawn


def model_names(models) -> dict[int, str]:
    return {m.version: f"Version {m.version} ({'v2' if m.rules == 2 else 'v1'} rules)" for m in models}
