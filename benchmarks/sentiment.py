"""Sentiment accuracy per language: label-free, and learned from a store's own labels.

1. Real text: ../shared/data/sentiment_de_en (German tweets, English Reddit comments; read in place). Per
   language, on the test split only: the majority class, today's scorer before calibration (0.2 lexicon,
   ±0.2), voc's calibrated label-free scorer, and the learned head (`voc.sentiment.learn.score_rows`, as a run
   calls it: vector, VADER for English, the labeled comments' words) trained on 100, 300, 1,000,
   MAX_TRAIN_LABELS (voc's cap, where a language has more) and all train rows of that language (mean of 3 draws
   below "all"), and on noisy CSAT-style labels for all train rows (origin "score", as a store records CSAT): the
   true label mapped to a 1-5 score (negative 1-2, neutral 3, positive 4-5), 25% of rows moved one step at
   random, mapped back with voc's CSAT mapping.
   Beside them, VADER alone (compound ±0.05, its authors' cut-offs) on English.
2. The demo data's hidden labels (generated: a check of behaviour, not of real-world accuracy), with VADER
   and voc's parts as baselines.

The vectors are those of --model (default "use": what the default "auto" picks for a mixed German/English
store such as sentiment_de_en).

    python benchmarks/sentiment.py [--model use] [--skip-real]

Writes benchmarks/results/sentiment.json and prints a table.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter

import numpy as np

from common import RESULTS, ROOT, cached_vectors, demo_truth, pipeline_texts

from voc.embedding.models import load_embedder  # noqa: E402
from voc.sentiment.labels import csat_label  # noqa: E402
from voc.sentiment.learn import MAX_TRAIN_LABELS, OwnLabels, score_rows  # noqa: E402
from voc.sentiment.score import (SentimentScorer, VADER_COMPOUND, label_of, lexicon_score, seed_sentences,  # noqa: E402
                           vader_features)
from voc.shutdown import exit_now  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "sentiment_de_en" / "data.csv"
SIZES = (100, 300, 1000)
DRAWS = 3
NOISE = 0.25  # share of CSAT-style scores moved one step


VADER_CUTOFF = 0.05  # VADER's own documented cut-off for its compound score


def vader_labels(texts: list[str]) -> list[str]:
    compound = vader_features(texts, ["en"] * len(texts))[:, VADER_COMPOUND]
    return [label_of(c, VADER_CUTOFF) for c in compound]


def accuracy(pred: list[str], gold: list[str]) -> float:
    return round(100 * float(np.mean([p == g for p, g in zip(pred, gold)])), 1)


def macro_f1(pred: list[str], gold: list[str]) -> float:
    f1s = []
    for label in ("negative", "neutral", "positive"):
        tp = sum(p == g == label for p, g in zip(pred, gold))
        fp = sum(p == label != g for p, g in zip(pred, gold))
        fn = sum(g == label != p for p, g in zip(pred, gold))
        f1s.append(2 * tp / max(2 * tp + fp + fn, 1))
    return round(100 * float(np.mean(f1s)), 1)


def noisy_csat_labels(gold: list[str], rng: np.random.Generator) -> list[str]:
    """True label -> a CSAT-like 1-5 score, NOISE of the rows moved one step, -> voc's CSAT mapping."""
    base = {"negative": (1, 2), "neutral": (3, 3), "positive": (4, 5)}
    scores = np.array([rng.choice(base[g]) for g in gold])
    moved = rng.random(len(gold)) < NOISE
    scores = np.clip(scores + moved * rng.choice([-1, 1], len(gold)), 1, 5)
    return [csat_label(int(c)) for c in scores]


def learned(train: np.ndarray, labels: list[str], origin: str, test: np.ndarray, texts: list[str],
            langs: list[str], vectors: np.ndarray, seed_vecs: dict) -> list[str]:
    """The test rows' labels as a full run gives them: voc's head learned from `labels` of the `train` rows (origin
    "human" or "score", as a store records them), unless the label-free scorer agrees with those labels more often
    than the head's hold-out predictions do (then the label-free scorer's, and a line says so)."""
    own = OwnLabels(train, list(labels), [origin] * len(train), [texts[i] for i in train], [langs[i] for i in train],
                    vectors[train])
    _, predicted, method, stats, _ = score_rows([texts[i] for i in test], [langs[i] for i in test], vectors[test], own,
                                             seed_vecs)
    if stats["method"] != "learned":
        print(f"  {len(train)} labels: label-free scored ({stats})", flush=True)
    return predicted


