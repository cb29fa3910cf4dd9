"""Incremental nights vs full re-clusters on a 100k-comment store (issue 3's benchmark).

Scenario: the demo generator writes N comments over D days; an emerging problem
("app crashes after the update") starts on the third-last day. Everything before
the last three days is the base store, built by one full run with a cold
embedding cache. Then the last three days arrive as three nightly runs ("auto":
incremental). Then a full re-cluster of the same data (the weekly run), and a
second one on unchanged data.

Measured: full-run and incremental-night time and their ratio, texts embedded per
night, whether the emerging problem is flagged (emerging or spike) on the night it
starts, ARI between the incremental assignments and the full re-cluster, and the
share of comments whose theme id survives the weekly re-cluster (over comments of
problems that did not change, i.e. all but the emerging one), and a second,
no-change re-cluster.

Theme ids are what PMs hang statuses on, so "ids kept" is measured at the theme level (and reported for
sub-themes too, which may change more). `--banking` runs the same weekly-re-cluster check on real data: 3,000
BANKING77 questions, then a full re-cluster with 60 more.

    python benchmarks/nightly.py [--comments 100000] [--days 70]
    python benchmarks/nightly.py --banking
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import shutil
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import duckdb
from sklearn.metrics import adjusted_rand_score

from common import RESULTS, ROOT

from voc.shutdown import exit_now  # noqa: E402

EMERGING = "app_crash_update"


def generated_rows(comments: Path) -> tuple[list[dict], list[str]]:
    """The generator's valid rows (not its deliberately broken ones) and their days, in order."""
    rows = [r for r in csv.DictReader(open(comments, encoding="utf-8")) if not r["comment_id"].startswith("bad")]
    return rows, sorted({r["created_at"][:10] for r in rows})


def write_parts(rows: list[dict], out: Path, parts: dict[str, set[str]]) -> list[Path]:
    """One CSV like the generator's per part (name -> its days), in the order given."""
    paths = []
    for name, days in parts.items():
        path = out / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(r for r in rows if r["created_at"][:10] in days)
        paths.append(path)
    return paths


def split(comments: Path, out: Path, n_nights: int) -> list[Path]:
    """The base (all but the last `n_nights` days) and one file per night."""
    rows, days = generated_rows(comments)
    parts = {"base": set(days[:-n_nights])}
    parts.update({f"night{i + 1}": {d} for i, d in enumerate(days[-n_nights:])})
    return write_parts(rows, out, parts)


def assignments(db: Path, column: str = "theme_id") -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute(f"SELECT comment_id, {column} FROM current_assignments").fetchall())
    finally:
        con.close()


def kept(before: dict[str, int], after: dict[str, int]) -> float:
    """Share of the comments clustered before that keep their id."""
    keys = [k for k, v in before.items() if v >= 0 and k in after]
    return round(sum(before[k] == after[k] for k in keys) / max(len(keys), 1), 4)


def banking(nightly, work: Path, n_base: int = 3000, n_new: int = 60) -> dict:
    """3,000 BANKING77 training questions, then a full re-cluster with 60 more: share of theme ids kept."""
    from datetime import datetime, timedelta

    source = ROOT.parent / "shared/data/banking77/data.csv"
    rows = [r for r in csv.DictReader(open(source, encoding="utf-8")) if r["split"] == "train"][:n_base + n_new]
    start = datetime(2026, 10, 1)
    out = []
    for part, chunk in (("base", rows[:n_base]), ("new", rows[n_base:])):
        path = work / f"banking-{part}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["comment_id", "text", "created_at", "agent_id"])
            for i, r in enumerate(chunk, start=0 if part == "base" else n_base):
                writer.writerow([f"b{i:05d}", r["text"], str(start + timedelta(minutes=15 * i)), "A1"])
        out.append(path)
    db = work / "banking.duckdb"
    first = nightly(str(out[0]), str(db), source_name="banking")
    before, subs_before = assignments(db), assignments(db, "subtheme_id")
    second = nightly(str(out[1]), str(db), source_name="banking", mode="full")
    return {"base": n_base, "new": n_new, "themes": [first["themes"], second["themes"]],
            "subthemes": [first["subthemes"], second["subthemes"]],
            "theme_ids_kept": kept(before, assignments(db)),
            "subtheme_ids_kept": kept(subs_before, assignments(db, "subtheme_id"))}


