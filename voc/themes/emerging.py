"""Which of a night's dense groups of comments is a problem the store has not seen, calibrated by each full run.

A night places each new comment in the nearest sub-theme when the cosine similarity reaches the embedder's
`assign_threshold`. That threshold is meant for one comment (noisy, short); it is low, so a new problem that
shares words with an old one ("App stürzt nach dem Update ab" next to "Kann mich nicht in der App anmelden") was
absorbed comment by comment into the old theme, and the night reported no emerging theme. So a night first looks
for dense groups among its comments (`voc.themes.incremental.cluster_leftovers`) and compares each group's
centroid, which averages the noise away, with the sub-theme centroids:

- A batch of comments from one known sub-theme has a centroid very close to that sub-theme's centroid;
- a batch from another problem stays far from it.

Each full run measures both on its own data and model (`calibrate`): random batches of each sub-theme's comments,
the similarity of their centroid to their own sub-theme's centroid (low end: `OWN_PERCENTILE`) and to the nearest
sub-theme of another theme (high end: `OTHER_PERCENTILE`). The midpoint is the run's `unseen_group_similarity`,
stored in its stats. A night's group whose centroid is less similar than that to every known sub-theme is new:
it is kept out of the comment-by-comment placement and becomes an emerging theme. Measured on the demo data (model
`use`): own batches >= 0.86, another theme's <= 0.46, midpoint 0.66; the crash group of the demo's emerging
problem 0.52, the night's groups of known problems 0.85-0.91.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from voc.embedding.vectors import normalise_rows
from voc.themes.cluster import centroids

OWN_PERCENTILE = 1       # nearly every batch of a sub-theme's own comments is at least this close to its centroid
OTHER_PERCENTILE = 99    # nearly every batch comes no closer than this to a sub-theme of another theme
BATCHES_PER_SUBTHEME = 20  # random batches drawn from each sub-theme: enough for stable percentiles, cheap at 100k
MIN_BATCH = 5            # a group smaller than this is no group (as `emerging_min_size`'s floor)


def calibrate(x: np.ndarray, sub_ids: np.ndarray, sub_parent: dict[int, int], sub_centroids: dict[int, np.ndarray],
              batch: int, random_state: int) -> float | None:
    """The similarity between a group's centroid and a known sub-theme's centroid below which the group is a problem
    the store has not seen (see the module docstring); None when the run has too few sub-themes to tell."""
    batch = max(batch, MIN_BATCH)
    ids = [s for s in sorted(sub_centroids) if s in sub_parent]
    if len({sub_parent[s] for s in ids}) < 2:
        return None
    cents = np.stack([sub_centroids[s] for s in ids])
    other_theme = np.array([[sub_parent[a] != sub_parent[b] for b in ids] for a in ids])
    rng = np.random.default_rng(random_state)
    own, other = [], []
    for j, s in enumerate(ids):
        members = np.flatnonzero(sub_ids == s)
        if len(members) < batch:
            continue
        for _ in range(BATCHES_PER_SUBTHEME):
            centre = normalise_rows(x[rng.choice(members, batch, replace=False)].mean(axis=0, keepdims=True))[0]
            sims = cents @ centre
            own.append(sims[j])
            other.append(sims[other_theme[j]].max())
    if not own:
        return None
    return round(float((np.percentile(own, OWN_PERCENTILE) + np.percentile(other, OTHER_PERCENTILE)) / 2), 4)


def unseen_groups(x: np.ndarray, groups: np.ndarray, known: np.ndarray, threshold: float) -> np.ndarray:
    """Per row of `x`: whether its group (`groups`, -1 none) has a centroid less similar than `threshold` to every
    row of `known` (the known sub-themes' centroids)."""
    k = int(groups.max()) + 1 if len(groups) else 0
    if not k or not len(known):
        return np.zeros(len(x), dtype=bool)
    new = (centroids(x, groups, k) @ known.T).max(axis=1) < threshold
    return (groups >= 0) & new[np.maximum(groups, 0)]


def join_variants(x: np.ndarray, groups: np.ndarray, threshold: float) -> np.ndarray:
    """Tonight's groups whose centroids are at least `threshold` similar, joined (single linkage): variants of one
    new problem ("App schließt sich nach dem Update", "app won't start since 5.2") are one emerging theme, as the
    full run's hierarchy would make them; the weekly re-cluster gives it sub-themes. Groups renumbered 0..g-1."""
    k = int(groups.max()) + 1 if len(groups) else 0
    if k < 2:
        return groups
    cents = centroids(x, groups, k)
    _, component = connected_components(sparse.csr_matrix(cents @ cents.T >= threshold), directed=False)
    return np.where(groups >= 0, component[np.maximum(groups, 0)], groups)
