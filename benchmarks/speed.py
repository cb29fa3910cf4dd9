"""Speed and memory per stage, end to end, on 2k / 20k / 100k generated comments.

Each size runs in a fresh subprocess (so peak memory is that run's own) on a fresh store: read → ingest (validate,
redact, language, store) → plan (boilerplate found) → embed (cache miss for every text) → cluster (sub-themes) →
label (themes, ids and names) → sentiment → rank → publish, calling the same `voc.pipeline` functions the Prefect
tasks call, in the flow's order (tests/test_benchmarks_run.py runs this script on a small size, so it cannot silently
break). Before the pipeline, the same process measures the model's raw `encode` rate on exactly the texts the stage
will encode (distinct, redacted), in batches of 512, its fastest setting here; the embedding stage (model load, cache
lookup and writes included) is compared with it (target: >= 90%).

    python benchmarks/speed.py [--sizes 2000 20000 100000] [--model use] [--out results/speed.json]

Writes benchmarks/results/speed.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))
from voc.shutdown import exit_now  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def raw_encode(model: str, distinct: list[str]) -> tuple[str, float, float]:
    """(the model "auto" resolves to, seconds to load it, seconds to encode `distinct` in CHUNK batches)."""
    from voc.embedding.models import CHUNK, load_embedder, resolve_model
    from voc.text.language import detect

    start = time.perf_counter()
    model = resolve_model(model, [detect(t) for t in distinct[:2000]])  # "auto": by the language mix, as a run
    embedder = load_embedder(model)
    embedder.encode(distinct[:1])  # models load their weights lazily: this is the one-time load
    load_seconds = time.perf_counter() - start
    embedder.encode(distinct[:64])  # warm-up
    start = time.perf_counter()
    for i in range(0, len(distinct), CHUNK):
        embedder.encode(distinct[i:i + CHUNK])
    return model, load_seconds, time.perf_counter() - start


def run_stages(settings, comments: Path) -> tuple[dict[str, float], float, object, dict, object]:
    """The pipeline's stages in the flow's order: (seconds per stage, total seconds, corpus, embed result, themes)."""
    from voc import pipeline, runs
    from voc.ingest.read import read_source
    from voc.publish import publish

    timings: dict[str, float] = {}

    def timed(stage, fn, *args):
        start = time.perf_counter()
        result = fn(*args)
        timings[stage] = round(time.perf_counter() - start, 2)
        return result

    total_start = time.perf_counter()
    run_id = runs.start_run(settings, str(comments), "full")
    batch = timed("read", read_source, comments)
    timed("ingest", pipeline.ingest, settings, run_id, batch)
    corpus = timed("load", pipeline.load_corpus, settings)
    night = timed("plan", pipeline.plan, settings, corpus, "full")
    corpus, embedded = timed("embed", pipeline.embed, settings, corpus, night.pool, night.boilerplate, None,
                             night.model)
    model = timed("cluster", pipeline.cluster, settings, corpus, embedded["stats"]["assign_threshold"])
    themes = timed("label", pipeline.identify, settings, corpus, model, night)
    sentiment = timed("sentiment", pipeline.score, settings, corpus, embedded, night)
    ranks = timed("rank", pipeline.rank, settings, corpus, themes, sentiment)
    timed("publish", publish, settings, run_id, corpus, themes, ranks, sentiment, {})
    return timings, time.perf_counter() - total_start, corpus, embedded, themes


def one_size(n: int, model: str) -> dict:
    """Run the whole pipeline once on n generated comments; return per-stage timings."""
    from common import pipeline_texts

    from voc.config import Settings
    from voc.demo import generate

    work = Path(tempfile.mkdtemp(prefix="voc-speed-"))
    files = generate(work / "data", n_comments=n, n_days=42, seed=11)
    distinct = list(dict.fromkeys(pipeline_texts(files.comments)[1]))
    model, load_seconds, raw = raw_encode(model, distinct)
    timings, total, corpus, embedded, themes = run_stages(Settings(db=work / "voc.duckdb", model=model),
                                                          files.comments)
    n_docs = len(corpus.texts)
    encoded = embedded["stats"]["encoded"]
    return {
        "comments": n_docs, "distinct_texts": len(distinct), "model": embedded["stats"]["model"],
        "seconds": timings, "total_seconds": round(total, 1),
        "docs_per_second": {k: round(n_docs / v, 1) if v else None for k, v in timings.items()},
        "raw_encode_per_second": round(len(distinct) / raw, 1),
        "embed_stage_texts_per_second": round(encoded / timings["embed"], 1),
        "embed_vs_raw": round((encoded / timings["embed"]) / (len(distinct) / raw), 3),
        "model_load_seconds": round(load_seconds, 2),
        "embed_vs_raw_excluding_load": round((encoded / (timings["embed"] - load_seconds)) / (len(distinct) / raw), 3),
        "themes": len(themes.labels), "subthemes": len(themes.sub_labels),
        "unclustered_share": round(themes.unclustered_share, 4),
        "peak_rss_mb": round(peak_rss_mb(), 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=int, default=[2000, 20000, 100000])
    parser.add_argument("--model", default="auto")
    parser.add_argument("--out", type=Path, default=RESULTS / "speed.json", help="where to write the JSON")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_size(args.child, args.model)))
        return
    results = []
    for n in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--child", str(n), "--model", args.model],
                             capture_output=True, text=True)
        if out.returncode:
            sys.exit(f"the {n}-comment run failed:\n{out.stderr[-3000:]}")
        row = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(row)
        print(json.dumps(row), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": "2 cores, 24 GiB, no GPU", "results": results}, indent=1))
    stages = ["ingest", "embed", "cluster", "label", "sentiment", "publish"]
    print(f"\n{'n':>7} {'total s':>8} " + " ".join(f"{s + ' s':>10}" for s in stages)
          + f" {'raw enc/s':>9} {'emb/raw':>7} {'excl load':>9} {'peak MB':>7}")
    for r in results:
        print(f"{r['comments']:>7} {r['total_seconds']:>8} " + " ".join(f"{r['seconds'][s]:>10}" for s in stages)
              + f" {r['raw_encode_per_second']:>9} {r['embed_vs_raw']:>7} {r['embed_vs_raw_excluding_load']:>9}"
              f" {r['peak_rss_mb']:>7}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
    exit_now(0)  # without module teardown: no page of DuckDB "leaked instance" warnings
