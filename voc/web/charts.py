"""Plotly figures as plain dicts for the web app's pages (the static report draws SVG: `voc.web.svg`).

Pure functions from query results to {"data": [...], "layout": {...}}; the browser draws them. Plotly reads a
subset of HTML in every text of a figure (tick labels, legend, annotations, hover: `<b>`, `<a href>`, entities),
so every figure leaves through `_figure`, which escapes each string in it (`voc.text.escape.plotly_text`): a title
typed as `<b>x</b>` reads as typed, as on every page. Only the hover templates voc writes keep their markup; what
users wrote enters them through `%{...}` fields, which are escaped data.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import plotly

from voc.text.escape import plotly_text

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
NEGATIVE_SCALE = ("#9ec5e8", "#c8423b")  # bar colour from no negative comments to all negative
# Ten colours told apart at a glance (no grey: grey is the map's "smaller theme")
PALETTE = ["#3b6fb6", "#e07b39", "#3a9d5d", "#c8423b", "#8a62b8", "#8c6d4f", "#d16ba5", "#e6b422",
           "#2fa5b5", "#1d3d6e"]
OTHER = "#c3c8cf"     # a map theme beyond the palette: grey, named on hover
FONT = {"family": "system-ui, -apple-system, Segoe UI, sans-serif", "size": 12, "color": "#333"}
MUTED = "#6b7280"     # the "so far" note, as the pages' muted text
TOP_THEMES = 15       # bars in the top-themes chart
LINES = 6             # themes drawn in a volume-over-time chart
TITLE_CHARS = 38      # longer titles are cut in chart labels (the table shows them whole)
MAX_TICKS = 12        # period labels on a time axis (28 days get every 3rd, ending at the last)
MARKUP_KEYS = ("hovertemplate",)  # the only strings of a figure not escaped: voc's own templates
SO_FAR = "so far"


def short_title(title: str) -> str:
    """The title, cut to TITLE_CHARS with an ellipsis for chart labels."""
    return title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS - 1] + "…"


def _escaped(value, key: str | None = None):
    if isinstance(value, str):
        return value if key in MARKUP_KEYS else plotly_text(value)
    if isinstance(value, dict):
        return {k: _escaped(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_escaped(v, key) for v in value]
    return value


def _figure(data: list[dict], layout: dict) -> dict:
    """The figure with every string in it escaped for Plotly, but for voc's hover templates (MARKUP_KEYS)."""
    return {"data": _escaped(data), "layout": _escaped(layout)}


def _layout(height: int, **extra) -> dict:
    return {"height": height, "margin": {"l": 40, "r": 10, "t": 10, "b": 30}, "font": FONT,
            "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)", **extra}


def _day(label) -> str:
    """A period's first day as the axis names it: "Nov 16"."""
    d = date.fromisoformat(str(label)[:10])
    return f"{d:%b} {d.day}"


def _time_axis(labels: list[str]) -> dict:
    """Ticks at the periods' first days, named "Nov 16" (Plotly's own date ticks fall on Sundays, between weeks);
    at most MAX_TICKS of them, always the last."""
    ticks = labels[::-math.ceil(len(labels) / MAX_TICKS)][::-1] if labels else []
    return {"tickmode": "array", "tickvals": ticks, "ticktext": [_day(x) for x in ticks]}


def _so_far_note(x, so_far: str) -> dict:
    """The words over a last period that is not over yet: "so far (3 of 7 days)"."""
    return {"x": x, "y": 1, "xref": "x", "yref": "paper", "yanchor": "bottom", "xanchor": "right",
            "showarrow": False, "text": f"{SO_FAR} ({so_far})", "font": {"size": 11, "color": MUTED}}


