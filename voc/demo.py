"""Deterministic generator for the bundled demo data.

It writes a multi-week set of German and English agent-captured comments about
~15 customer problems, in the shape real agents write them: short and long,
typos, missing umlauts, the odd code-mixed note, some personal data an agent
pasted in, and a handful of broken rows. The hidden ground truth (problem and
sentiment per comment) goes to a separate file so tests and benchmarks can
score themes without the pipeline ever seeing it.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

DEMO_END = datetime(2026, 11, 15, 18, 0)
CHANNELS = ["phone", "phone", "phone", "email", "chat", "chat"]
COLUMNS = ["comment_id", "text", "created_at", "agent_id", "channel", "product", "team",
           "csat", "nps", "ticket_id"]
CSAT_BY_SENTIMENT = {"negative": (1, 3), "neutral": (2, 4), "positive": (4, 5)}


@dataclass(frozen=True)
class DemoFiles:
    comments: Path
    truth: Path
    n_rows: int


def _bank() -> dict:
    text = resources.files("voc.resources").joinpath("demo_problems.json").read_text("utf-8")
    return json.loads(text)


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + word[i + 1:]


def _roughen(text: str, rng: random.Random) -> str:
    """Make text look typed in a hurry: typos, lower case, 'ue' for 'ü'."""
    words = [(_typo(w, rng) if rng.random() < 0.06 else w) for w in text.split(" ")]
    text = " ".join(words)
    if rng.random() < 0.15:
        text = text.lower()
    if rng.random() < 0.1:
        for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
            text = text.replace(a, b)
    return text


def _detail(lang: str, bank: dict, rng: random.Random) -> str:
    template = rng.choice(bank["details"][lang])
    return template.format(
        order=rng.randrange(10_000_000, 99_999_999),
        n=rng.randrange(2, 12),
        phone=rng.choice(["+49 171 2345678", "0151 98765432", "+44 7700 900123"]),
        email=rng.choice(["max.mustermann@example.de", "j.smith@example.com"]),
        iban=rng.choice(["DE89 3704 0044 0532 0130 00", "GB82 WEST 1234 5698 7654 32"]),
    )


def _comment(problem: dict, bank: dict, rng: random.Random) -> tuple[str, str, str]:
    """Return (text, language, sentiment) for one comment about `problem`."""
    lang = "de" if rng.random() < 0.55 else "en"
    core_lang = lang if rng.random() > 0.04 else ("en" if lang == "de" else "de")  # code-mixed
    core = rng.choice(problem[core_lang]).format(n=rng.randrange(2, 9), v=rng.choice(["5.2", "5.2.1"]))
    frame_kind = rng.choices(["plain", problem["sentiment"], "neutral"], weights=[5, 3, 1])[0]
    frame = rng.choice(bank["frames"][lang][frame_kind])
    sentiment = problem["sentiment"] if frame_kind == "plain" else frame_kind
    text = frame.format(core=core)
    if rng.random() < 0.2:  # longer notes: a second phrasing of the same problem
        text += " " + rng.choice(problem[lang]).format(n=rng.randrange(2, 9), v="5.2") + "."
    if rng.random() < 0.25:
        text += " " + _detail(lang, bank, rng)
    return _roughen(text, rng), lang, sentiment


def _daily_weights(problems: list[dict], day: int, n_days: int) -> list[float]:
    """Mostly steady volumes; refunds grow week over week."""
    weights = []
    for i, p in enumerate(problems):
        base = 1.0 + (i % 5) * 0.35
        if p["key"] == "refund_slow":
            base *= 0.5 + 1.5 * day / n_days
        weights.append(base)
    return weights


def _broken_rows(rng: random.Random) -> list[dict]:
    """Rows a real export contains: each must land in quarantine with a reason."""
    base = {"agent_id": "A07", "channel": "phone", "product": "shop", "team": "service",
            "csat": "", "nps": "", "ticket_id": ""}
    return [
        {**base, "comment_id": "bad-1", "text": "", "created_at": "2026-11-10 10:00:00"},
        {**base, "comment_id": "bad-2", "text": "Lieferung kam nie an", "created_at": "gestern"},
        {**base, "comment_id": "bad-3", "text": "refund missing", "created_at": "2026-11-11 09:00:00", "csat": "9"},
        {**base, "comment_id": "bad-4", "text": "App stürzt ab", "created_at": "2099-11-12 09:00:00"},
        {**base, "comment_id": "bad-5", "text": "Kunde wartet", "created_at": "2026-11-12 09:00:00", "agent_id": ""},
    ]


def generate(out_dir: Path, n_comments: int = 3000, n_days: int = 42, seed: int = 7,
             emerging_days: int = 4) -> DemoFiles:
    """Write `comments.csv` and `truth.csv` into `out_dir`; same seed, same bytes."""
    rng = random.Random(seed)
    bank = _bank()
    problems, emerging = bank["problems"], bank["emerging"]
    agents = [f"A{i:02d}" for i in range(1, 26)]
    start = DEMO_END - timedelta(days=n_days)
    per_day = n_comments / n_days
    rows, truth = [], []
    for day in range(n_days):
        weights = _daily_weights(problems, day, n_days)
        todays = list(problems)
        if day >= n_days - emerging_days:  # the emerging problem ramps up at the end
            todays.append(emerging)
            weights.append(sum(weights) * 0.08 * (day - (n_days - emerging_days) + 1))
        for _ in range(rng.randint(int(per_day * 0.8), int(per_day * 1.2))):
            problem = rng.choices(todays, weights=weights)[0]
            text, lang, sentiment = _comment(problem, bank, rng)
            created = start + timedelta(days=day, seconds=rng.randrange(7 * 3600, 20 * 3600))
            lo, hi = CSAT_BY_SENTIMENT[sentiment]
            cid = f"c{len(rows) + 1:06d}"
            rows.append({
                "comment_id": cid, "text": text, "created_at": created.strftime("%Y-%m-%d %H:%M:%S"),
                "agent_id": rng.choice(agents), "channel": rng.choice(CHANNELS),
                "product": problem["product"], "team": problem["team"],
                "csat": rng.randint(lo, hi) if rng.random() < 0.6 else "",
                "nps": rng.randint(lo * 2 - 2, hi * 2) if rng.random() < 0.3 else "",
                "ticket_id": f"T-{rng.randrange(100000, 999999)}" if rng.random() < 0.5 else "",
            })
            truth.append({"comment_id": cid, "problem": problem["key"], "language": lang, "sentiment": sentiment})
    rows.extend(_broken_rows(rng))
    out_dir.mkdir(parents=True, exist_ok=True)
    comments_path, truth_path = out_dir / "comments.csv", out_dir / "truth.csv"
    _write_csv(comments_path, COLUMNS, rows)
    _write_csv(truth_path, ["comment_id", "problem", "language", "sentiment"], truth)
    return DemoFiles(comments_path, truth_path, len(rows))


def _write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
