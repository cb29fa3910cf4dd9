"""Unit-length vectors: the one normalisation every stage uses (embeddings, centroids, cluster inputs)."""

from __future__ import annotations

import numpy as np

MIN_NORM = 1e-12  # a zero vector stays zero instead of dividing by zero


def normalise_rows(x: np.ndarray) -> np.ndarray:
    """Each row scaled to unit length, as float32."""
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), MIN_NORM)
