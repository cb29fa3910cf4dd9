"""Do theme titles name the customer's problem? Titles on real labeled text, run through voc's own pipeline.

Datasets (read in place from ../shared/data, never copied): bitext customer service (every k-th row of all splits,
BITEXT_ROWS rows, 27 intents), BANKING77 test (3,080 rows, 77 intents), MASSIVE de-DE test (1,652 rows, 60 intents),
and the bundled demo data. Each is validated and redacted as ingest does, boilerplate found, embedded (model
"auto", cached) and clustered into themes and sub-themes by `build_levels`, as `benchmarks/quality.py` does.

Per set:
- `intent_word`: share of themes whose title shares a content word (crudely stemmed) with the name of the theme's
  majority intent ("Tracking a refund" ~ track_refund). English sets only: the intent names are English.
- `one_word`: titles of a single word ("Dollars", "Uhr"), for themes and for sub-themes.
- `generic`: titles whose phrase is said in the comments of at least GENERIC_SHARE of the themes ("Help me",
  "How to do it"): a phrase every problem's customers say names none.
- `emerging`: the same counts for titles made as a night makes them for a new problem: `label_themes` on one
  intent's comments alone (bitext and BANKING77: the first EMERGING_INTENTS intents, EMERGING_ROWS rows each).
- examples: the N_EXAMPLES largest themes' titles with their majority intent, for a human to judge.
- demo: every title <= 60 characters, unique, no placeholder.

    python benchmarks/titles.py [--datasets bitext banking77 massive_de demo] [--out titles.json]

Writes benchmarks/results/titles.json (or --out) and prints a table and the examples.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from collections import Counter

import numpy as np

from common import RESULTS, ROOT, cached_vectors, demo_truth, pipeline_texts
from quality import SHARED, run_voc

from voc.embedding.models import load_embedder, resolve_model  # noqa: E402
from voc.shutdown import exit_now  # noqa: E402
from voc.text.language import detect  # noqa: E402
from voc.text.redact import redact  # noqa: E402
from voc.text.util import TOKEN, stopwords  # noqa: E402
from voc.themes.label import label_themes  # noqa: E402
from voc.themes.noise import PLACEHOLDER, Boilerplate, find_boilerplate  # noqa: E402
from voc.themes.titles import MAX_CHARS  # noqa: E402

BITEXT_ROWS = 3000     # a few thousand rows: the machine is shared
GENERIC_SHARE = 0.25   # a phrase said in a quarter of the themes names none of them
GENERIC_MIN = 2        # ... "said in a theme": by at least two of its comments
EMERGING_INTENTS = 25  # intents titled alone, as a night titles a new problem
EMERGING_ROWS = 60     # ... from about as many comments as the walkthrough's new problem had (61)
N_EXAMPLES = 20
ROW_KEPT_OUT = "(a whole row of the data set: not kept)"  # what stands for a title that is one
ROW_END = "?!.,;: "    # a row said as a question or a sentence is the same row as a title
SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ed", "es", "s", "ment", "al", "ly", "e")


def stem(word: str) -> str:
    """A crude English stem, enough to match "refunds"/"refund", "tracking"/"track", "delivery"/"deliveries"."""
    word = word.lower()
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[:-len(suffix)]
            break
    return word[:-1] if word.endswith("y") or word.endswith("i") else word


def content_stems(text: str) -> set[str]:
    return {stem(w) for w in re.findall(r"[a-zäöüß]+", text.lower()) if w not in stopwords("any") and len(w) > 2}


def load(name: str) -> tuple[list[str], np.ndarray]:
    """Texts (redacted as ingest does) and their intent labels."""
    if name == "demo":
        truth = demo_truth()
        ids, texts = pipeline_texts(ROOT / "data/demo/comments.csv")
        known = [i for i, c in enumerate(ids) if c in truth]
        return [texts[i] for i in known], np.array([truth[ids[i]]["problem"] for i in known])
    folder = "bitext_customer_service_en" if name == "bitext" else name
    rows = list(csv.DictReader(open(SHARED / folder / "data.csv", encoding="utf-8")))
    if name == "bitext":
        rows = rows[::max(1, len(rows) // BITEXT_ROWS)][:BITEXT_ROWS]
    else:
        rows = [r for r in rows if r["split"] == "test"]
    return [redact(r["text"]).text for r in rows], np.array([r["label"] for r in rows])


def said_in(phrase: str, texts_by_theme: list[list[str]]) -> float:
    """Share of the themes in which at least GENERIC_MIN comments say the phrase (whole words, any case)."""
    pattern = re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, TOKEN.findall(phrase.lower()))) + r"(?!\w)")
    if not TOKEN.findall(phrase):
        return 0.0
    hits = sum(sum(bool(pattern.search(t.lower())) for t in texts) >= GENERIC_MIN for texts in texts_by_theme)
    return hits / max(len(texts_by_theme), 1)


def as_row(text: str) -> str:
    """A text as rows are compared: lower case, one space, no closing punctuation ("Where is it?" ~ "where is it")."""
    return " ".join(text.lower().split()).rstrip(ROW_END)


def all_rows(name: str) -> set[str]:
    """Every row of a shared data set, all splits (`as_row`)."""
    folder = "bitext_customer_service_en" if name == "bitext" else name
    return {as_row(r["text"]) for r in csv.DictReader(open(SHARED / folder / "data.csv", encoding="utf-8"))}


def not_a_row(title: str, rows: set[str]) -> str:
    """A title as the results keep it: one that is a whole row of a shared data set, said verbatim (a short
    utterance such as MASSIVE's, a question without its question mark), is left out, as the project keeps no rows
    of ../shared/data (`rows`: `all_rows`)."""
    return ROW_KEPT_OUT if as_row(title) in rows else title


def judge(titles: dict[int, str], members: dict[int, np.ndarray], y: np.ndarray, clean: list[str],
          english: bool, rows: set[str] = frozenset()) -> dict:
    """The counts of the module docstring for one level's titles (theme -> title, theme -> its rows); a generic title
    listed as `not_a_row` keeps it (`rows`: `all_rows` of the set)."""
    by_theme = [[clean[i] for i in rows] for rows in members.values()]
    majority = {t: Counter(y[rows].tolist()).most_common(1)[0][0] for t, rows in members.items()}
    out = {"titles": len(titles),
           "one_word": sum(len(TOKEN.findall(title)) == 1 for title in titles.values()),
           "generic": sorted(not_a_row(title, rows) for title in titles.values()
                             if said_in(title, by_theme) >= GENERIC_SHARE)}
    if english:
        hits = [bool(content_stems(titles[t]) & content_stems(majority[t].replace("_", " "))) for t in titles]
        out["intent_word"] = round(sum(hits) / max(len(hits), 1), 3)
    return out


def emerging_titles(texts: list[str], clean: list[str], langs: list[str], y: np.ndarray,
                    themes: np.ndarray) -> tuple[dict, dict]:
    """Each of the first EMERGING_INTENTS intents titled from its comments alone, as a night titles a new theme
    (with the generic words of the set's themes, as the night has them from the store, where voc has them)."""
    extra = {}
    try:
        from voc.themes.generic import generic_words
        extra["generic"] = generic_words(clean, langs, themes.tolist())
    except ImportError:  # the code before generic words
        pass
    titles, members = {}, {}
    for n, intent in enumerate(sorted(set(y.tolist()))[:EMERGING_INTENTS]):
        rows = np.flatnonzero(y == intent)[:EMERGING_ROWS]
        lab = label_themes([texts[i] for i in rows], [langs[i] for i in rows], np.zeros(len(rows), dtype=np.int64),
                           np.ones(len(rows)), [clean[i] for i in rows], **extra)[0]
        titles[n], members[n] = lab.title, rows
    return titles, members


def evaluate(name: str) -> dict:
    texts, y = load(name)
    langs = [detect(t) for t in texts]
    phrases = find_boilerplate(texts, langs).phrases
    clean = Boilerplate(phrases).clean_all(texts)
    model = resolve_model("auto", langs)
    embedder = load_embedder(model)
    vectors = cached_vectors(embedder, clean)
    themes, subs, _, theme_set, _ = run_voc(texts, vectors, np.array(langs), embedder.assign_threshold, model, phrases)
    english = name in ("bitext", "banking77")
    rows = set() if name == "demo" else all_rows(name)  # the demo's rows are the project's own
    members = {t: np.flatnonzero(themes == t) for t in theme_set.labels}
    titles = {t: lab.title for t, lab in theme_set.labels.items()}
    sub_members = {s: np.flatnonzero(subs == s) for s in theme_set.sub_labels}
    sub_titles = {s: lab.title for s, lab in theme_set.sub_labels.items() if len(sub_members[s])}
    result = {"dataset": name, "rows": len(texts), "model": model,
              "themes": judge(titles, members, y, clean, english, rows),
              "subthemes": judge(sub_titles, {s: sub_members[s] for s in sub_titles}, y, clean, english, rows)}
    if name in ("bitext", "banking77"):
        e_titles, e_members = emerging_titles(texts, clean, langs, y, themes)
        result["emerging"] = {**judge(e_titles, e_members, y, clean, english, rows),
                              "examples": [f"{not_a_row(e_titles[n], rows)}  [{y[e_members[n][0]]}]"
                                           for n in sorted(e_titles)]}
    largest = sorted(members, key=lambda t: -len(members[t]))[:N_EXAMPLES]
    result["examples"] = [f"{not_a_row(titles[t], rows)}  [{len(members[t])}: "
                          + ", ".join(f"{k} {c}" for k, c in Counter(y[members[t]].tolist()).most_common(2)) + "]"
                          for t in largest]
    if name == "demo":
        every = list(titles.values()) + list(sub_titles.values())
        result["demo"] = {"longest": max(map(len, every)), "max_chars": MAX_CHARS,
                          "unique": len({t.lower() for t in titles.values()}) == len(titles),
                          "placeholders": sum(bool(PLACEHOLDER.search(t)) or "(no " in t for t in every)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["bitext", "banking77", "massive_de", "demo"])
    parser.add_argument("--out", default="titles.json", help="Result file name in benchmarks/results/.")
    args = parser.parse_args()
    results = []
    for name in args.datasets:
        r = evaluate(name)
        results.append(r)
        print(f"\n== {name} ({r['rows']} rows, {r['model']})")
        for level in ("themes", "subthemes", "emerging"):
            if level in r:
                j = r[level]
                print(f"{level:<10} titles={j['titles']} intent_word={j.get('intent_word', '-')} "
                      f"one_word={j['one_word']} generic={len(j['generic'])} {j['generic'][:8]}")
        print("\n".join("  " + e for e in r["examples"]))
        if "emerging" in r:
            print("  emerging: " + " | ".join(r["emerging"]["examples"]))
        if "demo" in r:
            print(f"  demo: {r['demo']}")
    out = RESULTS / args.out
    out.write_text(json.dumps({"results": results}, indent=1, ensure_ascii=False))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
    exit_now(0)
