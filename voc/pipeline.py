"""The stage functions the nightly flow calls, one per task, with plain inputs and outputs.

Order: start_run → ingest → load_corpus → plan → embed → (assign_new | cluster → identify)
→ score → rank → publish. `plan` decides between an incremental night and a full
re-cluster (see `voc.incremental`). `ingest` writes new comments and quarantined
rows at once (nothing is lost if a later stage fails). `voc.publish` writes the
results and flips the published pointer in one transaction; `fail_run` records a
failure and leaves the last published results untouched.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from voc import store
from voc.cluster import ThemeClusterer
from voc.config import Settings
from voc.corpus import Corpus, ThemeSet
from voc.embed import Progress, embed_texts, load_embedder, lookup, resolve_model
from voc.errors import ConfigError, NothingToDoError
from voc.identity import match_ids
from voc.incremental import Plan, assign_new, plan_night
from voc.ingest import RawBatch
from voc.label import label_themes
from voc.language import detect
from voc.notify import Channels, deliver
from voc.rank import ThemeRank, rank_themes
from voc.redact import redact, redact_values
from voc.sentiment import seed_sentences
from voc.sentiment_labels import LABEL_SQL, own_label
from voc.sentiment_learn import OwnLabels, Scored, apply_own_labels, score_rows
from voc.textutil import text_hash
from voc.trends import theme_flags
from voc.validate import validate

MODES = ("auto", "full", "incremental")


def start_run(settings: Settings, source: str, requested_mode: str = "auto") -> int:
    if requested_mode not in MODES:
        raise ConfigError(f"unknown mode {requested_mode!r}: use one of {', '.join(MODES)}")
    with store.open(settings.db, create=True) as con:
        run_id = store.scalar(con, "SELECT nextval('run_id_seq')")
        con.execute("INSERT INTO runs (run_id, started_at, status, source, params, mode) VALUES (?, ?, 'running', ?, ?, ?)",
                    [run_id, datetime.now(), source, json.dumps(settings.as_dict()), requested_mode])
        return run_id


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
                     "csat": c.csat, "nps": c.nps, "ticket_id": c.ticket_id, "sentiment": c.sentiment,
                     "redactions": red.total, "first_run_id": run_id})
    now = datetime.now()
    quarantine = [{"run_id": run_id, "source": batch.source, "row_number": r.row_number, "comment_id": r.comment_id,
                   "reason": f"{r.file} row {r.row_number}: {r.reason}", "quarantined_at": now,
                   "raw": json.dumps(redact_values(r.raw), ensure_ascii=False)} for r in rejected]
    with store.open(settings.db, write=True) as con:
        with store.transaction(con):
            n_new = store.insert_arrow(con, "comments", pa.Table.from_pylist(rows), or_ignore=True) if rows else 0
            if quarantine:
                store.insert_arrow(con, "quarantine", pa.Table.from_pylist(quarantine))
    return {"rows_read": len(batch.rows), "valid": len(comments), "new": n_new,
            "already_known": len(comments) - n_new, "quarantined": len(rejected),
            "quarantine_reasons": [q["reason"] for q in quarantine[:20]],
            "redactions": dict(redactions)}


def load_corpus(settings: Settings) -> Corpus:
    with store.open(settings.db) as con:
        rows = con.execute("SELECT source, comment_id, text, text_hash, language, created_at, csat, nps "
                           "FROM comments ORDER BY source, comment_id").fetchall()
    if not rows:
        raise NothingToDoError("the store has no valid comments yet: every row was quarantined or no source was read; "
                               "see `voc quarantine` for the reasons")
    cols = list(zip(*rows))
    return Corpus(keys=list(zip(cols[0], cols[1])), texts=list(cols[2]), hashes=list(cols[3]),
                  languages=list(cols[4]), created_at=list(cols[5]), csat=list(cols[6]), nps=list(cols[7]))


def plan(settings: Settings, corpus: Corpus, requested_mode: str = "auto") -> Plan:
    with store.open(settings.db) as con:
        return plan_night(settings, con, corpus, requested_mode)


def embed(settings: Settings, corpus: Corpus, rows: np.ndarray, progress: Progress | None = None,
          model: str | None = None) -> tuple[Corpus, dict]:
    """Vectors for the given corpus rows (from the cache where possible), plus the sentiment seed vectors.
    `model`: the resolved model name (`Plan.model`); by default the settings' model, "auto" resolved here."""
    model = model or resolve_model(settings.model, corpus.languages)
    corpus.vector_rows = rows
    if len(rows) == 0:  # a night without new comments: nothing to embed, not even the model to load
        corpus.vectors = np.zeros((0, 0), dtype=np.float32)
        return corpus, {"stats": {"model": model, "model_name": model, "encoded": 0, "cache_hits": 0,
                                  "assign_threshold": None}, "seed_vectors": {}}
    embedder = load_embedder(model)
    with store.open(settings.db, write=True) as con:
        result = embed_texts(con, embedder, [corpus.texts[i] for i in rows], [corpus.hashes[i] for i in rows],
                             settings.batch_size, progress)
        seeds = seed_sentences()
        seed_texts = [t for label in seeds for t in seeds[label]]
        seed_vecs = embed_texts(con, embedder, seed_texts, [text_hash(t) for t in seed_texts]).vectors
    corpus.vectors = result.vectors
    offsets = np.cumsum([0] + [len(seeds[label]) for label in seeds])
    corpus_seeds = {label: seed_vecs[offsets[i]:offsets[i + 1]] for i, label in enumerate(seeds)}
    stats = {"model": embedder.model_id, "model_name": model, "encoded": result.n_encoded, "cache_hits": result.n_cached,
             "assign_threshold": settings.cluster.assign_threshold or embedder.assign_threshold}
    return corpus, {"stats": stats, "seed_vectors": corpus_seeds}


