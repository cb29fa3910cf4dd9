"""Sentiment that learns per store: label sources, the learned head in real flow runs, PM corrections.

Real Prefect flow runs on real DuckDB files with the real embedding model, on the small generated demo set.
"""

import csv
import json

import duckdb
import numpy as np
import pytest
from dbutil import rows
from hypothesis import given, strategies as st
from typer.testing import CliRunner

from flows.nightly import nightly
from voc import publish, schema, store
from voc.cli.common import sentiment_summary
from voc.cli.main import app
from voc.embedding.vectors import normalise_rows
from voc.ingest.rows import RawBatch, RawRow
from voc.ingest.validate import validate
from voc.sentiment import learn as sentiment_learn, saved as sentiment_saved
from voc.sentiment.labels import LABELS, csat_label, nps_label, own_label, parse_label
from voc.sentiment.learn import (MIN_LABELS, OwnLabels, Scored, SentimentHead, clearly_better, enough_labels,
                                 score_rows, training_sample)
from voc.sentiment.score import LABELS as ORDER, SentimentScorer

SWAP = {"negative": "positive", "positive": "negative", "neutral": "neutral"}


def test_csat_and_nps_map_to_labels_as_documented():
    assert [csat_label(c) for c in (1, 2, 3, 4, 5)] == ["negative", "negative", "neutral", "positive", "positive"]
    assert [nps_label(n) for n in range(11)] == ["negative"] * 7 + ["neutral"] * 2 + ["positive"] * 2
    assert csat_label(None) is None and nps_label(None) is None
    assert own_label("neutral", 1, 0) == ("neutral", "human")       # a person's label wins over scores
    assert own_label(None, 5, 0) == ("positive", "score")            # CSAT before NPS
    assert own_label(None, None, 2) == ("negative", "score")
    assert own_label(None, None, None) == (None, None)


@given(st.text(max_size=20))
def test_parse_label_accepts_labels_in_any_case_and_refuses_the_rest(text):
    try:
        label = parse_label(text)
    except ValueError as exc:
        assert "not a label" in str(exc)
        return
    assert label is None and not text.strip() or label in LABELS


@given(st.sampled_from(LABELS), st.text(" \t", max_size=3), st.booleans())
def test_parse_label_ignores_case_and_spaces(label, pad, upper):
    assert parse_label(pad + (label.upper() if upper else label) + pad) == label


def test_a_bad_sentiment_value_is_quarantined_with_the_reason():
    batch = RawBatch("s", [RawRow(1, "f.csv", {"comment_id": "a", "text": "x", "created_at": "2026-11-02",
                                               "agent_id": "A1", "sentiment": "sauer"}),
                           RawRow(2, "f.csv", {"comment_id": "b", "text": "y", "created_at": "2026-11-02",
                                               "agent_id": "A1", "sentiment": "Positive"})])
    good, bad = validate(batch)
    assert [c.sentiment for c in good] == ["positive"]
    assert bad[0].reason == "sentiment 'sauer' is not a label: use negative, neutral or positive"


def test_head_follows_the_labels_and_needs_enough_of_them():
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(1, 0.3, (40, 8)), rng.normal(-1, 0.3, (40, 8))])
    y = ["positive"] * 40 + ["negative"] * 40
    head = SentimentHead().fit(x, y)
    scores, labels = head.predict(np.array([[1.0] * 8, [-1.0] * 8]))
    assert labels == ["positive", "negative"] and scores[0] > 0.5 > -0.5 > scores[1]
    assert head.holdout_accuracy_ == 1.0
    assert enough_labels(y) and not enough_labels(y[:MIN_LABELS - 1]) and not enough_labels(["negative"] * 90)


UNIT = np.eye(4)[:3]  # three orthogonal prototypes: a comment vector of zeros is equally far from each


def test_label_free_reads_english_comments_with_vader_too():
    """Slang the domain lexicon does not know ("nightmare", "hate", "pathetic"): VADER reads it as negative in an
    English comment; a German comment is scored by the lexicon and the prototypes alone."""
    scorer = SentimentScorer().fit({label: UNIT[i:i + 1] for i, label in enumerate(ORDER)})
    text = "Nightmare. I hate this stupid, pathetic thing"
    scores, labels = scorer.score([text, text], np.zeros((2, 4)), ["en", "de"])
    assert labels[0] == "negative" and scores[0] < -0.25 and scores[1] == 0  # German: no signal at all


TOPICS = ["the invoice", "my parcel", "the app", "your hotline", "the refund", "the new tariff"]


