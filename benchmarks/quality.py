"""Theme quality against labels: voc's two levels vs BERTopic on the same embeddings.

Methods: voc themes ("voc-themes", what a PM ranks) and voc sub-themes ("voc-subthemes", the fine clusters
beneath), BERTopic with all defaults, and BERTopic after `reduce_topics(nr_topics="auto")`; a reference told the
number of labels ("reference-k-given": k-means on voc's UMAP layout, what the embeddings allow); all on the same
vectors (voc embeds the text without placeholders and boilerplate, `voc.themes.noise`; BERTopic gets those vectors too).

Datasets: BANKING77 test (77 intents), MASSIVE de-DE test (60 intents), bitext customer service (27 intents; its
test split, 810 rows, sampled down if it had more than 4,000; also scored against its 11 `category` groups as
"bitext_category") from
../shared/data (real, labeled, read in place), and the bundled demo data with its hidden ground truth (16
problems, German + English). Metrics over all comments, unclustered/outliers counted as one group: NMI, ARI,
ACC (Hungarian matching), outlier share, number of themes. On the demo also: how many problems have >= 80% of
their comments in one theme ("held"), each problem's share in its largest theme, and junk themes (most of a
theme's comments share a redaction placeholder or one of the demo generator's frame phrases).

    python benchmarks/quality.py [--models use] [--datasets banking77 massive_de bitext demo] [--no-bertopic]
                                 [--seeds 1 2 3 4]   # also the spread over UMAP seeds (mean, min-max)
    python benchmarks/quality.py --growth 3000 20000 100000     # themes vs volume on the demo generator

Writes benchmarks/results/quality.json and prints a table.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from common import HELD_SHARE, RESULTS, ROOT, cached_vectors, demo_truth, pipeline_texts

from voc.corpus import Corpus  # noqa: E402
from voc.embedding.models import load_embedder, resolve_model  # noqa: E402
from voc.shutdown import exit_now  # noqa: E402
from voc.text.language import detect  # noqa: E402
from voc.themes.cluster import ThemeClusterer  # noqa: E402
from voc.themes.hierarchy import centroid_weight_for  # noqa: E402
from voc.themes.levels import build_levels  # noqa: E402
from voc.themes.noise import PLACEHOLDER, Boilerplate, find_boilerplate  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
SOURCES = {
    "banking77": "BANKING77 (PolyAI, CC BY 4.0), test split",
    "massive_de": "MASSIVE de-DE via SuperGLEBer (Amazon, CC BY 4.0), test split",
    "bitext": "Bitext customer service (CDLA-Sharing 1.0), the test split (every k-th row beyond 4,000); "
              "labels: intent, and `category` as bitext_category",
    "demo": "voc demo data (generated, seed 7) with hidden ground truth",
}
BITEXT_ROWS = 4000
JUNK_SHARE = 0.5    # a theme is junk when most of its comments share a placeholder or a frame phrase
DEFAULT_SEED = ThemeClusterer().random_state  # the rows are voc's defaults; --seeds adds the spread over others


def load(name: str) -> tuple[list[str], dict[str, np.ndarray]]:
    """Texts and label sets ({"label": ..., maybe "category": ...})."""
    if name == "demo":
        truth = demo_truth()
        ids, texts = pipeline_texts(ROOT / "data/demo/comments.csv")
        known = [i for i, c in enumerate(ids) if c in truth]  # the generator's broken rows have no truth
        return [texts[i] for i in known], {"label": np.array([truth[ids[i]]["problem"] for i in known])}
    folder = "bitext_customer_service_en" if name == "bitext" else name
    path = SHARED / folder / "data.csv"
    if not path.exists():
        raise SystemExit(f"{path} not found: benchmarks read the labeled sets from ../shared/data beside the repo")
    rows = [r for r in csv.DictReader(open(path, encoding="utf-8")) if r["split"] == "test"]
    if name == "bitext":
        rows = rows[::max(1, len(rows) // BITEXT_ROWS)][:BITEXT_ROWS]
    labels = {"label": np.array([r["label"] for r in rows])}
    if name == "bitext":
        labels["category"] = np.array([r["category"] for r in rows])
    return [r["text"] for r in rows], labels


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


def frame_phrases() -> list[str]:
    """The demo generator's frame and detail phrases (what agents write around a problem), as regexes."""
    bank = json.loads((ROOT / "voc/resources/demo_problems.json").read_text("utf-8"))
    pieces = [t for lang in ("de", "en") for kind in bank["frames"][lang].values() for t in kind]
    pieces += [t for lang in ("de", "en") for t in bank["details"][lang]]
    phrases = set()
    for piece in pieces:
        for part in re.split(r"\{\w+\}", piece):
            words = re.findall(r"\w+", part)
            if len(words) >= 2:  # single words ("Mail") also occur inside problems ("E-Mail-Adresse")
                phrases.add(r"\W+".join(map(re.escape, words)))
    return sorted(phrases)


