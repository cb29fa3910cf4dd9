"""Retention: which runs keep their per-comment rows (`assignments`, `comment_map`).

Every published run writes one row per comment into each of these tables, so without pruning they grow with runs
x comments (a nightly run over 100k comments adds 200k rows a night). What reads them:

- the `current_assignments` view and everything built on it (pages, report, exports, handoff, trends, the agents'
  view and notifications, corrections), the web snapshot and the theme map: the published run only;
- the next run and a PM's merge, split or rename (`voc.themes.previous.load_previous`: incremental placement,
  sticky ids and carry-over on a re-cluster, the edit's own run): the published run only;
- `voc runs`, the runs page, lineage, theme history, `theme_names`: the `runs`, `themes`, `subthemes`, lineage
  and centroid tables, which are kept for every run (small: a row per theme, not per comment).

`prune` runs inside the publishing transaction (`voc.publish`), under the store's run lock, so it never races a run
or an edit and a failed publish prunes nothing. It keeps the published run, the last `KEEP_RECENT_RUNS` runs that
published (a failed run writes no such rows) and the last full re-cluster; the rows of older runs are deleted.
"""

from __future__ import annotations

import duckdb

from voc.store import scalar

# Tables with a row per comment and run; the web snapshot copies only the published run's (`voc.web.mirror`).
PER_COMMENT_TABLES = ("assignments", "comment_map")
# The newest runs that keep their per-comment rows, the published one among them: what the last two runs before
# it changed (a night, a PM's merge on top of it) can still be compared comment by comment, e.g. in SQL.
KEEP_RECENT_RUNS = 3

# The runs whose per-comment rows stay: the published run, the newest KEEP_RECENT_RUNS runs that have rows, and the
# last successful full re-cluster (the one the nights since were placed against; at most one more run's rows).
KEPT_RUNS = """
SELECT run_id FROM published WHERE name = 'themes'
UNION SELECT * FROM (SELECT DISTINCT run_id FROM assignments ORDER BY run_id DESC LIMIT ?)
UNION SELECT * FROM (SELECT run_id FROM runs WHERE status = 'succeeded' AND mode = 'full'
                     ORDER BY run_id DESC LIMIT 1)
"""


def kept_runs(con: duckdb.DuckDBPyConnection) -> set[int]:
    """The runs whose per-comment rows retention keeps (see KEPT_RUNS)."""
    return {run_id for run_id, in con.execute(KEPT_RUNS, [KEEP_RECENT_RUNS]).fetchall()}


def prune(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Delete the per-comment rows of every run retention does not keep; return those runs, oldest first.
    Call it inside the publishing transaction, after the published pointer moved: with nothing published yet
    it deletes nothing."""
    if scalar(con, "SELECT count(*) FROM published WHERE name = 'themes'") == 0:
        return []
    keep = sorted(kept_runs(con))
    pruned: set[int] = set()
    for table in PER_COMMENT_TABLES:  # names from the constant above, never from input
        pruned.update(r for r, in con.execute(f"SELECT DISTINCT run_id FROM {table} "
                                              "WHERE NOT list_contains(?, run_id)", [keep]).fetchall())
        con.execute(f"DELETE FROM {table} WHERE NOT list_contains(?, run_id)", [keep])
    return sorted(pruned)