def noise_vectors(n: int) -> np.ndarray:
    """Unit vectors, as stored, with no sentiment in them: whatever the head learns comes from the text."""
    return normalise_rows(np.random.default_rng(0).normal(size=(n, 16)))


SEEDS16 = {label: np.eye(16)[i:i + 1] for i, label in enumerate(ORDER)}  # prototypes for the noise vectors


def learned_labels(train: list[tuple[str, str]], test_texts: list[str], language: str) -> list[str]:
    vectors = noise_vectors(len(train) + len(test_texts))
    n = len(train)
    own = OwnLabels(np.arange(n), [label for _, label in train], ["human"] * n, [text for text, _ in train],
                    [language] * n, vectors[:n])
    _, predicted, origin, stats, _ = score_rows(test_texts, [language] * len(test_texts), vectors[n:], own, SEEDS16)
    assert origin == "model" and stats["method"] == "learned"
    return predicted


def test_the_head_learns_from_vaders_reading_of_english_comments():
    """The words of the scored comments never occur among the labeled ones: only VADER, which knows them, can
    carry what the labels taught."""
    seen = {"positive": ["love it", "brilliant work", "so grateful"], "negative": ["I hate it", "pathetic", "awful"]}
    unseen = {"positive": ["awesome and helpful", "wonderful", "great, thank you"],
              "negative": ["what a nightmare", "terrible, so angry", "disgusting"]}

    def comments(words: dict, n: int) -> list[tuple[str, str]]:
        labels = ["positive", "negative"] * (n // 2)
        return [(f"{TOPICS[(i // 2) % len(TOPICS)]}: {words[label][(i // 2) % 3]}", label)  # each topic: both labels
                for i, label in enumerate(labels)]

    test = comments(unseen, 30)
    predicted = learned_labels(comments(seen, 70), [text for text, _ in test], "en")
    assert np.mean([p == label for p, (_, label) in zip(predicted, test)]) >= 0.9


def test_the_head_learns_what_the_stores_own_words_mean():
    """German (no VADER), noise vectors and words no lexicon knows: "Zonk" is how this store's customers say it
    went wrong, "Wumms" that it went well. Only the labeled comments' words can teach that."""
    def comment(i: int) -> tuple[str, str]:
        word, label = ("Wumms", "positive") if i % 2 else ("Zonk", "negative")
        return f"Kunde meldet zu {TOPICS[(i // 2) % len(TOPICS)]}: {word}, Vorgang {i}", label

    train, test = [comment(i) for i in range(200)], [comment(i) for i in range(200, 230)]
    predicted = learned_labels(train, [text for text, _ in test], "de")
    assert np.mean([p == label for p, (_, label) in zip(predicted, test)]) >= 0.9


def test_the_head_reads_into_german_compounds_it_never_saw_whole(monkeypatch):
    """The labeled comments say "Riesenzonk" and "Megawumms"; the scored ones "Totalzonk" and "Superwumms", words no
    labeled comment holds: only the character n-grams within the words carry what "zonk" and "wumms" mean. They are
    scored 7 at a time (as a large store is, `PREDICT_BATCH` at a time): each keeps its own label."""
    monkeypatch.setattr(sentiment_learn, "PREDICT_BATCH", 7)
    def comments(prefixes: tuple[str, str], start: int, n: int) -> list[tuple[str, str]]:
        return [(f"Kunde meldet zu {TOPICS[(i // 2) % len(TOPICS)]}: "
                 f"{prefixes[i % 2]}{'wumms' if i % 2 else 'zonk'}, Vorgang {i}", "positive" if i % 2 else "negative")
                for i in range(start, start + n)]

    def right(language: str) -> float:
        test = comments(("Total", "Super"), 200, 30)
        predicted = learned_labels(comments(("Riesen", "Mega"), 0, 200), [text for text, _ in test], language)
        assert len(predicted) == len(test)
        return np.mean([p == label for p, (_, label) in zip(predicted, test)])

    assert right("de") >= 0.9
    assert right("en") <= 0.6  # English writes its compounds apart: its comments get no character n-grams


def test_a_head_that_learns_less_than_the_label_free_scorer_knows_is_not_used():
    """Comments the label-free scorer reads right (all complaints) with labels no head can learn from (a tenth
    "positive" at random, as noisy CSAT can be): the head's hold-out accuracy loses to the label-free scorer's
    agreement with the same labels, so the comments are scored label-free; an incremental night, which measures
    nothing, follows what the full run found."""
    complaints = ["awful service, I hate it", "terrible, the app is useless", "what a nightmare, so angry",
                  "pathetic support, disgusting"]
    rng = np.random.default_rng(1)
    labels = ["positive" if rng.random() < 0.1 else "negative" for _ in range(120)]
    texts = [f"{complaints[i % 4]} ({TOPICS[i % len(TOPICS)]})" for i in range(120)]
    vectors = normalise_rows(np.eye(16)[0] + 0.3 * noise_vectors(124))  # near the negative prototype of SEEDS16
    own = OwnLabels(np.arange(120), labels, ["score"] * 120, texts, ["en"] * 120, vectors[:120])
    new = ["awful, I hate this"] * 4
    _, predicted, origin, stats, _ = score_rows(new, ["en"] * 4, vectors[120:], own, SEEDS16)
    assert origin == "lexicon" and stats["method"] == "label-free" and stats["head_beaten"]
    assert stats["label_free_accuracy"] > stats["holdout_accuracy"] and predicted == ["negative"] * 4
    _, _, origin, stats, _ = score_rows(new, ["en"] * 4, vectors[120:], own, SEEDS16, cross_validate=False,
                                     head_beaten=True)
    assert origin == "lexicon" and stats["head_beaten"]


def test_only_a_clear_lead_on_the_same_labels_counts():
    """Two scorers right on different labels (as a head and the label-free scorer are): 60% against 50% of 100
    labels is within the noise (the head stays); the same lead over 1,000 labels is not; nothing beats itself."""
    rng = np.random.default_rng(0)

    def right(share: float, n: int) -> np.ndarray:
        return rng.permutation(np.arange(n) < share * n)

    assert not clearly_better(right(0.6, 100), right(0.5, 100))
    free, head = right(0.6, 1000), right(0.5, 1000)
    assert clearly_better(free, head) and not clearly_better(head, free) and not clearly_better(head, head)


def test_a_head_without_a_word_in_two_labeled_comments_still_learns():
    """Labeled comments sharing no word (sklearn's empty vocabulary): the head learns from vectors and VADER."""
    train = [(f"{'love' if i % 2 else 'hate'}{i}", "positive" if i % 2 else "negative") for i in range(60)]
    assert len(learned_labels(train, ["x1", "x2"], "en")) == 2


@pytest.fixture(scope="module")
def labeled(tmp_path_factory, demo_files):
    """The demo set with a `sentiment` column on two thirds of the rows, holding the SWAPPED true label (negative
    <-> positive): a scorer that ignored labels would call the unlabeled complaints negative; one that learned
    from these labels calls them positive."""
    folder = tmp_path_factory.mktemp("labeled")
    truth = {r["comment_id"]: r["sentiment"] for r in csv.DictReader(open(demo_files.truth, encoding="utf-8"))}
    data = [r for r in csv.DictReader(open(demo_files.comments, encoding="utf-8")) if r["comment_id"] in truth]
    for i, r in enumerate(data):
        r["sentiment"] = SWAP[truth[r["comment_id"]]] if i % 3 else ""
        r["csat"] = r["nps"] = ""
    path = write_rows(folder / "labeled.csv", data)
    db = folder / "voc.duckdb"
    summary = nightly(str(path), str(db), source_name="demo")
    return {"db": db, "path": path, "truth": truth, "summary": summary, "data": data}


def test_the_run_learns_from_the_stores_labels(labeled):
    shown = {cid: (s, origin) for cid, s, origin in rows(
        labeled["db"], "SELECT comment_id, sentiment, sentiment_origin FROM current_assignments")}
    given_labels = {r["comment_id"]: r["sentiment"] for r in labeled["data"] if r["sentiment"]}
    assert all(shown[cid] == (label, "human") for cid, label in given_labels.items())  # shown as given
    unlabeled_complaints = [cid for cid, t in labeled["truth"].items() if cid not in given_labels and t == "negative"]
    assert len(unlabeled_complaints) > 50
    assert {shown[cid][1] for cid in unlabeled_complaints} == {"model"}
    learned_positive = np.mean([shown[cid][0] == "positive" for cid in unlabeled_complaints])
    assert learned_positive > 0.7
    stats = json.loads(rows(labeled["db"], "SELECT stats FROM runs ORDER BY run_id DESC LIMIT 1")[0][0])["sentiment"]
    assert stats["method"] == "learned" and stats["labels_human"] == len(given_labels)
    assert stats["holdout_accuracy"] > 0.7
    share = rows(labeled["db"], "SELECT avg(share_human_label) FROM current_themes")[0][0]
    assert 0.5 < share < 0.8


def test_runs_and_themes_show_the_hold_out_accuracy(labeled):
    runner = CliRunner(env={"COLUMNS": "300"})
    out = runner.invoke(app, ["runs", "--db", str(labeled["db"])]).output
    assert "learned from" in out and "hold-out accuracy" in out
    out = runner.invoke(app, ["themes", "--db", str(labeled["db"])]).output
    assert "sentiment: learned from" in out


def test_a_night_scores_with_the_head_the_full_run_saved_and_a_full_run_without_one_clears_it(labeled, tmp_path):
    """The full run fits a head and saves it in the store; the next incremental night scores its new comments with
    that head (the labels are swapped, so complaints read positive) instead of fitting one again. A full run that
    fits none (too few labels, or the label-free scorer won) leaves no head behind for the nights after it."""
    data = sorted(labeled["data"], key=lambda r: r["created_at"])
    older, newest = data[:-40], data[-40:]
    db = tmp_path / "voc.duckdb"
    full = nightly(str(write_rows(tmp_path / "older.csv", older)), str(db), source_name="demo")
    full_run = rows(db, "SELECT max(run_id) FROM runs")[0][0]
    assert full["sentiment"]["method"] == "learned" and rows(db, "SELECT run_id FROM sentiment_heads") == [(full_run,)]
    night = nightly(str(write_rows(tmp_path / "all.csv", data)), str(db), source_name="demo")
    assert night["mode"] == "incremental" and night["sentiment"]["head_run"] == full_run
    assert night["sentiment"]["labels_trained_on"] == full["sentiment"]["labels_trained_on"]
    assert sentiment_summary(night).startswith(f"the head run {full_run} learned from")
    complaints = [r["comment_id"] for r in newest
                  if labeled["truth"][r["comment_id"]] == "negative" and not r["sentiment"]]
    shown = dict(rows(db, "SELECT comment_id, sentiment FROM current_assignments WHERE sentiment_origin = 'model'"))
    assert complaints and np.mean([shown[c] == "positive" for c in complaints]) > 0.7
    no_head = Scored(np.zeros(0), [], [])  # what a run that fitted no head publishes
    with store.open(db, write=True) as con:
        publish.keep_head(con, full_run + 9, "incremental", no_head)  # a night after a lost contest: kept
        assert con.execute("SELECT run_id FROM sentiment_heads").fetchall() == [(full_run,)]
        publish.keep_head(con, full_run + 9, "full", no_head)  # a full run with too few labels, or a lost contest
        assert con.execute("SELECT count(*) FROM sentiment_heads").fetchall() == [(0,)]


def test_a_saved_head_scores_as_the_head_that_was_fitted(monkeypatch):
    """Saved as arrays and read back (voc.sentiment.saved), then scored 7 comments at a time with German and English
    mixed: the same scores and labels as the fitted head on all at once. A head saved in another format, or for
    another embedding model, is not loaded; one whose features no longer fit the vectors is fitted again."""
    def comment(i: int) -> tuple[str, str]:
        word, label = ("Megawumms, love it", "positive") if i % 2 else ("Riesenzonk, awful", "negative")
        return f"Kunde meldet zu {TOPICS[(i // 2) % len(TOPICS)]}: {word}, Vorgang {i}", label

    train = [comment(i) for i in range(120)]
    texts = [f"Superwumms {i}" if i % 2 else f"Totalzonk, a nightmare {i}" for i in range(20)]
    languages = (["de", "en", "en"] * 7)[:20]
    vectors = normalise_rows(noise_vectors(140))

    def own(vecs: np.ndarray) -> OwnLabels:
        return OwnLabels(np.arange(120), [label for _, label in train], ["human"] * 120, [text for text, _ in train],
                         ["de", "en"] * 60, vecs[:120])

    fitted = score_rows(texts, languages, vectors[120:], own(vectors), SEEDS16).fitted
    blob = sentiment_saved.to_bytes(fitted)
    restored = sentiment_saved.from_bytes(blob)
    monkeypatch.setattr(sentiment_learn, "PREDICT_BATCH", 7)
    got = sentiment_learn.predict_in_batches(restored.head, restored.features, vectors[120:], texts, languages)
    expected = fitted.head.predict(fitted.features.transform(vectors[120:], texts, languages))
    assert got[1] == expected[1] and np.allclose(got[0], expected[0]) and len(set(got[1])) == 2
    assert restored.labels_trained_on == 120
    con = duckdb.connect()
    con.execute(schema.SCHEMA_V8)
    sentiment_saved.save(con, 5, "model-a", blob)
    assert sentiment_saved.load(con, "model-a").run_id == 5 and sentiment_saved.load(con, "model-b") is None
    monkeypatch.setattr(sentiment_saved, "HEAD_FORMAT", sentiment_saved.HEAD_FORMAT + 1)
    assert sentiment_saved.load(con, "model-a") is None
    wider = np.hstack([vectors, np.zeros((140, 1))])  # vectors of another size: the saved head cannot read them
    night = score_rows(texts, languages, wider[120:], own(wider), SEEDS16, cross_validate=False, saved=restored)
    assert night.fitted is not None and "head_run" not in night.stats and night.stats["method"] == "learned"


def write_rows(path, data: list[dict]):
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(data[0]))
        writer.writeheader()
        writer.writerows(data)
    return path


