"""Stable theme ids across runs, and the lineage of themes that merge or split.

A full re-cluster numbers its clusters 0..k-1 by size; the ids users see must not
move. Each new cluster is matched one-to-one to the themes of the last published
run, greedily: the best-scoring pair first, then the best pair among what is left.
(An optimal assignment that maximises the summed score, such as the Hungarian
method, was tried and refused: on the demo data it gave the id of "app login" to a
splinter of 29 crash reports so that the login comments could take the id of a
second, smaller login theme. Greedy keeps an id with the theme's largest
continuation.) The score of a pair is

    Jaccard(members) + CENTROID_WEIGHT × max(0, cosine(centroids))

over the comments both runs saw. A pair is accepted when the Jaccard overlap is at
least MIN_JACCARD, or when the centroids are nearly the same direction
(cosine >= MIN_COSINE) and some members are shared. Accepted matches keep the old
id; every other cluster gets a fresh id above every id ever used. Ids start at 1;
-1 means unclustered.

Lineage (what the workflow needs to carry statuses and notes over):
- merge: an old theme that kept no id of its own and has at least LINEAGE_SHARE of
  its comments in one new theme was merged into that theme;
- split: a new theme with a fresh id that has at least LINEAGE_SHARE of its comments
  from one old theme (which kept its id elsewhere) was split off that theme.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

MIN_JACCARD = 0.2
MIN_COSINE = 0.85
CENTROID_WEIGHT = 0.25
LINEAGE_SHARE = 0.5


@dataclass(frozen=True)
class Lineage:
    parent_id: int
    child_id: int
    kind: str  # merge | split
    overlap: float
    by: str | None = None  # the product manager who merged or split the themes; None when a run found it


@dataclass
class IdMatch:
    ids: dict[int, int]  # new cluster number -> theme id
    lineage: list[Lineage]


def _overlap(new_labels: dict, old_labels: dict, k: int, old_ids: list[int]) -> np.ndarray:
    col = {t: j for j, t in enumerate(old_ids)}
    overlap = np.zeros((k, len(old_ids)))
    for key, label in new_labels.items():
        old = old_labels.get(key)
        if old is not None:
            overlap[label, col[old]] += 1
    return overlap


def match_ids(new_labels: dict[tuple[str, str], int], old_labels: dict[tuple[str, str], int], k: int,
              next_id: int, new_centroids: np.ndarray | None = None,
              old_centroids: dict[int, np.ndarray] | None = None) -> IdMatch:
    """Map new cluster numbers 0..k-1 to theme ids. Pure: inputs are key -> label maps and centroids."""
    old_ids = sorted(set(old_labels.values()))
    ids: dict[int, int] = {}
    lineage: list[Lineage] = []
    if old_ids and k:
        overlap = _overlap(new_labels, old_labels, k, old_ids)
        new_sizes = np.array([Counter(new_labels.values())[i] for i in range(k)], dtype=float)
        old_sizes = np.array([Counter(old_labels.values())[t] for t in old_ids], dtype=float)
        jaccard = overlap / np.maximum(new_sizes[:, None] + old_sizes[None, :] - overlap, 1)
        cosine = _centroid_cosine(new_centroids, old_centroids, old_ids, k)
        accept = (jaccard >= MIN_JACCARD) | ((overlap > 0) & (cosine >= MIN_COSINE))
        ids = greedy_match(jaccard + CENTROID_WEIGHT * np.maximum(cosine, 0), accept, old_ids)
        fresh = [label for label in range(k) if label not in ids]
        ids.update({label: next_id + i for i, label in enumerate(fresh)})
        lineage = _lineage(overlap, new_sizes, old_sizes, ids, old_ids)
    else:
        ids = {label: next_id + label for label in range(k)}
    return IdMatch(ids, lineage)


def greedy_match(score: np.ndarray, accept: np.ndarray, old_ids: list[int]) -> dict[int, int]:
    """One-to-one: take acceptable pairs best score first (ties: lower new label, then lower old id)."""
    pairs = sorted(zip(*np.nonzero(accept)), key=lambda rc: (-score[rc], rc[0], rc[1]))
    ids: dict[int, int] = {}
    taken: set[int] = set()
    for r, c in pairs:
        if int(r) not in ids and c not in taken:
            ids[int(r)] = old_ids[c]
            taken.add(c)
    return ids


def _centroid_cosine(new_centroids, old_centroids, old_ids: list[int], k: int) -> np.ndarray:
    if new_centroids is None or not old_centroids or any(t not in old_centroids for t in old_ids):
        return np.zeros((k, len(old_ids)))
    old = np.stack([old_centroids[t] for t in old_ids])
    old = old / np.maximum(np.linalg.norm(old, axis=1, keepdims=True), 1e-12)
    new = new_centroids / np.maximum(np.linalg.norm(new_centroids, axis=1, keepdims=True), 1e-12)
    return new @ old.T


def _lineage(overlap: np.ndarray, new_sizes: np.ndarray, old_sizes: np.ndarray, ids: dict[int, int],
             old_ids: list[int]) -> list[Lineage]:
    kept = set(ids.values()) & set(old_ids)
    result = []
    for j, parent in enumerate(old_ids):
        for label in np.flatnonzero(overlap[:, j]):
            child = ids[int(label)]
            if child == parent:
                continue
            if parent not in kept and overlap[label, j] >= LINEAGE_SHARE * old_sizes[j]:
                result.append(Lineage(parent, child, "merge", round(float(overlap[label, j] / old_sizes[j]), 3)))
            elif parent in kept and child not in old_ids and overlap[label, j] >= LINEAGE_SHARE * new_sizes[label]:
                result.append(Lineage(parent, child, "split", round(float(overlap[label, j] / new_sizes[label]), 3)))
    return result
