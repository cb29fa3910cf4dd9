"""Every read the web pages make, in one place; templates get plain dicts and lists, never SQL.

All of it reads the `current_*` views of a snapshot (see `voc.web.mirror`), so pages show the
last published run. Values are always parameters; the only identifiers put into SQL are the
segment dimensions, from a fixed tuple.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from voc.ingest.quarantine import QUARANTINE_SQL
from voc.ranking.trends import DETRACTOR, PROMOTER, SEGMENT_DIMENSIONS, nps_sql
from voc.store import dicts as rows
from voc.store import first_row, scalar

PERIODS = {"7d": 7, "30d": 30, "90d": 90, "all": None}
GRAINS = ("week", "day")
PAGE_SIZE = 25                  # comments per page on a theme page
TREND_BUCKETS = {"week": 12, "day": 28}  # how many weeks / days the themes table's trend column shows
MAP_POINTS = 20_000             # a map of more points is slow to draw and no more readable: a stable sample
PERIOD_DAYS = {"week": 7, "day": 1}


@dataclass
class Filters:
    """What the themes page and a theme's comment list can be narrowed to."""
    period: str = "all"
    channel: str = ""
    product: str = ""
    team: str = ""
    language: str = ""
    status: str = ""
    q: str = ""
    sentiment: str = ""
    segments: dict = field(default_factory=dict)

    @classmethod
    def from_query(cls, params) -> "Filters":
        f = cls(**{k: (params.get(k) or "").strip()[:200] for k in
                   ("period", "channel", "product", "team", "language", "status", "q", "sentiment")})
        f.period = f.period if f.period in PERIODS else "all"
        return f

    def where(self, as_of, themed: bool = True) -> tuple[str, list]:
        """A WHERE clause over current_assignments (alias a) for the comment-level filters; `themed=False` keeps the
        unclustered comments too (the whole the ranking measures a theme's impact against)."""
        clauses, params = ["a.theme_id >= 0" if themed else "TRUE"], []
        days = PERIODS[self.period]
        if days and as_of is not None:
            clauses.append("a.created_at > ?::TIMESTAMP - to_days(?)")
            params += [as_of, days]
        for dim in SEGMENT_DIMENSIONS:
            value = getattr(self, dim)
            if value:
                clauses.append(f"coalesce(a.{dim}, '(none)') = ?")
                params.append(value)
        if self.sentiment:
            clauses.append("a.sentiment = ?")
            params.append(self.sentiment)
        return " AND ".join(clauses), params

    def narrowed(self) -> bool:
        return bool(self.period != "all" or any(getattr(self, d) for d in SEGMENT_DIMENSIONS) or self.sentiment)


def as_of(con) -> object:
    return scalar(con, "SELECT max(created_at) FROM current_assignments")


def run_info(con) -> dict | None:
    found = rows(con, "SELECT r.run_id, r.finished_at, r.mode FROM runs r JOIN published p "
                      "ON p.name = 'themes' AND p.run_id = r.run_id")
    return found[0] if found else None


def facets(con) -> dict[str, list[str]]:
    """The values each filter can take, most frequent first."""
    out = {}
    for dim in SEGMENT_DIMENSIONS:
        out[dim] = [r[0] for r in con.execute(
            f"SELECT coalesce({dim}, '(none)') AS v FROM current_assignments GROUP BY v ORDER BY count(*) DESC, v "
            "LIMIT 50").fetchall()]
    return out


SCORE_SUMS = f"""sum(a.csat) AS csat_sum, count(a.csat) AS csat_n, count(*) FILTER (WHERE a.nps >= {PROMOTER}) AS
    promoters, count(*) FILTER (WHERE a.nps <= {DETRACTOR}) AS detractors, count(a.nps) AS nps_n"""
SCORE_KEYS = ("csat_sum", "csat_n", "promoters", "detractors", "nps_n")
IMPACT_DIGITS = 3  # as the ranking stores a theme's impact (`voc.ranking.rank.impacts`)


