"""Themes from embeddings: UMAP, then HDBSCAN, then centroid refinement.

`ThemeClusterer` is a scikit-learn style estimator: `__init__` only stores
parameters, `fit` learns attributes that end in `_`, and `random_state` goes
down to UMAP so the same input always gives the same themes.

The steps:
0. Optional per-group centring: with `groups` (the comments' languages), each
   group's mean vector is subtracted. That removes the "this is German" direction
   from multilingual embeddings, so German and English comments about the same
   problem land in one theme (measured on the demo data: 11 of 16 problems
   shared across languages instead of 7).
1. Distinct vectors only: identical comments (same text, so the same vector) are
   clustered once and each copy follows its text. A text repeated hundreds of times
   otherwise fills its own k-nearest-neighbour lists, the neighbour graph UMAP builds
   falls apart into islands of copies, and at scale related problems end up glued
   into one group (demo generator at 20k comments, 9k distinct: one "cluster" held
   three billing problems; clustering distinct texts: every problem in one theme,
   NMI 82 -> 99 at the theme level, benchmarks/quality.py --growth). It is also
   faster: UMAP's cost follows the distinct texts.
   UMAP then reduces the (cosine) embeddings to a few dimensions where density is meaningful.
1b. Sample then place (only above `max_fit_rows` distinct rows; "auto": MAX_FIT_ROWS): UMAP and HDBSCAN are fitted
   on a sample of that many distinct rows drawn with `random_state` (the smallest theme counted on the sample, as a
   fit of that many rows would); every other distinct row is then placed like HDBSCAN's noise in step 3 (nearest
   theme centroid, kept at `assign_threshold`, `method_` "nearest"), as a night places new comments
   on known sub-themes (`voc.themes.incremental.place`). Below the limit nothing changes. Measured on the demo
   generator at 100k (34k distinct rows) against a full fit: sampling 5k-20k rows kept theme NMI and the unclustered
   share (benchmarks/README.md, "A year of data"); voting by the 15 nearest sampled rows instead was no better.
2. HDBSCAN finds dense groups there without being told how many; the rest is noise.
3. Each comment's cosine similarity to its theme centroid decides its fate: HDBSCAN
   members stay ("cluster") unless below `min_similarity` (UMAP glues every point to
   some neighbours, so a far-away comment can look like a member); noise at or above
   `assign_threshold` joins the nearest theme ("nearest"); the rest is reported as
   unclustered (label -1), never hidden.
4. Cross-language merge (with `groups`): two themes whose dominant groups differ
   (one mostly German, one mostly English) and whose centroids have cosine
   similarity >= `cross_group_merge` are one problem told in two languages and are
   merged. Themes of the same language are never merged, so monolingual data is
   unaffected.
Theme labels are ordered by size (largest first), ties by first member, so they
are reproducible; stable ids across runs are matched later by `voc.themes.identity`.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils import check_random_state

from voc.embedding.vectors import normalise_rows

UNCLUSTERED = -1
MAX_FIT_ROWS = 100_000  # UMAP fits at most this many distinct rows (~5 min); every benchmark has <= ~35k
CROSS_GROUP_MERGE = 0.4  # centroids of two languages' themes this similar are one problem (see the docstring)


def auto_min_cluster_size(n: int) -> int:
    """Smallest theme worth reporting: grows with the square root of the data (16 at 3k, 95 at 100k)."""
    return max(10, round(0.3 * math.sqrt(n)))


def distinct_texts_needed(min_size: int) -> int:
    """How many distinct texts a search for themes needs: UMAP and HDBSCAN need at least two of the smallest
    theme's worth (and 10 at the very least); with fewer, every comment stays unclustered."""
    return max(2 * min_size, 10)


def too_few_to_cluster(n_distinct: int, min_size: int) -> bool:
    return n_distinct < distinct_texts_needed(min_size)


