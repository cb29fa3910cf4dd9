"""Publish a run: themes, sub-themes, assignments, centroids, lineage and the published pointer in one transaction.

Readers only see published runs (the `current_*` views), so either all of a run
becomes visible or none of it: a run that fails before this point leaves the last
good results untouched. The same transaction deletes older runs' per-comment rows (`voc.retention`).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa

from voc import retention, store
from voc.config import Settings
from voc.corpus import Corpus, ThemeSet
from voc.pm.workflow import carry_lineage
from voc.ranking.rank import ThemeRank
from voc.sentiment import saved as sentiment_saved
from voc.sentiment.learn import Scored
from voc.themes.projection import comment_positions

VECTOR = pa.list_(pa.float32())


def theme_rows(run_id: int, themes: ThemeSet, ranks: list[ThemeRank]) -> list[dict]:
    rows = []
    n_subs = Counter(themes.sub_parent.values())
    for r in ranks:
        lab = themes.labels[r.theme_id]
        rows.append({"run_id": run_id, "theme_id": r.theme_id, "rank": r.rank, "title": lab.title,
                     "keywords": lab.keywords, "representatives": lab.representatives, "size": r.size,
                     "share": r.share, "languages": json.dumps(lab.languages), "mean_sentiment": r.mean_sentiment,
                     "share_negative": r.share_negative, "mean_csat": r.mean_csat, "mean_nps": r.mean_nps,
                     "volume_current": r.volume_current, "volume_previous": r.volume_previous,
                     "growth": r.growth, "priority": r.priority, "why": r.why,
                     "first_seen": r.first_seen, "emerging": r.emerging, "spike": r.spike,
                     "share_human_label": r.share_human_label, "share_score_label": r.share_score_label,
                     "nps": r.nps, "csat_impact": r.csat_impact, "nps_impact": r.nps_impact,
                     "subthemes": n_subs.get(r.theme_id, 0)})
    return rows


def subtheme_rows(run_id: int, themes: ThemeSet) -> list[dict]:
    sizes = Counter(themes.subtheme_ids[themes.subtheme_ids >= 0].tolist())
    return [{"run_id": run_id, "subtheme_id": s, "theme_id": themes.sub_parent[s], "title": lab.title,
             "keywords": lab.keywords, "representatives": lab.representatives, "size": sizes.get(s, 0),
             "languages": json.dumps(lab.languages)} for s, lab in sorted(themes.sub_labels.items())]


def assignment_table(run_id: int, corpus: Corpus, themes: ThemeSet, sentiment: Scored) -> pa.Table:
    return pa.table({
        "run_id": pa.array(np.full(len(corpus), run_id, dtype=np.int32)),
        "source": [k[0] for k in corpus.keys], "comment_id": [k[1] for k in corpus.keys],
        "theme_id": pa.array(themes.theme_ids.astype(np.int32)),
        "subtheme_id": pa.array(themes.subtheme_ids.astype(np.int32)),
        "method": [str(m) for m in themes.method],
        "similarity": pa.array(np.round(themes.similarity.astype(float), 4)),
        "sentiment": sentiment.labels, "sentiment_score": pa.array(np.round(sentiment.scores, 4)),
        "sentiment_origin": sentiment.origins,
    })


def map_table(run_id: int, corpus: Corpus, themes: ThemeSet) -> pa.Table:
    """The theme map's 2-D position of each themed comment (see `voc.themes.projection`)."""
    rows, xy = comment_positions(corpus.keys, themes.theme_ids, themes.similarity, themes.centroids)
    return pa.table({"run_id": pa.array([run_id] * len(rows), pa.int32()),
                     "source": [corpus.keys[i][0] for i in rows], "comment_id": [corpus.keys[i][1] for i in rows],
                     "x": pa.array(xy[:, 0], pa.float32()), "y": pa.array(xy[:, 1], pa.float32())})


def vector_table(run_id: int, key: str, vectors: dict) -> pa.Table:
    keys = sorted(vectors)
    return pa.table({"run_id": pa.array([run_id] * len(keys), pa.int32()), key: keys,
                     "vector": pa.array([np.asarray(vectors[k], np.float32).tolist() for k in keys], VECTOR)})


def keep_head(con: duckdb.DuckDBPyConnection, run_id: int, mode: str, sentiment: Scored) -> None:
    """A head this run fitted replaces the saved one; a full run that fitted none (too few labels, or the
    label-free scorer won) leaves none for the nights after it."""
    if sentiment.saved_head is not None:
        sentiment_saved.save(con, run_id, *sentiment.saved_head)
    elif mode == "full":
        sentiment_saved.clear(con)


def publish(settings: Settings, run_id: int, corpus: Corpus, themes: ThemeSet, ranks: list[ThemeRank],
            sentiment: Scored, stats: dict) -> dict:
    """Write the run's results and make them current, all in one transaction; return the run summary."""
    rows = theme_rows(run_id, themes, ranks)
    summary = {**stats, "mode": themes.mode, **themes.stats, "themes": len(rows),
               "subthemes": len(themes.sub_labels), "boilerplate": list(themes.boilerplate),
               "comments_clustered": len(corpus), "unclustered": int((themes.theme_ids < 0).sum()),
               "unclustered_share": round(themes.unclustered_share, 4),
               "emerging": [r["theme_id"] for r in rows if r["emerging"]],
               "spikes": [r["theme_id"] for r in rows if r["spike"]]}
    with store.open(settings.db, write=True) as con:
        with store.transaction(con):
            store.insert_arrow(con, "themes", pa.Table.from_pylist(rows))
            store.insert_arrow(con, "assignments", assignment_table(run_id, corpus, themes, sentiment))
            store.insert_arrow(con, "theme_centroids", vector_table(run_id, "theme_id", themes.centroids))
            store.insert_arrow(con, "subthemes", pa.Table.from_pylist(subtheme_rows(run_id, themes)))
            store.insert_arrow(con, "subtheme_centroids", vector_table(run_id, "subtheme_id", themes.sub_centroids))
            store.insert_arrow(con, "group_means", vector_table(run_id, "language", themes.group_means))
            store.insert_arrow(con, "comment_map", map_table(run_id, corpus, themes))
            con.execute("INSERT OR REPLACE INTO published VALUES ('themes', ?)", [run_id])
            carry_lineage(con, run_id, themes.lineage)
            keep_head(con, run_id, themes.mode, sentiment)
            for item in themes.sub_lineage:
                con.execute("INSERT INTO subtheme_lineage VALUES (?, ?, ?, ?, ?)",
                            [run_id, item.parent_id, item.child_id, item.kind, item.overlap])
            con.execute("UPDATE runs SET status = 'succeeded', finished_at = ?, mode = ? WHERE run_id = ?",
                        [datetime.now(), themes.mode, run_id])
            summary["pruned_runs"] = retention.prune(con)  # older runs' per-comment rows; the caller holds the lock
            con.execute("UPDATE runs SET stats = ? WHERE run_id = ?", [json.dumps(summary, default=str), run_id])
    return summary
