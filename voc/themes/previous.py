"""The last published run, as the next run sees it: each current comment's theme, sub-theme, sentiment and
similarity from that run, the themes' centroids and labels, and the PM's pins.

`load_previous` aligns the published run with the current corpus rows (a comment the run never saw is
`NOT_IN_PREVIOUS`). Incremental nights continue from it (`voc.themes.incremental`), full re-clusters keep ids
and PM decisions with it (`voc.themes.levels`, `voc.themes.carry_over`), and PM edits start from it
(`voc.pm.theme_edit`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np

from voc.store import first_row, published_run, scalar
from voc.themes.cluster import UNCLUSTERED
from voc.themes.label import ThemeLabel

NOT_IN_PREVIOUS = -2


@dataclass
class Previous:
    """The last published run, aligned with the current corpus rows."""
    run_id: int
    params: dict
    last_full: datetime | None
    theme_of: np.ndarray          # theme id, -1 unclustered, NOT_IN_PREVIOUS for new comments
    method: np.ndarray
    similarity: np.ndarray
    sentiment_score: np.ndarray
    sentiment: np.ndarray
    centroids: dict[int, np.ndarray]
    group_means: dict[str, np.ndarray]
    labels: dict[int, ThemeLabel]
    max_theme_id: int
    sentiment_origin: np.ndarray | None = None
    model: str | None = None      # the embedding model the run used (its resolved name, e.g. "use" for "auto")
    sub_of: np.ndarray = None               # sub-theme id per row, like theme_of
    sub_centroids: dict[int, np.ndarray] = None
    sub_parent: dict[int, int] = None       # sub-theme id -> theme id
    sub_labels: dict[int, ThemeLabel] = None
    max_sub_id: int = 0
    boilerplate: tuple[str, ...] | None = None  # None: the run predates noise removal
    pins: dict[int, str] = None             # theme id -> "merge" | "split": PM decisions later runs honour
    stats: dict = None                      # the run's stats (its embed and sentiment parts carry over to edits)
    provisional: frozenset[int] = frozenset()  # themes a night found, not yet confirmed (PROVISIONAL_THEMES)
    acted_on: frozenset[int] = frozenset()     # themes a PM has acted on (ACTED_ON)

    @property
    def sentiment_stats(self) -> dict:
        """How the run scored sentiment (a copy; empty for a run that recorded none)."""
        return dict((self.stats or {}).get("sentiment") or {})


# Themes a PM has acted on: merged into, split (the new theme and the one it came from), renamed, or given a status
# other than new, an owner, a note or a ticket. Re-clusters keep their titles (`voc.themes.levels.keeps_title`) and
# never treat them as provisional.
ACTED_ON = """
SELECT theme_id FROM theme_overrides
UNION SELECT other_id FROM theme_overrides WHERE kind = 'split' AND other_id IS NOT NULL
UNION SELECT theme_id FROM theme_workflow WHERE status <> 'new' OR owner IS NOT NULL OR note IS NOT NULL
                                           OR ticket_key IS NOT NULL OR ticket_url IS NOT NULL OR name IS NOT NULL
"""

# Themes of the published run (first parameter) that a night found (their id was first published by an incremental
# run), that the last full re-cluster (second parameter) has not published since and that no PM has acted on
# (ACTED_ON): the next re-cluster may still merge them (`voc.themes.carry_over.revive`).
PROVISIONAL_THEMES = f"""
WITH first AS (SELECT theme_id, min(run_id) AS run_id FROM themes GROUP BY theme_id)
SELECT t.theme_id FROM themes t JOIN first f ON f.theme_id = t.theme_id JOIN runs r ON r.run_id = f.run_id
WHERE t.run_id = ? AND r.mode = 'incremental'
  AND t.theme_id NOT IN (SELECT theme_id FROM themes WHERE run_id = ?)
  AND t.theme_id NOT IN ({ACTED_ON})
