"""The static HTML report (`voc report`, and the nightly flow): the pages' charts with no server.

One self-contained file: the stylesheet and plotly.min.js are inlined, the figures are the same
`voc.web.charts` the app draws, every value is escaped by Jinja's autoescape (figures go through
`tojson`, which escapes < > & '). A table of contents links each theme's section; each section
shows status, owner and the PM's note beside volume, trend, sentiment and CSAT.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from voc.web import charts, queries

HERE = Path(__file__).parent


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"]))


def _inline(path: Path) -> Markup:
    """A file we ship or a kept package ships, put verbatim into a <script>/<style> (checked for a closing tag)."""
    text = path.read_text(encoding="utf-8")
    if "</script" in text.lower() or "</style" in text.lower():
        raise ValueError(f"{path} contains a closing tag and cannot be inlined")
    return Markup(text)


def render(ov, con: duckdb.DuckDBPyConnection | None = None) -> str:
    """The report for an `voc.report.Overview`; with `con`, each theme also gets its weekly trend chart."""
    themes = [{**t, "title": t["title"], "volume": t["size"], "negative": t["share_negative"]} for t in ov.themes]
    labels, counts = (queries.trend_counts(con, [t["theme_id"] for t in themes], "week", queries.Filters())
                      if con is not None and themes else ([], {}))
    trend, top_count = {}, max((max(c) for c in counts.values() if c), default=0)
    for t in themes:
        if counts.get(t["theme_id"]):
            trend[t["theme_id"]] = charts.volume_lines(labels, {t["theme_id"]: counts[t["theme_id"]]},
                                                       {t["theme_id"]: t["title"]})
            trend[t["theme_id"]]["layout"].update(height=200, showlegend=False,  # one scale: sizes compare
                                                  yaxis={"range": [0, top_count * 1.05], "title": {"text": "per week"}})
    top = {t: counts[t] for t in sorted(counts, key=lambda t: -sum(counts[t]))}
    titles = {t["theme_id"]: t["title"] for t in themes}
    return _env().get_template("report.html").render(
        ov=ov, themes=themes, trend=trend, bar_chart=charts.top_themes(themes) if themes else None,
        line_chart=charts.volume_lines(labels, top, titles) if top else None,
        css=_inline(HERE / "static" / "voc.css"), plotly_js=_inline(charts.PLOTLY_JS),
        draw_js=_inline(HERE / "static" / "voc.js"))
