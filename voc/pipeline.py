"""The stage functions the nightly flow calls, one per task, with plain inputs and outputs.

Order: ingest → load_corpus → plan → embed → (assign_new | cluster → identify) → score → rank → publish,
between `voc.runs.start_run` and the run's end. `plan` decides between an incremental night and a full
re-cluster (see `voc.themes.incremental`). `ingest` writes new comments and quarantined
rows at once (nothing is lost if a later stage fails). `voc.publish` writes the
results and flips the published pointer in one transaction; `voc.runs.fail_run` records a
failure and leaves the last published results untouched.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import replace
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa

from voc import store
from voc.agents.notify import Channels, send_pending
from voc.config import Settings
from voc.corpus import Corpus, ThemeSet
from voc.embedding.models import Progress, embed_texts, load_embedder, lookup, resolve_model
from voc.errors import NothingToDoError, SendInProgressError
from voc.ingest.changed import changed_texts, set_aside_changed
from voc.ingest.columns import listing, unused_columns
from voc.ingest.quarantine import RESOLVED_BY_RUN_SQL
from voc.ingest.rows import RawBatch
from voc.ingest.stored import already_imported, comment_row, insert_new_quarantine, quarantine_row, record_imports
from voc.ingest.validate import validate
from voc.ranking.rank import ThemeRank, rank_themes
from voc.ranking.trends import theme_flags
from voc.sentiment import saved as sentiment_saved
from voc.sentiment.labels import LABEL_SQL, own_label
from voc.sentiment.learn import (MAX_TRAIN_LABELS, OwnLabels, Scored, apply_own_labels, score_rows,
                                 training_sample)
from voc.sentiment.score import seed_sentences
from voc.text.util import text_hash
from voc.themes.cluster import ThemeClusterer
from voc.themes.hierarchy import centroid_weight_for
from voc.themes.incremental import Plan, assign_new, plan_night
from voc.themes.levels import build_levels
from voc.themes.noise import Boilerplate
from voc.themes.previous import Previous

# the labels a full run measured the hold-out accuracies on, carried with them by the nights after it
MEASURED_ON = ("holdout_labels", "holdout_labels_human", "holdout_labels_score")
REASONS_IN_STATS = 20  # the run stats keep the first quarantine reasons as examples; `voc quarantine` lists them all


def ingest(settings: Settings, run_id: int, batch: RawBatch, reread: bool = False) -> dict:
    """Validate, redact, detect language and store new comments; quarantine the rest.

    Files whose exact bytes were imported before under the same source, read the same way (encoding, delimiter,
    mapping, date order), are skipped (`imports`), unless `reread`. A known comment that arrives with another text
    is quarantined, the stored version kept (`voc.ingest.changed`). Every text field, every quarantined value and
    every reason is redacted before it is stored. A table or query without rows on a store without comments is
    NothingToDoError: there is nothing to publish.
    """
    with store.open(settings.db) as con:
        skipped = {} if reread else already_imported(con, batch, settings.date_order)
        published = store.published_run(con) is not None
        if batch.no_rows and not published and not store.scalar(con, "SELECT count(*) FROM comments"):
            raise NothingToDoError(f"{batch.no_rows} and the store has no comments yet: nothing to publish")
    batch = replace(batch, rows=[r for r in batch.rows if r.file not in skipped])
    comments, rejected = validate(batch, settings.max_text_chars, settings.date_order)
    redactions: Counter = Counter()
    rows = [comment_row(c, batch.source, run_id, redactions) for c in comments]
    with store.open(settings.db) as con:  # a known comment with another text: quarantined, the stored one kept
        rows, changed = set_aside_changed(batch, comments, rejected, rows, changed_texts(con, batch.source, rows))
    rejected += changed
    now = datetime.now()
    quarantine = [quarantine_row(r, batch.source, run_id, now) for r in rejected]
    read_files = [f for f in batch.files if f.name not in skipped]
    with store.open(settings.db, write=True) as con:
        with store.transaction(con):
            n_new = store.insert_arrow(con, "comments", pa.Table.from_pylist(rows), or_ignore=True) if rows else 0
            n_quarantined = insert_new_quarantine(con, quarantine)
            n_resolved = store.scalar(con, RESOLVED_BY_RUN_SQL, [run_id, run_id]) if n_new else 0
            record_imports(con, batch, read_files, run_id, settings.date_order)
    unused = unused_columns(batch.rows)  # present, read as no field: a --map missing?
    # rows_read counts the rows read from the files not skipped: rows_read = new + already_known + quarantined
    return {"rows_read": len(batch.rows), "files_read": len(read_files), "valid": len(rows), "new": n_new,
            "already_known": len(rows) - n_new, "quarantined": len(rejected), "changed": len(changed),
            "quarantined_before": len(rejected) - n_quarantined,
            "quarantine_resolved": n_resolved,
            "skipped_files": [f"{name} (imported in run {run})" for name, run in skipped.items()],
            "skipped_rows": sum(f.rows for f in batch.files if f.name in skipped),
            "empty_files": list(batch.empty_files),
            "swallowed": [s for f, s in batch.swallowed if f not in skipped],  # rows an unclosed quote took
            "no_rows": batch.no_rows,  # a table or query without rows: a quiet night, said in the run summary
            "published": published,  # a quiet night keeps published themes only when there are some
            "truncated": sum(r["truncated"] for r in rows),
            "ignored_columns": listing(unused) if unused else "",  # named in the run summary
            "quarantine_reasons": [q["reason"] for q in quarantine[:REASONS_IN_STATS]],
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


def embed(settings: Settings, corpus: Corpus, rows: np.ndarray, boilerplate: tuple[str, ...] = (),
          progress: Progress | None = None, model: str | None = None) -> tuple[Corpus, dict]:
    """Vectors for the given corpus rows (from the cache where possible), plus the sentiment seed vectors.
    `model`: the resolved model name (`Plan.model`); by default the settings' model, "auto" resolved here.

    Clustering embeds each comment without placeholders and boilerplate (`voc.themes.noise`), cached under the hash of
    that cleaned text; sentiment reads the whole stored text, so where the two differ both are embedded."""
    model = model or resolve_model(settings.model, corpus.languages)
    corpus.vector_rows = rows
    cleaner = Boilerplate(tuple(boilerplate))
    if len(rows) == len(corpus):
        corpus.cluster_texts = cleaner.clean_all(corpus.texts)
    else:  # a night reads only its pool's cleaned text (cleaning all 100k texts would take ~7 s of the night)
        corpus.cluster_texts = list(corpus.texts)
        for i, text in zip(rows.tolist(), cleaner.clean_all([corpus.texts[i] for i in rows])):
            corpus.cluster_texts[i] = text
    if len(rows) == 0:  # a night without new comments: nothing to embed, not even the model to load
        corpus.vectors = corpus.sentiment_vectors = np.zeros((0, 0), dtype=np.float32)
        # stats: model_name is the resolved short name (what runs show); model the versioned id of the embedder
        # that encoded, unknown here as none was loaded
        return corpus, {"stats": {"model": None, "model_name": model, "encoded": 0, "cache_hits": 0,
                                  "assign_threshold": None}, "seed_vectors": {}}
    embedder = load_embedder(model)
    cache = functools.partial(store.open, settings.db, write=True)  # held per cache read / write, not while encoding
    # a long comment: its beginning is embedded; clustering reads it without placeholders and boilerplate
    clean = [corpus.cluster_texts[i][:settings.max_text_chars] for i in rows]
    stored = [corpus.texts[i][:settings.max_text_chars] for i in rows]
    result = embed_texts(cache, embedder, clean + stored, [text_hash(t) for t in clean + stored], progress)
    seeds = seed_sentences()
    seed_texts = [t for label in seeds for t in seeds[label]]
    seed_vecs = embed_texts(cache, embedder, seed_texts, [text_hash(t) for t in seed_texts]).vectors
    corpus.vectors, corpus.sentiment_vectors = result.vectors[:len(rows)], result.vectors[len(rows):]
    offsets = np.cumsum([0] + [len(seeds[label]) for label in seeds])
    corpus_seeds = {label: seed_vecs[offsets[i]:offsets[i + 1]] for i, label in enumerate(seeds)}
    stats = {"model": embedder.model_id, "model_name": model, "encoded": result.n_encoded,
             "cache_hits": result.n_cached,
             "assign_threshold": settings.cluster.assign_threshold or embedder.assign_threshold}
    return corpus, {"stats": stats, "seed_vectors": corpus_seeds}


def cluster(settings: Settings, corpus: Corpus, assign_threshold: float) -> ThemeClusterer:
    c = settings.cluster
    return ThemeClusterer(n_neighbors=c.n_neighbors, n_components=c.n_components,
                          min_cluster_size=c.min_cluster_size, min_samples=c.min_samples,
                          assign_threshold=assign_threshold,
                          random_state=c.random_state).fit(corpus.vectors, groups=corpus.languages)


def identify(settings: Settings, corpus: Corpus, model: ThemeClusterer, plan: Plan) -> ThemeSet:
    """Build themes from the sub-themes, give both levels their stable ids and label them (see `voc.themes.levels`)."""
    weight = settings.cluster.centroid_weight or centroid_weight_for(settings.model)
    return build_levels(corpus, model, plan.previous, weight, tuple(plan.boilerplate))


def assign(settings: Settings, corpus: Corpus, plan: Plan, assign_threshold: float | None) -> ThemeSet:
    return assign_new(settings, corpus, plan, assign_threshold or 0.0)


def own_labels(con: duckdb.DuckDBPyConnection, corpus: Corpus, max_text_chars: int,
               model_id: str | None) -> OwnLabels:
    """The corpus rows with a label of their own (see `voc.sentiment.labels`) and their stored vectors."""
    row_of = {key: i for i, key in enumerate(corpus.keys)}
    hashes = [text_hash(t[:max_text_chars]) for t in corpus.texts]  # as `embed` keys the cache
    found = [(row_of[(s, c)], *own_label(h, cs, n)) for s, c, h, cs, n in con.execute(LABEL_SQL).fetchall()
             if (s, c) in row_of]
    labeled = [(i, label, origin) for i, label, origin in found if label]
    # only the labels a head learns from need their vectors (a 100k store has CSAT on every comment)
    train = set(training_sample(np.array([o for _, _, o in labeled], dtype=object), MAX_TRAIN_LABELS).tolist())
    stored = lookup(con, model_id, sorted({hashes[labeled[j][0]] for j in train})) if model_id else {}
    vectors = None
    if labeled and stored:  # the rest are NaN rows: not learned from
        missing = np.full(len(next(iter(stored.values()))), np.nan, dtype=np.float32)
        vectors = np.vstack([stored.get(hashes[i], missing) if j in train else missing
                             for j, (i, _, _) in enumerate(labeled)])
    rows = [i for i, _, _ in labeled]
    return OwnLabels(np.array(rows, dtype=np.int64), [x[1] for x in labeled], [x[2] for x in labeled],
                     [corpus.texts[i] for i in rows], [corpus.languages[i] for i in rows], vectors)


def score(settings: Settings, corpus: Corpus, embedded: dict, plan: Plan) -> Scored:
    """Sentiment per corpus row: scored for the embedded rows (learned from the store's labels when it has
    enough, else label-free), kept from the last run for the others; every labeled comment shows its label."""
    prev, rows = plan.previous, corpus.vector_rows
    n = len(corpus)
    scored = Scored(prev.sentiment_score.copy() if prev else np.zeros(n),
                    (prev.sentiment if prev else np.full(n, "neutral", dtype=object)).tolist(),
                    (prev.sentiment_origin if prev and prev.sentiment_origin is not None
                     else np.full(n, "lexicon", dtype=object)).tolist())
    model_id = embedded["stats"]["model"] if len(rows) else None
    head_beaten = bool(prev and prev.sentiment_stats.get("head_beaten"))
    reuse_head = plan.mode != "full" and model_id and not head_beaten
    with store.open(settings.db) as con:  # a saved head needs no vectors of the labeled comments
        saved = sentiment_saved.load(con, model_id) if reuse_head else None
        own = own_labels(con, corpus, settings.max_text_chars, model_id if saved is None else None)
    if len(rows):
        result = score_rows([corpus.texts[i] for i in rows], [corpus.languages[i] for i in rows],
                            corpus.sentiment_vectors, own, embedded["seed_vectors"],
                            cross_validate=plan.mode == "full", head_beaten=head_beaten, saved=saved)
        scored.scores[rows], scored.stats = result.scores, result.stats
        for i, label in zip(rows.tolist(), result.labels):
            scored.labels[i], scored.origins[i] = label, result.origin
        scored.saved_head = (model_id, sentiment_saved.to_bytes(result.fitted)) if result.fitted else None
    else:
        scored.stats = {**prev.sentiment_stats, "kept_from_run": prev.run_id} if prev else {}
    if scored.stats.get("labels_trained_on") and scored.stats.get("holdout_accuracy") is None:
        scored.stats.update(_measured_by_full_run(prev))  # incremental nights do not cross-validate
    return apply_own_labels(scored, own)


def _measured_by_full_run(prev: Previous | None) -> dict:
    """The hold-out accuracies the last full run measured, the head's and the label-free scorer's, with the run and
    the labels it measured them on (edits and incremental nights carry them on): a night's own label counts are the
    store's now, not those the accuracies belong to."""
    last = prev.sentiment_stats if prev else {}
    if last.get("holdout_accuracy") is None:
        return {}
    carried = last.get("holdout_run") is not None
    measured_on = ({k: last.get(k) for k in MEASURED_ON} if carried else
                   {"holdout_labels": last.get("labels_trained_on"), "holdout_labels_human": last.get("labels_human"),
                    "holdout_labels_score": last.get("labels_score")})
    return {"holdout_accuracy": last["holdout_accuracy"], "label_free_accuracy": last.get("label_free_accuracy"),
            "holdout_run": last.get("holdout_run") or last.get("kept_from_run") or prev.run_id, **measured_on}


def rank(settings: Settings, corpus: Corpus, themes: ThemeSet, sentiment: Scored) -> list[ThemeRank]:
    flags = theme_flags(themes.theme_ids, corpus.created_at, settings.period_days)
    return rank_themes(themes.theme_ids, sentiment.scores, sentiment.labels, corpus.created_at, corpus.csat,
                       corpus.nps, settings.period_days, flags, sentiment.origins)


def notify(settings: Settings, channels: Channels) -> dict:
    """Deliver queued agent notifications when a channel is configured (the run itself has already succeeded).
    While a `voc notify` is sending, the run leaves its notifications queued for the next sending."""
    if not channels.configured():
        return {"skipped": "no channel configured (VOC_WEBHOOK_URL / VOC_SMTP_HOST)"}
    try:
        return send_pending(settings.db, channels)
    except SendInProgressError as exc:
        return {"skipped": str(exc)}