"""


def load_previous(con: duckdb.DuckDBPyConnection, keys: list[tuple[str, str]]) -> Previous | None:
    run_id = published_run(con)
    if run_id is None:
        return None
    params, run_stats = first_row(con, "SELECT params, stats FROM runs WHERE run_id = ?", [run_id])
    last_full_run, last_full = first_row(con, "SELECT run_id, started_at FROM runs WHERE status = 'succeeded' AND "
                                              "mode = 'full' ORDER BY run_id DESC LIMIT 1") or (None, None)
    row_of = {key: i for i, key in enumerate(keys)}
    n = len(keys)
    theme_of = np.full(n, NOT_IN_PREVIOUS, dtype=np.int64)
    method, sentiment = np.full(n, "unclustered", dtype=object), np.full(n, "neutral", dtype=object)
    origin = np.full(n, "lexicon", dtype=object)
    similarity, score = np.zeros(n, dtype=np.float32), np.zeros(n)
    sub_of = np.full(n, NOT_IN_PREVIOUS, dtype=np.int64)
    for source, cid, theme, meth, sim, sent, sc, orig, sub in con.execute(
            "SELECT source, comment_id, theme_id, method, similarity, sentiment, sentiment_score, "
            "coalesce(sentiment_origin, 'lexicon'), subtheme_id FROM assignments WHERE run_id = ?",
            [run_id]).fetchall():
        i = row_of.get((source, cid))
        if i is not None:
            theme_of[i], method[i], similarity[i], sentiment[i], score[i] = theme, meth, sim or 0.0, sent, sc
            origin[i], sub_of[i] = orig, sub if sub is not None else UNCLUSTERED
    vectors = lambda sql: {k: np.asarray(v, dtype=np.float32) for k, v in con.execute(sql, [run_id]).fetchall()}
    labels = {t: ThemeLabel(t, title, list(kw), list(reps), json.loads(langs)) for t, title, kw, reps, langs in
              con.execute("SELECT theme_id, title, keywords, representatives, languages FROM themes WHERE run_id = ?",
                          [run_id]).fetchall()}
    subs = con.execute("SELECT subtheme_id, theme_id, title, keywords, representatives, languages FROM subthemes "
                       "WHERE run_id = ?", [run_id]).fetchall()
    stats = json.loads(run_stats) if run_stats else {}
    params = json.loads(params) if params else {}
    used = stats.get("embed", {}).get("model_name") or params.get("model")
    return Previous(
        sub_of=sub_of, sub_centroids=vectors("SELECT subtheme_id, vector FROM subtheme_centroids WHERE run_id = ?"),
        sub_parent={s: t for s, t, *_ in subs},
        sub_labels={s: ThemeLabel(s, title, list(kw), list(reps), json.loads(langs))
                    for s, _, title, kw, reps, langs in subs},
        max_sub_id=scalar(con, "SELECT coalesce(max(subtheme_id), 0) FROM subthemes"),
        boilerplate=tuple(stats["boilerplate"]) if "boilerplate" in stats else None,
        pins=dict(con.execute("SELECT theme_id, kind FROM theme_overrides WHERE kind IN ('merge', 'split') "
                              "ORDER BY override_id").fetchall()),
        provisional=frozenset(t for t, in con.execute(PROVISIONAL_THEMES, [run_id, last_full_run]).fetchall()),
        acted_on=frozenset(t for t, in con.execute(ACTED_ON).fetchall()),
        run_id=run_id, params=params, sentiment_origin=origin, model=used, stats=stats,
        last_full=last_full,
        theme_of=theme_of, method=method, similarity=similarity, sentiment_score=score, sentiment=sentiment,
        centroids=vectors("SELECT theme_id, vector FROM theme_centroids WHERE run_id = ?"),
        group_means=vectors("SELECT language, vector FROM group_means WHERE run_id = ?"),
        labels=labels, max_theme_id=scalar(con, "SELECT coalesce(max(theme_id), 0) FROM themes"))


