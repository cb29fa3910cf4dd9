"""The migration steps after version 6: one SQL constant (and, where SQL cannot say it, a function) per step.

Never edit a released step: add a new one here and register it in `voc.schema`.
"""

from __future__ import annotations

import duckdb

from voc.text.redact import person

# Version 7: who made a change, redacted in stores written before `--by` and the web app's user name were redacted
# on the way in (`voc.text.redact.person`): "Herr Müller anna@example.com" becomes "Herr [NAME] [EMAIL]", "anna" stays.
# A data step: the redaction is voc's Python, not SQL. (SELECT of the distinct values, UPDATE of one value.)
WHO_MADE_A_CHANGE = (
    ("SELECT DISTINCT updated_by FROM theme_workflow",
     "UPDATE theme_workflow SET updated_by = ? WHERE updated_by = ?"),
    ("SELECT DISTINCT changed_by FROM theme_events", "UPDATE theme_events SET changed_by = ? WHERE changed_by = ?"),
    ("SELECT DISTINCT set_by FROM sentiment_corrections",
     "UPDATE sentiment_corrections SET set_by = ? WHERE set_by = ?"),
    ("SELECT DISTINCT corrected_by FROM comment_corrections",
     "UPDATE comment_corrections SET corrected_by = ? WHERE corrected_by = ?"),
    ("SELECT DISTINCT created_by FROM theme_overrides",
     "UPDATE theme_overrides SET created_by = ? WHERE created_by = ?"),
)


def redact_who_made_changes(con: duckdb.DuckDBPyConnection) -> None:
    for select, update in WHO_MADE_A_CHANGE:
        for value, in con.execute(select).fetchall():
            clean = person(value) if value is not None else None
            if clean != value:
                con.execute(update, [clean, value])


# Version 8: the fitted sentiment head, for incremental nights.
SCHEMA_V8 = """
-- The sentiment head the last run fitted, as numpy arrays (voc.sentiment.saved): incremental nights score with it
-- instead of fitting one again. Only the latest is kept.
CREATE TABLE IF NOT EXISTS sentiment_heads (
    run_id BIGINT PRIMARY KEY,
    model_id TEXT NOT NULL,      -- the embedding model whose vectors it learned from
    head BLOB NOT NULL
);
"""


# Version 9: every PM sentiment correction, not only the latest per comment. `sentiment_corrections` keeps one row per
# comment (what is shown and learned from); this table gets a row for each correction, with who made it and the label
# shown before, so `voc sentiment show` can list them all. A store's existing corrections are its first rows.
SCHEMA_V9 = """
CREATE TABLE sentiment_correction_history (
    source     VARCHAR NOT NULL,
    comment_id VARCHAR NOT NULL,
    label      VARCHAR NOT NULL,                -- negative | neutral | positive
    set_by     VARCHAR NOT NULL,
    set_at     TIMESTAMP NOT NULL,
    previous   VARCHAR                          -- the label shown before this correction
);
INSERT INTO sentiment_correction_history SELECT source, comment_id, label, set_by, set_at, previous
    FROM sentiment_corrections;
"""


# Version 10: why a theme was declined, on the event that declined it, so the history, the agents' view and their
# digest say why (the reason in `theme_workflow` is only the latest). In a store written before, a theme that is
# declined gets its reason on the last event that declined it (a move to declined, or the merge or split it came
# with; not a later note).
SCHEMA_V10 = """
ALTER TABLE theme_events ADD COLUMN reason VARCHAR;
UPDATE theme_events SET reason = w.reason FROM theme_workflow w
WHERE theme_events.theme_id = w.theme_id AND w.status = 'declined' AND w.reason IS NOT NULL
  AND theme_events.event_id = (SELECT max(e.event_id) FROM theme_events e
                               WHERE e.theme_id = w.theme_id AND e.to_status = 'declined'
                                 AND (e.kind IN ('merge', 'split') OR e.from_status IS DISTINCT FROM 'declined'));
"""

# Version 11: the other theme of a merge or split, so agents read which theme their comments came from or went to
# ("took in the comments of #21 …"), not only that something moved. In a store written before, an event gets it
# from the lineage row of its run where that row is the only one of its kind for the theme.
SCHEMA_V11 = """
ALTER TABLE theme_events ADD COLUMN other_theme_id INTEGER;
UPDATE theme_events SET other_theme_id = l.parent_id
FROM (SELECT run_id, child_id, kind, min(parent_id) AS parent_id FROM theme_lineage
      GROUP BY run_id, child_id, kind HAVING count(*) = 1) l
WHERE theme_events.kind IN ('merge', 'split') AND theme_events.run_id = l.run_id
  AND theme_events.theme_id = l.child_id AND theme_events.kind = l.kind;
"""

# Version 12: how a file was read (a fingerprint of its encoding, delimiter, mapping and date order), so the same bytes
# read another way (the --encoding a quarantine reason asked for) are read again instead of skipped. A file imported
# before has none: it is read again once.
SCHEMA_V12 = """
ALTER TABLE imports ADD COLUMN read_options VARCHAR;
"""

# Version 13: the theme's title on each event, as it was shown when the change happened (and the other theme's, for a
# merge or split), so the digest, the agent page and `voc agent` name a change alike, however the theme is titled
# later. In a store written before, an event gets the name a PM's rename had given the theme by then, else its title
# in the event's run (a merge or split) or in the last run published before the change; one neither finds (a title a
# run no longer holds) stays empty and is read as the theme is named now. So does the event of a theme a PM named with
# `voc status --name`, which leaves no rename record: when the name was given is not known, and it is what agents read.
SCHEMA_V13 = """
ALTER TABLE theme_events ADD COLUMN theme_title VARCHAR;
ALTER TABLE theme_events ADD COLUMN other_title VARCHAR;
UPDATE theme_events SET
  theme_title = coalesce(
    (SELECT arg_max(o.title, o.override_id) FROM theme_overrides o WHERE o.kind = 'rename'
       AND o.theme_id = theme_events.theme_id AND o.created_at <= theme_events.changed_at),
    CASE WHEN theme_events.theme_id IN (SELECT theme_id FROM theme_workflow WHERE name IS NOT NULL)
          AND theme_events.theme_id NOT IN (SELECT theme_id FROM theme_overrides WHERE kind = 'rename') THEN NULL ELSE
    (SELECT arg_max(t.title, t.run_id) FROM themes t JOIN runs r ON r.run_id = t.run_id
     WHERE t.theme_id = theme_events.theme_id
       AND (t.run_id = theme_events.run_id OR (theme_events.run_id IS NULL AND r.status = 'succeeded'
                                               AND r.finished_at <= theme_events.changed_at))) END),
  other_title = coalesce(
    (SELECT arg_max(o.title, o.override_id) FROM theme_overrides o WHERE o.kind = 'rename'
       AND o.theme_id = theme_events.other_theme_id AND o.created_at <= theme_events.changed_at),
    (SELECT arg_max(t.title, t.run_id) FROM themes t
     WHERE t.theme_id = theme_events.other_theme_id AND t.run_id <= theme_events.run_id));
"""

# Version 14: what else a change did besides its status and its new note, each field with its old value ("owner
# pricing → web; ticket PRC-7 → (none); note removed"), so the history says who handed a theme to which team, also
# when it came with a status change. For PMs only: agents read the status, the note and the reason. Events recorded
# before have none (an owner-only change kept its words in the note).
SCHEMA_V14 = """
ALTER TABLE theme_events ADD COLUMN IF NOT EXISTS changes VARCHAR;
"""
