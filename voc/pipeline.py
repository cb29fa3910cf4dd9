"""The stage functions the nightly flow calls, one per task, with plain inputs and outputs.

Order: start_run → ingest → embed → cluster → label → score → rank → publish.
`ingest` writes new comments and quarantined rows at once (nothing is lost if a
later stage fails). `publish` writes themes and assignments and flips the
published pointer in one transaction; `fail_run` records a failure and leaves
the last published results untouched.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from voc import store
from voc.cluster import ThemeClusterer
from voc.config import Settings
from voc.embed import Progress, embed_texts, load_embedder
from voc.errors import NothingToDoError
from voc.identity import match_theme_ids
from voc.ingest import RawBatch
from voc.label import ThemeLabel, label_themes
from voc.language import detect
from voc.rank import ThemeRank, rank_themes
from voc.redact import redact, redact_values
from voc.sentiment import SentimentScorer, seed_sentences
from voc.textutil import text_hash
from voc.validate import validate


@dataclass
class Corpus:
    """Every stored comment the run clusters, in a fixed order (source, comment_id)."""
    keys: list[tuple[str, str]]
    texts: list[str]
    hashes: list[str]
    languages: list[str]
    created_at: list[datetime]
    csat: list[int | None]
    nps: list[int | None]
    vectors: np.ndarray | None = None


def start_run(settings: Settings, source: str) -> int:
    con = store.connect(settings.db)
    try:
        run_id = store.scalar(con, "SELECT nextval('run_id_seq')")
        con.execute("INSERT INTO runs (run_id, started_at, status, source, params) VALUES (?, ?, 'running', ?, ?)",
                    [run_id, datetime.now(), source, json.dumps(settings.as_dict())])
        return run_id
    finally:
        con.close()


def ingest(settings: Settings, run_id: int, batch: RawBatch) -> dict:
    """Validate, redact, detect language and store new comments; quarantine the rest."""
    comments, rejected = validate(batch, settings.max_text_chars)
    redactions: Counter = Counter()
    rows = []
    for c in comments:
        red = redact(c.text)
        redactions.update(red.counts)
        rows.append({"source": batch.source, "comment_id": c.comment_id, "text": red.text,
                     "text_hash": text_hash(red.text), "created_at": c.created_at, "agent_id": c.agent_id,
                     "channel": c.channel, "product": c.product, "team": c.team,
                     "language": c.language if c.language in ("de", "en") else detect(red.text),
                     "csat": c.csat, "nps": c.nps, "ticket_id": c.ticket_id,
                     "redactions": red.total, "first_run_id": run_id})
    now = datetime.now()
    quarantine = [{"run_id": run_id, "source": batch.source, "row_number": r.row_number, "comment_id": r.comment_id,
                   "reason": f"{r.file} row {r.row_number}: {r.reason}", "quarantined_at": now,
                   "raw": json.dumps(redact_values(r.raw), ensure_ascii=False)} for r in rejected]
    con = store.connect(settings.db)
    try:
        with store.transaction(con):
            n_new = store.insert_arrow(con, "comments", pa.Table.from_pylist(rows), or_ignore=True) if rows else 0
            if quarantine:
                store.insert_arrow(con, "quarantine", pa.Table.from_pylist(quarantine))
    finally:
        con.close()
    return {"rows_read": len(batch.rows), "valid": len(comments), "new": n_new,
            "already_known": len(comments) - n_new, "quarantined": len(rejected),
            "quarantine_reasons": [q["reason"] for q in quarantine[:20]],
            "redactions": dict(redactions)}


def load_corpus(settings: Settings) -> Corpus:
    con = store.connect(settings.db)
    try:
        rows = con.execute("SELECT source, comment_id, text, text_hash, language, created_at, csat, nps "
                           "FROM comments ORDER BY source, comment_id").fetchall()
    finally:
        con.close()
    if not rows:
        raise NothingToDoError("the store has no valid comments yet: every row was quarantined or no source was read; "
                               "see `voc quarantine` for the reasons")
    cols = list(zip(*rows))
    return Corpus(keys=list(zip(cols[0], cols[1])), texts=list(cols[2]), hashes=list(cols[3]),
                  languages=list(cols[4]), created_at=list(cols[5]), csat=list(cols[6]), nps=list(cols[7]))


def embed(settings: Settings, corpus: Corpus, progress: Progress | None = None) -> tuple[Corpus, dict]:
    embedder = load_embedder(settings.model)
    con = store.connect(settings.db)
    try:
        result = embed_texts(con, embedder, corpus.texts, corpus.hashes, settings.batch_size, progress)
        seeds = seed_sentences()
        seed_texts = [t for label in seeds for t in seeds[label]]
        seed_vecs = embed_texts(con, embedder, seed_texts, [text_hash(t) for t in seed_texts]).vectors
    finally:
        con.close()
    corpus.vectors = result.vectors
    offsets = np.cumsum([0] + [len(seeds[label]) for label in seeds])
    corpus_seeds = {label: seed_vecs[offsets[i]:offsets[i + 1]] for i, label in enumerate(seeds)}
    stats = {"model": embedder.model_id, "encoded": result.n_encoded, "cache_hits": result.n_cached,
             "assign_threshold": embedder.assign_threshold}
    return corpus, {"stats": stats, "seed_vectors": corpus_seeds}


def cluster(settings: Settings, corpus: Corpus, assign_threshold: float) -> ThemeClusterer:
    c = settings.cluster
    return ThemeClusterer(n_neighbors=c.n_neighbors, n_components=c.n_components,
                          min_cluster_size=c.min_cluster_size, min_samples=c.min_samples,
                          assign_threshold=c.assign_threshold or assign_threshold,
                          random_state=c.random_state).fit(corpus.vectors, groups=corpus.languages)


def label(corpus: Corpus, model: ThemeClusterer) -> list[ThemeLabel]:
    return label_themes(corpus.texts, corpus.languages, model.labels_, model.similarity_)


def score(corpus: Corpus, seed_vectors: dict[str, np.ndarray]) -> tuple[np.ndarray, list[str]]:
    return SentimentScorer().fit(seed_vectors).score(corpus.texts, corpus.vectors)


def rank(settings: Settings, corpus: Corpus, model: ThemeClusterer, sentiment: tuple[np.ndarray, list[str]]) -> list[ThemeRank]:
    scores, labels = sentiment
    return rank_themes(model.labels_, scores, labels, corpus.created_at, corpus.csat, corpus.nps, settings.period_days)


def publish(settings: Settings, run_id: int, corpus: Corpus, model: ThemeClusterer, labels: list[ThemeLabel],
            ranks: list[ThemeRank], sentiment: tuple[np.ndarray, list[str]], stats: dict) -> dict:
    """Write the run's themes and assignments and make them current, all in one transaction."""
    con = store.connect(settings.db)
    try:
        ids = match_theme_ids(con, corpus.keys, model.labels_)
        themes = _theme_rows(run_id, ids, labels, ranks)
        scores, sent_labels = sentiment
        assignments = pa.table({
            "run_id": [run_id] * len(corpus.keys), "source": [k[0] for k in corpus.keys],
            "comment_id": [k[1] for k in corpus.keys],
            "theme_id": [ids.get(int(t), -1) for t in model.labels_],
            "method": model.method_.tolist(), "similarity": model.similarity_.astype(float).round(4).tolist(),
            "sentiment": sent_labels, "sentiment_score": np.round(scores, 4).tolist(),
        })
        summary = {**stats, "themes": len(themes), "comments_clustered": len(corpus.keys),
                   "unclustered": int((model.labels_ < 0).sum()), "unclustered_share": round(model.unclustered_share_, 4)}
        with store.transaction(con):
            store.insert_arrow(con, "themes", pa.Table.from_pylist(themes))
            store.insert_arrow(con, "assignments", assignments)
            con.execute("INSERT OR REPLACE INTO published VALUES ('themes', ?)", [run_id])
            con.execute("UPDATE runs SET status = 'succeeded', finished_at = ?, stats = ? WHERE run_id = ?",
                        [datetime.now(), json.dumps(summary, default=str), run_id])
    finally:
        con.close()
    return summary