def test_a_store_whose_labels_teach_less_than_the_label_free_scorer_knows_is_scored_label_free(demo_files, tmp_path):
    """Labels that say exactly what the label-free scorer says: a head learned from them can only get some of them
    back (hold-out), so the full run scores label-free, says why, and the next incremental night follows it."""
    data = sorted(csv.DictReader(open(demo_files.comments, encoding="utf-8")), key=lambda r: r["created_at"])
    for r in data:
        r["csat"] = r["nps"] = r["sentiment"] = ""
    unlabeled = tmp_path / "unlabeled.duckdb"
    nightly(str(write_rows(tmp_path / "plain.csv", data)), str(unlabeled), source_name="demo")
    said = dict(rows(unlabeled, "SELECT comment_id, sentiment FROM current_assignments"))
    *older, newest = [r for r in data if r["comment_id"] in said]
    for i, r in enumerate(older):
        r["sentiment"] = said[r["comment_id"]] if i % 3 else ""
    db = tmp_path / "voc.duckdb"
    full = nightly(str(write_rows(tmp_path / "echo.csv", older)), str(db), source_name="demo")["sentiment"]
    assert full["method"] == "label-free" and full["head_beaten"]
    assert full["label_free_accuracy"] == 1.0 > full["holdout_accuracy"]
    night = nightly(str(write_rows(tmp_path / "night.csv", [newest])), str(db), source_name="demo")
    assert night["mode"] == "incremental" and night["sentiment"]["head_beaten"]
    assert rows(db, "SELECT sentiment_origin FROM current_assignments WHERE comment_id = ?",
                [newest["comment_id"]]) == [("lexicon",)]
    summary = sentiment_summary({"sentiment": night["sentiment"]})
    assert summary.startswith("label-free: it agreed with the store's") and "measured by run" in summary


