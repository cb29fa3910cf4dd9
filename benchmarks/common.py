"""Shared by the benchmark scripts: texts exactly as the pipeline stores them, and cached embeddings."""

from __future__ import annotations

import csv
import functools
import os
import sys
from pathlib import Path

import numpy as np

# The benchmarks' temporary Prefect API sends no telemetry (its heartbeat logged SQLite-lock tracebacks), as `voc`.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
ROOT = Path(__file__).resolve().parent.parent
# Results; the tests that keep the benchmarks runnable point this at a temporary folder.
RESULTS = Path(os.environ.get("VOC_BENCHMARK_RESULTS") or ROOT / "benchmarks" / "results")
# The embedding cache lives outside the project, beside voc's model cache: it holds vectors keyed by the hashes of
# the labeled sets' rows, which are read from ../shared at run time and never kept in the project.
# A problem is "held" by a theme that has at least this share of its comments (unclustered ones count against it).
HELD_SHARE = 0.8
EMBEDDING_CACHE = Path(os.environ.get("VOC_BENCHMARK_CACHE")
                       or Path.home() / ".cache" / "voc" / "benchmark-embeddings.duckdb")
sys.path.insert(0, str(ROOT))

from voc import store  # noqa: E402
from voc.embedding.models import Embedder, embed_texts  # noqa: E402
from voc.ingest.read import read_source  # noqa: E402
from voc.ingest.validate import validate  # noqa: E402
from voc.text.redact import redact  # noqa: E402
from voc.text.util import text_hash  # noqa: E402


def pipeline_texts(path: Path) -> tuple[list[str], list[str]]:
    """(comment_ids, texts) of a source's valid rows, validated and redacted by voc's own ingest code."""
    comments, _ = validate(read_source(path))
    return [c.comment_id for c in comments], [redact(c.text).text for c in comments]


def demo_truth() -> dict[str, dict]:
    """comment_id -> the demo's hidden ground truth (problem, language, sentiment)."""
    with open(ROOT / "data/demo/truth.csv", encoding="utf-8") as fh:
        return {r["comment_id"]: r for r in csv.DictReader(fh)}


def cached_vectors(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Embed through a voc DuckDB cache (EMBEDDING_CACHE), so reruns encode nothing."""
    EMBEDDING_CACHE.parent.mkdir(parents=True, exist_ok=True)
    cache = functools.partial(store.open, EMBEDDING_CACHE, create=True)
    return embed_texts(cache, embedder, texts, [text_hash(t) for t in texts]).vectors
