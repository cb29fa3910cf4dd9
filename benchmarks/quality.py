"""Theme quality against labels: voc's clustering vs BERTopic defaults on the same embeddings.

Datasets: BANKING77 test and MASSIVE de-DE test from ../shared/data (real, labeled, read in place), and the
bundled demo data with its hidden ground truth (German + English; also reports how many problems keep their
German and English comments in one theme). Metrics over all comments, unclustered/outliers counted as one group:
NMI, ARI, ACC (Hungarian matching), outlier share, number of themes.

    python benchmarks/quality.py [--models auto use minilm-int8 minilm-int8+use] [--datasets banking77 massive_de demo] [--no-bertopic]

Writes benchmarks/results/quality.json and prints a table.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections import Counter

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from common import RESULTS, ROOT, cached_vectors, demo_truth, pipeline_texts

from voc.cluster import ThemeClusterer  # noqa: E402
from voc.embed import load_embedder, resolve_model  # noqa: E402
from voc.language import detect  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
SOURCES = {
    "banking77": "BANKING77 (PolyAI, CC BY 4.0), test split",
    "massive_de": "MASSIVE de-DE via SuperGLEBer (Amazon, CC BY 4.0), test split",
    "demo": "voc demo data (generated, seed 7) with hidden ground truth",
}


def load(name: str) -> tuple[list[str], np.ndarray]:
    if name == "demo":
        truth = demo_truth()
        ids, texts = pipeline_texts(ROOT / "data/demo/comments.csv")
        return texts, np.array([truth[i]["problem"] for i in ids])
    path = SHARED / name / "data.csv"
    if not path.exists():
        raise SystemExit(f"{path} not found: benchmarks read the labeled sets from ../shared/data beside the repo")
    rows = [r for r in csv.DictReader(open(path, encoding="utf-8")) if r["split"] == "test"]
    return [r["text"] for r in rows], np.array([r["label"] for r in rows])


def accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    """Best one-to-one matching of clusters to labels (Hungarian), as a share of all items."""
    labels, clusters = np.unique(y), np.unique(pred)
    counts = np.zeros((len(clusters), len(labels)))
    li, ci = {v: i for i, v in enumerate(labels)}, {v: i for i, v in enumerate(clusters)}
    for a, b in zip(pred, y):
        counts[ci[a], li[b]] += 1
    rows, cols = linear_sum_assignment(-counts)
    return float(counts[rows, cols].sum() / len(y))


def cross_language(pred: np.ndarray, y: np.ndarray, langs: np.ndarray) -> str:
    """How many problems have their German and English comments' largest theme in common."""
    same = 0
    problems = sorted(set(y))
    for p in problems:
        de, en = pred[(y == p) & (langs == "de") & (pred >= 0)], pred[(y == p) & (langs == "en") & (pred >= 0)]
        if len(de) and len(en) and Counter(de).most_common(1)[0][0] == Counter(en).most_common(1)[0][0]:
            same += 1
    return f"{same}/{len(problems)}"


def scores(y: np.ndarray, pred: np.ndarray) -> dict:
    return {"nmi": round(100 * normalized_mutual_info_score(y, pred), 1),
            "ari": round(100 * adjusted_rand_score(y, pred), 1), "acc": round(100 * accuracy(y, pred), 1),
            "outliers": round(float((pred < 0).mean()), 3), "themes": int(len(set(pred.tolist()) - {-1}))}


def run_voc(vectors: np.ndarray, langs: np.ndarray, threshold: float) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    model = ThemeClusterer(assign_threshold=threshold).fit(vectors, groups=langs)
    return model.labels_, time.perf_counter() - start


def run_bertopic(texts: list[str], vectors: np.ndarray) -> tuple[np.ndarray, float]:
    from bertopic import BERTopic

    start = time.perf_counter()
    topics, _ = BERTopic().fit_transform(texts, vectors)  # all defaults, our embeddings
    return np.array(topics), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["auto"],
                        help="auto (the default: chosen per dataset by its language mix), use, minilm-int8, ...")
    parser.add_argument("--datasets", nargs="+", default=["banking77", "massive_de", "demo"])
    parser.add_argument("--no-bertopic", action="store_true")
    args = parser.parse_args()
    results = []
    for dataset in args.datasets:
        texts, y = load(dataset)
        langs = np.array([detect(t) for t in texts])
        for model_name in args.models:
            embedder = load_embedder(resolve_model(model_name, list(langs)))
            vectors = cached_vectors(embedder, texts)
            runs = [("voc", *run_voc(vectors, langs, embedder.assign_threshold))]
            if not args.no_bertopic:
                runs.append(("bertopic-defaults", *run_bertopic(texts, vectors)))
            for method, pred, seconds in runs:
                row = {"dataset": dataset, "n": len(texts), "model": model_name,
                       "resolved": resolve_model(model_name, list(langs)), "method": method,
                       **scores(y, pred), "seconds": round(seconds, 1)}
                if dataset == "demo":
                    row["de_en_together"] = cross_language(pred, y, langs)
                results.append(row)
                print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    out = RESULTS / "quality.json"
    out.write_text(json.dumps({"sources": {d: SOURCES[d] for d in args.datasets}, "results": results}, indent=1))
    print(f"\n{'dataset':<11} {'model':<11} {'method':<18} {'NMI':>5} {'ARI':>5} {'ACC':>5} {'outl':>5} {'k':>4}  de+en")
    for r in results:
        print(f"{r['dataset']:<11} {r['model']:<11} {r['method']:<18} {r['nmi']:>5} {r['ari']:>5} {r['acc']:>5} "
              f"{r['outliers']:>5} {r['themes']:>4}  {r.get('de_en_together', '')}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
