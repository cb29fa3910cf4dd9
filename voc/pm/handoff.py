"""A handoff package for a product team: ranked themes as Parquet/CSV, a Markdown summary, a Jira CSV.

A theme belongs to a team when the team owns it (`voc status --owner`), or, while
it has no owner, when most of its comments carry that team. The theme id is in
every file (and a `voc-theme-<id>` label in the Jira CSV; a theme with a ticket
also carries its `Issue Key`), so a repeated handoff updates what the team already
has instead of duplicating it. A theme without a key would be created again by each
import: the summary and the command say how many, and how to write the keys back.
A declined theme without an Issue Key is not in the Jira CSV (importing it would open a
ticket for a problem the PM declined); one that has an issue stays in it, its description
saying it was declined and why, so the import updates that issue and the team can close it.
The other files list every theme with its status. Quotes are comment texts, redacted at ingest.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import duckdb

from voc.errors import NotFoundError
from voc.outputs import check_folder, write_file
from voc.pm.report import write_table
from voc.ranking.rank import growth_text
from voc.text import escape

THEMES_SQL = """
WITH team_counts AS (SELECT theme_id, team, count(*) AS n FROM current_assignments
                     WHERE theme_id >= 0 AND team IS NOT NULL GROUP BY theme_id, team),
teams AS (SELECT theme_id, team AS main_team FROM team_counts  -- the most comments; a tie goes to the first name
          QUALIFY row_number() OVER (PARTITION BY theme_id ORDER BY n DESC, team) = 1),
subs AS (SELECT theme_id, list(title || ' (' || size || ')' ORDER BY size DESC, subtheme_id) AS subthemes
         FROM current_subthemes GROUP BY theme_id)
SELECT t.theme_id, t.rank, t.display_title AS title, t.status, t.owner, coalesce(t.owner, teams.main_team) AS team,
       t.note, CASE WHEN t.status = 'declined' THEN t.reason END AS declined_because, t.ticket_key, t.ticket_url,
       t.size, t.share, t.volume_current, t.volume_previous, t.growth,
       t.mean_sentiment, t.share_negative, t.mean_csat, t.nps, t.mean_nps, t.emerging, t.spike, t.priority, t.why,
       t.keywords, coalesce(subs.subthemes, []) AS subthemes, t.representatives AS quotes
FROM current_themes t LEFT JOIN teams USING (theme_id) LEFT JOIN subs USING (theme_id)
WHERE ? IS NULL OR coalesce(t.owner, teams.main_team) = ?
ORDER BY t.rank
"""


NOT_IN_JIRA = ("declined",)  # statuses left out of the Jira CSV: an import would open a ticket for a non-problem
KEY_HINT = "voc status ID --ticket KEY"  # how a PM writes a created issue's key back
IDS_NAMED = 12  # theme ids a note names: enough for a team's handoff, one line for all teams' hundreds


@dataclass(frozen=True)
class HandoffFiles:
    parquet: Path
    csv: Path
    markdown: Path
    jira: Path
    themes: int
    without_key: tuple[int, ...] = ()  # themes in jira.csv without an Issue Key: an import creates them again
    declined: tuple[int, ...] = ()     # themes left out of jira.csv (NOT_IN_JIRA)

    def wrote(self) -> str:
        """What the command says it wrote, with what jira.csv leaves out and which of its rows have no key yet."""
        line = f"wrote {self.themes} themes to {self.parquet}, {self.csv}, {self.markdown} and {self.jira}"
        return line + "".join(f"; {note}" for note in jira_notes(self.without_key, self.declined))


def in_jira(themes: list[dict]) -> list[dict]:
    """The themes the Jira CSV carries: all but the declined ones that have no issue yet (one that has an issue
    stays, so the import tells that issue it was declined)."""
    return [t for t in themes if t["status"] not in NOT_IN_JIRA or t["ticket_key"]]


def left_for_jira(themes: list[dict]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(themes in jira.csv without an Issue Key, declined themes left out of it), by id."""
    carried = in_jira(themes)
    ids = {t["theme_id"] for t in carried}
    return (tuple(t["theme_id"] for t in carried if not t["ticket_key"]),
            tuple(t["theme_id"] for t in themes if t["theme_id"] not in ids))


def jira_notes(without_key: tuple[int, ...], declined: tuple[int, ...]) -> list[str]:
    """What to know before importing jira.csv: its themes without an Issue Key (each import creates them anew) and
    how to write the keys back, and the declined themes it leaves out; nothing when there are none. Our own words
    and theme ids only: nothing a user wrote, so the same text serves the terminal and Markdown."""
    notes = []
    if without_key:
        notes.append(f"{len(without_key)} theme(s) in jira.csv have no Issue Key ({_named(without_key)}): importing "
                     f"it again creates new issues for them; after an import, write each issue's key back with "
                     f"`{KEY_HINT}`")
    if declined:
        notes.append(f"{len(declined)} declined theme(s) not in jira.csv ({_named(declined)})")
    return notes


def _named(theme_ids: tuple[int, ...]) -> str:
    """"#1, #6, #29", the first IDS_NAMED of them."""
    more = ", …" if len(theme_ids) > IDS_NAMED else ""
    return ", ".join(f"#{t}" for t in theme_ids[:IDS_NAMED]) + more


