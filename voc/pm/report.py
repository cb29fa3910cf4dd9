"""Read published results for people: the ranked table, exports, an HTML report.

Everything here reads the `current_*` views, so it always shows the last run that
succeeded. Texts in the store are already redacted.
"""

from __future__ import annotations

import codecs
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from voc.errors import ConfigError, NoResultsError
from voc.outputs import STDOUT, write_file
from voc.ranking.trends import SEGMENTS_SQL, TRENDS_SQL
from voc.store import dicts, first_row
from voc.store import open as store_open
from voc.text.escape import csv_table

FORMATS = ("csv", "excel", "parquet")  # excel: UTF-16 text with tabs, what Excel opens right in every locale
BINARY_FORMATS = {"parquet": "parquet", "excel": "txt"}  # not for a terminal; the file name suffix to suggest
EXPORTS = {
    "themes": "SELECT theme_id, rank, display_title AS title, title AS generated_title, status, owner, note, "
              "CASE WHEN status = 'declined' THEN reason END AS reason, ticket_key, keywords, size, share, languages, "
              "mean_sentiment, share_negative, mean_csat, mean_nps, "
              "nps, csat_impact, nps_impact, subthemes, volume_current, volume_previous, growth, priority, first_seen, "
              "emerging, spike, why, representatives, share_human_label, share_score_label "
              "FROM current_themes ORDER BY rank",
    "subthemes": "SELECT s.subtheme_id, s.theme_id, t.display_title AS theme_title, s.title, s.size, s.keywords, "
                 "s.languages, s.representatives FROM current_subthemes s JOIN current_themes t USING (theme_id) "
                 "ORDER BY t.rank, s.size DESC, s.subtheme_id",
    "trends": TRENDS_SQL,
    "segments": SEGMENTS_SQL,
    "assignments": "SELECT comment_id, theme_id, coalesce(theme_title, 'unclustered') AS theme_title, "
                   "CASE WHEN theme_id < 0 THEN -1 ELSE subtheme_id END AS subtheme_id, "
                   "coalesce(subtheme_title, 'unclustered') AS subtheme_title, sentiment, sentiment_score, "
                   "sentiment_origin, source FROM current_assignments ORDER BY source, comment_id",
}


@dataclass
class Overview:
    run_id: int
    finished_at: str
    comments: int
    unclustered: int
    themes: list[dict]
    stats: dict | None = None

    @property
    def unclustered_share(self) -> float:
        return self.unclustered / self.comments if self.comments else 0.0


def overview(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> Overview:
    run = first_row(con, "SELECT r.run_id, r.finished_at, r.stats FROM runs r JOIN published p ON p.name = 'themes' "
                         "AND p.run_id = r.run_id")
    if run is None:
        raise NoResultsError()
    counts = first_row(con, "SELECT count(*), count(*) FILTER (WHERE theme_id < 0) FROM current_assignments")
    themes = dicts(con, EXPORTS["themes"] + (" LIMIT ?" if limit else ""), [limit] if limit else [])
    subs: dict[int, list[dict]] = {}
    for theme_id, sub_id, title, size in con.execute(
            "SELECT theme_id, subtheme_id, title, size FROM current_subthemes "
            "ORDER BY size DESC, subtheme_id").fetchall():
        subs.setdefault(theme_id, []).append({"subtheme_id": sub_id, "title": title, "size": size})
    for t in themes:
        t["languages"] = json.loads(t["languages"])
        t["sub_themes"] = subs.get(t["theme_id"], [])
    return Overview(run[0], str(run[1])[:19], counts[0], counts[1], themes, json.loads(run[2]) if run[2] else None)


def export(con: duckdb.DuckDBPyConnection, what: str, fmt: str, out: Path, db: Path | None = None) -> int:
    """Write published results as CSV, Excel text or Parquet to `out` (never over the store `db`; `-` is standard
    output, for parquet and Excel text only when that is not a terminal); returns the row count."""
    if what not in EXPORTS:
        raise ConfigError(f"cannot export {what!r}: choose {', '.join(EXPORTS)}")
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r}: choose {', '.join(FORMATS[:-1])} or {FORMATS[-1]}")
    if fmt in BINARY_FORMATS and str(out) == STDOUT and sys.stdout.isatty():
        raise ConfigError(f"{fmt} output would garble the terminal: redirect it (voc export {what} --format {fmt} "
                          f"--out - > {what}.{BINARY_FORMATS[fmt]}) or pass --out {what}.{BINARY_FORMATS[fmt]}")
    overview(con, limit=1)  # raises a clear error when nothing is published
    table = con.sql(EXPORTS[what]).to_arrow_table()
    write_table(table, fmt, out, db)
    return table.num_rows


def write_table(table: pa.Table, fmt: str, out: Path, db: Path | None) -> None:
    """Parquet as it is; CSV (UTF-8, commas) and Excel text with lists joined and formula-like cells escaped (see
    `voc.text.escape`)."""
    if fmt == "parquet":
        write_file(out, db, lambda tmp: pq.write_table(table, tmp))
    elif fmt == "excel":
        write_file(out, db, lambda tmp: write_excel_text(csv_table(table), tmp))
    else:
        write_file(out, db, lambda tmp: pacsv.write_csv(csv_table(table), tmp))


def write_excel_text(table: pa.Table, path: Path) -> None:
    """What Excel saves as "Unicode Text": UTF-16 with a byte-order mark, tab-separated. Excel opens it with its
    umlauts and columns right in any locale, where a UTF-8 CSV shows "PrÃ¼fung" and a German Excel expects ";"."""
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(delimiter="\t", eol="\r\n"))
    path.write_bytes(codecs.BOM_UTF16_LE + sink.getvalue().to_pybytes().decode("utf-8").encode("utf-16-le"))


def render_html(ov: Overview, con: duckdb.DuckDBPyConnection | None = None) -> str:
    """A self-contained HTML report: charts (inline SVG, no script), a table of contents, one section per theme in
    rank order with status (and why, when declined), owner and note; with `con`, each theme's weekly trend too (see
    voc.web.static_report)."""
    from voc.web.static_report import render

    return render(ov, con)


def write_report(db: Path, out: Path) -> Path:
    """Render the report of the published run in `db` and write it to `out` in one step (`voc report`, the flow)."""
    with store_open(db) as con:
        page = render_html(overview(con), con)
    return write_file(out, db, lambda tmp: tmp.write_text(page, encoding="utf-8"))