def _theme_rows(run_id: int, ids: dict[int, int], labels: list[ThemeLabel], ranks: list[ThemeRank]) -> list[dict]:
    by_theme = {lab.theme_id: lab for lab in labels}
    rows = []
    for r in ranks:
        lab = by_theme[r.theme_id]
        rows.append({"run_id": run_id, "theme_id": ids[r.theme_id], "rank": r.rank, "title": lab.title,
                     "keywords": lab.keywords, "representatives": lab.representatives, "size": r.size,
                     "share": r.share, "languages": json.dumps(lab.languages), "mean_sentiment": r.mean_sentiment,
                     "share_negative": r.share_negative, "mean_csat": r.mean_csat, "mean_nps": r.mean_nps,
                     "volume_current": r.volume_current, "volume_previous": r.volume_previous,
                     "growth": r.growth, "priority": r.priority, "why": r.why})
    return rows


def fail_run(settings: Settings, run_id: int, error: str) -> None:
    """Record the failure; published results stay as they were."""
    con = store.connect(settings.db)
    try:
        con.execute("UPDATE runs SET status = 'failed', finished_at = ?, error = ? WHERE run_id = ?",
                    [datetime.now(), error[:2000], run_id])
    finally:
        con.close()


def source_label(path: Path, table: str | None, query: str | None) -> str:
    return f"{path}::{table}" if table else (f"{path}::query" if query else str(path))
