"""Sample then place: above `max_fit_rows` distinct rows, UMAP + HDBSCAN see a seeded sample and the rest is placed.

Real demo comments embedded by the real model; the limit is forced tiny (200 distinct rows) so the sampled path runs
on a small input.
"""

import csv
from pathlib import Path

import numpy as np
import pytest

from voc.embedding.models import load_embedder
from voc.embedding.vectors import normalise_rows
from voc.text.language import detect
from voc.themes.cluster import MAX_FIT_ROWS, UNCLUSTERED, ThemeClusterer, centroids
from voc.themes.noise import Boilerplate, find_boilerplate

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "comments.csv"
N_TEXTS = 800
LIMIT = 200


@pytest.fixture(scope="module")
def demo_vectors():
    """(vectors, languages) of the first N_TEXTS demo comments, the first 50 repeated 3 more times each."""
    texts = [r["text"] for r in csv.DictReader(open(DEMO, encoding="utf-8"))][:N_TEXTS]
    langs = [detect(t) for t in texts]
    cleaned = Boilerplate(find_boilerplate(texts, langs).phrases).clean_all(texts)
    vectors = load_embedder("use").encode(cleaned)
    order = list(range(N_TEXTS)) + [i for i in range(50) for _ in range(3)]
    return vectors[order], np.array(langs)[order]


def sampled(x, langs, seed=5, limit=LIMIT):
    return ThemeClusterer(max_fit_rows=limit, random_state=seed).fit(x, groups=langs)


def test_sampled_fit_is_deterministic_and_places_the_rest_on_the_samples_themes(demo_vectors):
    x, langs = demo_vectors
    a, b = sampled(x, langs), sampled(x, langs)
    assert a.n_distinct_ > LIMIT and len(a.fit_rows_) == LIMIT
    assert np.array_equal(a.labels_, b.labels_) and np.array_equal(a.fit_rows_, b.fit_rows_)
    assert not np.array_equal(sampled(x, langs, seed=6).fit_rows_, a.fit_rows_)  # random_state drives the sample
    placed = ~np.isin(a.distinct_row_, a.fit_rows_)
    assert placed.sum() > len(x) / 2
    assert (a.labels_[placed] >= 0).mean() > 0.8  # demo comments are about known problems: nearly all placed
    assert set(a.method_[placed]) <= {"nearest", "unclustered"} and (a.method_[~placed] == "cluster").any()
    # every row's similarity is to its own theme's centroid, placed rows included; themes ordered by size
    clustered = a.labels_ >= 0
    assert (a.similarity_[placed & clustered] > 0.2).all() and (a.similarity_[~clustered] == 0).all()
    sizes = np.bincount(a.labels_[clustered])
    assert (np.diff(sizes) <= 0).all() and a.n_themes_ == len(sizes) > 1
    assert np.isnan(a.embedding_[a.distinct_row_[placed]]).all() and not np.isnan(a.embedding_[a.fit_rows_]).any()


def test_sampled_fit_keeps_copies_together_and_leaves_far_rows_unclustered(demo_vectors):
    x, langs = demo_vectors
    rng = np.random.default_rng(0)
    far = rng.normal(size=(30, x.shape[1])).astype(x.dtype)  # random directions: like none of the comments
    model = sampled(np.vstack([x, far]), np.concatenate([langs, ["en"] * len(far)]))
    labels, rows = model.labels_, model.distinct_row_
    for row in np.unique(rows):
        assert len(set(labels[rows == row].tolist())) == 1
    copies = np.flatnonzero(np.bincount(rows) > 1)
    assert len(copies) >= 50 and not np.isin(copies, model.fit_rows_).all()  # copies of placed texts too
    far_placed = len(x) + np.flatnonzero(~np.isin(rows[len(x):], model.fit_rows_))  # far rows outside the sample
    assert len(far_placed) >= 10
    assert (labels[far_placed] == UNCLUSTERED).all() and (model.method_[far_placed] == "unclustered").all()


def test_a_repeated_text_outside_the_sample_is_still_a_theme_of_its_own(demo_vectors):
    x, langs = demo_vectors
    far = np.random.default_rng(1).normal(size=(1, x.shape[1])).astype(x.dtype)
    model = sampled(np.vstack([x, np.repeat(far, 40, axis=0)]), np.concatenate([langs, ["en"] * 40]))
    assert model.distinct_row_[-1] not in model.fit_rows_
    assert model.labels_[-1] >= 0 and len(set(model.labels_[-40:].tolist())) == 1
    assert (model.labels_[:len(x)] != model.labels_[-1]).all()


def test_ordinary_input_stays_below_the_limit_and_is_fitted_whole(demo_vectors):
    x, langs = demo_vectors
    auto = ThemeClusterer(random_state=5).fit(x, groups=langs)
    never = ThemeClusterer(max_fit_rows=None, random_state=5).fit(x, groups=langs)
    assert MAX_FIT_ROWS >= 100_000 and auto.n_distinct_ < MAX_FIT_ROWS
    assert np.array_equal(auto.fit_rows_, np.arange(auto.n_distinct_))
    assert np.array_equal(auto.labels_, never.labels_) and np.array_equal(auto.embedding_, never.embedding_)
    assert np.array_equal(auto.similarity_, never.similarity_)


def test_centroids_equal_a_plain_sum_per_label(demo_vectors):
    x, _ = demo_vectors
    labels = np.arange(len(x)) % 7 - 1  # -1 rows are left out
    expected = np.zeros((6, x.shape[1]))
    for lab in range(6):
        for row in np.flatnonzero(labels == lab):  # row by row, in order: the sums np.add.at made
            expected[lab] += x[row]
    assert np.array_equal(centroids(x, labels, 6), normalise_rows(expected))