def flagged_theme(db: Path, truth: dict[str, str]) -> dict:
    """The theme holding most comments of the emerging problem, and its flags."""
    counts = Counter(t for c, t in assignments(db).items() if truth.get(c) == EMERGING and t >= 0)
    if not counts:
        return {"theme": None, "flagged": False}
    theme, n = counts.most_common(1)[0]
    con = duckdb.connect(str(db), read_only=True)
    try:
        emerging, spike, why = con.execute("SELECT emerging, spike, why FROM current_themes WHERE theme_id = ?",
                                           [theme]).fetchall()[0]
    finally:
        con.close()
    return {"theme": theme, "emerging_comments_in_it": n, "emerging": emerging, "spike": spike,
            "flagged": bool(emerging or spike), "why": why}


def timed(nightly, source: Path, db: Path, mode: str) -> tuple[float, dict]:
    start = time.perf_counter()
    summary = nightly(str(source), str(db), source_name="bench", mode=mode)
    return round(time.perf_counter() - start, 1), summary


def run_store(nightly, comments: Path, truth: dict[str, str], work: Path) -> tuple[dict, dict[str, dict]]:
    """A full run, the nights after it, a weekly full re-cluster and a re-cluster with no change: (timings and
    counts, each stage's comment -> theme id / sub-theme id)."""
    base, *nights = split(comments, work, 3)
    db = work / "voc.duckdb"
    result: dict = {"nights": []}
    result["full_run_seconds"], full = timed(nightly, base, db, "auto")
    result["base_comments"] = full["comments_clustered"]
    result["base_themes"] = full["themes"]
    for path in nights:
        seconds, s = timed(nightly, path, db, "auto")
        result["nights"].append({"night": path.stem, "mode": s["mode"], "seconds": seconds,
                                 "new_comments": s["ingest"]["new"], "embedded": s["embed"]["encoded"],
                                 "assigned": s.get("assigned"), "emerging_themes": s.get("emerging_themes"),
                                 "unclustered_share": s["unclustered_share"],
                                 "emerging_problem": flagged_theme(db, truth)})
    ids = {"incremental": assignments(db), "incremental_subs": assignments(db, "subtheme_id")}
    weekly = work / "weekly.duckdb"
    shutil.copy(db, weekly)
    result["weekly_full_seconds"], w = timed(nightly, nights[-1], weekly, "full")
    ids.update(full=assignments(weekly), full_subs=assignments(weekly, "subtheme_id"))
    shutil.copy(weekly, work / "again.duckdb")
    result["no_change_full_seconds"], _ = timed(nightly, nights[-1], work / "again.duckdb", "full")
    ids["again"] = assignments(work / "again.duckdb")
    result["weekly_themes_subthemes"] = [w.get("themes"), w.get("subthemes")]
    result["weekly_merges_splits"] = [w.get("merges"), w.get("splits")]
    mean_night = sum(n["seconds"] for n in result["nights"]) / len(result["nights"])
    result["incremental_vs_full_time"] = round(mean_night / result["full_run_seconds"], 4)
    return result, ids


