"""Which of a night's dense groups of comments is a problem the store has not seen, calibrated by each full run.

A night places each new comment in the nearest sub-theme when the cosine similarity reaches the embedder's
`assign_threshold`. That threshold is meant for one comment (noisy, short); it is low, so a new problem that
shares words with an old one ("App stürzt nach dem Update ab" next to "Kann mich nicht in der App anmelden") was
absorbed comment by comment into the old theme, and the night reported no emerging theme. So a night first looks
for dense groups among its comments (`voc.themes.incremental.cluster_leftovers`) and asks how well the known
sub-themes explain each group (`explained`): each member's nearest sub-theme centroid, averaged, against the
group's own centroid, which averages the noise away.

- A group of known problems fits, even one mixed from several sub-themes whose centroid lies between them;
- a group of a new problem does not, however near its notes fall to one old theme.

(Comparing the group's centroid with the nearest sub-theme's alone took mixed groups for new problems: at 100k, five
of them in three nights, flagged emerging and spiking, until the weekly re-cluster merged them back.)

Each full run measures both on its own data and model (`calibrate`): random batches of each sub-theme, explained
by every sub-theme (low end: `OWN_PERCENTILE`) and by the sub-themes of other themes only, as if the batch's
problem were new (high end: `OTHER_PERCENTILE`). The midpoint is the run's `unseen_group_similarity`, stored in its
stats. A night's group explained less than that is new: it is kept out of the comment-by-comment placement and
becomes an emerging theme. Measured (model `use`): on the demo, batches >= 0.67 and <= 0.43, line 0.55, the crash
group 0.51; at 100k the line 0.75, the crash group 0.44, the nights' groups of known problems 0.92-1.00.
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


def explained(x: np.ndarray, groups: np.ndarray, known: np.ndarray, k: int) -> np.ndarray:
    """Per group 0..k-1: how similar its centroid is to what the known sub-themes make of it, the mean of the
    centroids its members are nearest to. A group of known problems drawn from several sub-themes (a night's groups
    often are) is explained by them; a new problem is not, however near its comments fall to one old theme."""
    nearest = known[(x @ known.T).argmax(axis=1)]
    return np.einsum("ij,ij->i", centroids(x, groups, k), centroids(nearest, groups, k))


def calibrate(x: np.ndarray, sub_ids: np.ndarray, sub_parent: dict[int, int], sub_centroids: dict[int, np.ndarray],
              batch: int, random_state: int) -> float | None:
    """The similarity (`explained`) below which a group is a problem the store has not seen (see the module
    docstring): measured on random batches of each sub-theme, once against every sub-theme (a known problem) and
    once against the sub-themes of other themes only (the same batch as if its problem were new); None when the run
    has too few sub-themes to tell."""
    batch = max(batch, MIN_BATCH)
    ids = [s for s in sorted(sub_centroids) if s in sub_parent]
    if len({sub_parent[s] for s in ids}) < 2:
        return None
    cents = np.stack([sub_centroids[s] for s in ids])
    themes = np.array([sub_parent[s] for s in ids])
    rng = np.random.default_rng(random_state)
    own, other = [], []
    one_group = np.zeros(batch, dtype=int)
    for s in ids:
        members = np.flatnonzero(sub_ids == s)
        if len(members) < batch:
            continue
        elsewhere = cents[themes != sub_parent[s]]
        for _ in range(BATCHES_PER_SUBTHEME):
            drawn = x[rng.choice(members, batch, replace=False)]
            own.append(explained(drawn, one_group, cents, 1)[0])
            other.append(explained(drawn, one_group, elsewhere, 1)[0])
    if not own:
        return None
    return round(float((np.percentile(own, OWN_PERCENTILE) + np.percentile(other, OTHER_PERCENTILE)) / 2), 4)


def unseen_groups(x: np.ndarray, groups: np.ndarray, known: np.ndarray, threshold: float) -> np.ndarray:
    """Per row of `x`: whether its group (`groups`, -1 none) is less than `threshold` explained by the known
    sub-themes' centroids (`known`: see `explained`)."""
    k = int(groups.max()) + 1 if len(groups) else 0
    if not k or not len(known):
        return np.zeros(len(x), dtype=bool)
    new = explained(x, groups, known, k) < threshold
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
