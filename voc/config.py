"""Settings for a run. Plain values, each overridable from the CLI or VOC_* variables."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from voc.ingest.validate import DEFAULT_MAX_TEXT_CHARS

DEFAULT_DB = Path("data/voc.duckdb")
# The default embedder: chosen per corpus by its language mix (voc.embedding.models.choose_model; README "Choosing the
# model"): int8 MiniLM for English, int8 MiniLM + the multilingual USE for German, USE for mixed corpora.
DEFAULT_MODEL = "auto"


@dataclass(frozen=True)
class ClusterSettings:
    n_neighbors: int = 15
    n_components: int = 5
    min_cluster_size: int | None = None  # None: chosen from the number of comments, see cluster.auto_min_cluster_size
    min_samples: int = 5
    assign_threshold: float | None = None  # None: the embedder's calibrated value
    # None: the embedder's calibrated value, see voc.themes.hierarchy.centroid_weight_for
    centroid_weight: float | None = None
    # None: max(5, half the full run's minimum theme size), see voc.themes.incremental
    emerging_min_size: int | None = None
    random_state: int = 42


@dataclass(frozen=True)
class Settings:
    db: Path = DEFAULT_DB
    model: str = DEFAULT_MODEL
    period_days: int = 7
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS  # longer comments are stored whole; this much of each is embedded
    date_order: str = "dmy"  # how 03/04/2026 is read: dmy (3 April, German and British) or mdy (US)
    # an "auto" night re-clusters fully when the last full run is older (see voc.themes.incremental)
    full_every_days: int = 8
    max_unclustered_share: float = 0.15  # an incremental night above this escalates to a full re-cluster
    cluster: ClusterSettings = field(default_factory=ClusterSettings)

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Defaults, then VOC_DB / VOC_MODEL from the environment, then explicit overrides."""
        values: dict = {}
        if os.environ.get("VOC_DB"):
            values["db"] = Path(os.environ["VOC_DB"])
        if os.environ.get("VOC_MODEL"):
            values["model"] = os.environ["VOC_MODEL"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["db"] = str(self.db)
        return d