def top_themes(themes: list[dict]) -> dict:
    """Horizontal bars: the top themes by volume under the current filters, coloured by negative share."""
    top = sorted(themes, key=lambda t: -t["volume"])[:TOP_THEMES][::-1]
    ids = [str(t["theme_id"]) for t in top]  # one bar per theme even where two shortened titles read alike
    return _figure([{"type": "bar", "orientation": "h", "x": [t["volume"] for t in top], "y": ids,
                     "customdata": [t["title"] for t in top],
                     "marker": {"color": [t["negative"] for t in top],
                                "colorscale": [[0, NEGATIVE_SCALE[0]], [1, NEGATIVE_SCALE[1]]],
                                "cmin": 0, "cmax": 1, "colorbar": {"title": {"text": "negative"}, "thickness": 10}},
                     "hovertemplate": "%{customdata}<br>%{x} comments<extra></extra>"}],
                   # labelled by title: "#<id>" read as the rank beside the table's "#" column
                   _layout(max(220, 22 * len(top) + 40), margin={"l": 290, "r": 10, "t": 10, "b": 30},
                           yaxis={"type": "category", "tickmode": "array", "tickvals": ids,
                                  "ticktext": [short_title(t["title"]) for t in top]}))


def _line(theme_id: int, name: str, colour: str, x: list, y: list, hover: list[str], partial: bool) -> dict:
    """One theme's line; `partial`: the dotted piece from the last whole period to the hollow last one."""
    trace = {"type": "scatter", "mode": "lines+markers", "x": x, "y": y, "text": hover, "name": name,
             "legendgroup": str(theme_id), "line": {"color": colour, "width": 2},
             "hovertemplate": "%{fullData.name}<br>%{text}: %{y} comments<extra></extra>"}
    if partial:
        trace["line"]["dash"] = "dot"
        trace["marker"] = {"symbol": ["circle"] * (len(x) - 1) + ["circle-open"],
                           "size": [6] * (len(x) - 1) + [9], "line": {"width": 2}}
    return trace


def volume_lines(labels: list[str], counts: dict[int, list[int]], titles: dict[int, str]) -> dict:
    """Volume per period of several themes on one shared axis, so their sizes compare. A last period that is not
    over (`queries.PeriodCounts.so_far`) is drawn dotted to a hollow point and marked "so far", not as a drop."""
    themes = list(counts)[:LINES]
    so_far = next((getattr(counts[t], "so_far", None) for t in themes), None)
    whole = len(labels) - 1 if so_far else len(labels)
    hover = [_day(x) for x in labels]
    if so_far:
        hover[-1] = f"{hover[-1]} {SO_FAR} ({so_far})"
    data = []
    for i, t in enumerate(themes):
        name, colour = short_title(titles[t]), PALETTE[i % len(PALETTE)]
        if whole:
            data.append(_line(t, name, colour, labels[:whole], counts[t][:whole], hover[:whole], False))
        if so_far:
            start = max(whole - 1, 0)
            data.append({**_line(t, name, colour, labels[start:], counts[t][start:], hover[start:], True),
                         "showlegend": not whole})
    return _figure(data, _layout(380, legend={"orientation": "h", "y": -0.15, "font": {"size": 11}},
                                 margin={"l": 40, "r": 10, "t": 24, "b": 30},
                                 annotations=[_so_far_note(labels[-1], so_far)] if so_far else [],
                                 xaxis=_time_axis(labels),
                                 yaxis={"title": {"text": "comments"}, "rangemode": "tozero"}))


