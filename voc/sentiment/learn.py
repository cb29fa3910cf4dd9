"""Sentiment that learns per store: a class-balanced head on the store's labeled comments.

Every run that scores comments gathers the labels (see `voc.sentiment.labels`: PM corrections, the input's
`sentiment` column, CSAT/NPS), and when there are at least `MIN_LABELS` of them in at least two classes with
`MIN_PER_CLASS` each, fits a logistic regression (class_weight="balanced", CSAT/NPS labels down-weighted) on at
most `MAX_TRAIN_LABELS` of them (people's labels first, `training_sample`; only their vectors are looked up) and
scores the unlabeled comments with it: score = P(positive) - P(negative), label = the most probable class. It
learns from each comment's stored vector, VADER's scores of an English comment, and the store's own words
(`HeadFeatures`). Its accuracy is estimated by stratified k-fold cross-validation within the store (each fold's
head never sees the labels of the comments it is scored on) and stored in runs.stats. With fewer labels the
label-free scorer (`voc.sentiment.score`) is used. A labeled comment always shows its own label, with the label's score
(-1, 0, +1) and its origin: "human" or "score"; the others are "model" or "lexicon".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from voc.sentiment.labels import LABEL_SCORE, SCORE_LABEL_WEIGHT
from voc.sentiment.score import VADER_PARTS, SentimentScorer, vader_features

MIN_LABELS = 50      # below this the head is no better than the label-free scorer (benchmarks/sentiment.py)
MIN_PER_CLASS = 5    # a class with fewer examples cannot be learned or cross-validated
CV_FOLDS = 5
C = 1.0              # logistic regression's inverse regularisation; 0.3-10 changed accuracy by < 1 point
# Labels a head learns from at most (people's labels first, then a seeded sample of score labels): past ~10k the
# learning curve is flat (benchmarks/sentiment.py, English: 1,000 labels 68.6%, 10,000 and all 11,928 71.6%),
# while the fit and its cross-validation grow with every label: a 100k store with CSAT on every contact spent
# ~40 s per night here.
MAX_TRAIN_LABELS = 10_000
# The label-free scorer replaces a learned head only when it agrees with the store's labels clearly more often:
# by more than two standard errors (one-sided, ~98%). sentiment_de_en, German, 100 labels: one draw in three had a
# head at 41% hold-out against the label-free scorer's 52%, yet that head scored 51% on the test split (the
# label-free scorer 46%); the demo's noisy CSAT/NPS: 54% against 59% over 2,155 labels, a clear loss.
WIN_BY_STANDARD_ERRORS = 2.0


# The store's own words beside the vector: TF-IDF of the labeled comments' words and word pairs, at this weight
# against the unit-length vector (sentiment_de_en, benchmarks/sentiment.py: 0.25-0.75 within a point of each
# other, all better than without words; from 300 labels to all, +0.1 to +1.7 points).
WORDS_WEIGHT = 0.5
MIN_WORD_COMMENTS = 2  # a word or pair in one labeled comment only says nothing about the others
# ... and, for comments not in English, their character 3-5-grams within words, which see into compounds
# ("Zugausfall", "Verspätungen") and typos where whole words cannot. sentiment_de_en, German: 300 labels 56.1 ->
# 57.6%, 1,000 labels 59.4 -> 61.3%, noisy CSAT 61.2 -> 64.1%; weights 0.3, 0.5, 1.5 and 2.0 did less than 1.0.
# English, which writes its compounds apart, gains nothing and lost 1.2 points with noisy CSAT: it has none.
CHARS_WEIGHT = 1.0
NO_CHAR_NGRAMS = ("en",)
CHAR_NGRAMS = (3, 5)
MAX_CHAR_FEATURES = 50_000  # the most frequent n-grams only: 10,000 labeled comments have ~200k distinct ones
PREDICT_BATCH = 20_000  # comments scored at a time: the n-gram features of 100k comments at once take ~0.5 GB


class HeadFeatures:
    """What the head learns from, per comment: its vector; VADER's four scores for an English comment (zeros for
    other languages); and the TF-IDF of its words and word pairs, and for a comment not in English of the character
    n-grams within its words, over the vocabulary of the labeled comments (`fit`), so a store's own words
    ("Zählerstand", "roaming") count for what its labels say they mean."""

    def __init__(self, words_weight: float = WORDS_WEIGHT, chars_weight: float = CHARS_WEIGHT,
                 min_word_comments: int = MIN_WORD_COMMENTS):
        self.words_weight = words_weight
        self.chars_weight = chars_weight
        self.min_word_comments = min_word_comments

    def words_vectorizer(self) -> TfidfVectorizer:
        return TfidfVectorizer(ngram_range=(1, 2), min_df=self.min_word_comments, sublinear_tf=True)

    def chars_vectorizer(self) -> TfidfVectorizer:
        return TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True,
                               min_df=self.min_word_comments, max_features=MAX_CHAR_FEATURES)

    def fit(self, texts: list[str], languages: list[str]) -> "HeadFeatures":
        self.words_ = _fitted(self.words_vectorizer(), texts, self.words_weight)
        compounding = [text for text, language in zip(texts, languages) if language not in NO_CHAR_NGRAMS]
        self.chars_ = _fitted(self.chars_vectorizer(), compounding, self.chars_weight)
        return self

    def n_features(self, dim: int) -> int:
        """How many features `transform` gives comments with `dim`-dimensional vectors."""
        return dim + len(VADER_PARTS) + sum(len(v.vocabulary_) for v in (self.words_, self.chars_) if v is not None)

    def transform(self, vectors: np.ndarray, texts: list[str], languages: list[str]) -> sparse.csr_matrix:
        parts = [sparse.csr_matrix(np.hstack([vectors, vader_features(texts, languages)]))]
        if self.words_ is not None:
            parts.append(self.words_weight * self.words_.transform(texts))
        if self.chars_ is not None:  # the rows of comments in English stay empty
            rows = [i for i, language in enumerate(languages) if language not in NO_CHAR_NGRAMS]
            place = sparse.csr_matrix((np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(len(texts), len(rows)))
            parts.append(place @ (self.chars_weight * self.chars_.transform([texts[i] for i in rows])))
        return sparse.hstack(parts, format="csr")


def _fitted(vectorizer: TfidfVectorizer, texts: list[str], weight: float) -> TfidfVectorizer | None:
    """`vectorizer` fitted on `texts`, or None when it has no weight or finds no term in two of them (sklearn's
    "empty vocabulary" ValueError): the head then learns from the other features."""
    if not weight:
        return None
    try:
        return vectorizer.fit(texts)
    except ValueError:
        return None


class SentimentHead:
    """Balanced logistic regression on `HeadFeatures`, with its cross-validated hold-out accuracy and which labels
    its hold-out predictions matched (`folds=None`: none estimated, as on an incremental night; the last full run
    measured it)."""

    def __init__(self, C: float = C, folds: int | None = CV_FOLDS, random_state: int = 0):
        self.C = C
        self.folds = folds
        self.random_state = random_state

    def _model(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000, random_state=self.random_state)

    def fit(self, x: np.ndarray | sparse.csr_matrix, y: list[str],
            sample_weight: np.ndarray | None = None) -> "SentimentHead":
        y_arr = np.asarray(y, dtype=object).astype(str)
        weight = np.ones(len(y_arr)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self.model_ = self._model().fit(x, y_arr, sample_weight=weight)
        self.classes_ = list(self.model_.classes_)
        k = min(self.folds, min(Counter(y_arr.tolist()).values())) if self.folds else 0
        self.holdout_accuracy_ = self.holdout_correct_ = None
        if k >= 2:
            cv = StratifiedKFold(k, shuffle=True, random_state=self.random_state)
            pred = cross_val_predict(self._model(), x, y_arr, cv=cv, params={"sample_weight": weight})
            self.holdout_correct_ = pred == y_arr  # per label: did the fold's head that never saw it agree
            self.holdout_accuracy_ = round(float(np.mean(self.holdout_correct_)), 4)
        self.holdout_folds_ = k
        return self

    def predict(self, x: np.ndarray | sparse.csr_matrix) -> tuple[np.ndarray, list[str]]:
        if x.shape[0] == 0:
            return np.zeros(0), []
        probs = self.model_.predict_proba(x)
        column = {c: i for i, c in enumerate(self.classes_)}
        pos = probs[:, column["positive"]] if "positive" in column else 0.0
        neg = probs[:, column["negative"]] if "negative" in column else 0.0
        return np.clip(pos - neg, -1.0, 1.0), [self.classes_[i] for i in probs.argmax(axis=1)]


def training_sample(origins: np.ndarray, limit: int, seed: int = 0) -> np.ndarray:
    """Indices of at most `limit` labels, in their order: every person's label (up to the limit), then a seeded
    random sample of the score labels, so a rerun learns from the same labels."""
    human, other = np.flatnonzero(origins == "human"), np.flatnonzero(origins != "human")
    if len(origins) <= limit:
        return np.arange(len(origins))
    room = max(0, limit - len(human))
    picked = np.random.default_rng(seed).choice(other, min(room, len(other)), replace=False)
    return np.sort(np.concatenate([human[:limit], picked]))


def enough_labels(labels: list[str]) -> bool:
    counts = Counter(labels)
    return len(labels) >= MIN_LABELS and sum(n >= MIN_PER_CLASS for n in counts.values()) >= 2


@dataclass
class Scored:
    """Sentiment per corpus row, where each label came from, and what the run learned."""
    scores: np.ndarray
    labels: list[str]
    origins: list[str]                       # human | score | model | lexicon
    stats: dict = field(default_factory=dict)
    saved_head: tuple[str, bytes] | None = None  # a head this run fitted: (embedding model id, voc.sentiment.saved)


@dataclass
class SavedHead:
    """A fitted head with its features, as a run keeps it for the incremental nights after it."""
    head: SentimentHead
    features: HeadFeatures
    labels_trained_on: int
    run_id: int | None = None  # the run that fitted it (None: not saved yet)


class RowScores(NamedTuple):
    scores: np.ndarray
    labels: list[str]
    origin: str                    # model | lexicon
    stats: dict
    fitted: SavedHead | None       # the head this call fitted and scored with, to be saved


@dataclass
class OwnLabels:
    """The labeled corpus rows: row index, label, origin (human | score), text, language and stored vector: a
    NaN row when the row is not in the `training_sample` or the cache lacks it; None when no vectors were looked
    up."""
    rows: np.ndarray
    labels: list[str]
    origins: list[str]
    texts: list[str]
    languages: list[str]
    vectors: np.ndarray | None


def score_rows(texts: list[str], languages: list[str], vectors: np.ndarray, own: OwnLabels,
               seed_vectors: dict[str, np.ndarray], cross_validate: bool = True,
               head_beaten: bool = False, saved: SavedHead | None = None) -> RowScores:
    """Score `vectors` with a head learned from `own` when it has enough labels and beats the label-free scorer on
    them, else label-free. The contest: the head's cross-validated accuracy on the labeled comments against the
    label-free scorer's on the same comments (labels as noisy as CSAT can teach a head less than the label-free
    scorer knows). Without `cross_validate` (incremental nights: five more fits for a number the full run
    already measured) nothing is measured and `head_beaten`, what the last full run found, decides; such a night
    scores with the `saved` head of an earlier run when there is one rather than fitting it again."""
    counts = Counter(own.origins)
    stats = {"labels_human": counts.get("human", 0), "labels_score": counts.get("score", 0),
             "min_labels": MIN_LABELS, "holdout_accuracy": None}
    if saved is not None and saved.head.model_.n_features_in_ != saved.features.n_features(vectors.shape[1]):
        saved = None  # saved by a voc whose features differ (or for other vectors): fitted again below
    if saved is not None and not cross_validate and not head_beaten:
        scores, labels = predict_in_batches(saved.head, saved.features, vectors, texts, languages)
        return RowScores(scores, labels, "model", {**stats, "method": "learned", "head_run": saved.run_id,
                                                   "labels_trained_on": saved.labels_trained_on}, None)
    scorer = SentimentScorer().fit(seed_vectors)
    usable = np.isfinite(own.vectors).all(axis=1) if own.vectors is not None else np.zeros(len(own.labels), bool)
    train = np.flatnonzero(usable)
    if enough_labels([own.labels[i] for i in train]):
        stats["labels_trained_on"] = len(train)
        if cross_validate or not head_beaten:  # an incremental night after a lost contest fits no head at all
            head, features = fit_head(own, train, cross_validate)
            stats.update(holdout_accuracy=head.holdout_accuracy_, holdout_folds=head.holdout_folds_)
            if head.holdout_correct_ is not None:
                free_correct = label_free_correct(scorer, own, train)
                stats["label_free_accuracy"] = round(float(np.mean(free_correct)), 4)
                head_beaten = clearly_better(free_correct, head.holdout_correct_)
            if not head_beaten:
                scores, labels = predict_in_batches(head, features, vectors, texts, languages)
                return RowScores(scores, labels, "model", {**stats, "method": "learned"},
                                 SavedHead(head, features, len(train)))
        stats["head_beaten"] = True
    scores, labels = scorer.score(texts, vectors, languages)
    return RowScores(scores, labels, "lexicon", {**stats, "method": "label-free"}, None)


def fit_head(own: OwnLabels, train: np.ndarray, cross_validate: bool) -> tuple[SentimentHead, HeadFeatures]:
    """A head learned from the `train` rows of `own` (CSAT/NPS labels down-weighted), and its features."""
    weight = np.where(np.array(own.origins)[train] == "score", SCORE_LABEL_WEIGHT, 1.0)
    texts, languages = [own.texts[i] for i in train], [own.languages[i] for i in train]
    features = HeadFeatures().fit(texts, languages)
    x = features.transform(own.vectors[train], texts, languages)
    head = SentimentHead(folds=CV_FOLDS if cross_validate else None).fit(x, [own.labels[i] for i in train], weight)
    return head, features


def predict_in_batches(head: SentimentHead, features: HeadFeatures, vectors: np.ndarray, texts: list[str],
                       languages: list[str]) -> tuple[np.ndarray, list[str]]:
    """The head's scores and labels for every comment, `PREDICT_BATCH` comments' features at a time."""
    scores, labels = [np.zeros(0)], []
    for start in range(0, len(texts), PREDICT_BATCH):
        part = slice(start, start + PREDICT_BATCH)
        batch_scores, batch_labels = head.predict(features.transform(vectors[part], texts[part], languages[part]))
        scores.append(batch_scores)
        labels.extend(batch_labels)
    return np.concatenate(scores), labels


def label_free_correct(scorer: SentimentScorer, own: OwnLabels, train: np.ndarray) -> np.ndarray:
    """Per label of the `train` rows: does the label-free scorer agree with it (the head's contest)."""
    _, labels = scorer.score([own.texts[i] for i in train], own.vectors[train], [own.languages[i] for i in train])
    return np.array([label == own.labels[i] for label, i in zip(labels, train)])


def clearly_better(correct: np.ndarray, other_correct: np.ndarray) -> bool:
    """True when the first of two scorers agrees with the same labels more often than the other by more than
    `WIN_BY_STANDARD_ERRORS` standard errors of the paired difference: a head's hold-out accuracy on a hundred
    labels is a noisy (and pessimistic) estimate, and a near tie should not throw the head away."""
    diff = correct.astype(float) - other_correct.astype(float)
    if len(diff) < 2:
        return False
    return bool(diff.mean() > WIN_BY_STANDARD_ERRORS * diff.std(ddof=1) / np.sqrt(len(diff)))


def apply_own_labels(scored: Scored, own: OwnLabels) -> Scored:
    """A labeled comment shows its own label, that label's score and the label's origin."""
    for row, label, origin in zip(own.rows.tolist(), own.labels, own.origins):
        scored.scores[row], scored.labels[row], scored.origins[row] = LABEL_SCORE[label], label, origin
    return scored
