"""Charts as inline SVG for the static report: no script, a few kilobytes, readable offline, in a mail
client and on paper.

Pure functions from numbers to SVG markup. Every text (theme titles, period labels) goes through
`markupsafe.escape`; hovering a bar or a point shows its exact value (an SVG <title>). The web app keeps
its interactive Plotly charts (`voc.web.charts`); colours and title shortening are shared with them.
"""

from __future__ import annotations

import math

from markupsafe import Markup, escape

from voc.web.charts import MUTED, NEGATIVE_SCALE, PALETTE, SO_FAR, short_title

WIDTH = 640                 # viewBox width; the chart scales to its container
BAR_HEIGHT = 18             # one horizontal bar, with BAR_GAP below it
BAR_GAP = 4
LABEL_WIDTH = 260           # room for "#12 " plus a shortened title left of the bars
AXIS_ROOM = 40              # left of a line chart, for the y tick labels
X_LABELS = 8                # at most this many period labels under a line chart; the rest only on hover


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values 0..>=top (steps of 1, 2 or 5 times a power of ten), about `count` of them."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / (count + 1)  # the smallest step that needs at most count + 1 steps to reach the top
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [i * step for i in range(int(math.ceil(top / step - 1e-9)) + 1)]


def blend(share: float, scale: tuple[str, str] = NEGATIVE_SCALE) -> str:
    """The colour `share` (0..1) of the way from scale[0] to scale[1]."""
    share = min(max(share, 0.0), 1.0)
    low, high = (tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in scale)
    return "#" + "".join(f"{round(a + (b - a) * share):02x}" for a, b in zip(low, high))


def _svg(height: float, body: list[str], label: str) -> Markup:
    return Markup(f'<svg class="chart" viewBox="0 0 {WIDTH} {height:.0f}" style="max-width: {WIDTH}px" role="img" '
                  f'aria-label="{escape(label)}" '
                  f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="12">'
                  + "".join(body) + "</svg>")


def _fmt(value: float) -> str:
    return f"{value:g}"


def bars(items: list[tuple[str, int, float]], label: str = "bar chart") -> Markup:
    """Horizontal bars, one per (label, value, negative share), in the given order, coloured by the share."""
    top = max((v for _, v, _ in items), default=0)
    ticks = nice_ticks(top)
    plot = WIDTH - LABEL_WIDTH - 20  # room for half of the last tick label
    scale = plot / ticks[-1]
    body = []
    for i, (name, value, negative) in enumerate(items):
        y = i * (BAR_HEIGHT + BAR_GAP)
        body.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">{escape(short_title(name))}</text>'
                    f'<rect class="bar" x="{LABEL_WIDTH}" y="{y}" width="{value * scale:.1f}" height="{BAR_HEIGHT}" '
                    f'fill="{blend(negative)}" data-value="{value}"><title>{escape(name)}: {value} comments, '
                    f'{100 * negative:.0f}% negative</title></rect>')
    axis_y = len(items) * (BAR_HEIGHT + BAR_GAP) + 12
    for t in ticks:
        x = LABEL_WIDTH + t * scale
        body.append(f'<text x="{x:.1f}" y="{axis_y}" text-anchor="middle" fill="#666">{_fmt(t)}</text>')
    return _svg(axis_y + 4, body, label)


def lines(periods: list[str], series: list[tuple[str, list[int]]], height: int = 220, y_max: float | None = None,
          legend: bool = True, label: str = "line chart") -> Markup:
    """Counts per period, one line per (name, counts), on one y axis from 0 (to `y_max` if given, so several
    charts share a scale); a legend under the plot unless `legend` is False. A last period that is not over yet
    (counts with `so_far`, `voc.web.queries.PeriodCounts`) is drawn dashed to a hollow point and marked "so far
    (3 of 7 days)", as on the pages, so a week just begun does not read as a drop."""
    top = y_max if y_max is not None else max((max(c) for _, c in series if c), default=0)
    ticks = nice_ticks(top)
    legend_rows = len(series) if legend else 0
    plot_h = height - 24 - 16 * legend_rows
    x0, x1 = AXIS_ROOM, WIDTH - AXIS_ROOM  # room for half of the last period's label
    step = (x1 - x0) / max(len(periods) - 1, 1)
    so_far = next((getattr(c, "so_far", None) for _, c in series if getattr(c, "so_far", None)), None)

    def y(v: float) -> float:
        return plot_h - v / ticks[-1] * (plot_h - 6)

    def point(i: int, v: float) -> str:
        return f"{x0 + i * step:.1f},{y(v):.1f}"

    body = []
    for t in ticks:
        body.append(f'<line x1="{x0}" x2="{x1}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#e5e7eb"/>'
                    f'<text x="{x0 - 4}" y="{y(t) + 4:.1f}" text-anchor="end" fill="#666">{_fmt(t)}</text>')
    every = max(1, math.ceil(len(periods) / X_LABELS))
    for i, period in enumerate(periods):
        if i % every == 0:
            body.append(f'<text x="{x0 + i * step:.1f}" y="{plot_h + 16}" text-anchor="middle" fill="#666">'
                        f'{escape(period)}</text>')
    if so_far and periods:
        body.append(f'<text class="so-far" x="{x1:.1f}" y="10" text-anchor="end" fill="{MUTED}">'
                    f'{escape(SO_FAR)} ({escape(so_far)})</text>')
    for n, (name, counts) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        whole = len(counts) - 1 if so_far and len(counts) > 1 else len(counts)
        points = " ".join(point(i, v) for i, v in enumerate(counts[:whole]))
        body.append(f'<polyline class="series" points="{points}" fill="none" stroke="{colour}" stroke-width="2">'
                    f'<title>{escape(name)}</title></polyline>')
        if whole < len(counts):
            body.append(f'<polyline class="partial" points="{point(whole - 1, counts[whole - 1])} '
                        f'{point(whole, counts[whole])}" fill="none" stroke="{colour}" stroke-width="2" '
                        f'stroke-dasharray="4 3"/>')
        for i, (period, v) in enumerate(zip(periods, counts)):
            last = so_far and i == len(counts) - 1
            fill = "white" if last else colour
            note = f" ({SO_FAR}, {so_far})" if last else ""
            body.append(f'<circle cx="{x0 + i * step:.1f}" cy="{y(v):.1f}" r="2.5" fill="{fill}" stroke="{colour}">'
                        f'<title>{escape(name)}, {escape(period)}{escape(note)}: {v}</title></circle>')
        if legend:
            ly = plot_h + 36 + 16 * n
            body.append(f'<rect x="{x0}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>'
                        f'<text x="{x0 + 16}" y="{ly}">{escape(short_title(name))}</text>')
    return _svg(height, body, label)
