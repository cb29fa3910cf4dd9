"""A full re-cluster's two levels with stable ids: sub-themes from `ThemeClusterer`, themes from `ThemeHierarchy`.

1. The clusterer's groups are the sub-themes.
2. PM decisions become constraints (`voc.pm.theme_edit` records them, `voc.themes.carry_over.constraints` reads
   them): a sub-theme whose comments were mostly in a theme the PM merged into, or split out, is pinned to that
   theme id. Sub-themes pinned to the same id always form one theme; a sub-theme pinned to a split-out theme never
   joins any other.
3. `ThemeHierarchy` merges the sub-themes into themes.
4. Ids: themes are matched to the last published run's themes (`voc.themes.identity`:
   membership overlap plus centroid direction), so a theme keeps its id across the
   weekly re-cluster; sub-themes are matched the same way in their own id space
   and may change more. Lineage is recorded at both levels. A previous theme the new
   sub-themes swallowed whole is revived (`voc.themes.carry_over.revive`, with its sub-themes) rather than retired,
   unless a night found it and neither a re-cluster nor a PM has confirmed it yet. Then the
   re-cluster is sticky: a comment whose previous theme lives on stays there (in its
   nearest sub-theme) unless its new theme is clearly closer (`voc.themes.carry_over.sticky`).
5. Labels: keywords and a unique title per theme (`voc.themes.label`, `voc.themes.titles`); a theme keeps its
   title while its comments stay, and always once a PM has acted on it (`keeps_title`); each sub-theme gets a title
   unique among its theme's sub-themes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from voc.corpus import Corpus, ThemeSet
from voc.embedding.vectors import normalise_rows
from voc.themes.carry_over import add_revived, constraints, previous_grouping, revive, sticky
from voc.themes.cluster import ThemeClusterer, centre_groups, centroids
from voc.themes.emerging import calibrate
from voc.themes.generic import generic_words
from voc.themes.hierarchy import ThemeHierarchy, keyword_profiles
from voc.themes.identity import IdMatch, match_ids
from voc.themes.previous import Previous
from voc.themes.label import label_themes
from voc.themes.titles import Speller

# A re-cluster keeps a theme's generated title when at least this share of its comments were in it last run: a week
# of new comments (~5-10%) does not rename a theme; absorbing another theme as large as a quarter of it does.
TITLE_KEPT_SHARE = 0.8


@dataclass
class Levels:
    """Both levels with their ids: per row the theme and sub-theme id (-1: unclustered), each sub-theme's theme and
    centroid, each theme's centroid; `themes` and `subs` map the cluster numbers to the ids, with the lineage."""
    themes: IdMatch
    subs: IdMatch
    theme_ids: np.ndarray
    sub_ids: np.ndarray
    sub_parent: dict[int, int]
    sub_cents: dict[int, np.ndarray]
    theme_cents: dict[int, np.ndarray]


