"""The static HTML report (`voc report`, and the nightly flow): the pages' figures with no server and no script.

One self-contained file of a few hundred kilobytes: the stylesheet is inlined and the charts are inline SVG
(`voc.web.svg`), so the report opens offline, in a mail client and on paper. Every value is escaped by
Jinja's autoescape, and the SVG helpers escape their own texts. A table of contents links each theme's
section; each section shows status, owner and the PM's note beside volume, trend, sentiment and CSAT.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from voc.ranking.rank import needs_a_look
from voc.web import queries, queries_themes, svg
from voc.web.charts import LINES, TOP_THEMES

HERE = Path(__file__).parent
TREND_HEIGHT = 140  # a theme's own weekly trend: small, one line, the scale shared by all themes


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"]))


def _inline(path: Path) -> Markup:
    """A stylesheet we ship, put verbatim into a <style> (checked for a closing tag)."""
    text = path.read_text(encoding="utf-8")
    if "</style" in text.lower():
        raise ValueError(f"{path} contains a closing tag and cannot be inlined")
    return Markup(text)


def render(ov, con: duckdb.DuckDBPyConnection | None = None) -> str:
    """The report for an `voc.pm.report.Overview`; with `con`, each theme also gets its weekly trend chart."""
    themes = ov.themes
    name = {t["theme_id"]: t["title"] for t in themes}  # titles are unique; "#" would read as the rank here
    periods, counts = (queries_themes.trend_counts(con, list(name), "week", queries.Filters())
                       if con is not None and themes else ([], {}))
    top_count = max((max(c) for c in counts.values() if c), default=0)
    trend = {t: svg.lines(periods, [(name[t], c)], height=TREND_HEIGHT, y_max=top_count, legend=False,
                          label=f"weekly comments of {name[t]}") for t, c in counts.items() if any(c)}
    biggest = sorted(counts, key=lambda t: -sum(counts[t]))[:LINES]
    by_volume = sorted(themes, key=lambda t: -t["size"])[:TOP_THEMES]
    bar_chart = svg.bars([(name[t["theme_id"]], t["size"], t["share_negative"]) for t in by_volume],
                         label="top themes by volume") if themes else None
    line_chart = svg.lines(periods, [(name[t], counts[t]) for t in biggest],
                           label="weekly volume of the biggest themes") if biggest else None
    return _env().get_template("report.html").render(
        ov=ov, themes=themes, attention=needs_a_look(themes), trend=trend, bar_chart=bar_chart,
        line_chart=line_chart,
        css=_inline(HERE / "static" / "voc.css"))
