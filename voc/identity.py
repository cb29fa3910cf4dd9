"""Stable theme ids across runs.

A run's clusters are numbered 0..k-1 by size; the ids users see must not move.
Each new cluster is matched one-to-one to the themes of the last published run
by membership overlap (Jaccard over shared comments, Hungarian assignment). A
match with Jaccard >= MIN_JACCARD keeps the old id; the rest get fresh ids above
every id ever used. Ids start at 1; -1 means unclustered.
"""

from __future__ import annotations

from collections import Counter

import duckdb
import numpy as np
from scipy.optimize import linear_sum_assignment

from voc.store import published_run, scalar

MIN_JACCARD = 0.2


def match_ids(new_labels: dict[tuple[str, str], int], old_labels: dict[tuple[str, str], int],
              k: int, next_id: int) -> dict[int, int]:
    """Map new cluster numbers 0..k-1 to theme ids. Pure: inputs are key -> label maps."""
    old_ids = sorted(set(old_labels.values()))
    mapping: dict[int, int] = {}
    if old_ids and k:
        new_sizes = Counter(new_labels.values())
        old_sizes = Counter(old_labels.values())
        overlap = np.zeros((k, len(old_ids)))
        col = {t: j for j, t in enumerate(old_ids)}
        for key, label in new_labels.items():
            old = old_labels.get(key)
            if old is not None:
                overlap[label, col[old]] += 1
        union = np.array([[new_sizes[i] + old_sizes[t] for t in old_ids] for i in range(k)]) - overlap
        jaccard = overlap / np.maximum(union, 1)
        rows, cols = linear_sum_assignment(-jaccard)
        mapping = {int(r): old_ids[c] for r, c in zip(rows, cols) if jaccard[r, c] >= MIN_JACCARD}
    for label in range(k):
        if label not in mapping:
            mapping[label] = next_id
            next_id += 1
    return mapping


def match_theme_ids(con: duckdb.DuckDBPyConnection, keys: list[tuple[str, str]], labels: np.ndarray) -> dict[int, int]:
    k = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
    new_labels = {key: int(lab) for key, lab in zip(keys, labels.tolist()) if lab >= 0}
    previous = published_run(con)
    old_labels = {}
    if previous is not None:
        rows = con.execute("SELECT source, comment_id, theme_id FROM assignments WHERE run_id = ? AND theme_id >= 0",
                           [previous]).fetchall()
        old_labels = {(s, c): t for s, c, t in rows}
    next_id = scalar(con, "SELECT coalesce(max(theme_id), 0) FROM themes") + 1
    return match_ids(new_labels, old_labels, k, next_id)
