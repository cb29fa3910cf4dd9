"""What the themes page, the map page and the HTML report read: the ranked themes under the filters, their trend
over the last weeks or days, the totals, the map's points (see `voc.web.queries` for what the pages share)."""

from __future__ import annotations

from voc.errors import ThemeNotFoundError
from voc.pm.handoff import THEMES_SQL as HANDOFF_SQL
from voc.ranking.trends import DETRACTOR, PROMOTER, nps_sql
from voc.store import dicts as rows
from voc.store import first_row
from voc.web.queries import PERIOD_DAYS, Filters, PeriodCounts, as_of, data_until, so_far

TREND_BUCKETS = {"week": 12, "day": 28}  # how many weeks / days the themes table's trend column shows
MAP_POINTS = 20_000             # a map of more points is slow to draw and no more readable: a stable sample


def run_info(con) -> dict | None:
    found = rows(con, "SELECT r.run_id, r.finished_at, r.mode FROM runs r JOIN published p "
                      "ON p.name = 'themes' AND p.run_id = r.run_id")
    return found[0] if found else None


SCORE_SUMS = f"""sum(a.csat) AS csat_sum, count(a.csat) AS csat_n, count(*) FILTER (WHERE a.nps >= {PROMOTER}) AS
    promoters, count(*) FILTER (WHERE a.nps <= {DETRACTOR}) AS detractors, count(a.nps) AS nps_n"""
SCORE_KEYS = ("csat_sum", "csat_n", "promoters", "detractors", "nps_n")
IMPACT_DIGITS = 3  # as the ranking stores a theme's impact (`voc.ranking.rank.impacts`)
CLOSED = ("done", "declined")  # no open work: listed below the open themes, so the ranking of what to act on reads


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
               t.priority, t.status IN (SELECT unnest(?)) AS closed, t.emerging, t.spike, t.size, v.volume,
               v.sentiment, v.negative, v.csat, v.nps,
               {", ".join(f"v.{k}" for k in SCORE_KEYS)}
        FROM current_themes t JOIN v USING (theme_id)
        WHERE (? = '' OR t.status = ?)
          AND (? = '' OR t.display_title ILIKE ? OR t.title ILIKE ? OR array_to_string(t.keywords, ' ') ILIKE ?)
        ORDER BY closed, t.rank""", params + [list(CLOSED)] + [f.status, f.status] + [f.q] + [f"%{f.q}%"] * 3)
    everyone = dict(zip(SCORE_KEYS, everyone))
    for t in found:
        t["csat_impact"], t["nps_impact"] = score_impacts(t, everyone)
    return found


def handoff_teams(con) -> list[str]:
    """The teams a handoff can be for: each theme's as `voc handoff` reads it (its owner, else the team most of its
    comments carry), in name order."""
    return [r[0] for r in con.execute(f"SELECT DISTINCT team FROM ({HANDOFF_SQL}) WHERE team IS NOT NULL ORDER BY 1",
                                      [None, None]).fetchall()]


def team_of(con, theme_id: int) -> str | None:
    """The team `voc handoff` hands the theme to (None: neither an owner nor a team on its comments);
    ThemeNotFoundError for an id the published results do not have."""
    found = con.execute(f"SELECT team FROM ({HANDOFF_SQL}) WHERE theme_id = ?", [None, None, theme_id]).fetchall()
    if not found:
        raise ThemeNotFoundError(theme_id)
    return found[0][0]


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


def counts(con) -> dict:
    row = first_row(con, "SELECT count(*), count(*) FILTER (WHERE theme_id < 0), count(DISTINCT theme_id) "
                         "FILTER (WHERE theme_id >= 0) FROM current_assignments")
    return {"comments": row[0], "unclustered": row[1], "themes": row[2]}


def map_points(con, limit: int = MAP_POINTS) -> list[dict]:
    """Up to `limit` themed comments of the published run with their stored 2-D position, a stable sample; `flagged`:
    their theme is new or spiking."""
    return rows(con, """
        SELECT m.x, m.y, a.theme_id, a.theme_title AS title, coalesce(t.emerging OR t.spike, false) AS flagged
        FROM comment_map m JOIN current_assignments a USING (source, comment_id)
        LEFT JOIN current_themes t ON t.theme_id = a.theme_id
        WHERE a.theme_id >= 0
        ORDER BY hash(m.source || m.comment_id) LIMIT ?""", [limit])