def cluster(settings: Settings, corpus: Corpus, assign_threshold: float) -> ThemeClusterer:
    c = settings.cluster
    return ThemeClusterer(n_neighbors=c.n_neighbors, n_components=c.n_components,
                          min_cluster_size=c.min_cluster_size, min_samples=c.min_samples,
                          assign_threshold=assign_threshold,
                          random_state=c.random_state).fit(corpus.vectors, groups=corpus.languages)


def identify(corpus: Corpus, model: ThemeClusterer, plan: Plan) -> ThemeSet:
    """Give a full re-cluster's themes their stable ids (see `voc.identity`) and label them."""
    prev = plan.previous
    old = {key: int(t) for key, t in zip(corpus.keys, prev.theme_of.tolist()) if t >= 0} if prev else {}
    new = {key: int(t) for key, t in zip(corpus.keys, model.labels_.tolist()) if t >= 0}
    match = match_ids(new, old, model.n_themes_, (prev.max_theme_id if prev else 0) + 1,
                      model.centroids_, prev.centroids if prev else None)
    ids = np.array([match.ids[t] if t >= 0 else -1 for t in model.labels_.tolist()], dtype=np.int64)
    labels = {match.ids[lab.theme_id]: replace(lab, theme_id=match.ids[lab.theme_id])
              for lab in label_themes(corpus.texts, corpus.languages, model.labels_, model.similarity_)}
    return ThemeSet("full", ids, model.method_.astype(object), model.similarity_,
                    {match.ids[i]: model.centroids_[i] for i in range(model.n_themes_)}, model.group_means_,
                    labels, match.lineage, {"merges": sum(x.kind == "merge" for x in match.lineage),
                                            "splits": sum(x.kind == "split" for x in match.lineage)})


def assign(settings: Settings, corpus: Corpus, plan: Plan, assign_threshold: float | None) -> ThemeSet:
    return assign_new(settings, corpus, plan, assign_threshold or 0.0)


def own_labels(settings: Settings, corpus: Corpus, model_id: str | None) -> OwnLabels:
    """The corpus rows with a label of their own (see `voc.sentiment_labels`) and their stored vectors."""
    row_of = {key: i for i, key in enumerate(corpus.keys)}
    with store.open(settings.db) as con:
        found = [(row_of[(s, c)], *own_label(h, cs, n)) for s, c, h, cs, n in con.execute(LABEL_SQL).fetchall()
                 if (s, c) in row_of]
        labeled = [(i, label, origin) for i, label, origin in found if label]
        stored = lookup(con, model_id, sorted({corpus.hashes[i] for i, _, _ in labeled})) if model_id else {}
    vectors = None
    if labeled and stored:  # a labeled comment without a stored vector (none expected) is a NaN row, not learned
        missing = np.full(len(next(iter(stored.values()))), np.nan, dtype=np.float32)
        vectors = np.vstack([stored.get(corpus.hashes[i], missing) for i, _, _ in labeled])
    return OwnLabels(np.array([i for i, _, _ in labeled], dtype=np.int64), [x[1] for x in labeled],
                     [x[2] for x in labeled], vectors)


def score(settings: Settings, corpus: Corpus, embedded: dict, plan: Plan) -> Scored:
    """Sentiment per corpus row: scored for the embedded rows (learned from the store's labels when it has
    enough, else label-free), kept from the last run for the others; every labeled comment shows its label."""
    prev, rows = plan.previous, corpus.vector_rows
    n = len(corpus)
    scored = Scored(prev.sentiment_score.copy() if prev else np.zeros(n),
                    (prev.sentiment if prev else np.full(n, "neutral", dtype=object)).tolist(),
                    (prev.sentiment_origin if prev and prev.sentiment_origin is not None
                     else np.full(n, "lexicon", dtype=object)).tolist())
    own = own_labels(settings, corpus, embedded["stats"]["model"] if len(rows) else None)
    if len(rows):
        new_scores, new_labels, origin, scored.stats = score_rows(
            [corpus.texts[i] for i in rows], [corpus.languages[i] for i in rows], corpus.vectors, own,
            embedded["seed_vectors"])
        scored.scores[rows] = new_scores
        for i, label in zip(rows.tolist(), new_labels):
            scored.labels[i], scored.origins[i] = label, origin
    else:
        scored.stats = {"method": "kept from the last run"}
    return apply_own_labels(scored, own)


def rank(settings: Settings, corpus: Corpus, themes: ThemeSet, sentiment: Scored) -> list[ThemeRank]:
    flags = theme_flags(themes.theme_ids, corpus.created_at, settings.period_days)
    return rank_themes(themes.theme_ids, sentiment.scores, sentiment.labels, corpus.created_at, corpus.csat,
                       corpus.nps, settings.period_days, flags, sentiment.origins)


def notify(settings: Settings, channels: Channels) -> dict:
    """Deliver queued agent notifications when a channel is configured (the run itself has already succeeded)."""
    if not channels.configured():
        return {"skipped": "no channel configured (VOC_WEBHOOK_URL / VOC_SMTP_HOST)"}
    with store.open(settings.db, write=True) as con:
        return deliver(con, channels)


def fail_run(settings: Settings, run_id: int, error: str) -> None:
    """Record the failure; published results stay as they were."""
    with store.open(settings.db, write=True) as con:
        con.execute("UPDATE runs SET status = 'failed', finished_at = ?, error = ? WHERE run_id = ?",
                    [datetime.now(), error[:2000], run_id])


def source_label(path: Path, table: str | None, query: str | None) -> str:
    return f"{path}::{table}" if table else (f"{path}::query" if query else str(path))