def themes(con, f: Filters) -> list[dict]:
    """Ranked themes with their volume under the filters, sentiment, CSAT/NPS and their impact, flags, status."""
    where, params = f.where(as_of(con))
    everyone_where, everyone_params = f.where(as_of(con), themed=False)
    everyone = first_row(con, f"SELECT {SCORE_SUMS} FROM current_assignments a WHERE {everyone_where}",
                         everyone_params)
    found = rows(con, f"""
        WITH v AS (SELECT a.theme_id, count(*) AS volume, avg(a.sentiment_score) AS sentiment,
                          avg(CASE WHEN a.sentiment = 'negative' THEN 1 ELSE 0 END) AS negative,
                          avg(a.csat) AS csat, {nps_sql("a.nps")} AS nps, {SCORE_SUMS}
                   FROM current_assignments a WHERE {where} GROUP BY a.theme_id)
        SELECT t.theme_id, t.rank, t.display_title AS title, t.keywords, t.status, t.owner, t.note, t.why,
               t.emerging, t.spike, t.size, v.volume, v.sentiment, v.negative, v.csat, v.nps,
               {", ".join(f"v.{k}" for k in SCORE_KEYS)}
        FROM current_themes t JOIN v USING (theme_id)
        WHERE (? = '' OR t.status = ?)
          AND (? = '' OR t.display_title ILIKE ? OR t.title ILIKE ? OR array_to_string(t.keywords, ' ') ILIKE ?)
        ORDER BY t.rank""", params + [f.status, f.status] + [f.q] + [f"%{f.q}%"] * 3)
    everyone = dict(zip(SCORE_KEYS, everyone))
    for t in found:
        t["csat_impact"], t["nps_impact"] = score_impacts(t, everyone)
    return found


def score_impacts(theme: dict, everyone: dict) -> tuple[float | None, float | None]:
    """A theme's impact as the ranking defines it (`voc.ranking.rank`), over the comments the filters keep: how many
    points the overall CSAT and NPS would change without the theme's comments (positive: the theme pulls the score
    down); None where the theme, or everything else, has no rating. Both dicts hold the SCORE_SUMS columns."""
    def change(keys: tuple[str, ...], score) -> float | None:
        total = [everyone[k] or 0 for k in keys]
        rest = [a - (theme[k] or 0) for a, k in zip(total, keys)]
        if not theme[keys[-1]] or not rest[-1]:  # the last key counts the ratings
            return None
        return round(score(*rest) - score(*total), IMPACT_DIGITS)

    return (change(("csat_sum", "csat_n"), lambda total, n: total / n),
            change(("promoters", "detractors", "nps_n"), lambda promoters, detractors, n:
                   100.0 * (promoters - detractors) / n))


class PeriodCounts(list):
    """Comments per period, oldest first. `so_far` says how much of the last period the data cover when that period
    is not over ("3 of 7 days", "to 11:05"), else None: charts draw such a period as partial, not as a drop."""

    def __init__(self, values=(), so_far: str | None = None):
        super().__init__(values)
        self.so_far = so_far


def data_until(con) -> datetime | None:
    """When the published comments end: the end of the newest comment's day, or the start of the run that read
    them if that came first (a run during the day). A period ending later is not over in the data."""
    newest = as_of(con)
    if newest is None:
        return None
    day_end = datetime.combine(newest.date(), time()) + timedelta(days=1)
    read = scalar(con, "SELECT max(started_at) FROM runs WHERE status = 'succeeded' AND mode <> 'edit'")
    return max(newest, min(read, day_end)) if read is not None else day_end


def so_far(start, grain: str, until: datetime | None) -> str | None:
    """How much of the period `grain` starting at `start` the data reaching `until` cover, when not all of it."""
    start = datetime.combine(start, time()) if not isinstance(start, datetime) else start
    length = timedelta(days=PERIOD_DAYS[grain])
    if until is None or until >= start + length:
        return None
    if grain == "day":
        return f"to {until:%H:%M}"
    if until.time() != time():  # a run during the day: up to when
        return f"to {until:%a %H:%M}"
    return f"{(until - start).days} of {PERIOD_DAYS[grain]} days"


