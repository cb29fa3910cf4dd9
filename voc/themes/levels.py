"""A full re-cluster's two levels with stable ids: sub-themes from `ThemeClusterer`, themes from `ThemeHierarchy`.

1. The clusterer's groups are the sub-themes.
2. PM decisions become constraints (`voc.pm.theme_edit` records them): a sub-theme whose
   comments were mostly (PIN_SHARE) in a theme the PM merged into, or split out,
   is pinned to that theme id. Sub-themes pinned to the same id always form one
   theme; a sub-theme pinned to a split-out theme never joins any other.
3. `ThemeHierarchy` merges the sub-themes into themes.
4. Ids: themes are matched to the last published run's themes (`voc.themes.identity`:
   membership overlap plus centroid direction), so a theme keeps its id across the
   weekly re-cluster; sub-themes are matched the same way in their own id space
   and may change more. Lineage is recorded at both levels. A previous theme the new
   sub-themes swallowed whole is revived (`revive`, with its sub-themes) rather than retired, unless a night
   found it and neither a re-cluster nor a PM has confirmed it yet. Then the
   re-cluster is sticky: a comment whose previous theme lives on stays there (in its
   nearest sub-theme) unless its new theme is clearly closer (STICKY_MARGIN).
5. Labels: keywords and a unique title per theme (`voc.themes.label`, `voc.themes.titles`); each
   sub-theme gets a title unique among its theme's sub-themes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np

from voc.corpus import Corpus, ThemeSet
from voc.embedding.vectors import normalise_rows
from voc.themes.cluster import ThemeClusterer, centre_groups, centroids
from voc.themes.emerging import calibrate
from voc.themes.hierarchy import ThemeHierarchy, keyword_profiles
from voc.themes.identity import IdMatch, match_ids
from voc.themes.incremental import Previous
from voc.themes.generic import generic_words
from voc.themes.label import label_themes
from voc.themes.titles import Speller

PIN_SHARE = 0.5  # a sub-theme follows a PM decision when at least half its comments were in the decided theme
# Sticky re-cluster: a comment keeps its previous theme (when that theme id lives on) unless its new theme's
# centroid is more similar than the previous theme's by at least this much cosine, i.e. clearly elsewhere.
STICKY_MARGIN = 0.1
# A re-cluster keeps a theme's generated title when at least this share of its comments were in it last run: a week
# of new comments (~5-10%) does not rename a theme; absorbing another theme as large as a quarter of it does.
TITLE_KEPT_SHARE = 0.8


def sticky(x: np.ndarray, theme_ids: np.ndarray, sub_ids: np.ndarray, previous: Previous | None,
           theme_cents: dict[int, np.ndarray], sub_cents: dict[int, np.ndarray], sub_parent: dict[int, int]) -> int:
    """Move comments back to their previous theme (and its nearest sub-theme) unless clearly elsewhere.
    Changes `theme_ids` and `sub_ids` in place; returns how many comments stayed."""
    if previous is None:
        return 0
    old = np.where(previous.theme_of >= 0, previous.theme_of, -1)
    moved = np.flatnonzero((old >= 0) & (theme_ids >= 0) & (old != theme_ids)
                           & np.isin(old, np.array(sorted(theme_cents), dtype=np.int64)))
    stayed = 0
    subs_of: dict[int, list[int]] = {}
    for sub, theme in sorted(sub_parent.items()):
        subs_of.setdefault(theme, []).append(sub)
    for i in moved.tolist():
        before, now = int(old[i]), int(theme_ids[i])
        if x[i] @ theme_cents[before] >= x[i] @ theme_cents[now] - STICKY_MARGIN:
            candidates = subs_of[before]
            sub_ids[i] = candidates[int(np.argmax([x[i] @ sub_cents[s] for s in candidates]))]
            theme_ids[i] = before
            stayed += 1
    return stayed


def revive(x: np.ndarray, theme_ids: np.ndarray, sub_ids: np.ndarray, previous: Previous | None,
           theme_cents: dict[int, np.ndarray], min_size: int, next_sub_id: int,
           taken_subs: set[int] = frozenset()) -> dict[int, dict[int, np.ndarray]]:
    """Bring back last run's themes that no new theme matched. Re-clustered sub-themes can swallow a theme whole
    (its comments now sit in sub-themes of a neighbouring theme), which would retire its id, status and owner.

    The policy: a re-cluster does not retire a theme of the last run on its own; merging two established themes is
    a product manager's decision (`voc theme merge`). A theme a night found that neither a re-cluster nor a PM has
    confirmed yet (`Previous.provisional`) is not established: the weekly re-cluster is where a night's emerging
    groups are settled, e.g. one new problem found once in German and once in English. An established theme comes
    back with those of its comments that did not move clearly elsewhere (closer to their new theme than to the mean
    of the theme's comments by STICKY_MARGIN), if at least `min_size` did (the clusterer's minimum, counted here in
    comments, repeats included); comments the re-cluster left unclustered come back too. Measured against their own
    mean the comments almost always stay, so in effect only a theme whose comments scattered into clearly different
    themes is retired.
    Its sub-themes come back with it (`revived_subthemes`). Changes `theme_ids` and `sub_ids` in place and adds to
    `theme_cents`; returns {revived theme id: {its sub-theme id: centroid}}."""
    if previous is None:
        return {}
    old = previous.theme_of
    old_subs = previous.sub_of if previous.sub_of is not None else np.full(len(old), -1)  # a run before sub-themes
    taken_subs = set(taken_subs)
    revived: dict[int, dict[int, np.ndarray]] = {}
    for theme in sorted(set(old[old >= 0].tolist()) - set(theme_cents) - previous.provisional):
        members = np.flatnonzero(old == theme)
        if len(members) < min_size:
            continue
        mean = normalise_rows(x[members].mean(axis=0, keepdims=True))[0]
        now = np.full(len(members), -np.inf)  # left unclustered: no theme to be clearly closer to
        themed = theme_ids[members] >= 0
        if themed.any():
            now[themed] = np.einsum("ij,ij->i", x[members[themed]],
                                    np.vstack([theme_cents[t] for t in theme_ids[members[themed]].tolist()]))
        stay = members[x[members] @ mean >= now - STICKY_MARGIN]
        if len(stay) < min_size:
            continue
        subs, subs_cents = revived_subthemes(x[stay], old_subs[stay], taken_subs, min_size, next_sub_id)
        next_sub_id += int(next_sub_id in subs_cents)
        taken_subs |= set(subs_cents)
        revived[theme] = subs_cents
        theme_ids[stay], sub_ids[stay] = theme, subs
        theme_cents[theme] = normalise_rows(x[stay].mean(axis=0, keepdims=True))[0]  # of the comments it gets back
    return revived


def revived_subthemes(x: np.ndarray, old_subs: np.ndarray, taken: set[int], min_size: int,
                      fresh_id: int) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """(sub-theme id per row, {sub-theme id: centroid}) of a revived theme's rows. A sub-theme it had last run
    keeps its id when the re-cluster gave that id to no one else (`taken`) and at least `min_size` of the rows were
    in it; the other rows join the nearest of those, or, when none is left, one new sub-theme `fresh_id`."""
    ids, counts = np.unique(old_subs[old_subs >= 0], return_counts=True)
    kept = [int(s) for s, n in zip(ids.tolist(), counts.tolist()) if s not in taken and n >= min_size]
    if not kept:
        return np.full(len(x), fresh_id, dtype=np.int64), {fresh_id: normalise_rows(x.mean(axis=0, keepdims=True))[0]}
    cents = normalise_rows(np.vstack([x[old_subs == s].mean(axis=0) for s in kept]))
    subs = np.array(kept, dtype=np.int64)[np.argmax(x @ cents.T, axis=1)]
    subs = np.where(np.isin(old_subs, kept), old_subs, subs)
    return subs, {s: normalise_rows(x[subs == s].mean(axis=0, keepdims=True))[0] for s in kept}


def add_revived(revived: dict[int, dict[int, np.ndarray]], theme_match: IdMatch, sub_match: IdMatch,
                sub_parent: dict[int, int], sub_cents: dict[int, np.ndarray]) -> None:
    """Give each revived theme and sub-theme the next numbers, and drop the merges that would have retired them."""
    for theme, subs in revived.items():
        theme_match.ids[len(theme_match.ids)] = theme
        for sub, cent in subs.items():
            sub_match.ids[len(sub_match.ids)] = sub
            sub_parent[sub], sub_cents[sub] = theme, cent
    revived_subs = {sub for subs in revived.values() for sub in subs}
    theme_match.lineage = [item for item in theme_match.lineage
                           if not (item.kind == "merge" and item.parent_id in revived)]
    sub_match.lineage = [item for item in sub_match.lineage
                         if not (item.kind == "merge" and item.parent_id in revived_subs)]


def previous_grouping(sub_labels: np.ndarray, k: int, previous: Previous | None) -> np.ndarray | None:
    """+1 / -1 / 0 per pair of sub-themes: mostly in the same / different / unknown theme last run."""
    if previous is None:
        return None
    major = np.full(k, -1)
    for sub in range(k):
        before = previous.theme_of[sub_labels == sub]
        before = before[before >= 0]
        if len(before):
            theme, n = Counter(before.tolist()).most_common(1)[0]
            major[sub] = theme if n >= PIN_SHARE * int((sub_labels == sub).sum()) else -1
    known = major >= 0
    prior = np.where(major[:, None] == major[None, :], 1.0, -1.0)
    prior[~known, :] = 0.0
    prior[:, ~known] = 0.0
    return prior


def constraints(sub_labels: np.ndarray,
                previous: Previous | None) -> tuple[list[list[int]], list[tuple[int, int]], dict]:
    """(must_link groups, cannot_link pairs, pinned sub -> theme id) from the PM's merges and splits."""
    if previous is None or not previous.pins:
        return [], [], {}
    pinned: dict[int, int] = {}
    for sub in np.unique(sub_labels[sub_labels >= 0]).tolist():
        before = previous.theme_of[sub_labels == sub]
        before = before[before >= 0]
        if len(before):
            theme, n = Counter(before.tolist()).most_common(1)[0]
            if theme in previous.pins and n >= PIN_SHARE * int((sub_labels == sub).sum()):
                pinned[sub] = theme
    groups: dict[int, list[int]] = {}
    for sub, theme in pinned.items():
        groups.setdefault(theme, []).append(sub)
    k = int(sub_labels.max()) + 1 if (sub_labels >= 0).any() else 0
    cannot = [(s, o) for theme, subs in groups.items() if previous.pins[theme] == "split"
              for s in subs for o in range(k) if o not in subs]
    return [sorted(g) for g in groups.values()], cannot, pinned


