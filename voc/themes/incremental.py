"""Incremental nights: place new comments in yesterday's themes, find emerging ones in the rest.

A night is incremental when the last published run can be continued: same model,
same clustering settings, and a full re-cluster no older than
`Settings.full_every_days`. Then:

1. Only new comments (and the ones still unclustered) are embedded: everything else
   keeps its theme, sentiment and similarity from the last run.
2. A new comment joins the existing sub-theme whose centroid is most similar, and so
   that sub-theme's theme, when that cosine similarity reaches the embedder's
   calibrated `assign_threshold` (the same threshold a full run uses to attach
   HDBSCAN's noise; see `voc.embedding.models`). Centroids are not moved, so a theme does not
   drift night by night. The text embedded is cleaned with the boilerplate phrases
   the last full run found (`voc.themes.noise`), so old and new vectors compare fairly.
3. The rest, pooled with the comments that were unclustered before, go through
   HDBSCAN directly on the (language-centred) embeddings. Each group of at least
   `emerging_min_size` comments becomes a new theme with one sub-theme, both with
   fresh ids: an emerging theme.
4. If more than `max_unclustered_share` of all comments end up unclustered, the night
   escalates to a full re-cluster (`escalate`).

With no new comments the night publishes exactly the last run's themes again, so
re-running a night is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import duckdb
import numpy as np

from voc.config import Settings
from voc.corpus import Corpus, ThemeSet
from voc.embedding.models import resolve_model
from voc.embedding.vectors import normalise_rows
from voc.themes.cluster import (CROSS_GROUP_MERGE, UNCLUSTERED, auto_min_cluster_size, centre_groups, centroids,
                                distinct_rows, merge_across_groups, order_by_size, repeated_texts_as_themes)
from voc.themes.emerging import join_variants, unseen_groups
from voc.themes.generic import generic_words
from voc.themes.label import label_themes
from voc.themes.noise import find_boilerplate
from voc.themes.previous import NOT_IN_PREVIOUS, Previous, load_previous


@dataclass
class Plan:
    mode: str                     # full | incremental
    reason: str
    pool: np.ndarray              # corpus rows to embed
    previous: Previous | None
    model: str = ""               # the embedding model to use (resolved from "auto")
    boilerplate: tuple[str, ...] = ()  # phrases removed from the text before embedding (voc.themes.noise)


def choose_mode(settings: Settings, requested: str, previous: Previous | None, now: datetime,
                model: str | None = None) -> tuple[str, str]:
    """("full" | "incremental", why). `requested` is auto, full or incremental; `model` the resolved model."""
    model = model or settings.model
    if requested == "full":
        return "full", "full re-cluster requested"
    if previous is None:
        return "full", "no published run to continue"
    if not previous.centroids and not previous.labels:
        return "full", "the last run found no themes to continue"
    if not previous.centroids:
        return "full", "the last run stored no theme centroids (made by an older voc)"
    if not previous.sub_centroids or previous.boilerplate is None:
        return "full", "the last run has no sub-themes (made by an older voc)"
    used = previous.model or previous.params.get("model")
    if used != model:
        return "full", f"the model changed ({used} -> {model})"
    if previous.params.get("cluster") != settings.as_dict()["cluster"]:
        return "full", "the clustering settings changed"
    if requested == "auto" and (previous.last_full is None
                                or now - previous.last_full > timedelta(days=settings.full_every_days)):
        return "full", f"the last full re-cluster is more than {settings.full_every_days} days old"
    return "incremental", "continuing the last published run"


def plan_night(settings: Settings, con: duckdb.DuckDBPyConnection, corpus: Corpus, requested: str = "auto") -> Plan:
    previous = load_previous(con, corpus.keys)
    used = (previous.model or previous.params.get("model")) if previous else None
    model = resolve_model(settings.model, corpus.languages, used)
    mode, reason = choose_mode(settings, requested, previous, datetime.now(), model)
    if mode == "full":
        return Plan(mode, reason, np.arange(len(corpus)), previous, model,
                    find_boilerplate(corpus.texts, corpus.languages).phrases)
    new = previous.theme_of == NOT_IN_PREVIOUS
    pool = np.flatnonzero(new | (previous.theme_of == UNCLUSTERED)) if new.any() else np.array([], dtype=np.int64)
    return Plan(mode, reason, pool, previous, model, previous.boilerplate)


def escalate(settings: Settings, plan: Plan, themes: ThemeSet, corpus: Corpus) -> Plan:
    """Switch to a full re-cluster when an incremental night leaves too much unclustered. A night without new
    comments never does: everything it has, the last run clustered already, so a re-cluster would only move
    comments about (the same night run twice must publish the same themes)."""
    if (plan.mode == "incremental" and len(plan.pool)
            and themes.unclustered_share > settings.max_unclustered_share):
        why = (f"{themes.unclustered_share:.0%} unclustered after the incremental pass "
               f"(limit {settings.max_unclustered_share:.0%})")
        return replace(plan, mode="full", reason=why, pool=np.arange(len(themes.theme_ids)),
                       boilerplate=find_boilerplate(corpus.texts, corpus.languages).phrases)
    return plan


def emerging_min_size(settings: Settings, n_total: int) -> int:
    return settings.cluster.emerging_min_size or max(5, auto_min_cluster_size(n_total) // 2)


def coherent(members: np.ndarray, threshold: float) -> bool:
    """Whether a group's members are, on median, at least `threshold` similar to the mean of the others
    (leave-one-out: a member's own vector does not count, so a few unrelated notes do not pass)."""
    total = members.sum(axis=0)
    others = normalise_rows(total[None, :] - members)
    return bool(np.median(np.einsum("ij,ij->i", members, others)) >= threshold)


def cluster_leftovers(x: np.ndarray, min_size: int, threshold: float) -> np.ndarray:
    """HDBSCAN on unit vectors (Euclidean distance there orders pairs like cosine); labels by size. As in a full
    run (`voc.themes.cluster`), each distinct vector is clustered once and its copies follow it (copies of a few
    stray texts are not a dense group), a text left out but repeated at least `min_size` times is a group of its
    own, and a leftover HDBSCAN calls noise joins the nearest emerging theme when at least `threshold` similar."""
    distinct, _, copy_of = distinct_rows(x)
    labels = repeated_texts_as_themes(dense_leftovers(distinct, min_size, threshold), copy_of, min_size)
    return order_by_size(labels[copy_of])


def dense_leftovers(x: np.ndarray, min_size: int, threshold: float) -> np.ndarray:
    """`cluster_leftovers` on distinct vectors.

    HDBSCAN by default never returns its root as a cluster, so a night whose leftovers hold one new problem
    (and some stray notes) would find nothing; only when it finds no cluster at all is the root allowed (it then
    returns the problem's densest core, which the threshold step grows to the whole problem)."""
    import hdbscan

    if len(x) < 2 * min_size:
        return np.full(len(x), UNCLUSTERED)
    def dense(single: bool) -> np.ndarray:
        return hdbscan.HDBSCAN(min_cluster_size=min_size, min_samples=min(5, min_size),
                               allow_single_cluster=single).fit_predict(x.astype(np.float64))

    labels = dense(single=False)
    if labels.max() < 0:
        labels = dense(single=True)
        if labels.max() >= 0 and not coherent(x[labels >= 0], threshold):
            labels = np.full(len(x), UNCLUSTERED)  # stray notes that merely happen to be the densest
    k = int(labels.max()) + 1
    if k:
        sims = x @ centroids(x, labels, k).T
        labels = np.where((labels < 0) & (sims.max(axis=1) >= threshold), sims.argmax(axis=1), labels)
    return labels


def reserved_for_emerging(x: np.ndarray, known: np.ndarray, limit: float | None, min_size: int,
                          threshold: float) -> np.ndarray:
    """Per pool row: whether it is in a dense group of tonight's comments that is unlike every known sub-theme
    (`voc.themes.emerging`; `limit` is the last full run's `unseen_group_similarity`), so it is not placed comment
    by comment. Nothing is, for a store whose last full run predates that calibration (`limit` None)."""
    if limit is None:
        return np.zeros(len(x), dtype=bool)
    return unseen_groups(x, cluster_leftovers(x, min_size, threshold), known, limit)


def place(x: np.ndarray, languages: np.ndarray, known: np.ndarray, reserved: np.ndarray, min_size: int,
          threshold: float, join_at: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(known sub-theme index or -1, emerging group or -1, similarity to either, emerging centroids) per pool row.
    A row joins the most similar known sub-theme when `threshold` similar and not reserved; the rest are clustered
    into emerging groups (one problem told in two languages is one group, as in a full run, and groups at least
    `join_at` similar are variants of one problem: `voc.themes.emerging.join_variants`); then a placed row that is
    closer to an emerging group than to its sub-theme moves there, and a reserved row left out of every group is
    placed as any other."""
    sims = x @ known.T
    best, best_sim = sims.argmax(axis=1), sims.max(axis=1)
    left = (best_sim < threshold) | reserved
    emerging = np.full(len(x), UNCLUSTERED)
    emerging[left] = cluster_leftovers(x[left], min_size, threshold)
    k = int(emerging.max()) + 1
    if k > 1:
        joined = merge_across_groups(x[left], emerging[left], k, languages[left], CROSS_GROUP_MERGE)
        joined = join_variants(x[left], order_by_size(joined), join_at) if join_at is not None else joined
        emerging[left] = order_by_size(joined)
        k = int(emerging.max()) + 1
    cents = centroids(x, emerging, k)
    if k:
        to_new = x @ cents.T
        closer = ~left & (to_new.max(axis=1) >= threshold) & (to_new.max(axis=1) > best_sim)
        emerging[closer] = to_new[closer].argmax(axis=1)
    sub = np.where((emerging < 0) & (best_sim >= threshold), best, UNCLUSTERED)
    own = np.einsum("ij,ij->i", x, cents[np.maximum(emerging, 0)]) if k else np.zeros(len(x))
    return sub, emerging, np.where(emerging >= 0, own, np.where(sub >= 0, best_sim, 0.0)), cents


def twins(texts: list[str], pool: np.ndarray, placed: np.ndarray) -> np.ndarray:
    """Per pool row: the first corpus row (in corpus order) among `placed` (a mask per corpus row) with the same
    `texts` entry, or -1. A full run clusters each distinct text once and its copies follow it; a night does the
    same, so copies of texts already placed are not mistaken for a new problem."""
    wanted = {texts[i] for i in pool.tolist()}
    first: dict[str, int] = {}
    for i in np.flatnonzero(placed).tolist():
        if texts[i] in wanted:
            first.setdefault(texts[i], i)
    return np.array([first.get(texts[i], -1) for i in pool.tolist()], dtype=np.int64)


def follow_twins(corpus: Corpus, rows: np.ndarray, sub_ids: np.ndarray, theme_ids: np.ndarray, method: np.ndarray,
                 similarity: np.ndarray) -> np.ndarray:
    """Give each pool row whose stored text a comment outside the pool already has in a sub-theme that comment's
    sub-theme, theme and similarity; the mask of those rows. The stored text stands for the embedded one: the night
    cleans with the boilerplate its twin was cleaned with (the last full run's), so the same stored text is the same
    vector, and `cluster_texts` holds the cleaned text of the pool's rows only."""
    placed = sub_ids >= 0
    placed[rows] = False
    twin = twins(corpus.texts, rows, placed)
    copied = twin >= 0
    for per_row in (sub_ids, theme_ids, similarity):
        per_row[rows[copied]] = per_row[twin[copied]]
    method[rows[copied]] = "assigned"
    return copied


def assign_new(settings: Settings, corpus: Corpus, plan: Plan, threshold: float) -> ThemeSet:
    """Keep every known comment's theme; a pool comment with the text of one in a sub-theme follows it
    (`follow_twins`); place the rest of the pool in sub-themes; find emerging themes."""
    prev, rows = plan.previous, plan.pool
    theme_ids = np.where(prev.theme_of == NOT_IN_PREVIOUS, UNCLUSTERED, prev.theme_of)
    method, similarity = prev.method.copy(), prev.similarity.copy()
    cents, labels = dict(prev.centroids), dict(prev.labels)
    if prev.sub_centroids:
        sub_ids = np.where(prev.sub_of == NOT_IN_PREVIOUS, UNCLUSTERED, prev.sub_of)
        sub_cents, sub_labels, parent = dict(prev.sub_centroids), dict(prev.sub_labels), dict(prev.sub_parent)
    else:  # a run without sub-themes (published by an older voc): each theme is its own sub-theme
        sub_ids, sub_cents, sub_labels, parent = theme_ids.copy(), dict(cents), dict(labels), {t: t for t in cents}
    max_sub_id = max(prev.max_sub_id, max(sub_cents, default=0))
    stats = {"pool": len(rows), "assigned": 0, "emerging_themes": 0,
             "unseen_group_similarity": (prev.stats or {}).get("unseen_group_similarity")}  # for the next night
    copied = follow_twins(corpus, rows, sub_ids, theme_ids, method, similarity)
    rows, vectors = rows[~copied], corpus.vectors[~copied]
    stats["assigned"] = int(copied.sum())
    if len(rows):
        languages = np.array(corpus.languages)[rows]
        x = centre_groups(normalise_rows(vectors), languages, prev.group_means)
        ids = np.array(sorted(sub_cents))
        known = np.stack([sub_cents[t] for t in ids])
        min_size = emerging_min_size(settings, len(corpus))
        limit = stats["unseen_group_similarity"]
        reserved = reserved_for_emerging(x, known, limit, min_size, threshold)
        sub, emerging, sims, new_cents = place(x, languages, known, reserved, min_size, threshold, limit)
        hit, new, k = sub >= 0, emerging >= 0, int(emerging.max()) + 1
        sub_ids[rows[hit]] = ids[sub[hit]]
        theme_ids[rows[hit]] = [parent[s] for s in ids[sub[hit]].tolist()]
        theme_ids[rows[~hit]] = np.where(new[~hit], prev.max_theme_id + 1 + emerging[~hit], UNCLUSTERED)
        sub_ids[rows[~hit]] = np.where(new[~hit], max_sub_id + 1 + emerging[~hit], UNCLUSTERED)
        method[rows] = np.where(hit, "assigned", np.where(new, "emerging", "unclustered"))
        similarity[rows] = sims
        taken = {lab.title for t, lab in labels.items() if t in set(theme_ids.tolist())}
        clean = [corpus.cluster_texts[i] for i in rows[new]] if corpus.cluster_texts else None
        generic = (generic_words(corpus.cluster_texts or corpus.texts, corpus.languages, theme_ids.tolist())
                   if k else {})  # every stored text is read: only for a night with emerging themes to title
        for lab in label_themes([corpus.texts[i] for i in rows[new]], [corpus.languages[i] for i in rows[new]],
                                emerging[new], sims[new], clean, taken=taken, generic=generic):
            theme_id, sub_id = prev.max_theme_id + 1 + lab.theme_id, max_sub_id + 1 + lab.theme_id
            labels[theme_id], sub_labels[sub_id] = replace(lab, theme_id=theme_id), replace(lab, theme_id=sub_id)
            cents[theme_id] = sub_cents[sub_id] = new_cents[lab.theme_id]
            parent[sub_id] = theme_id
        stats.update(assigned=stats["assigned"] + int(hit.sum()), emerging_themes=k)
    present = set(np.unique(theme_ids[theme_ids >= 0]).tolist())
    subs_present = set(np.unique(sub_ids[sub_ids >= 0]).tolist())
    keep = lambda d, ids: {t: v for t, v in d.items() if t in ids}  # noqa: E731
    return ThemeSet("incremental", theme_ids, method, similarity, keep(cents, present), prev.group_means,
                    keep(labels, present), [], stats, subtheme_ids=sub_ids, sub_parent=keep(parent, subs_present),
                    sub_centroids=keep(sub_cents, subs_present), sub_labels=keep(sub_labels, subs_present),
                    boilerplate=plan.boilerplate)