def test_a_pm_correction_is_shown_at_once_and_survives_the_next_runs(labeled):
    db, runner = labeled["db"], CliRunner()
    cid = next(r["comment_id"] for r in labeled["data"] if r["sentiment"] == "positive")
    result = runner.invoke(app, ["sentiment", "set", cid, "Negative", "--by", "anna", "--db", str(db)])
    assert result.exit_code == 0 and "was positive" in result.output
    query = "SELECT sentiment, sentiment_origin FROM current_assignments WHERE comment_id = ?"
    assert rows(db, query, [cid]) == [("negative", "human")]
    nightly(str(labeled["path"]), str(db), source_name="demo", mode="full")   # input still says positive
    nightly(str(labeled["path"]), str(db), source_name="demo")
    assert rows(db, query, [cid]) == [("negative", "human")]
    assert rows(db, "SELECT a.sentiment FROM assignments a JOIN published p ON a.run_id = p.run_id "
                    "WHERE comment_id = ?", [cid]) == [("negative",)]
    assert rows(db, "SELECT label, set_by, previous FROM sentiment_corrections") == [("negative", "anna", "positive")]
    bad = runner.invoke(app, ["sentiment", "set", cid, "furious", "--by", "anna", "--db", str(db)])
    assert bad.exit_code == 2 and "not a label" in bad.output
    missing = runner.invoke(app, ["sentiment", "set", "nope", "negative", "--by", "anna", "--db", str(db)])
    assert missing.exit_code == 6


def test_sentiment_commands_have_help_with_an_example():
    for cmd in (["sentiment", "set"], ["sentiment", "show"], ["runs"]):
        result = CliRunner().invoke(app, cmd + ["--help"])
        assert result.exit_code == 0 and "Example: voc" in result.output, cmd


def test_a_head_learns_from_a_capped_sample_with_every_persons_label_first():
    origins = np.array(["score"] * 50 + ["human"] * 5 + ["score"] * 50)
    picked = training_sample(origins, 20)
    assert len(picked) == 20 and set(range(50, 55)) <= set(picked.tolist()) and list(picked) == sorted(picked)
    assert np.array_equal(picked, training_sample(origins, 20))  # the same labels on a rerun
    assert len(training_sample(origins, 200)) == 105
