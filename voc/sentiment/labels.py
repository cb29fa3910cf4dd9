"""Where a comment's sentiment label can come from; the PM corrections that no run overwrites are kept by
`voc.pm.corrections`.

Precedence, first that applies:
1. a PM's correction (`voc sentiment set`), kept in `sentiment_corrections`;
2. the input's optional `sentiment` column (negative / neutral / positive, a label someone assigned);
3. the contact's CSAT (1-5): 1-2 negative, 3 neutral ("neither satisfied nor dissatisfied"), 4-5 positive;
4. the contact's NPS (0-10): 0-6 negative (detractors), 7-8 neutral (passives), 9-10 positive (promoters).

1 and 2 are "human" labels; 3 and 4 are "score" labels: weak, because a customer rates the whole contact, not
the sentence the agent wrote, so the learned head gives them `SCORE_LABEL_WEIGHT` of a human label's weight.
"""

from __future__ import annotations

LABELS = ("negative", "neutral", "positive")
SYNONYMS = {"neg": "negative", "-": "negative", "-1": "negative", "negativ": "negative",
            "neu": "neutral", "0": "neutral", "pos": "positive", "+": "positive", "1": "positive",
            "positiv": "positive"}
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


# Per stored comment: the human label (a correction wins over the input column), CSAT and NPS.
LABEL_SQL = """
SELECT c.source, c.comment_id, coalesce(sc.label, c.sentiment) AS human, c.csat, c.nps
FROM comments c LEFT JOIN sentiment_corrections sc USING (source, comment_id)
ORDER BY c.source, c.comment_id
"""