def problem_report(y: np.ndarray, pred: np.ndarray, texts: list[str]) -> dict:
    """Demo only: problems held by one theme, each problem's largest-theme share, junk themes."""
    shares = {}
    for p in sorted(set(y)):
        members = pred[y == p]
        counts = Counter(members[members >= 0].tolist())  # unclustered comments are held by no theme
        shares[p] = round(max(counts.values(), default=0) / len(members), 3)
    frames = [re.compile(f, re.IGNORECASE) for f in frame_phrases()]
    junk = []
    for theme in sorted(set(pred.tolist()) - {-1}):
        members = [texts[i] for i in np.flatnonzero(pred == theme)]
        marks = Counter(m for t in members for m in set(PLACEHOLDER.findall(t)))
        marks.update(f.pattern for t in members for f in frames if f.search(t))
        top = marks.most_common(1)
        if top and top[0][1] > JUNK_SHARE * len(members):
            junk.append({"theme": theme, "size": len(members), "shared": top[0][0],
                         "share": round(top[0][1] / len(members), 2)})
    return {"problems": len(shares), "held": sum(v >= HELD_SHARE for v in shares.values()),
            "largest_theme_share": shares, "junk_themes": junk}


def run_voc(texts: list[str], vectors: np.ndarray, langs: np.ndarray, threshold: float, model: str,
            phrases: tuple[str, ...], random_state: int = DEFAULT_SEED):
    """(theme per text, sub-theme per text, seconds, the ThemeSet, the fitted ThemeClusterer): voc's two levels."""
    start = time.perf_counter()
    clusterer = ThemeClusterer(assign_threshold=threshold, random_state=random_state).fit(vectors, groups=langs)
    n = len(texts)
    corpus = Corpus(keys=[("b", str(i)) for i in range(n)], texts=texts, hashes=[""] * n, languages=list(langs),
                    created_at=[datetime(2026, 1, 1)] * n, csat=[None] * n, nps=[None] * n, vectors=vectors,
                    cluster_texts=Boilerplate(phrases).clean_all(texts))
    themes = build_levels(corpus, clusterer, None, centroid_weight_for(model), phrases)
    return themes.theme_ids, themes.subtheme_ids, time.perf_counter() - start, themes, clusterer


def k_given_reference(clusterer: ThemeClusterer, k: int) -> np.ndarray:
    """A reference told the answer's size: k-means with the number of labels on voc's own UMAP layout.
    It bounds what the embeddings allow, rather than voc's choice of how many themes."""
    layout = clusterer.embedding_[clusterer.distinct_row_]
    return KMeans(k, n_init=10, random_state=clusterer.random_state).fit_predict(layout)


