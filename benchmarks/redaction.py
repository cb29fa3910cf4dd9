"""What redaction finds, before and after a change of its rules: per kind and data set, and a sample of what the
change newly redacts, judged by hand (benchmarks/redaction_verdicts.json).

    python benchmarks/redaction.py                   # against BASELINE; writes results/redaction.json
    python benchmarks/redaction.py --baseline main~3 --sample 30

The baseline is voc/text/redact.py and voc/text/names.py as a git revision had them, loaded beside today's. Texts
are the demo's comments (as ingest reads them) and the `text` column of the labeled sets in ../shared/data, read in
place: the results keep a row's number and the words a rule replaced, never a row. No timings (the machine is shared).
"""

from __future__ import annotations

import argparse
import csv
import difflib
import importlib
import json
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from common import RESULTS, ROOT

from voc.ingest.read import read_source
from voc.ingest.validate import validate
from voc.text.redact import redact
from voc.text.redact_rules import PLACEHOLDER

BASELINE = "642ef7e"  # main before the redaction gaps of walkthroughs 3a (F3, F6) and 3b (F2, F8) were closed
SHARED = ROOT.parent / "shared" / "data"
SETS = {"demo": None, "bitext": "bitext_customer_service_en", "banking77": "banking77", "massive_de": "massive_de",
        "sentiment_de_en": "sentiment_de_en"}
VERDICTS = ROOT / "benchmarks" / "redaction_verdicts.json"
SEED = 7  # the same sample each run, so the verdicts stay attached to it


def baseline_redact(revision: str):
    """`redact` as of a git revision: its redact.py and names.py in a temporary package."""
    folder = Path(tempfile.mkdtemp(prefix="voc-redact-"))
    package = folder / "redact_before"
    package.mkdir()
    for name in ("redact", "names"):
        source = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:voc/text/{name}.py"], check=True,
                                capture_output=True, text=True).stdout
        (package / f"{name}.py").write_text(source.replace("from voc.text.names import", "from .names import"))
    (package / "__init__.py").write_text("")
    sys.path.insert(0, str(folder))
    return importlib.import_module("redact_before.redact").redact


def texts(name: str) -> list[str]:
    if SETS[name] is None:
        comments, _ = validate(read_source(ROOT / "data" / "demo" / "comments.csv"))
        return [c.text for c in comments]
    with open(SHARED / SETS[name] / "data.csv", encoding="utf-8", newline="") as fh:
        return [row["text"] for row in csv.DictReader(fh)]


def changes(before: str, after: str) -> list[tuple[str, str]]:
    """(before, after) word runs that differ between two redactions of one text."""
    a, b = before.split(" "), after.split(" ")
    return [(" ".join(a[i1:i2]), " ".join(b[j1:j2]))
            for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
            if op != "equal"]


def words(text: str) -> list[str]:
    """The words of a text outside its placeholders."""
    return re.findall(r"\w+", PLACEHOLDER.sub(" ", text))


def compare(name: str, old_redact, sample: int, verdicts: dict) -> dict:
    before_counts, after_counts, new, relabelled, lost = Counter(), Counter(), [], Counter(), []
    for row, text in enumerate(texts(name), start=1):
        old, now = old_redact(text), redact(text)
        before_counts.update(old.counts)
        after_counts.update(now.counts)
        if old.text == now.text:
            continue
        for was, became in changes(old.text, now.text):
            if PLACEHOLDER.search(was) and PLACEHOLDER.search(became) and words(was) == words(became):
                relabelled[f"{' '.join(PLACEHOLDER.findall(was))} -> {' '.join(PLACEHOLDER.findall(became))}"] += 1
            elif PLACEHOLDER.search(became):
                new.append({"row": row, "was": was, "now": became,
                            "context": text if name == "demo" else None})
            else:
                lost.append({"row": row, "was": was, "now": became})
    picked = random.Random(SEED).sample(new, min(sample, len(new)))
    judged = verdicts.get(name, {})
    for item in picked:
        item["verdict"] = judged.get(f"{item['row']}:{item['was']}")
    right = sum(item["verdict"] == "right" for item in picked)
    wrong = sum(item["verdict"] == "wrong" for item in picked)
    return {"texts": len(texts(name)), "before": dict(before_counts), "after": dict(after_counts),
            "new_redactions": len(new), "relabelled": dict(relabelled), "no_longer_redacted": lost[:20],
            "no_longer_redacted_count": len(lost), "sample": picked, "judged_right": right, "judged_wrong": wrong,
            "precision": round(right / (right + wrong), 3) if right + wrong else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default=BASELINE, help="The git revision whose redaction rules to compare "
                        "with (default: %(default)s).")
    parser.add_argument("--sample", type=int, default=30, help="How many new redactions to sample for judging "
                        "(default: %(default)s).")
    parser.add_argument("--sets", nargs="*", default=list(SETS), help=f"Data sets to read (default: all: "
                        f"{', '.join(SETS)}; a labeled set missing from ../shared/data is skipped).")
    parser.add_argument("--show", action="store_true", help="print the sample with its text, to judge it")
    args = parser.parse_args()
    old_redact = baseline_redact(args.baseline)
    verdicts = json.loads(VERDICTS.read_text()) if VERDICTS.exists() else {}
    sets = [s for s in args.sets if SETS[s] is None or (SHARED / SETS[s] / "data.csv").exists()]
    results = {"baseline": args.baseline, "sets": {s: compare(s, old_redact, args.sample, verdicts) for s in sets}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "redaction.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    kinds = sorted({k for r in results["sets"].values() for k in (*r["before"], *r["after"])})
    print("| set | texts | " + " | ".join(kinds) + " | new | judged right |")
    print("|---|---:|" + "---:|" * len(kinds) + "---:|---:|")
    for name, r in results["sets"].items():
        cells = [f"{r['before'].get(k, 0)} → {r['after'].get(k, 0)}" for k in kinds]
        share = f"{r['judged_right']}/{r['judged_right'] + r['judged_wrong']}" if r["precision"] is not None else "-"
        print(f"| {name} | {r['texts']:,} | " + " | ".join(cells) + f" | {r['new_redactions']} | {share} |")
        if args.show:
            all_texts = texts(name)
            for item in r["sample"]:
                print(f"  {item['verdict']}  {item['row']}:{item['was']!r} -> {item['now']!r}   "
                      f"<< {all_texts[item['row'] - 1][:160]!r}")
            for kind, n in r["relabelled"].items():
                print(f"  relabelled {kind}: {n}")
            print(f"  no longer redacted: {r['no_longer_redacted_count']}", r["no_longer_redacted"][:5])


if __name__ == "__main__":
    main()
