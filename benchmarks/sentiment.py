"""Sentiment accuracy: voc's scorer vs its parts and simple baselines, per language.

The only sentiment-labeled comments available offline here are the demo data's hidden labels (generated: the
label follows the problem and the agent's framing, e.g. "Kunde sehr verärgert"). That makes this a check of
behaviour, not a claim about real-world accuracy; ../shared/data has no sentiment-labeled real set yet.
Baselines: always the majority class; VADER (English rows, if `vaderSentiment` is installed) with its usual
±0.05 thresholds; voc's lexicon alone; voc's embedding prototypes alone.

    python benchmarks/sentiment.py [--model use]

Writes benchmarks/results/sentiment.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

import numpy as np

from common import RESULTS, ROOT, cached_vectors, demo_truth, pipeline_texts

from voc.embed import load_embedder  # noqa: E402
from voc.sentiment import SentimentScorer, label_of, lexicon_score, seed_sentences  # noqa: E402


def vader_labels(texts: list[str]) -> list[str] | None:
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        return None
    analyzer = SentimentIntensityAnalyzer()
    return [label_of(analyzer.polarity_scores(t)["compound"], 0.05) for t in texts]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="use")
    args = parser.parse_args()
    truth = demo_truth()
    ids, texts = pipeline_texts(ROOT / "data/demo/comments.csv")
    gold = [truth[i]["sentiment"] for i in ids]
    langs = np.array([truth[i]["language"] for i in ids])

    embedder = load_embedder(args.model)
    vectors = cached_vectors(embedder, texts)
    seed_vecs = {label: cached_vectors(embedder, sentences) for label, sentences in seed_sentences().items()}

    scorer = SentimentScorer().fit(seed_vecs)
    methods = {
        "voc (lexicon + prototypes)": scorer.score(texts, vectors)[1],
        "voc lexicon only": [label_of(lexicon_score(t)) for t in texts],
        "voc prototypes only": [label_of(s) for s in scorer.embedding_scores(vectors)],
        "majority class": [Counter(gold).most_common(1)[0][0]] * len(gold),
    }
    vader = vader_labels(texts)
    results = []
    for name, pred in list(methods.items()) + ([("VADER", vader)] if vader else []):
        for lang in ("all", "de", "en"):
            idx = [i for i in range(len(gold)) if lang == "all" or langs[i] == lang]
            p, g = [pred[i] for i in idx], [gold[i] for i in idx]
            results.append({"method": name, "language": lang, "n": len(idx), "accuracy": accuracy(p, g),
                            "macro_f1": macro_f1(p, g)})
    (RESULTS / "sentiment.json").write_text(json.dumps({
        "data": "voc demo data (generated, seed 7), hidden sentiment labels", "gold_distribution": Counter(gold),
        "model": embedder.model_id, "results": results}, indent=1))
    print(f"gold labels: {dict(Counter(gold))}")
    print(f"{'method':<28} {'lang':<4} {'n':>5} {'acc':>6} {'macroF1':>8}")
    for r in results:
        print(f"{r['method']:<28} {r['language']:<4} {r['n']:>5} {r['accuracy']:>6} {r['macro_f1']:>8}")


if __name__ == "__main__":
    main()