def centroids(x: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Unit-length mean vector of each label 0..k-1 (a zero row where a label is empty)."""
    sums = np.zeros((k, x.shape[1]), dtype=np.float64)
    shifted = np.asarray(labels) + 1  # -1 rows are summed into bin 0 and dropped: no copy of x without them
    for col in range(x.shape[1]):  # per column: the same float64 sums, row by row, as np.add.at, ~10x faster
        sums[:, col] = np.bincount(shifted, weights=x[:, col], minlength=k + 1)[1:k + 1]
    return normalise_rows(sums)


def centre_groups(x: np.ndarray, groups: np.ndarray, means: dict[str, np.ndarray]) -> np.ndarray:
    """Subtract each group's mean (groups without a learned mean are left as they are), re-normalise."""
    out = x.copy()
    for group, mean in means.items():
        out[groups == group] -= mean
    return normalise_rows(out)


DOMINANT_SHARE = 0.7  # a theme "is German" when 70% of its comments are: a few code-mixed notes do not change that


def dominant_group(groups: np.ndarray, labels: np.ndarray, k: int, share: float = DOMINANT_SHARE) -> list[str | None]:
    """Each theme's group (language) if at least `share` of its members have it, else None."""
    result: list[str | None] = []
    for theme in range(k):
        members = groups[labels == theme]
        values, counts = np.unique(members, return_counts=True) if len(members) else ([], [])
        top = int(np.argmax(counts)) if len(counts) else -1
        result.append(str(values[top]) if top >= 0 and counts[top] >= share * len(members) else None)
    return result


def merge_across_groups(x: np.ndarray, labels: np.ndarray, k: int, groups: np.ndarray, threshold: float) -> np.ndarray:
    """Merge themes of different dominant groups whose centroids are at least `threshold` similar."""
    dominant = dominant_group(groups, labels, k)
    sims = centroids(x, labels, k) @ centroids(x, labels, k).T
    parent = list(range(k))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    pairs = [(sims[i, j], i, j) for i in range(k) for j in range(i + 1, k)
             if dominant[i] and dominant[j] and dominant[i] != dominant[j] and sims[i, j] >= threshold]
    for _, i, j in sorted(pairs, reverse=True):
        ri, rj = root(i), root(j)
        if ri != rj and dominant[ri] != dominant[rj]:  # one theme per language in each merged group
            parent[max(ri, rj)] = min(ri, rj)
    return np.array([root(lab) if lab >= 0 else UNCLUSTERED for lab in labels.tolist()], dtype=np.int64)


def distinct_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct rows in order of first occurrence, index of each one's first row, distinct row of every row)."""
    if len(x) == 0:
        return x, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    _, first, inverse = np.unique(x, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first)  # np.unique sorts rows by value; keep the input's order for reproducible ties
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return x[first[order]], first[order], rank[inverse.ravel()]


def repeated_texts_as_themes(labels: np.ndarray, copy_of: np.ndarray, min_size: int) -> np.ndarray:
    """Per distinct row: one left unclustered but repeated at least `min_size` times becomes a theme of its own
    (clustering distinct texts sees it once, as an outlier; the copies say it is a problem many customers have)."""
    copies = np.bincount(copy_of, minlength=len(labels))
    out = labels.copy()
    next_label = int(labels.max()) + 1 if len(labels) else 0
    for row in np.flatnonzero((labels == UNCLUSTERED) & (copies >= min_size)).tolist():
        out[row] = next_label
        next_label += 1
    return out


def order_by_size(labels: np.ndarray) -> np.ndarray:
    """Relabel 0..k-1 by size, largest first; ties by first occurrence. -1 stays -1."""
    ids = [lab for lab in dict.fromkeys(labels.tolist()) if lab >= 0]
    ids.sort(key=lambda lab: -int((labels == lab).sum()))
    mapping = {old: new for new, old in enumerate(ids)}
    return np.array([mapping.get(lab, UNCLUSTERED) for lab in labels.tolist()], dtype=np.int64)


class ThemeClusterer(BaseEstimator, ClusterMixin):
    """Themes (labels_, with centroids_, similarity_, method_) from row vectors; see the module docstring.

    max_fit_rows: "auto" (MAX_FIT_ROWS), an int, or None (never sample). With more distinct rows than this, UMAP and
    HDBSCAN are fitted on a `random_state` sample of this many distinct rows and the others are placed on the
    sample's themes (step 1b); `fit_rows_` holds the fitted distinct rows, `embedding_` is NaN for the others.
    """

    def __init__(self, n_neighbors: int = 15, n_components: int = 5, min_dist: float = 0.0,
                 min_cluster_size: int | None = None, min_samples: int = 5,
                 assign_threshold: float = 0.3, min_similarity: float = 0.15,
                 cross_group_merge: float = CROSS_GROUP_MERGE,
                 max_fit_rows: int | str | None = "auto", random_state: int = 42):
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.min_dist = min_dist
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.assign_threshold = assign_threshold
        self.min_similarity = min_similarity
        self.cross_group_merge = cross_group_merge
        self.max_fit_rows = max_fit_rows
        self.random_state = random_state

    def _reduce(self, x: np.ndarray) -> np.ndarray:
        import umap

        n = len(x)
        reducer = umap.UMAP(n_neighbors=min(self.n_neighbors, n - 1), n_components=min(self.n_components, n - 2),
                            min_dist=self.min_dist, metric="cosine", random_state=self.random_state)
        with warnings.catch_warnings():  # UMAP warns that random_state disables parallelism: intended
            warnings.simplefilter("ignore", UserWarning)
            return reducer.fit_transform(x)

    def _dense_groups(self, reduced: np.ndarray, size: int) -> np.ndarray:
        import hdbscan

        model = hdbscan.HDBSCAN(min_cluster_size=size, min_samples=min(self.min_samples, size))
        return model.fit_predict(reduced)

    def _fit_rows(self, n_distinct: int) -> np.ndarray | None:
        """The distinct rows UMAP and HDBSCAN are fitted on, in order: None for all of them (at or below the limit),
        else a `random_state` sample of `max_fit_rows` (MAX_FIT_ROWS for "auto")."""
        limit = MAX_FIT_ROWS if self.max_fit_rows == "auto" else self.max_fit_rows
        if limit is None or n_distinct <= limit:
            return None
        return np.sort(check_random_state(self.random_state).choice(n_distinct, int(limit), replace=False))

    def _fit_dense(self, distinct: np.ndarray) -> np.ndarray:
        """HDBSCAN's group per distinct row (-1: noise, or not in the fitted sample: placed later as noise is)."""
        dense = np.full(len(distinct), UNCLUSTERED)
        self.embedding_ = np.zeros((len(distinct), 0), dtype=np.float32)
        rows = self._fit_rows(len(distinct))
        self.fit_rows_ = np.arange(len(distinct)) if rows is None else rows
        fitted = distinct if rows is None else distinct[rows]
        # on a sample, a theme needs as many of the sample's rows as a fit of that many rows would ask for
        size = self.min_cluster_size_ if rows is None else self.min_cluster_size or auto_min_cluster_size(len(rows))
        if too_few_to_cluster(len(fitted), size):
            return dense
        reduced = self._reduce(fitted)
        if rows is None:
            self.embedding_ = reduced
            return self._dense_groups(reduced, size)
        self.embedding_ = np.full((len(distinct), reduced.shape[1]), np.nan, dtype=reduced.dtype)
        self.embedding_[rows] = reduced
        dense[rows] = self._dense_groups(reduced, size)
        return dense

    def fit(self, X, y=None, groups=None):
        """Learn themes from row vectors X; `groups` (e.g. each row's language) are centred separately."""
        x = normalise_rows(X)
        n = len(x)
        languages = np.asarray(groups) if groups is not None else None
        self.group_means_ = {}
        if languages is not None:
            self.group_means_ = {g: x[languages == g].mean(axis=0) for g in sorted(set(languages.tolist()))}
            x = centre_groups(x, languages, self.group_means_)
        distinct, first, copy_of = distinct_rows(x)
        self.n_distinct_ = len(distinct)
        self.distinct_row_ = copy_of  # the row of `embedding_` each input row is (copies share one)
        self.min_cluster_size_ = self.min_cluster_size or auto_min_cluster_size(len(distinct))
        dense = self._fit_dense(distinct)
        k = int(dense.max()) + 1 if n else 0
        labels = self._assign(distinct, dense, k) if k else np.full(len(distinct), UNCLUSTERED)
        if languages is not None and k and self.cross_group_merge < 1:
            labels = merge_across_groups(distinct, labels, k, languages[first], self.cross_group_merge)
        labels = repeated_texts_as_themes(labels, copy_of, self.min_cluster_size_)
        labels, dense = order_by_size(labels[copy_of]), dense[copy_of]
        k = int(labels.max()) + 1 if (labels >= 0).any() else 0
        self._set_result(x, labels, centroids(x, labels, k), dense)
        return self

    def _assign(self, x: np.ndarray, dense: np.ndarray, k: int) -> np.ndarray:
        """Theme per row from HDBSCAN's groups: members stay, noise (and rows outside a fitted sample) joins the
        nearest if close enough."""
        nearest = np.where(dense >= 0, dense, (x @ centroids(x, dense, k).T).argmax(axis=1))
        sims = np.einsum("ij,ij->i", x, centroids(x, nearest, k)[nearest])
        keep = np.where(dense >= 0, sims >= self.min_similarity, sims >= self.assign_threshold)
        return np.where(keep, nearest, UNCLUSTERED)

    def _set_result(self, x: np.ndarray, labels: np.ndarray, centres: np.ndarray, dense: np.ndarray) -> None:
        self.labels_ = labels
        self.centroids_ = centres
        self.n_themes_ = len(centres)
        clustered = labels >= 0
        self.similarity_ = np.zeros(len(x), dtype=np.float32)
        if clustered.any():
            self.similarity_[clustered] = np.einsum("ij,ij->i", x[clustered], centres[labels[clustered]])
        self.method_ = np.where(~clustered, "unclustered", np.where(dense >= 0, "cluster", "nearest"))

    @property
    def unclustered_share_(self) -> float:
        return float((self.labels_ == UNCLUSTERED).mean()) if len(self.labels_) else 0.0
