"""Every benchmark stays runnable on what a clone has (the demo generator; timings and scores are not checked):
speed, nightly, weeks, web, and quality, sentiment, titles and redaction on the demo data. Their results and embedding cache go to
tmp_path."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_benchmark(tmp_path, script: str, *args: str) -> None:
    env = {**os.environ, "VOC_BENCHMARK_RESULTS": str(tmp_path),
           "VOC_BENCHMARK_CACHE": str(tmp_path / "embedding-cache.duckdb")}
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], capture_output=True,
                            text=True, timeout=900, env=env)
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_speed_benchmark_runs(tmp_path):
    out = tmp_path / "speed.json"
    run_benchmark(tmp_path, "speed.py", "--sizes", "300", "--out", str(out))
    row = json.loads(out.read_text())["results"][0]
    assert row["comments"] > 250 and row["themes"] > 0 and set(row["seconds"]) >= {"embed", "cluster", "publish"}


def test_the_nightly_benchmark_runs(tmp_path):
    run_benchmark(tmp_path, "nightly.py", "--comments", "1500", "--days", "42")
    result = json.loads((tmp_path / "nightly.json").read_text())
    assert [n["mode"] for n in result["nights"]] == ["incremental"] * 3 and result["base_themes"] > 0
    assert 0 < result["id_kept_across_weekly_recluster"] <= 1


def test_the_quality_and_sentiment_benchmarks_run_on_the_demo_data(tmp_path):
    run_benchmark(tmp_path, "quality.py", "--datasets", "demo", "--no-bertopic")
    rows = json.loads((tmp_path / "quality.json").read_text())["results"]
    assert {r["method"] for r in rows} == {"voc-themes", "voc-subthemes", "reference-k-given"}
    assert all(r["nmi"] > 50 for r in rows)
    run_benchmark(tmp_path, "sentiment.py", "--skip-real")
    assert json.loads((tmp_path / "sentiment.json").read_text())["demo"]["results"]


def test_the_web_benchmark_runs(tmp_path):
    run_benchmark(tmp_path, "web.py", "--comments", "1500", "--base", "600", "--repeats", "2")
    result = json.loads((tmp_path / "web.json").read_text())
    assert result["comments"] >= 1500 and all(p["p95_ms"] > 0 for p in result["pages"].values())


def test_the_weeks_benchmark_runs(tmp_path):
    run_benchmark(tmp_path, "weeks.py", "--comments", "1500", "--days", "42", "--weeks", "2")
    result = json.loads((tmp_path / "weeks.json").read_text())
    assert result["base"]["themes"] > 0 and [w["week"] for w in result["weeks"]] == [1, 2]
    assert all(0 < w["theme_ids_kept"] <= 1 and 0 < w["purity"] <= 1 for w in result["weeks"])
    assert all(w["store_mb"] > 0 and w["assignment_rows"] > 0 for w in result["weeks"])  # the store's size, measured


def test_the_titles_and_redaction_benchmarks_run_on_the_demo_data(tmp_path):
    run_benchmark(tmp_path, "titles.py", "--datasets", "demo", "--out", "titles.json")
    demo = json.loads((tmp_path / "titles.json").read_text())
    assert demo, demo
    run_benchmark(tmp_path, "redaction.py", "--sets", "demo", "--baseline", "HEAD")
    assert json.loads((tmp_path / "redaction.json").read_text())