def build_levels(corpus: Corpus, model: ThemeClusterer, previous: Previous | None, centroid_weight: float,
                 boilerplate: tuple[str, ...] = ()) -> ThemeSet:
    """Sub-themes, themes, stable ids and labels of a full re-cluster (see the module docstring)."""
    x = centre_groups(normalise_rows(corpus.vectors), np.asarray(corpus.languages), model.group_means_)
    hierarchy, theme_rows, pinned = merge_subthemes(corpus, model, previous, centroid_weight)
    levels = match_levels(corpus.keys, model, hierarchy, theme_rows, centroids(x, theme_rows, hierarchy.n_themes_),
                          previous)
    revived, stayed = keep_last_run(x, levels, previous, model.min_cluster_size_)
    n_themes = len(levels.themes.ids)
    theme_rows = cluster_numbers(levels.theme_ids, levels.themes.ids)
    theme_cents = centroids(x, theme_rows, n_themes)
    theme_sim = np.zeros(len(x), dtype=np.float32)
    clustered = theme_rows >= 0
    theme_sim[clustered] = np.einsum("ij,ij->i", x[clustered], theme_cents[theme_rows[clustered]])
    present = set(levels.sub_ids[levels.sub_ids >= 0].tolist())
    sub_parent = {s: t for s, t in levels.sub_parent.items() if s in present}
    labels, sub_labels = label_levels(corpus, model, levels, theme_rows, theme_sim, sub_parent, previous)
    stats = {"merges": sum(x.kind == "merge" for x in levels.themes.lineage),
             "splits": sum(x.kind == "split" for x in levels.themes.lineage),
             "subthemes": len(levels.subs.ids), "merge_threshold": round(hierarchy.threshold_, 4),
             "pinned_subthemes": len(pinned), "distinct_texts": model.n_distinct_,
             "min_subtheme_size": model.min_cluster_size_, "kept_previous_theme": stayed,
             "revived_themes": len(revived),
             "unseen_group_similarity": calibrate(x, levels.sub_ids, levels.sub_parent, levels.sub_cents,
                                                  model.min_cluster_size_ // 2, model.random_state)}
    return ThemeSet(
        "full", levels.theme_ids, model.method_.astype(object), theme_sim,
        {levels.themes.ids[i]: theme_cents[i] for i in range(n_themes) if (theme_rows == i).any()},
        model.group_means_, {t: lab for t, lab in labels.items() if t in set(levels.theme_ids.tolist())},
        levels.themes.lineage, stats, subtheme_ids=levels.sub_ids, sub_parent=sub_parent,
        sub_centroids={s: v for s, v in levels.sub_cents.items() if s in present}, sub_labels=sub_labels,
        sub_lineage=levels.subs.lineage, boilerplate=boilerplate)


def merge_subthemes(corpus: Corpus, model: ThemeClusterer, previous: Previous | None,
                    centroid_weight: float) -> tuple[ThemeHierarchy, np.ndarray, dict[int, int]]:
    """Themes from the sub-themes, honouring the PM's merges and splits and leaning towards the last run's grouping:
    (the fitted hierarchy, theme number per row (-1: unclustered), pinned sub-theme -> theme id)."""
    subs, k = model.labels_, model.n_themes_
    must, cannot, pinned = constraints(subs, previous)
    sizes = np.bincount(subs[subs >= 0], minlength=k)
    hierarchy = ThemeHierarchy(centroid_weight=centroid_weight).fit(
        model.centroids_, keyword_profiles(corpus.cluster_texts, subs, k), sizes, must, cannot,
        previous_grouping(subs, k, previous))
    theme_rows = hierarchy.theme_of_[np.maximum(subs, 0)] if k else np.zeros(len(subs), dtype=np.int64)
    return hierarchy, np.where(subs >= 0, theme_rows, -1), pinned


def match_levels(keys: list[tuple[str, str]], model: ThemeClusterer, hierarchy: ThemeHierarchy,
                 theme_rows: np.ndarray, theme_cents: np.ndarray, previous: Previous | None) -> Levels:
    """Ids for both levels, matched to the last run's themes and sub-themes (`voc.themes.identity.match_ids`)."""
    subs, k, n_themes = model.labels_, model.n_themes_, hierarchy.n_themes_
    themes = match_ids(_by_key(keys, theme_rows), _by_key(keys, previous.theme_of) if previous else {},
                       n_themes, (previous.max_theme_id if previous else 0) + 1, theme_cents,
                       previous.centroids if previous else None)
    sub_match = match_ids(_by_key(keys, subs), _by_key(keys, previous.sub_of) if previous else {}, k,
                          (previous.max_sub_id if previous else 0) + 1, model.centroids_,
                          previous.sub_centroids if previous else None)
    return Levels(themes, sub_match,
                  np.array([themes.ids[t] if t >= 0 else -1 for t in theme_rows.tolist()], dtype=np.int64),
                  np.array([sub_match.ids[t] if t >= 0 else -1 for t in subs.tolist()], dtype=np.int64),
                  {sub_match.ids[s]: themes.ids[int(hierarchy.theme_of_[s])] for s in range(k)},
                  {sub_match.ids[s]: model.centroids_[s] for s in range(k)},
                  {themes.ids[i]: theme_cents[i] for i in range(n_themes)})


def keep_last_run(x: np.ndarray, levels: Levels, previous: Previous | None,
                  min_size: int) -> tuple[dict[int, dict[int, np.ndarray]], int]:
    """Bring back the last run's themes the re-cluster swallowed, then keep each comment in its previous theme unless
    it is clearly elsewhere (`voc.themes.carry_over`). Changes `levels` in place; returns (the revived themes with
    their sub-themes' centroids, how many comments stayed)."""
    next_sub_id = max([previous.max_sub_id if previous else 0, *levels.subs.ids.values()]) + 1
    revived = revive(x, levels.theme_ids, levels.sub_ids, previous, levels.theme_cents, min_size, next_sub_id,
                     set(levels.subs.ids.values()))
    add_revived(revived, levels.themes, levels.subs, levels.sub_parent, levels.sub_cents)
    stayed = sticky(x, levels.theme_ids, levels.sub_ids, previous, levels.theme_cents, levels.sub_cents,
                    levels.sub_parent)
    return revived, stayed


def _by_key(keys: list[tuple[str, str]], rows: np.ndarray) -> dict[tuple[str, str], int]:
    """Comment key -> cluster number or id, for the clustered rows."""
    return {key: int(t) for key, t in zip(keys, rows.tolist()) if t >= 0}


def cluster_numbers(row_ids: np.ndarray, ids: dict[int, int]) -> np.ndarray:
    """Cluster numbers 0..k-1 per row back from their ids (`ids`: number -> id; -1 stays -1)."""
    number = {cluster_id: n for n, cluster_id in ids.items()}
    return np.array([number[s] if s >= 0 else -1 for s in row_ids.tolist()], dtype=np.int64)


def label_levels(corpus: Corpus, model: ThemeClusterer, levels: Levels, theme_rows: np.ndarray,
                 theme_sim: np.ndarray, sub_parent: dict[int, int], previous: Previous | None) -> tuple[dict, dict]:
    """Theme labels (titles unique across themes; a title kept by `keeps_title`) and
    sub-theme labels (titles unique within their theme; a theme's only sub-theme carries its title). The words all
    themes say are no title (`voc.themes.generic`)."""
    speller = Speller(corpus.cluster_texts, corpus.languages)
    generic = generic_words(corpus.cluster_texts, corpus.languages, theme_rows.tolist())
    labels = _labels(corpus, theme_rows, theme_sim, levels.themes.ids, speller, levels.sub_ids,
                     titles_kept(theme_rows, levels.themes.ids, previous), generic)
    subs = sub_titles(corpus, cluster_numbers(levels.sub_ids, levels.subs.ids), theme_rows, model.similarity_,
                      speller, levels.subs.ids, generic)
    return labels, named_like_their_theme(subs, sub_parent, labels)


def titles_kept(theme_rows: np.ndarray, ids: dict[int, int], previous: Previous | None) -> dict[int, str]:
    """Theme number -> last run's generated title, for each theme that keeps it (`keeps_title`)."""
    if previous is None:
        return {}
    return {number: previous.labels[theme_id].title for number, theme_id in ids.items()
            if theme_id in previous.labels and (theme_rows == number).any()
            and keeps_title(theme_id, theme_rows == number, previous.theme_of == theme_id, previous)}


def keeps_title(theme_id: int, now: np.ndarray, before: np.ndarray, previous: Previous) -> bool:
    """Does a re-cluster keep the theme's last generated title (`now`, `before`: its rows in this run and the last)?
    A theme a PM has acted on (`Previous.acted_on`: a status other than new, an owner, note or ticket, a merge, split
    or rename) keeps it however its comments changed (a PM's name, once given, is shown over it):
    PMs, agents and Jira know a theme by the title they acted on, and a declined "agent boilerplate" theme re-titled
    after a real problem reads as that problem declined. Any other theme keeps it while its content stayed: at least
    TITLE_KEPT_SHARE of its comments were in it last run and it holds at least half of what it held (a re-cluster
    that re-ranks near-equal phrases must not rename it; one that changed what it holds names it anew)."""
    if theme_id in previous.acted_on:
        return True
    both = int((now & before).sum())
    return bool(before.any() and both >= TITLE_KEPT_SHARE * now.sum() and both >= before.sum() / 2)


def _labels(corpus: Corpus, labels: np.ndarray, similarity: np.ndarray, ids: dict[int, int], speller: Speller,
            variants: np.ndarray, keep: dict[int, str], generic: dict[str, frozenset[str]]) -> dict:
    return {ids[lab.theme_id]: replace(lab, theme_id=ids[lab.theme_id])
            for lab in label_themes(corpus.texts, corpus.languages, labels, similarity, corpus.cluster_texts,
                                    speller, variants=variants, keep=keep, generic=generic)}


def sub_titles(corpus: Corpus, sub_rows: np.ndarray, theme_rows: np.ndarray, similarity: np.ndarray,
               speller: Speller, sub_ids: dict[int, int], generic: dict[str, frozenset[str]]) -> dict:
    """Sub-theme labels, titles unique within each theme; the words all themes say are no title (`generic`)."""
    result = {}
    for theme in np.unique(theme_rows[theme_rows >= 0]).tolist():
        subs = sorted(set(sub_rows[theme_rows == theme].tolist()))
        local = np.array([subs.index(s) if t == theme else -1 for s, t in zip(sub_rows.tolist(), theme_rows.tolist())])
        for lab in label_themes(corpus.texts, corpus.languages, local, similarity, corpus.cluster_texts, speller,
                                generic=generic):
            sid = sub_ids[subs[lab.theme_id]]
            result[sid] = replace(lab, theme_id=sid)
    return result


def named_like_their_theme(sub_labels: dict, sub_parent: dict[int, int], theme_labels: dict) -> dict:
    """A theme's only sub-theme carries the theme's title: the same comments under two names read as two things.
    (Theme titles are unique across themes, sub-theme titles only within their theme, so they can differ.)"""
    subs_of = Counter(sub_parent.values())
    return {sub: replace(lab, title=theme_labels[sub_parent[sub]].title)
            if subs_of[sub_parent.get(sub)] == 1 and sub_parent.get(sub) in theme_labels else lab
            for sub, lab in sub_labels.items()}
