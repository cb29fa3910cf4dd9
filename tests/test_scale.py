"""What keeps a large store (300k to a million comments) within memory and time gives the same results as before:
vectors read back from the embedding cache as one matrix, not a Python float per number."""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa
import pytest

from voc import store
from voc.embedding.models import embed_texts, load_embedder, vector_matrix
from voc.text.util import text_hash

TEXTS = ["Paket kam nicht an", "parcel never arrived", "App stürzt beim Login ab", "app crashes on login",
         "Rechnung doppelt abgebucht", "charged twice for the invoice"]


def test_vectors_read_from_the_cache_are_those_encoded_in_every_row(tmp_path):
    """A second run reads every text's vector from the store (real model, real DuckDB file), the same bits in the
    order asked for, copies included, and encodes only the text it has not seen."""
    cache = functools.partial(store.open, tmp_path / "voc.duckdb", create=True)
    embedder = load_embedder("use")
    first = embed_texts(cache, embedder, TEXTS, [text_hash(t) for t in TEXTS])
    asked = [TEXTS[4], TEXTS[0], TEXTS[4], "Hotline nicht erreichbar", TEXTS[5], TEXTS[1], TEXTS[2], TEXTS[3]]
    again = embed_texts(cache, embedder, asked, [text_hash(t) for t in asked])
    assert (again.n_encoded, again.n_cached) == (1, 6)
    expected = [first.vectors[TEXTS.index(t)] for t in asked if t in TEXTS]
    got = [v for t, v in zip(asked, again.vectors) if t in TEXTS]
    assert all(np.array_equal(a, b) for a, b in zip(got, expected))
    assert again.vectors.dtype == np.float32 and again.vectors.shape == (len(asked), embedder.dim)


def test_a_column_of_vectors_in_several_chunks_becomes_one_matrix_row_by_row():
    """Arrow hands back a large result in chunks, each possibly a slice of a longer array (an offset into it)."""
    x = np.arange(5 * 4, dtype=np.float32).reshape(5, 4) / 7
    lists = pa.ListArray.from_arrays(pa.array(np.arange(0, x.size + 1, 4, dtype=np.int32)), pa.array(x.ravel()))
    column = pa.chunked_array([lists.slice(0, 2), lists.slice(2, 3)])
    matrix = vector_matrix(column)
    assert matrix.dtype == np.float32 and np.array_equal(matrix, x)


def test_vectors_of_different_lengths_are_refused_not_cut_into_wrong_rows():
    """Lists of 3 and 5 numbers hold 8, which would reshape into two rows of 4 that are neither vector."""
    column = pa.chunked_array([pa.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0, 8.0]], pa.list_(pa.float32()))])
    with pytest.raises(pa.ArrowInvalid):
        vector_matrix(column)


def test_json_through_a_pipe_is_what_rich_prints_without_rendering_it(published_db):
    """`voc agent ID --format json` into a pipe (real CLI process, real store): the bytes rich's print_json writes
    there (indent 2, umlauts as written, no line wrapped), written without rich's highlighter, which took 26 s and
    780 MB for an agent of a 300k store."""
    import io
    import json
    import subprocess
    import sys

    from rich.console import Console

    db, _ = published_db
    out = subprocess.run([sys.executable, "-m", "flows.cli", "agent", "A01", "--format", "json", "--peek",
                          "--db", str(db)], capture_output=True, text=True, encoding="utf-8", check=True).stdout
    rich_file = io.StringIO()
    Console(file=rich_file, width=80, markup=False).print_json(json.dumps(json.loads(out)))
    assert out == rich_file.getvalue()
    assert any(ch in out for ch in "äöüß") and max(len(line) for line in out.splitlines()) > 80
