"""What a run hands from stage to stage: the corpus, and the themes found in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from voc.themes.identity import Lineage
from voc.themes.label import ThemeLabel


@dataclass
class Corpus:
    """Every stored comment the run covers, in a fixed order (source, comment_id).

    `vectors` holds embeddings for the rows in `vector_rows` only: all rows in a full
    run, the new and still unclustered ones in an incremental night.
    """
    keys: list[tuple[str, str]]
    texts: list[str]
    hashes: list[str]
    languages: list[str]
    created_at: list[datetime]
    csat: list[int | None]
    nps: list[int | None]
    vectors: np.ndarray | None = None            # what clustering sees: placeholders and boilerplate removed
    vector_rows: np.ndarray | None = None
    sentiment_vectors: np.ndarray | None = None  # the whole stored text, for sentiment (same rows as `vectors`)
    cluster_texts: list[str] | None = None       # per row: the text that was embedded for clustering

    def __len__(self) -> int:
        return len(self.keys)


@dataclass
class ThemeSet:
    """Each corpus row's theme id (-1 = unclustered) and what the run learned about every theme."""
    mode: str                                 # full | incremental
    theme_ids: np.ndarray                     # per corpus row
    method: np.ndarray                        # per row: cluster | nearest | assigned | emerging | unclustered
    similarity: np.ndarray                    # per row: cosine to its theme's centroid (0 when unclustered)
    centroids: dict[int, np.ndarray]          # theme id -> unit centroid in the centred space
    group_means: dict[str, np.ndarray]        # language -> mean vector removed before clustering
    labels: dict[int, ThemeLabel]             # theme id -> title, keywords, representatives
    lineage: list[Lineage] = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    subtheme_ids: np.ndarray | None = None    # per row: sub-theme id (-1 = unclustered)
    sub_parent: dict[int, int] = field(default_factory=dict)          # sub-theme id -> theme id
    sub_centroids: dict[int, np.ndarray] = field(default_factory=dict)
    sub_labels: dict[int, ThemeLabel] = field(default_factory=dict)
    sub_lineage: list[Lineage] = field(default_factory=list)
    boilerplate: tuple[str, ...] = ()  # removed before embedding (voc.themes.noise), reused by later nights

    @property
    def unclustered_share(self) -> float:
        return float((self.theme_ids < 0).mean()) if len(self.theme_ids) else 0.0