def trend_counts(con, theme_ids: list[int], grain: str, f: Filters) -> tuple[list[str], dict[int, PeriodCounts]]:
    """Volume per theme per week or day over the last TREND_BUCKETS[grain] periods: (period labels, counts); the
    counts say when the last period is not over yet (`PeriodCounts.so_far`)."""
    end = as_of(con)
    if end is None or not theme_ids:
        return [], {}
    n = TREND_BUCKETS[grain]
    where, params = f.where(end)
    found = con.execute(f"""
        SELECT a.theme_id, date_diff(?, date_trunc(?, a.created_at), date_trunc(?, ?::TIMESTAMP)) AS age, count(*)
        FROM current_assignments a WHERE {where} AND a.theme_id IN (SELECT unnest(?))
          AND date_trunc(?, a.created_at) > date_trunc(?, ?::TIMESTAMP) - to_days(?)
        GROUP BY ALL""", [grain, grain, grain, end] + params + [theme_ids, grain, grain, end,
                                                                n * PERIOD_DAYS[grain]]).fetchall()
    counts = {t: [0] * n for t in theme_ids}
    for theme, age, count in found:
        if 0 <= age < n:
            counts[theme][n - 1 - age] = count
    starts = [r[0] for r in con.execute(
        "SELECT date_trunc(?, ?::TIMESTAMP) - to_days(? * i) FROM range(?) r(i) ORDER BY i DESC",
        [grain, end, PERIOD_DAYS[grain], n]).fetchall()]
    first = min((next((i for i, v in enumerate(c) if v), n) for c in counts.values()), default=0)
    first = min(first, n - 1)  # periods before the oldest comment are left out, not drawn as zeros
    partial = so_far(starts[-1], grain, data_until(con))
    return [str(s)[:10] for s in starts[first:]], {t: PeriodCounts(c[first:], partial) for t, c in counts.items()}


def theme(con, theme_id: int) -> dict | None:
    found = rows(con, "SELECT * FROM current_themes WHERE theme_id = ?", [theme_id])
    if not found:
        return None
    t = found[0]
    t["languages"] = json.loads(t["languages"]) if isinstance(t["languages"], str) else t["languages"]
    return t


def theme_choices(con) -> list[dict]:
    return rows(con, "SELECT theme_id, display_title AS title FROM current_themes ORDER BY rank")


def sub_themes(con, theme_id: int) -> list[dict]:
    """A theme's sub-themes, largest first; empty while the store has no sub-theme level (schema before it)."""
    has = scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'current_subthemes'")
    if not has:
        return []
    return rows(con, "SELECT subtheme_id, title, keywords, size FROM current_subthemes WHERE theme_id = ? "
                     "ORDER BY size DESC, subtheme_id", [theme_id])


def comments(con, theme_id: int, f: Filters, page: int) -> tuple[list[dict], int]:
    """One page of a theme's comments (newest first) under the filters, and how many there are in all."""
    where, params = f.where(as_of(con))
    where += " AND a.theme_id = ?" + (" AND a.text ILIKE ?" if f.q else "")
    params += [theme_id] + ([f"%{f.q}%"] if f.q else [])
    total = scalar(con, f"SELECT count(*) FROM current_assignments a WHERE {where}", params)
    found = rows(con, f"""SELECT a.source, a.comment_id, a.created_at, a.text, a.channel, a.product, a.team,
                                 a.language, a.sentiment, a.sentiment_score, a.csat, a.corrected_by
                          FROM current_assignments a WHERE {where}
                          ORDER BY a.created_at DESC, a.source, a.comment_id LIMIT ? OFFSET ?""",
                 params + [PAGE_SIZE, max(0, page - 1) * PAGE_SIZE])
    return found, total


def series(con, theme_id: int, grain: str) -> list[dict]:
    """Volume and mean sentiment of one theme per week or day; the last period's `so_far` says how much of it the
    data cover when it is not over yet (else None)."""
    found = rows(con, """SELECT date_trunc(?, created_at)::DATE AS period, count(*) AS volume,
                                round(avg(sentiment_score), 3) AS sentiment, NULL AS so_far
                         FROM current_assignments WHERE theme_id = ? GROUP BY ALL ORDER BY period""",
                 [grain, theme_id])
    if found:
        found[-1]["so_far"] = so_far(found[-1]["period"], grain, data_until(con))
    return found


def segments(con, theme_id: int) -> dict[str, list[dict]]:
    """Per dimension: each value's share of the theme against its share of all comments; over-represented first."""
    out = {}
    for dim in SEGMENT_DIMENSIONS:
        out[dim] = rows(con, f"""
            WITH overall AS (SELECT coalesce({dim}, '(none)') AS value, count(*) / sum(count(*)) OVER () AS overall
                             FROM current_assignments WHERE theme_id >= 0 GROUP BY value),
                 here AS (SELECT coalesce({dim}, '(none)') AS value, count(*) AS volume,
                                 count(*) / sum(count(*)) OVER () AS share
                          FROM current_assignments WHERE theme_id = ? GROUP BY value)
            SELECT value, volume, share, overall, share / overall AS lift
            FROM here JOIN overall USING (value) ORDER BY lift DESC, volume DESC LIMIT 12""", [theme_id])
    return out