def run_bertopic(texts: list[str], vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """(default topics, topics after reduce_topics("auto"), seconds for each)."""
    from bertopic import BERTopic

    start = time.perf_counter()
    model = BERTopic()
    topics, _ = model.fit_transform(texts, vectors)  # all defaults, our embeddings
    seconds = time.perf_counter() - start
    default = np.array(topics)
    start = time.perf_counter()
    model.reduce_topics(texts, nr_topics="auto")
    return default, np.array(model.topics_), seconds, time.perf_counter() - start


def seed_spread(y: np.ndarray, default: np.ndarray, others: list[np.ndarray]) -> dict:
    """NMI and ARI over the default seed and the others: mean, min and max."""
    runs = [scores(y, pred) for pred in [default, *others]]
    return {f"{m}_seeds": {"mean": round(float(np.mean([r[m] for r in runs])), 1),
                           "min": min(r[m] for r in runs), "max": max(r[m] for r in runs), "runs": len(runs)}
            for m in ("nmi", "ari")}


def evaluate(dataset: str, model_name: str, bertopic: bool, seeds: list[int]) -> list[dict]:
    texts, labels = load(dataset)
    langs = np.array([detect(t) for t in texts])
    phrases = find_boilerplate(texts, list(langs)).phrases
    model_name = resolve_model(model_name, list(langs))  # "auto": chosen by the dataset's language mix
    embedder = load_embedder(model_name)
    vectors = cached_vectors(embedder, Boilerplate(phrases).clean_all(texts))
    themes, subs, seconds, _, clusterer = run_voc(texts, vectors, langs, embedder.assign_threshold, model_name, phrases)
    start = time.perf_counter()
    reference = {level: k_given_reference(clusterer, len(set(y.tolist()))) for level, y in labels.items()}

    def every_level(pred: np.ndarray) -> dict:  # one partition scored against each label level
        return {level: pred for level in labels}

    runs = [("voc-themes", every_level(themes), seconds), ("voc-subthemes", every_level(subs), seconds),
            ("reference-k-given", reference, time.perf_counter() - start)]  # told each level's size
    other_seeds = [run_voc(texts, vectors, langs, embedder.assign_threshold, model_name, phrases, seed)[:2]
                   for seed in seeds if seed != DEFAULT_SEED]
    spread = {"voc-themes": [t for t, _ in other_seeds], "voc-subthemes": [s for _, s in other_seeds]}
    if bertopic:
        default, reduced, s1, s2 = run_bertopic(texts, vectors)
        runs += [("bertopic-defaults", every_level(default), s1),
                 ("bertopic-reduce-auto", every_level(reduced), s1 + s2)]
    rows = []
    for method, found, secs in runs:
        for level, y in labels.items():
            name = dataset if level == "label" else f"{dataset}_{level}"
            pred = found[level]
            row = {"dataset": name, "n": len(texts), "model": model_name, "method": method, **scores(y, pred),
                   "seconds": round(secs, 1)}
            if spread.get(method):
                row.update(seed_spread(y, pred, spread[method]))
            if dataset == "demo":
                row["de_en_together"] = cross_language(pred, y, langs)
                row.update(problem_report(y, pred, texts))
            rows.append(row)
            print(" ".join(f"{k}={v}" for k, v in row.items() if k != "largest_theme_share"), flush=True)
    return rows


def growth(sizes: list[int], model_name: str) -> list[dict]:
    """Themes and sub-themes found on the demo generator's data at each size (same generator settings)."""
    from voc.demo import generate

    embedder = load_embedder(resolve_model(model_name, ["de", "en"]))  # the demo is mixed: "auto" is use
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            files = generate(Path(tmp), n_comments=n, n_days=max(42, n // 1500), seed=11)
            truth = {r["comment_id"]: r["problem"] for r in csv.DictReader(open(files.truth, encoding="utf-8"))}
            ids, texts = pipeline_texts(files.comments)
        texts = [t for c, t in zip(ids, texts) if c in truth]
        y = np.array([truth[c] for c in ids if c in truth])
        langs = np.array([detect(t) for t in texts])
        phrases = find_boilerplate(texts, list(langs)).phrases
        vectors = cached_vectors(embedder, Boilerplate(phrases).clean_all(texts))
        themes, subs, seconds, theme_set, _ = run_voc(texts, vectors, langs, embedder.assign_threshold, model_name,
                                                      phrases)
        report = problem_report(y, themes, texts)
        titles = [lab.title for lab in theme_set.labels.values()]
        row = {"comments": len(texts), "problems": len(set(y)), "themes": scores(y, themes)["themes"],
               "subthemes": scores(y, subs)["themes"], "nmi": scores(y, themes)["nmi"], "held": report["held"],
               "junk_themes": len(report["junk_themes"]), "boilerplate_phrases": len(phrases),
               "longest_title": max(map(len, titles)),
               "titles_unique": len(set(t.lower() for t in titles)) == len(titles),
               "seconds": round(seconds, 1)}
        rows.append(row)
        print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["auto"],
                        help="auto (the default: chosen per dataset by its language mix), use, minilm-int8, ...")
    parser.add_argument("--datasets", nargs="+", default=["banking77", "massive_de", "bitext", "demo"])
    parser.add_argument("--no-bertopic", action="store_true")
    parser.add_argument("--growth", nargs="*", type=int, help="Only the growth run, at these demo sizes.")
    parser.add_argument("--out", default=None, help="Result file name in benchmarks/results/.")
    parser.add_argument("--seeds", nargs="*", type=int, default=[],
                        help="Also run voc with these random_state values and report the NMI/ARI spread "
                             "(UMAP's layout depends on the seed; the rows stay voc's default seed).")
    args = parser.parse_args()
    if args.growth:
        rows = growth(args.growth, args.models[0])
        out = RESULTS / (args.out or "growth.json")
        out.write_text(json.dumps({"model": args.models[0], "results": rows}, indent=1))
        print(f"wrote {out}")
        return
    results = [row for dataset in args.datasets for model_name in args.models
               for row in evaluate(dataset, model_name, not args.no_bertopic, args.seeds)]
    out = RESULTS / (args.out or "quality.json")
    out.write_text(json.dumps({"sources": {d: SOURCES[d] for d in args.datasets}, "results": results}, indent=1))
    print(f"\n{'dataset':<16} {'model':<6} {'method':<21} {'NMI':>5} {'ARI':>5} {'ACC':>5} {'outl':>5} {'k':>4}"
          "  held junk")
    for r in results:
        print(f"{r['dataset']:<16} {r['model']:<6} {r['method']:<21} {r['nmi']:>5} {r['ari']:>5} {r['acc']:>5} "
              f"{r['outliers']:>5} {r['themes']:>4}  {r.get('held', '')} "
              f"{len(r.get('junk_themes', '')) if 'junk_themes' in r else ''}")
        if "nmi_seeds" in r:
            n, a = r["nmi_seeds"], r["ari_seeds"]
            print(f"{'':<16} {'':<6} {'  over ' + str(n['runs']) + ' seeds':<21} {n['mean']:>5} {a['mean']:>5}"
                  f"   (NMI {n['min']}-{n['max']}, ARI {a['min']}-{a['max']})")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
    exit_now(0)  # without module teardown: no page of DuckDB "leaked instance" warnings
