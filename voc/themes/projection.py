"""A 2-D position for every themed comment, stored by each run for the theme map.

Placing 100k+ comments with a 2-D UMAP would cost minutes a night, and an incremental night
embeds only the new comments. So the map is aggregated: themes are placed by a 2-D PCA of
their centroids (themes about similar problems lie close), and each comment sits around its
theme at a distance that grows with how far it is from the theme's centroid (1 - cosine
similarity), in a direction fixed by a hash of its key. Same input, same map; unclustered
comments are not placed.
"""

from __future__ import annotations

import zlib

import numpy as np

SPREAD = 0.45  # a theme's farthest comment lies this fraction of the distance to the nearest other theme away


def theme_positions(centroids: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """2-D PCA of the theme centroids, scaled so the median nearest-neighbour distance is 1."""
    ids = sorted(centroids)
    if len(ids) < 3:
        return {t: np.array([float(i), 0.0]) for i, t in enumerate(ids)}
    c = np.stack([np.asarray(centroids[t], dtype=np.float64) for t in ids])
    c -= c.mean(axis=0)
    u, s, _ = np.linalg.svd(c, full_matrices=False)
    xy = u[:, :2] * s[:2]
    xy *= np.sign(xy[np.abs(xy).argmax(axis=0), [0, 1]])  # a fixed orientation: SVD signs are arbitrary
    d = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=2)
    np.fill_diagonal(d, np.inf)
    scale = float(np.median(d.min(axis=1))) or 1.0
    return {t: xy[i] / scale for i, t in enumerate(ids)}


def comment_positions(keys: list[tuple[str, str]], theme_ids: np.ndarray, similarity: np.ndarray,
                      centroids: dict[int, np.ndarray]) -> tuple[list[int], np.ndarray]:
    """(row indices of the placed comments, their x/y), for every comment whose theme has a centroid."""
    centres = theme_positions(centroids)
    rows = [i for i, t in enumerate(theme_ids.tolist()) if t in centres]
    if not rows:
        return [], np.zeros((0, 2))
    distance = 1.0 - np.clip(np.asarray(similarity, dtype=np.float64)[rows], -1.0, 1.0)
    radius = SPREAD * distance / max(float(distance.max()), 1e-9)
    angle = np.array([zlib.crc32(f"{keys[i][0]}\x1f{keys[i][1]}".encode()) / 2**32 * 2 * np.pi for i in rows])
    centre = np.stack([centres[int(theme_ids[i])] for i in rows])
    return rows, centre + np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
