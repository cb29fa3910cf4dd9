"""A theme's changes in words, and its version: what the workflow's history and a refused stale change say.

A web form carries the theme's `version` (its last event) it was loaded with; `check_fresh` refuses a change made from
an older page, naming who changed what since (`event_words`), so two PMs on one theme never replace each other's
values unseen. `field_changes` is what a change did besides its status and its new note, with the old values.
"""

from __future__ import annotations

from dataclasses import fields

import duckdb

from voc.agents.wording import status_word  # the one table of status words: "under review", not `under_review`
from voc.errors import StaleChangeError
from voc.store import dicts, scalar
from voc.text.escape import one_line

FIELD_WORDS = {"name": "title", "ticket_key": "ticket", "ticket_url": "ticket link"}
NOTE_QUOTED_CHARS = 80  # how much of another PM's note a refused stale change quotes: enough to recognise it


def field_changes(before, after, skip: tuple = (), shown: str | None = None) -> str | None:
    """What a change did besides its status and its new note, each field with its old value, for the history:
    "owner pricing → web; ticket PRC-7 → (none); note removed" (an unnamed theme's old title is the one `shown`).
    None when nothing else changed."""
    said = []
    for c in (f.name for f in fields(before)):
        old, new = getattr(before, c), getattr(after, c)
        old = (old or shown) if c == "name" and new != old else old
        if c in ("status", *skip) or old == new or (c == "note" and new):
            continue
        word = FIELD_WORDS.get(c, c)
        said.append("note removed" if c == "note" else f"{word} {old or '(none)'} → {new or '(none)'}")
    return "; ".join(said) or None


def version(con: duckdb.DuckDBPyConnection, theme_id: int) -> int:
    """The theme's version, as a form carries it: its last event (0 before any). Every change to a theme's status,
    fields, name, and every merge into it, is an event."""
    return scalar(con, "SELECT coalesce(max(event_id), 0) FROM theme_events WHERE theme_id = ?", [theme_id])


def check_fresh(con: duckdb.DuckDBPyConnection, theme_id: int, seen: int) -> None:
    """StaleChangeError naming who changed what since version `seen`: a change made on an older page would replace
    their values unseen."""
    later = dicts(con, "SELECT changed_at, changed_by, kind, from_status, to_status, note, reason, changes, "
                       "other_theme_id FROM theme_events WHERE theme_id = ? AND event_id > ? ORDER BY event_id",
                  [theme_id, seen])
    if later:
        raise StaleChangeError(f"theme {theme_id} was changed after you opened it: "
                               + "; ".join(map(event_words, later))
                               + ". Your change was not saved")


def event_words(e: dict) -> str:
    """One event in words, for a PM: "bert at 01:34: status under review → planned, owner pricing → web, note
    “Bert: neue Preisseite …”"."""
    said = []
    if e["kind"] == "merge":
        said.append(f"merged #{e['other_theme_id']} into it")
    elif e["kind"] == "split":
        said.append(f"split out of #{e['other_theme_id']}")
    elif e["from_status"] != e["to_status"]:
        said.append(f"status {status_word(e['from_status'])} → {status_word(e['to_status'])}")
    said += [f"reason “{_quoted(e['reason'])}”"] if e["reason"] else []
    said += [e["changes"]] if e["changes"] else []
    said += [f"note “{_quoted(e['note'])}”"] if e["note"] and e["kind"] not in ("merge", "split") else []
    return f"{e['changed_by']} at {e['changed_at']:%H:%M}: {', '.join(said) or e['kind']}"


def _quoted(text: str) -> str:
    text = one_line(text)
    return text if len(text) <= NOTE_QUOTED_CHARS else text[:NOTE_QUOTED_CHARS].rstrip() + " …"


def merged_by(con: duckdb.DuckDBPyConnection, merged: int, into: int) -> str:
    """Who merged theme `merged` into `into`, and when, in words ("anna merged #19 into #15 at 01:38"); a merge a run
    found is the nightly run's."""
    row = dicts(con, "SELECT changed_by, changed_at FROM theme_events WHERE theme_id = ? AND kind = 'merge' "
                     "AND other_theme_id = ? ORDER BY event_id DESC LIMIT 1", [into, merged])
    who = f"{row[0]['changed_by']} merged" if row else "a run merged"
    return f"{who} #{merged} into #{into}" + (f" at {row[0]['changed_at']:%H:%M}" if row else "")