def real_text(embedder, seed_vecs: dict) -> list[dict]:
    if not SHARED.exists():
        raise SystemExit(f"{SHARED} not found: benchmarks read the labeled sets from ../shared/data beside the repo")
    rows = list(csv.DictReader(open(SHARED, encoding="utf-8")))
    texts = [r["text"] for r in rows]
    vectors = cached_vectors(embedder, texts)
    gold, lang, split = (np.array([r[k] for r in rows]) for k in ("label", "language", "split"))
    langs = list(lang)
    old_scores, _ = SentimentScorer(lexicon_weight=0.2).fit(seed_vecs).score(texts, vectors)
    _, free = SentimentScorer().fit(seed_vecs).score(texts, vectors, langs)
    free, old = np.array(free), np.array([label_of(s, 0.2) for s in old_scores])
    out = []
    for language in ("de", "en"):
        train, test = (np.flatnonzero((lang == language) & (split == "train")),
                       np.flatnonzero((lang == language) & (split == "test")))
        g = list(gold[test])

        def row(method, preds):
            accs = [accuracy(list(p), g) for p in preds]
            f1s = [macro_f1(list(p), g) for p in preds]
            out.append({"language": language, "method": method, "n_test": len(test),
                        "accuracy": round(float(np.mean(accs)), 1), "macro_f1": round(float(np.mean(f1s)), 1)})
            print(" ".join(f"{k}={v}" for k, v in out[-1].items()), flush=True)

        row("majority class (of the test split)", [[Counter(g).most_common(1)[0][0]] * len(test)])
        row("before calibration (0.2 lexicon, ±0.2)", [old[test]])
        row("label-free (0 labels)", [free[test]])
        if language == "en":
            row("VADER alone (compound ±0.05)", [vader_labels([texts[i] for i in test])])
        cap = (MAX_TRAIN_LABELS,) if MAX_TRAIN_LABELS < len(train) else ()  # what a store learns from at most
        for n in SIZES + cap + (len(train),):
            draws = [np.random.default_rng(d).choice(train, n, replace=False)
                     for d in range(DRAWS if n < len(train) else 1)]
            row(f"learned, {n} labels", [learned(d, gold[d], "human", test, texts, langs, vectors, seed_vecs)
                                         for d in draws])
        noisy = noisy_csat_labels(list(gold[train]), np.random.default_rng(0))
        row(f"learned, noisy CSAT on all {len(train)} train rows",
            [learned(train, noisy, "score", test, texts, langs, vectors, seed_vecs)])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="use")
    parser.add_argument("--skip-real", action="store_true", help="only the demo data")
    args = parser.parse_args()
    embedder = load_embedder(args.model)
    seed_vecs = {label: cached_vectors(embedder, sentences) for label, sentences in seed_sentences().items()}
    real = [] if args.skip_real else real_text(embedder, seed_vecs)
    truth = demo_truth()
    ids, texts = pipeline_texts(ROOT / "data/demo/comments.csv")
    gold = [truth[i]["sentiment"] for i in ids]
    langs = np.array([truth[i]["language"] for i in ids])

    vectors = cached_vectors(embedder, texts)

    scorer = SentimentScorer().fit(seed_vecs)
    methods = {
        "voc label-free (calibrated)": scorer.score(texts, vectors, list(langs))[1],
        "voc lexicon only": [label_of(lexicon_score(t)) for t in texts],
        "voc prototypes only": [label_of(s) for s in scorer.embedding_scores(vectors)],
        "majority class": [Counter(gold).most_common(1)[0][0]] * len(gold),
    }
    methods["VADER (compound ±0.05)"] = vader_labels(texts)
    results = []
    for name, pred in methods.items():
        for lang in ("all", "de", "en"):
            idx = [i for i in range(len(gold)) if lang == "all" or langs[i] == lang]
            p, g = [pred[i] for i in idx], [gold[i] for i in idx]
            results.append({"method": name, "language": lang, "n": len(idx), "accuracy": accuracy(p, g),
                            "macro_f1": macro_f1(p, g)})
    (RESULTS / "sentiment.json").write_text(json.dumps({
        "model": embedder.model_id, "sentiment_de_en": real,
        "demo": {"data": "voc demo data (generated, seed 7), hidden sentiment labels",
                 "gold_distribution": Counter(gold), "results": results}}, indent=1))
    print(f"\n{'language':<4} {'method':<45} {'acc':>6} {'macroF1':>8}")
    for r in real:
        print(f"{r['language']:<4} {r['method']:<45} {r['accuracy']:>6} {r['macro_f1']:>8}")
    print()
    print(f"gold labels: {dict(Counter(gold))}")
    print(f"{'method':<28} {'lang':<4} {'n':>5} {'acc':>6} {'macroF1':>8}")
    for r in results:
        print(f"{r['method']:<28} {r['language']:<4} {r['n']:>5} {r['accuracy']:>6} {r['macro_f1']:>8}")


if __name__ == "__main__":
    main()
    exit_now(0)  # without module teardown: no page of DuckDB "leaked instance" warnings
