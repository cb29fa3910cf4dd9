"""Weeks of use: does the theme list hold still, week after week, and does it stay right?

Scenario: the demo generator writes N comments over D days (seed 11, as `nightly.py`; an emerging problem starts
on the third-last day). Everything before the last W weeks is the base store, built by one full run. Then, W
times: the week's comments arrive as one night (incremental), and the weekly full re-cluster follows.

Measured per week: themes and sub-themes after the night and after the re-cluster; themes the re-cluster revived
(`voc.themes.carry_over.revive`), merges and splits it recorded; the share of comments clustered before it whose
theme id it kept; and whether the themes tell the problems apart, from the generator's hidden truth: purity (the
share of clustered comments in their theme's most common problem) and problems held (>= 80% of a problem's
comments in one theme); and the store's size on disk with its per-comment rows (`assignments`), which retention
(`voc.retention`) keeps from growing with every run. `nightly.py` measures one weekly re-cluster after three nights
(~4% new comments); here each week brings ~10%, and the re-clusters follow one another.

    python benchmarks/weeks.py [--comments 100000] [--days 91] [--weeks 3]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from pathlib import Path

from common import HELD_SHARE, RESULTS
from nightly import assignments, flow_sandbox, generated, generated_rows, kept, write_parts

from voc import store

from voc.shutdown import exit_now

WEEK_DAYS = 7


def weekly_files(comments: Path, work: Path, weeks: int) -> list[Path]:
    """The base (all but the last `weeks` weeks) and one file per week, each a CSV like the generator's."""
    rows, days = generated_rows(comments)
    first_week = len(days) - weeks * WEEK_DAYS
    parts = {"base": set(days[:first_week])}
    parts.update({f"week{w + 1}": set(days[first_week + w * WEEK_DAYS:first_week + (w + 1) * WEEK_DAYS])
                  for w in range(weeks)})
    return write_parts(rows, work, parts)


def agreement(themes: dict[str, int], truth: dict[str, str]) -> dict:
    """Purity of the themes and problems held, against the generator's truth."""
    by_theme: dict[int, Counter] = defaultdict(Counter)
    by_problem: dict[str, Counter] = defaultdict(Counter)
    for comment, theme in themes.items():
        if comment in truth:
            by_problem[truth[comment]][theme] += 1
            if theme >= 0:
                by_theme[theme][truth[comment]] += 1
    # a problem is held by a theme: its unclustered comments (-1) count against it, never as a theme of their own
    held = sum(max((n for t, n in c.items() if t >= 0), default=0) >= HELD_SHARE * sum(c.values())
               for c in by_problem.values())
    clustered = sum(sum(c.values()) for c in by_theme.values())
    purity = sum(c.most_common(1)[0][1] for c in by_theme.values()) / max(clustered, 1)
    return {"purity": round(purity, 3), "problems_held": f"{held}/{len(by_problem)}"}


MB = 1024 * 1024


def store_size(db: Path) -> dict:
    """The store's size on disk (the file and its write-ahead log) and its per-comment rows, kept for how many runs."""
    size = sum(p.stat().st_size for p in (db, db.with_name(db.name + ".wal")) if p.exists())
    with store.open(db) as con:
        rows, runs = store.first_row(con, "SELECT count(*), count(DISTINCT run_id) FROM assignments")
    return {"store_mb": round(size / MB, 1), "assignment_rows": rows, "runs_with_rows": runs}


def run_weeks(nightly, comments: Path, truth: dict[str, str], work: Path, weeks: int) -> dict:
    base, *week_files = weekly_files(comments, work, weeks)
    db = work / "voc.duckdb"
    start = time.perf_counter()
    first = nightly(str(base), str(db), source_name="bench", mode="full")
    result = {"base": {"comments": first["comments_clustered"], "themes": first["themes"],
                       "subthemes": first["subthemes"], "seconds": round(time.perf_counter() - start, 1),
                       **agreement(assignments(db), truth), **store_size(db)}, "weeks": []}
    for number, path in enumerate(week_files, 1):
        night = nightly(str(path), str(db), source_name="bench", mode="auto")
        before = assignments(db)
        start = time.perf_counter()
        full = nightly(str(path), str(db), source_name="bench", mode="full")
        result["weeks"].append({
            "week": number, "new_comments": night["ingest"]["new"], "night_mode": night["mode"],
            "themes_after_night": night["themes"], "themes": full["themes"], "subthemes": full["subthemes"],
            "revived": full.get("revived_themes"), "merges": full.get("merges"), "splits": full.get("splits"),
            "theme_ids_kept": kept(before, assignments(db)), "seconds": round(time.perf_counter() - start, 1),
            **agreement(assignments(db), truth), **store_size(db)})
        print(json.dumps(result["weeks"][-1]), flush=True)
    return result


def print_summary(result: dict) -> None:
    base = result["base"]
    print(f"base: {base['comments']} comments, {base['themes']} themes, {base['subthemes']} sub-themes, "
          f"purity {base['purity']:.1%}, problems held {base['problems_held']}")
    print("| week | new | themes after night | themes after re-cluster | sub-themes | revived | merges / splits | "
          "ids kept | purity | held | store MB | assignment rows |\n|---|---|---|---|---|---|---|---|---|---|---|---|")
    for w in result["weeks"]:
        print(f"| {w['week']} | {w['new_comments']} | {w['themes_after_night']} | {w['themes']} | {w['subthemes']} | "
              f"{w['revived']} | {w['merges']} / {w['splits']} | {w['theme_ids_kept']:.1%} | {w['purity']:.1%} | "
              f"{w['problems_held']} | {w['store_mb']} | {w['assignment_rows']:,} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=100_000, help="Comments the demo generator writes "
                        "(default: %(default)s).")
    parser.add_argument("--days", type=int, default=91, help="Days they span; more than 7 x --weeks "
                        "(default: %(default)s).")
    parser.add_argument("--weeks", type=int, default=3, help="Weeks that arrive after the base store, each as a "
                        "night and a full re-cluster (default: %(default)s).")
    args = parser.parse_args()
    if args.weeks * WEEK_DAYS >= args.days:
        parser.error(f"--days {args.days} leaves no base store before {args.weeks} weeks of {WEEK_DAYS} days")
    with flow_sandbox("voc-weeks-") as (nightly, work):
        comments, truth = generated(work, args.comments, args.days)
        result = {"comments": args.comments, "days": args.days, **run_weeks(nightly, comments, truth, work, args.weeks)}
    (RESULTS / "weeks.json").write_text(json.dumps(result, indent=1))
    print_summary(result)


if __name__ == "__main__":
    main()
    exit_now(0)  # without module teardown: no page of DuckDB "leaked instance" warnings
