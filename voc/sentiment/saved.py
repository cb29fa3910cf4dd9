"""The sentiment head a run fitted, kept in the store so incremental nights score with it.

A full run learns its head from up to 10,000 labeled comments; fitting it again on a night took ~10 s at 100k
comments (benchmarks/nightly.py), more than a whole night's other work. So the run that fits a head saves it
(`to_bytes`, in the run's publishing transaction), and an incremental night reuses the latest saved under the same
embedding model (`load`): the night's new labels are shown as given and learned from by the next full run.

The head is stored as plain numpy arrays (`np.savez_compressed`, read back with `allow_pickle=False`): the logistic
regression's coefficients, intercepts and classes, and each TF-IDF vocabulary with its idf weights. Nothing read
from the store is ever run as code.
"""

from __future__ import annotations

import io

import duckdb
import numpy as np
from sklearn.linear_model import LogisticRegression

from voc.sentiment.learn import HeadFeatures, SavedHead, SentimentHead
from voc.store import first_row

VECTORIZERS = ("words", "chars")  # HeadFeatures' fitted vectorizers: attributes words_ and chars_
# Raise it whenever what `HeadFeatures` computes changes (n-gram ranges, which languages get character n-grams,
# the VADER parts): a head saved by another version is then not used, and the night fits one again.
HEAD_FORMAT = 1


def to_bytes(saved: SavedHead) -> bytes:
    model, features = saved.head.model_, saved.features
    arrays = {"coef": model.coef_, "intercept": model.intercept_, "classes": np.array(model.classes_, dtype=str),
              "weights": np.array([features.words_weight, features.chars_weight]),
              "labels_trained_on": np.array([saved.labels_trained_on]), "format": np.array([HEAD_FORMAT])}
    for name in VECTORIZERS:
        vectorizer = getattr(features, f"{name}_")
        if vectorizer is not None:
            vocabulary = vectorizer.vocabulary_
            arrays[f"{name}_terms"] = np.array(sorted(vocabulary, key=vocabulary.get), dtype=str)
            arrays[f"{name}_idf"] = vectorizer.idf_
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def from_bytes(blob: bytes, run_id: int | None = None) -> SavedHead | None:
    """The head saved in `blob`, or None when another `HEAD_FORMAT` saved it."""
    arrays = np.load(io.BytesIO(blob), allow_pickle=False)
    if int(arrays["format"][0]) != HEAD_FORMAT:
        return None
    features = HeadFeatures(*arrays["weights"].tolist())
    for name in VECTORIZERS:
        vectorizer = None
        if f"{name}_terms" in arrays:
            vectorizer = getattr(features, f"{name}_vectorizer")()
            vectorizer.set_params(vocabulary={t: i for i, t in enumerate(arrays[f"{name}_terms"].tolist())})
            vectorizer.idf_ = arrays[f"{name}_idf"]
        setattr(features, f"{name}_", vectorizer)
    model = LogisticRegression()
    model.coef_, model.intercept_, model.classes_ = arrays["coef"], arrays["intercept"], arrays["classes"]
    model.n_features_in_ = model.coef_.shape[1]
    head = SentimentHead(folds=None)
    head.model_, head.classes_ = model, model.classes_.tolist()
    head.holdout_accuracy_ = head.holdout_correct_ = None
    head.holdout_folds_ = 0
    return SavedHead(head, features, int(arrays["labels_trained_on"][0]), run_id)


def save(con: duckdb.DuckDBPyConnection, run_id: int, model_id: str, blob: bytes) -> None:
    """Inside the run's publishing transaction: this run's head replaces the one saved before."""
    clear(con)
    con.execute("INSERT INTO sentiment_heads VALUES (?, ?, ?)", [run_id, model_id, blob])


def clear(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM sentiment_heads")


def load(con: duckdb.DuckDBPyConnection, model_id: str) -> SavedHead | None:
    """The saved head, if one was learned from vectors of `model_id` by this version's features."""
    row = first_row(con, "SELECT run_id, head FROM sentiment_heads WHERE model_id = ?", [model_id])
    return from_bytes(row[1], row[0]) if row else None
