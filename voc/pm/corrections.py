"""A product manager's corrections of single comments: their sentiment, or the theme they belong to.

A sentiment correction (`set_correction`, also what `voc sentiment set` makes; table
`sentiment_corrections`, every one also in `sentiment_correction_history`) is shown at once and learned
from by the next run (`voc.sentiment.labels` says where labels come from). A move to
another theme is kept in `comment_corrections`. Both are keyed by the comment, so they
outlive runs; the `current_assignments` view applies them, so every page, export and agent
view shows the corrected value. Theme sizes and ranks catch up at the next run.
Merging and splitting whole themes is `voc.pm.theme_edit` (the theme hierarchy work).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from voc.errors import ConfigError, NotFoundError, TransitionError
from voc.pm import workflow
from voc.sentiment.labels import LABELS, parse_label
from voc.store import first_row, transaction

SENTIMENTS = LABELS


def find_comment(con: duckdb.DuckDBPyConnection, source: str, comment_id: str) -> tuple:
    row = first_row(con, "SELECT theme_id, sentiment FROM current_assignments WHERE source = ? AND comment_id = ?",
                    [source, comment_id])
    if row is None:
        raise NotFoundError(f"no comment {source}/{comment_id} in the published results")
    return row


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
    by = workflow.changed_by(by, "say who makes the correction: pass --by USER")
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


def check_sentiment(sentiment: str | None) -> None:
    """ConfigError (a bad value) for a sentiment that is not one of SENTIMENTS; None (no correction) is fine."""
    if sentiment is not None and sentiment not in SENTIMENTS:
        raise ConfigError(f"sentiment {sentiment!r} is not a sentiment: use one of {', '.join(SENTIMENTS)}")


def correct(con: duckdb.DuckDBPyConnection, source: str, comment_id: str, by: str,
            sentiment: str | None = None, theme_id: int | None = None) -> None:
    """Set a comment's sentiment and/or move it to another theme of the published run."""
    by = workflow.changed_by(by, "say who makes the correction")
    check_sentiment(sentiment)
    if sentiment is None and theme_id is None:
        raise TransitionError("nothing to correct: give a sentiment or a theme")
    find_comment(con, source, comment_id)
    if theme_id is not None:
        workflow.title(con, theme_id)  # NotFoundError for a theme the published run does not have
    with transaction(con):
        if sentiment is not None:
            set_correction(con, comment_id, sentiment, by, source)
        if theme_id is not None:
            con.execute("INSERT OR REPLACE INTO comment_corrections VALUES (?, ?, ?, ?, ?)",
                        [source, comment_id, theme_id, by, datetime.now()])

