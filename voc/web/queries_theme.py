"""What a theme's page reads: the theme, one page of its comments, its volume over time, its segments and its
merges and splits (see `voc.web.queries` for what the pages share)."""

from __future__ import annotations

import json

from voc.ranking.trends import SEGMENT_DIMENSIONS
from voc.store import dicts as rows
from voc.store import first_row, scalar
from voc.web.queries import PERIOD_DAYS, Filters, as_of, data_until, so_far

PAGE_SIZE = 25                  # comments per page on a theme page


def theme(con, theme_id: int) -> dict | None:
    found = rows(con, "SELECT * FROM current_themes WHERE theme_id = ?", [theme_id])
    if not found:
        return None
    t = found[0]
    t["languages"] = json.loads(t["languages"]) if isinstance(t["languages"], str) else t["languages"]
    return t


def theme_choices(con) -> list[dict]:
    return rows(con, "SELECT theme_id, display_title AS title FROM current_themes ORDER BY rank")


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
    """Volume and mean sentiment of one theme per week or day, every period from its first to its last (0 comments,
    no sentiment, where none came: a gap is not closed up on the axis); the last period's `so_far` says how much of it the data cover when it is not
    over yet (else None)."""
    found = rows(con, """WITH said AS (SELECT date_trunc(?, created_at)::DATE AS period, count(*) AS volume,
                                             round(avg(sentiment_score), 3) AS sentiment
                                      FROM current_assignments WHERE theme_id = ? GROUP BY ALL),
                              every AS (SELECT unnest(range(min(period)::TIMESTAMP, max(period) + to_days(?),
                                                            to_days(?)))::DATE AS period FROM said)
                         SELECT period, coalesce(volume, 0) AS volume, sentiment, NULL AS so_far
                         FROM every LEFT JOIN said USING (period) ORDER BY period""",
                 [grain, theme_id, PERIOD_DAYS[grain], PERIOD_DAYS[grain]])
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