def _trend(t: dict) -> str:
    flags = " ".join(f for f, on in (("EMERGING", t["emerging"]), ("SPIKE", t["spike"])) if on)
    change = growth_text(t["volume_previous"], t["volume_current"], t["growth"])
    return f"{t['volume_previous']} → {t['volume_current']} ({change})" + (f" {flags}" if flags else "")


def markdown(themes: list[dict], team: str | None) -> str:
    """The team's summary. Everything users wrote (titles, notes, quotes, keywords) is shown as text."""
    md = escape.markdown
    notes = jira_notes(*left_for_jira(themes))
    lines = [f"# Customer themes for {md(team or 'all teams')}", "",
             f"{len(themes)} themes, ranked by priority: share of comments × negativity × momentum × CSAT/NPS "
             "impact (each theme's factors under 'Why this rank').", "",
             *[f"- {n[0].upper() + n[1:]}." for n in notes], *([""] if notes else [])]
    for t in themes:
        lines += [f"## {t['rank']}. {md(t['title'])} (theme {t['theme_id']})", "",
                  f"- Status: **{md(t['status'])}**" + (f", owner {md(t['owner'])}" if t["owner"] else "")
                  + (f", ticket {md(t['ticket_key'])}" if t["ticket_key"] else "")
                  + (f", because {md(t['declined_because'])}" if t["declined_because"] else ""),
                  f"- Volume: {t['size']} comments ({t['share']:.1%}); last period {_trend(t)}",
                  f"- Sentiment: {t['mean_sentiment']:+.2f}, {t['share_negative']:.0%} negative"
                  + (f", CSAT {t['mean_csat']:.1f}" if t["mean_csat"] is not None else "")
                  + (f", NPS {t['nps']:+.0f}" if t["nps"] is not None else ""),
                  f"- Why this rank: {md(t['why'])}",
                  f"- Keywords: {md(', '.join(t['keywords']))}",
                  f"- Sub-themes: {md(' · '.join(t['subthemes']))}"]
        if t["note"]:
            lines.append(f"- PM note: {md(t['note'])}")
        lines += ["", *[f"> {md(q)}" for q in t["quotes"][:3]], ""]
    return "\n".join(lines)


def jira_rows(themes: list[dict]) -> list[list[str]]:
    """Summary, Description, Labels (twice: Jira reads repeated columns as several labels), Issue Key, for the themes
    `in_jira`. The Description starts with the theme's status in voc, its owner and the PM's note.
    Jira renders a Description's wiki markup, so what users wrote there (sub-theme titles, quotes) and the ranking's
    words are escaped for it (`escape.jira`): a comment's `[Verify here|https://...]` or `{color:red}` reads as
    typed. The Summary is plain text in Jira, shown as it is. Every cell is spreadsheet-safe (`escape.csv_cell`)."""
    rows = [["Summary", "Description", "Labels", "Labels", "Issue Key"]]
    wiki = escape.jira
    for t in in_jira(themes):
        description = "\n".join([
            f"Customer theme {t['theme_id']} from voc: {t['size']} comments, trend {_trend(t)}.",
            _status_line(t),
            f"Sentiment {t['mean_sentiment']:+.2f} ({t['share_negative']:.0%} negative). Why ranked: {wiki(t['why'])}",
            "Sub-themes (title and comments): " + " · ".join(map(wiki, t["subthemes"])),
            "Typical comments:", *[f"* {wiki(q)}" for q in t["quotes"][:3]]])
        row = [f"[voc #{t['theme_id']}] {t['title']}", description, "voc", f"voc-theme-{t['theme_id']}",
               t["ticket_key"] or ""]
        rows.append([escape.csv_cell(cell) for cell in row])
    return rows


def _status_line(t: dict) -> str:
    """'Status in voc: declined (owner pm.anna), because ... PM note: ...', escaped for Jira's wiki markup."""
    owner = f" (owner {escape.jira(t['owner'])})" if t["owner"] else ""
    because = f", because {escape.jira(t['declined_because'])}" if t["declined_because"] else ""
    note = f" PM note: {escape.jira(t['note'])}" if t["note"] else ""
    return f"Status in voc: {t['status']}{owner}{because}.{note}"


def write_handoff(con: duckdb.DuckDBPyConnection, out_dir: Path, team: str | None = None,
                  db: Path | None = None) -> HandoffFiles:
    table = con.sql(THEMES_SQL, params=[team, team]).to_arrow_table()  # the store's types, whatever the rows hold
    themes = table.to_pylist()
    if not themes:
        known = sorted({r[0] for r in con.execute(
            "SELECT DISTINCT team FROM current_assignments WHERE team IS NOT NULL").fetchall()})
        raise NotFoundError(f"no published themes for team {team!r}; teams in the data: {', '.join(known) or 'none'}")
    out_dir = check_folder(out_dir, db)
    files = HandoffFiles(out_dir / "themes.parquet", out_dir / "themes.csv", out_dir / "summary.md",
                         out_dir / "jira.csv", len(themes), *left_for_jira(themes))
    write_table(table, "parquet", files.parquet, db)
    write_table(table, "csv", files.csv, db)
    write_file(files.markdown, db, lambda tmp: tmp.write_text(markdown(themes, team), encoding="utf-8"))
    jira = io.StringIO()
    csv.writer(jira).writerows(jira_rows(themes))
    write_file(files.jira, db, lambda tmp: tmp.write_text(jira.getvalue(), encoding="utf-8"))
    return files
