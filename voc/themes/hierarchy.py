"""Two levels: sub-themes (the fine clusters) are merged into themes, one per customer problem.

`ThemeClusterer` finds dense groups of comments; at scale one customer problem
splits into several of them (phrasings, languages, details), which is right for
sub-themes and wrong for what a product manager ranks. `ThemeHierarchy` merges
sub-themes into themes by average-linkage agglomeration over a similarity that
blends two views of a sub-theme:

    similarity(a, b) = w × cosine(centroid a, centroid b) + (1 − w) × cosine(keywords a, keywords b)

- centroids: unit mean vectors in the (language-centred) embedding space;
- keyword profiles: TF-IDF (sublinear term frequency) of the sub-theme's comments, with
  placeholders and boilerplate already removed (`voc.themes.noise`), so two phrasings of one
  problem that share words ("Preis", "erhöht", "price") link up across embeddings.

The cut is calibrated, never a number of themes: most pairs of sub-themes are about
different problems, so the pairwise similarities are a sample of "unrelated". Two
groups merge while their average-linkage similarity stands out from that sample by
at least `merge_z` robust standard deviations (median + merge_z × 1.4826 × MAD), and is
at least `min_similarity`. The centroid weight `w` is per embedder (`Embedder.centroid_weight`):
it says how far the model's cosine can be trusted to tell problems apart. Calibrated
on the demo data (16 problems) and BANKING77 with benchmarks/quality.py.

A full re-cluster is sticky: the linkage of two sub-themes whose comments were mostly
in one theme last run is raised by STICKINESS_Z robust standard deviations (lowered
when they were in different themes), so borderline merges go the way they went before
and theme ids survive the weekly re-cluster.

PM decisions are constraints: `must_link` groups of sub-themes always end in one theme
(a merge the PM made), `cannot_link` pairs never do (a sub-theme the PM split out).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer

from voc.text.util import TOKEN, stopwords

MAD_SCALE = 1.4826  # turns a median absolute deviation into a standard deviation for normal data
# The cut, calibrated with benchmarks/quality.py: demo generator 3k / 20k / 100k -> 19 / 17 / 19 themes with 15 / 15
# of 16 problems held at 3k / 20k; z 4 merged more (BANKING77 NMI 79.1 vs 80.6), z 5.5 held 13 of 16 at 3k.
MERGE_Z = 5.0
STICKINESS_Z = 1.0  # a re-cluster's pair of sub-themes that shared a theme last run gets +1 robust sd (apart: -1)
# How much each embedder's centroid cosine counts beside keyword profiles, by model name (benchmarks/quality.py):
CENTROID_WEIGHTS = {"use": 0.3}
DEFAULT_CENTROID_WEIGHT = 0.3


def centroid_weight_for(model: str) -> float:
    return CENTROID_WEIGHTS.get(model, DEFAULT_CENTROID_WEIGHT)


def keyword_profiles(texts: list[str], labels: np.ndarray, k: int) -> sparse.csr_matrix:
    """One L2-normalised TF-IDF row per label 0..k-1 over the given (cleaned) texts."""
    docs = [[] for _ in range(k)]
    for text, label in zip(texts, labels.tolist()):
        if label >= 0:
            docs[label].append(text)
    vectorizer = TfidfVectorizer(token_pattern=TOKEN.pattern, stop_words=sorted(stopwords("any")),
                                 sublinear_tf=True)
    try:
        return vectorizer.fit_transform([" ".join(d) for d in docs]).tocsr()
    except ValueError:  # no words at all
        return sparse.csr_matrix((k, 1))


def blended_similarity(centroids: np.ndarray, profiles: sparse.csr_matrix, centroid_weight: float) -> np.ndarray:
    cent = centroids @ centroids.T
    words = (profiles @ profiles.T).toarray()
    return centroid_weight * cent + (1 - centroid_weight) * words


def robust_scale(similarity: np.ndarray) -> tuple[float, float]:
    """(median, robust standard deviation) of the off-diagonal similarities."""
    pairs = similarity[np.triu_indices(len(similarity), 1)]
    median = float(np.median(pairs))
    return median, MAD_SCALE * float(np.median(np.abs(pairs - median)))


def calibrated_threshold(similarity: np.ndarray, merge_z: float, floor: float) -> float:
    """median + merge_z robust standard deviations of the off-diagonal similarities, at least `floor`."""
    if len(similarity) < 3:
        return max(floor, 1.0)
    median, sd = robust_scale(similarity)
    return max(floor, median + merge_z * sd)


def agglomerate(similarity: np.ndarray, sizes: np.ndarray, threshold: float,
                must_link: list[list[int]] | None = None,
                cannot_link: list[tuple[int, int]] | None = None) -> np.ndarray:
    """Average linkage (weighted by group size in sub-themes) until no pair reaches `threshold`.
    Returns a group number 0..g-1 per item, groups ordered by total size (largest first)."""
    k = len(similarity)
    group = np.arange(k)
    for members in must_link or []:
        for m in members[1:]:
            group[group == group[m]] = group[members[0]]
    forbidden = {(min(a, b), max(a, b)) for a, b in (cannot_link or [])}
    while True:
        ids = np.unique(group)
        if len(ids) < 2:
            break
        member = (group[None, :] == ids[:, None]).astype(float)       # groups x items
        counts = member.sum(axis=1)
        link = (member @ similarity @ member.T) / np.outer(counts, counts)
        np.fill_diagonal(link, -np.inf)
        for a, b in forbidden:
            ga, gb = np.searchsorted(ids, group[a]), np.searchsorted(ids, group[b])
            link[ga, gb] = link[gb, ga] = -np.inf
        best = np.unravel_index(int(np.argmax(link)), link.shape)
        if link[best] < threshold:
            break
        keep, drop = ids[min(best)], ids[max(best)]
        group[group == drop] = keep
    order = sorted(np.unique(group).tolist(), key=lambda g: (-int(sizes[group == g].sum()), int(np.argmax(group == g))))
    mapping = {g: i for i, g in enumerate(order)}
    return np.array([mapping[g] for g in group.tolist()], dtype=np.int64)


class ThemeHierarchy(BaseEstimator):
    """Merge sub-themes into themes (see the module docstring)."""

    def __init__(self, centroid_weight: float = DEFAULT_CENTROID_WEIGHT, merge_z: float = MERGE_Z,
                 min_similarity: float = 0.1, stickiness: float = STICKINESS_Z):
        self.centroid_weight = centroid_weight
        self.merge_z = merge_z
        self.min_similarity = min_similarity
        self.stickiness = stickiness

    def fit(self, centroids: np.ndarray, profiles: sparse.csr_matrix, sizes: np.ndarray,
            must_link: list[list[int]] | None = None, cannot_link: list[tuple[int, int]] | None = None,
            prior: np.ndarray | None = None):
        """`prior[a, b]` is +1 when sub-themes a and b were in one theme last run, -1 in different ones, 0 unknown."""
        k = len(centroids)
        self.similarity_ = blended_similarity(np.asarray(centroids), profiles, self.centroid_weight) if k else \
            np.zeros((0, 0))
        self.threshold_ = calibrated_threshold(self.similarity_, self.merge_z, self.min_similarity)
        linkage = self.similarity_
        if prior is not None and k >= 3:  # sticky: last run's grouping counts, by `stickiness` robust sd
            linkage = linkage + self.stickiness * robust_scale(self.similarity_)[1] * prior
        self.theme_of_ = agglomerate(linkage, np.asarray(sizes), self.threshold_, must_link, cannot_link) \
            if k else np.zeros(0, dtype=np.int64)
        self.n_themes_ = int(self.theme_of_.max()) + 1 if k else 0
        return self
