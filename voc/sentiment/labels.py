"""Where a comment's sentiment label can come from, and the PM corrections that no run overwrites.

Precedence, first that applies:
1. a PM's correction (`voc sentiment set`), kept in `sentiment_corrections`;
2. the input's optional `sentiment` column (negative / neutral / positive, a label someone assigned);
3. the contact's CSAT (1-5): 1-2 negative, 3 neutral ("neither satisfied nor dissatisfied"), 4-5 positive;
4. the contact's NPS (0-10): 0-6 negative (detractors), 7-8 neutral (passives), 9-10 positive (promoters).

1 and 2 are "human" labels; 3 and 4 are "score" labels: weak, because a customer rates the whole contact, not
the sentence the agent wrote, so the learned head gives them `SCORE_LABEL_WEIGHT` of a human label's weight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from voc.errors import ConfigError, NotFoundError
from voc.pm.workflow import changed_by
from voc.store import first_row

LABELS = ("negative", "neutral", "positive")
SYNONYMS = {"neg": "negative", "-": "negative", "-1": "negative", "negativ": "negative",
            "neu": "neutral", "0": "neutral", "pos": "positive", "+": "positive", "1": "positive", "positiv": "positive"}
LABEL_SCORE = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}  # the score a labeled comment carries
SCORE_LABEL_WEIGHT = 0.5  # CSAT/NPS labels count half: they rate the contact, not the comment


def parse_label(value: str | None) -> str | None:
    """'Negative', 'neg', 'negativ', '-1' -> 'negative'; empty -> None; anything else raises ValueError."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip().lower()
    label = text if text in LABELS else SYNONYMS.get(text)
    if label is None:
        raise ValueError(f"{value!r} is not a label: use negative, neutral or positive")
    return label


def csat_label(csat: int | None) -> str | None:
    if csat is None:
        return None
    return "negative" if csat <= 2 else ("neutral" if csat == 3 else "positive")


def nps_label(nps: int | None) -> str | None:
    if nps is None:
        return None
    return "negative" if nps <= 6 else ("neutral" if nps <= 8 else "positive")


def own_label(human: str | None, csat: int | None, nps: int | None) -> tuple[str | None, str | None]:
    """(label, origin) with origin 'human' or 'score', or (None, None) when the comment has no label."""
    if human:
        return human, "human"
    weak = csat_label(csat) or nps_label(nps)
    return (weak, "score") if weak else (None, None)


@dataclass
class Correction:
    source: str
    comment_id: str
    label: str
    previous: str | None


def set_correction(con: duckdb.DuckDBPyConnection, comment_id: str, label: str, by: str,
                   source: str | None = None) -> Correction:
    """Record a PM's label for one comment: it replaces an earlier correction of the same comment as the one shown and
    learned from, and is added to the comment's correction history (both in the caller's transaction, if any)."""
    try:
        clean = parse_label(label)
    except ValueError as exc:
        raise ConfigError(f"label {exc}") from None
    if clean is None:
        raise ConfigError("give a label: negative, neutral or positive")
    by = changed_by(by, "say who makes the correction: pass --by USER")
    matches = con.execute("SELECT source FROM comments WHERE comment_id = ? AND (? IS NULL OR source = ?) "
                          "ORDER BY source", [comment_id, source, source]).fetchall()
    if not matches:
        raise NotFoundError(f"no comment {comment_id!r}" + (f" in source {source!r}" if source else "")
                            + ": check the id (see `voc export assignments`)")
    if len(matches) > 1:
        raise ConfigError(f"comment {comment_id!r} exists in sources {', '.join(m[0] for m in matches)}: "
                          "pass --source NAME")
    src = matches[0][0]
    shown = first_row(con, "SELECT sentiment FROM current_assignments WHERE source = ? AND comment_id = ?",
                      [src, comment_id])
    row = [src, comment_id, clean, by, datetime.now(), shown[0] if shown else None]
    con.execute("INSERT OR REPLACE INTO sentiment_corrections VALUES (?, ?, ?, ?, ?, ?)", row)
    con.execute("INSERT INTO sentiment_correction_history VALUES (?, ?, ?, ?, ?, ?)", row)
    return Correction(src, comment_id, clean, shown[0] if shown else None)


# Per stored comment: the human label (a correction wins over the input column), CSAT and NPS.
LABEL_SQL = """
SELECT c.source, c.comment_id, coalesce(sc.label, c.sentiment) AS human, c.csat, c.nps
FROM comments c LEFT JOIN sentiment_corrections sc USING (source, comment_id)
ORDER BY c.source, c.comment_id
"""