def stability(ids: dict[str, dict], truth: dict[str, str]) -> dict:
    """How far the weekly re-cluster agrees with the nights before it, and a no-change re-cluster with itself."""
    incremental, full_ids = ids["incremental"], ids["full"]
    keys = sorted(incremental)
    unchanged = [k for k in keys if truth[k] != EMERGING and incremental[k] >= 0]
    changed = [k for k in unchanged if incremental[k] != full_ids[k]]
    return {
        "ari_incremental_vs_full": round(adjusted_rand_score([incremental[k] for k in keys],
                                                             [full_ids[k] for k in keys]), 3),
        "id_kept_across_weekly_recluster": round(sum(incremental[k] == full_ids[k] for k in unchanged)
                                                 / len(unchanged), 4),
        "id_kept_no_change_recluster": round(sum(full_ids[k] == ids["again"][k] for k in keys) / len(keys), 4),
        "subtheme_id_kept_across_weekly_recluster": kept(
            {k: v for k, v in ids["incremental_subs"].items() if truth[k] != EMERGING}, ids["full_subs"]),
        "id_changes_by_cause": {
            "old id retired": sum(incremental[k] not in set(full_ids.values()) for k in changed),
            "moved to a new id": sum(full_ids[k] not in set(incremental.values()) for k in changed),
            "moved between surviving ids": sum(incremental[k] in set(full_ids.values()) and
                                               full_ids[k] in set(incremental.values()) for k in changed)},
    }


def print_summary(result: dict) -> None:
    print(f"full run ({result['base_comments']} comments, cold cache): {result['full_run_seconds']} s")
    print("| night | mode | new | embedded | seconds | emerging problem flagged |\n|---|---|---|---|---|---|")
    for n in result["nights"]:
        print(f"| {n['night']} | {n['mode']} | {n['new_comments']} | {n['embedded']} | {n['seconds']} | "
              f"{n['emerging_problem']['flagged']} |")
    print(f"incremental / full time: {result['incremental_vs_full_time']:.1%}; "
          f"ARI incremental vs full: {result['ari_incremental_vs_full']}; "
          f"ids kept across weekly re-cluster: {result['id_kept_across_weekly_recluster']:.1%}; "
          f"no-change re-cluster: {result['id_kept_no_change_recluster']:.1%}")


@contextmanager
def flow_sandbox(prefix: str) -> Iterator[tuple[Callable, Path]]:
    """(the nightly flow, a temporary folder) under a temporary Prefect API. The stores and the CSV files a run reads
    (BANKING77 rows among them) live in that folder, outside the project, removed even if the run fails."""
    logging.disable(logging.WARNING)
    from prefect.testing.utilities import prefect_test_harness

    from flows.nightly import nightly

    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp, prefect_test_harness(server_startup_timeout=180):
        yield nightly, Path(tmp)


def generated(work: Path, comments: int, days: int) -> tuple[Path, dict[str, str]]:
    """The demo generator's comments in `work` (seed 11, the emerging problem from the third-last day) and their
    hidden truth (comment id -> problem)."""
    from voc.demo import generate

    files = generate(work / "data", n_comments=comments, n_days=days, seed=11, emerging_days=3)
    truth = {r["comment_id"]: r["problem"] for r in csv.DictReader(open(files.truth, encoding="utf-8"))}
    return files.comments, truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=100_000, help="Comments the demo generator writes "
                        "(default: %(default)s).")
    parser.add_argument("--days", type=int, default=70, help="Days they span; the last three arrive as nights "
                        "(default: %(default)s).")
    parser.add_argument("--out", default="nightly.json", help="Result file name in the results folder "
                        "(benchmarks/results/, or $VOC_BENCHMARK_RESULTS).")
    parser.add_argument("--banking", action="store_true", help="Only the BANKING77 3,000 + 60 re-cluster check.")
    args = parser.parse_args()
    with flow_sandbox("voc-nightly-") as (nightly, work):
        if args.banking:
            result = banking(nightly, work)
            (RESULTS / "nightly-banking.json").write_text(json.dumps(result, indent=1))
            print(result)
            return
        comments, truth = generated(work, args.comments, args.days)
        timings, ids = run_store(nightly, comments, truth, work)
    result = {"comments": args.comments, "days": args.days, **timings, **stability(ids, truth)}
    (RESULTS / args.out).write_text(json.dumps(result, indent=1, default=str))
    print_summary(result)


if __name__ == "__main__":
    main()
    exit_now(0)  # without module teardown: no page of DuckDB "leaked instance" warnings