def theme_series(series: list[dict]) -> dict:
    """One theme's volume (bars) and mean sentiment (line, right axis) over time; a last period that is not over
    (`so_far`) is a hatched, paler bar marked "so far"."""
    x = [str(s["period"]) for s in series]
    so_far = series[-1].get("so_far") if series else None
    hover = [f"{_day(p)}: {s['volume']} comments" for p, s in zip(x, series)]
    if so_far:
        hover[-1] = f"{_day(x[-1])} {SO_FAR} ({so_far}): {series[-1]['volume']} comments"
    last = len(x) - 1 if so_far else len(x)
    marker = {"color": ["#3b6fb6"] * last + ["rgba(59,111,182,0.45)"] * (len(x) - last),
              "pattern": {"shape": [""] * last + ["/"] * (len(x) - last)}}
    return _figure([{"type": "bar", "x": x, "y": [s["volume"] for s in series], "name": "comments",
                     "marker": marker, "text": hover, "textposition": "none",
                     "hovertemplate": "%{text}<extra></extra>"},
                    {"type": "scatter", "mode": "lines+markers", "x": x, "y": [s["sentiment"] for s in series],
                     "name": "sentiment", "yaxis": "y2", "line": {"color": "#c8423b"}}],
                   _layout(300, legend={"orientation": "h", "y": -0.2}, margin={"l": 45, "r": 45, "t": 24, "b": 30},
                           annotations=[_so_far_note(x[-1], so_far)] if so_far else [], xaxis=_time_axis(x),
                           yaxis={"title": {"text": "comments"}, "rangemode": "tozero"},
                           yaxis2={"overlaying": "y", "side": "right", "range": [-1, 1], "showgrid": False,
                                   "zeroline": False, "tickvals": [-1, 0, 1], "title": {"text": "sentiment"}}))


def segment_mix(rows: list[dict], dimension: str) -> dict:
    """This theme's share of each segment value beside the share among all comments."""
    values = [r["value"] for r in rows]
    return _figure([{"type": "bar", "x": values, "y": [r["share"] for r in rows], "name": "this theme",
                     "marker": {"color": "#3b6fb6"}},
                    {"type": "bar", "x": values, "y": [r["overall"] for r in rows], "name": "all comments",
                     "marker": {"color": "#c9d3df"}}],
                   _layout(220, barmode="group", yaxis={"tickformat": ".0%"},
                           legend={"orientation": "h", "y": -0.3}, xaxis={"title": {"text": dimension}}))


def _map_label(xs: list[float], ys: list[float], title: str, colour: str) -> dict:
    """A theme's title over the middle of its points, just above them (so they stay visible), framed in its colour."""
    return {"x": sum(xs) / len(xs), "y": max(ys), "yanchor": "bottom", "text": short_title(title), "showarrow": False,
            "font": {"size": 12, "color": "#1f2937"}, "bgcolor": "rgba(255,255,255,0.75)", "bordercolor": colour,
            "borderwidth": 1.5, "borderpad": 2}


def theme_map(points: list[dict]) -> dict:
    """Comments on their stored 2-D positions, one trace per theme (WebGL, so tens of thousands draw quickly). The
    new or spiking themes (`flagged`), then the largest, len(PALETTE) in all, get a colour each (no two alike) and
    their title over them; the others are grey: a new problem is found on the map whatever its size. Hover a point
    for its theme (its trace name, escaped as every text)."""
    by_theme: dict[int, dict] = {}
    for p in points:
        trace = by_theme.setdefault(p["theme_id"], {"x": [], "y": [], "title": p["title"],
                                                    "flagged": bool(p.get("flagged"))})
        trace["x"].append(round(p["x"], 3))
        trace["y"].append(round(p["y"], 3))
    data, labels = [], []
    shown_first = sorted(by_theme, key=lambda t: (not by_theme[t]["flagged"], -len(by_theme[t]["x"]), t))
    for rank, theme_id in enumerate(shown_first):
        t = by_theme[theme_id]
        colour = PALETTE[rank] if rank < len(PALETTE) else OTHER
        data.append({"type": "scattergl", "mode": "markers", "x": t["x"], "y": t["y"], "name": t["title"],
                     "hovertemplate": "%{fullData.name}<extra></extra>",
                     "marker": {"size": 4, "opacity": 0.7, "color": colour}})
        if rank < len(PALETTE):
            labels.append(_map_label(t["x"], t["y"], t["title"], colour))
    return _figure(data[::-1], _layout(640, showlegend=False, annotations=labels,  # grey drawn first, under
                                       xaxis={"visible": False}, yaxis={"visible": False}))