def titles_kept(theme_rows: np.ndarray, ids: dict[int, int], previous: Previous | None) -> dict[int, str]:
    """Theme number -> last run's generated title, for each theme whose content stayed: at least TITLE_KEPT_SHARE
    of its comments were in it (by id) last run, and it still holds at least half of what it held. PMs, agents and
    tickets know a theme by its title; a re-cluster that re-ranks near-equal phrases must not rename it."""
    if previous is None:
        return {}
    kept = {}
    for number, theme_id in ids.items():
        now, before = theme_rows == number, previous.theme_of == theme_id
        if theme_id in previous.labels and now.any() and before.any():
            both = int((now & before).sum())
            if both >= TITLE_KEPT_SHARE * now.sum() and both >= before.sum() / 2:
                kept[number] = previous.labels[theme_id].title
    return kept


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


def sub_rows(sub_ids: np.ndarray, ids: dict[int, int]) -> np.ndarray:
    """Sub-theme numbers 0..k-1 per row back from their ids."""
    number = {sub_id: n for n, sub_id in ids.items()}
    return np.array([number[s] if s >= 0 else -1 for s in sub_ids.tolist()], dtype=np.int64)


def build_levels(corpus: Corpus, model: ThemeClusterer, previous: Previous | None, centroid_weight: float,
                 boilerplate: tuple[str, ...] = ()) -> ThemeSet:
    """Sub-themes, themes, stable ids and labels of a full re-cluster (see the module docstring)."""
    subs = model.labels_
    k = model.n_themes_
    x = centre_groups(normalise_rows(corpus.vectors), np.asarray(corpus.languages), model.group_means_)
    must, cannot, pinned = constraints(subs, previous)
    sizes = np.bincount(subs[subs >= 0], minlength=k)
    hierarchy = ThemeHierarchy(centroid_weight=centroid_weight).fit(
        model.centroids_, keyword_profiles(corpus.cluster_texts, subs, k), sizes, must, cannot,
        previous_grouping(subs, k, previous))
    theme_rows = hierarchy.theme_of_[np.maximum(subs, 0)] if k else np.zeros(len(subs), dtype=np.int64)
    theme_rows = np.where(subs >= 0, theme_rows, -1)
    n_themes = hierarchy.n_themes_
    theme_cents = centroids(x, theme_rows, n_themes)
    keys = corpus.keys
    old_theme = {key: int(t) for key, t in zip(keys, previous.theme_of.tolist()) if t >= 0} if previous else {}
    old_sub = {key: int(t) for key, t in zip(keys, previous.sub_of.tolist()) if t >= 0} if previous else {}
    theme_match = match_ids({key: int(t) for key, t in zip(keys, theme_rows.tolist()) if t >= 0}, old_theme,
                            n_themes, (previous.max_theme_id if previous else 0) + 1, theme_cents,
                            previous.centroids if previous else None)
    sub_match = match_ids({key: int(t) for key, t in zip(keys, subs.tolist()) if t >= 0}, old_sub, k,
                          (previous.max_sub_id if previous else 0) + 1, model.centroids_,
                          previous.sub_centroids if previous else None)
    theme_ids = np.array([theme_match.ids[t] if t >= 0 else -1 for t in theme_rows.tolist()], dtype=np.int64)
    sub_ids = np.array([sub_match.ids[t] if t >= 0 else -1 for t in subs.tolist()], dtype=np.int64)
    sub_parent = {sub_match.ids[s]: theme_match.ids[int(hierarchy.theme_of_[s])] for s in range(k)}
    sub_cents = {sub_match.ids[s]: model.centroids_[s] for s in range(k)}
    cents_by_id = {theme_match.ids[i]: theme_cents[i] for i in range(n_themes)}
    next_sub_id = max([previous.max_sub_id if previous else 0, *sub_match.ids.values()]) + 1
    revived = revive(x, theme_ids, sub_ids, previous, cents_by_id, model.min_cluster_size_, next_sub_id,
                     set(sub_match.ids.values()))
    add_revived(revived, theme_match, sub_match, sub_parent, sub_cents)
    n_themes, k = len(theme_match.ids), len(sub_match.ids)
    stayed = sticky(x, theme_ids, sub_ids, previous, cents_by_id, sub_cents, sub_parent)
    number = {theme_id: n for n, theme_id in theme_match.ids.items()}
    theme_rows = np.array([number[t] if t >= 0 else -1 for t in theme_ids.tolist()], dtype=np.int64)
    theme_cents = centroids(x, theme_rows, n_themes)
    theme_sim = np.zeros(len(x), dtype=np.float32)
    clustered = theme_rows >= 0
    theme_sim[clustered] = np.einsum("ij,ij->i", x[clustered], theme_cents[theme_rows[clustered]])
    present = set(sub_ids[sub_ids >= 0].tolist())
    speller = Speller(corpus.cluster_texts, corpus.languages)
    generic = generic_words(corpus.cluster_texts, corpus.languages, theme_rows.tolist())
    labels = _labels(corpus, theme_rows, theme_sim, theme_match.ids, speller, sub_ids,
                     titles_kept(theme_rows, theme_match.ids, previous), generic)
    return ThemeSet(
        "full", theme_ids, model.method_.astype(object), theme_sim,
        {theme_match.ids[i]: theme_cents[i] for i in range(n_themes) if (theme_rows == i).any()},
        model.group_means_, {t: lab for t, lab in labels.items() if t in set(theme_ids.tolist())},
        theme_match.lineage,
        {"merges": sum(x.kind == "merge" for x in theme_match.lineage),
         "splits": sum(x.kind == "split" for x in theme_match.lineage),
         "subthemes": k, "merge_threshold": round(hierarchy.threshold_, 4), "pinned_subthemes": len(pinned),
         "distinct_texts": model.n_distinct_, "min_subtheme_size": model.min_cluster_size_,
         "kept_previous_theme": stayed, "revived_themes": len(revived),
         "unseen_group_similarity": calibrate(x, sub_ids, sub_parent, sub_cents, model.min_cluster_size_ // 2,
                                              model.random_state)},
        subtheme_ids=sub_ids, sub_parent={s: t for s, t in sub_parent.items() if s in present},
        sub_centroids={s: v for s, v in sub_cents.items() if s in present},
        sub_labels=named_like_their_theme(
            sub_titles(corpus, sub_rows(sub_ids, sub_match.ids), theme_rows, model.similarity_, speller, sub_match.ids,
                       generic),
            {s: t for s, t in sub_parent.items() if s in present}, labels),
        sub_lineage=sub_match.lineage, boilerplate=boilerplate)