def lineage(con, theme_id: int) -> list[dict]:
    """Merges and splits this theme took part in, with the other theme's last known title."""
    return rows(con, """
        SELECT l.run_id, l.kind, l.parent_id, l.child_id, l.overlap,
               CASE WHEN l.parent_id = ? THEN l.child_id ELSE l.parent_id END AS other_id,
               (SELECT t.title FROM themes t WHERE t.theme_id = CASE WHEN l.parent_id = ? THEN l.child_id
                    ELSE l.parent_id END ORDER BY t.run_id DESC LIMIT 1) AS other_title
        FROM theme_lineage l WHERE ? IN (l.parent_id, l.child_id) ORDER BY l.run_id DESC""",
                [theme_id, theme_id, theme_id])


def merged_into(con, theme_id: int) -> list[int]:
    """The themes `theme_id` was merged into, one after the other (lineage, the latest merge of each), ending at one
    the published run has; [] for an id no merge took in, or a chain that ends nowhere (or loops)."""
    chain, current = [], theme_id
    while True:
        found = first_row(con, "SELECT child_id FROM theme_lineage WHERE parent_id = ? AND kind = 'merge' "
                               "ORDER BY run_id DESC, overlap DESC LIMIT 1", [current])
        if found is None or found[0] == theme_id or found[0] in chain:
            return []
        current = found[0]
        chain.append(current)
        if scalar(con, "SELECT count(*) FROM current_themes WHERE theme_id = ?", [current]):
            return chain


def map_points(con, limit: int = MAP_POINTS) -> list[dict]:
    """Up to `limit` themed comments of the published run with their stored 2-D position, a stable sample; `flagged`:
    their theme is new or spiking."""
    return rows(con, """
        SELECT m.x, m.y, a.theme_id, a.theme_title AS title, coalesce(t.emerging OR t.spike, false) AS flagged
        FROM comment_map m JOIN current_assignments a USING (source, comment_id)
        LEFT JOIN current_themes t ON t.theme_id = a.theme_id
        WHERE a.theme_id >= 0
        ORDER BY hash(m.source || m.comment_id) LIMIT ?""", [limit])


def runs(con, limit: int = 50) -> list[dict]:
    found = rows(con, """SELECT run_id, started_at, finished_at, mode, status, source, stats, error,
                                date_diff('second', started_at, finished_at) AS seconds
                         FROM runs ORDER BY run_id DESC LIMIT ?""", [limit])
    for r in found:
        stats = json.loads(r["stats"]) if r["stats"] else {}
        ingest = stats.get("ingest", {})
        r["read"], r["quarantined"] = ingest.get("rows_read"), ingest.get("quarantined")
        r["redacted"] = sum((ingest.get("redactions") or {}).values()) if ingest else None
        r["themes"], r["new_themes"] = stats.get("themes"), len(stats.get("emerging") or [])
    return found


def quarantine(con, limit: int = 200) -> tuple[list[dict], int, int]:
    """The open quarantined rows, newest run first (at most `limit`), how many are open, and how many a later run
    resolved by storing their comment (`voc quarantine --resolved` lists those)."""
    open_rows, resolved = first_row(con, f"SELECT count(*) FILTER (WHERE resolved_run_id IS NULL), "
                                         f"count(resolved_run_id) FROM ({QUARANTINE_SQL})")
    return rows(con, f"SELECT run_id, source, row_number, comment_id, reason, quarantined_at FROM ({QUARANTINE_SQL}) "
                     "WHERE resolved_run_id IS NULL ORDER BY run_id DESC, source, row_number LIMIT ?",
                [limit]), open_rows, resolved


def counts(con) -> dict:
    row = first_row(con, "SELECT count(*), count(*) FILTER (WHERE theme_id < 0), count(DISTINCT theme_id) "
                         "FILTER (WHERE theme_id >= 0) FROM current_assignments")
    return {"comments": row[0], "unclustered": row[1], "themes": row[2]}
