"""The store's schema: one SQL constant per migration step (tables), the read views, and the registry of steps.

`voc.store.migrate` applies the steps a store lacks, each in a transaction, records them in
`schema_migrations`, and then (re)creates the views (`VIEWS`) from their one current definition. Never edit
a released step's tables: add a new step. (The view statements were taken out of the released steps when
`VIEWS` was introduced: stores made before at every version end with the same view SQL.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import duckdb

from voc.text.redact import person

SCHEMA_V1 = """
CREATE SEQUENCE run_id_seq START 1;

CREATE TABLE runs (
    run_id       INTEGER PRIMARY KEY,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    status       VARCHAR NOT NULL,          -- running | succeeded | failed
    source       VARCHAR,
    params       JSON,
    stats        JSON,
    error        VARCHAR
);

CREATE TABLE comments (
    source       VARCHAR NOT NULL,
    comment_id   VARCHAR NOT NULL,
    text         VARCHAR NOT NULL,          -- already redacted: raw personal data is never stored
    text_hash    VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    agent_id     VARCHAR NOT NULL,
    channel      VARCHAR,
    product      VARCHAR,
    team         VARCHAR,
    language     VARCHAR NOT NULL,          -- de | en | other
    csat         INTEGER,
    nps          INTEGER,
    ticket_id    VARCHAR,
    redactions   INTEGER NOT NULL DEFAULT 0,
    first_run_id INTEGER,
    PRIMARY KEY (source, comment_id)
);

CREATE TABLE quarantine (
    run_id         INTEGER NOT NULL,
    source         VARCHAR NOT NULL,
    row_number     INTEGER NOT NULL,        -- 1-based data row in the source (header not counted)
    comment_id     VARCHAR,
    reason         VARCHAR NOT NULL,
    raw            JSON NOT NULL,           -- the row as read, with personal data redacted
    quarantined_at TIMESTAMP NOT NULL
);

CREATE TABLE embeddings (
    model_id   VARCHAR NOT NULL,
    text_hash  VARCHAR NOT NULL,
    vector     FLOAT[] NOT NULL,
    PRIMARY KEY (model_id, text_hash)
);

CREATE TABLE themes (
    run_id          INTEGER NOT NULL,
    theme_id        INTEGER NOT NULL,
    rank            INTEGER NOT NULL,
    title           VARCHAR NOT NULL,
    keywords        VARCHAR[] NOT NULL,
    representatives VARCHAR[] NOT NULL,     -- redacted texts of 3-5 typical comments
    size            INTEGER NOT NULL,
    share           DOUBLE NOT NULL,
    languages       JSON NOT NULL,          -- {"de": 0.6, "en": 0.4}
    mean_sentiment  DOUBLE NOT NULL,
    share_negative  DOUBLE NOT NULL,
    mean_csat       DOUBLE,
    mean_nps        DOUBLE,
    volume_current  INTEGER NOT NULL,
    volume_previous INTEGER NOT NULL,
    growth          DOUBLE NOT NULL,
    priority        DOUBLE NOT NULL,
    why             VARCHAR NOT NULL,
    PRIMARY KEY (run_id, theme_id)
);

CREATE TABLE assignments (
    run_id          INTEGER NOT NULL,
    source          VARCHAR NOT NULL,
    comment_id      VARCHAR NOT NULL,
    theme_id        INTEGER NOT NULL,       -- -1 = unclustered
    method          VARCHAR NOT NULL,       -- cluster | nearest | unclustered
    similarity      DOUBLE,
    sentiment       VARCHAR NOT NULL,       -- negative | neutral | positive
    sentiment_score DOUBLE NOT NULL,        -- [-1, 1]
    PRIMARY KEY (run_id, source, comment_id)
);

CREATE TABLE published (
    name    VARCHAR PRIMARY KEY,
    run_id  INTEGER NOT NULL
);
"""


# Version 2: themes that live across runs (incremental nights, lineage, trend flags) and the
# loop back to agents (status workflow with history, outbox for notifications, what agents have seen).
SCHEMA_V2 = """
ALTER TABLE runs ADD COLUMN mode VARCHAR;                  -- full | incremental
ALTER TABLE themes ADD COLUMN first_seen TIMESTAMP;        -- when the theme reached 3 comments
ALTER TABLE themes ADD COLUMN emerging BOOLEAN DEFAULT false;
ALTER TABLE themes ADD COLUMN spike BOOLEAN DEFAULT false;

-- What an incremental night needs from the last run: theme centroids and per-language means
-- (both in the centred space the run clustered in).
CREATE TABLE theme_centroids (
    run_id   INTEGER NOT NULL,
    theme_id INTEGER NOT NULL,
    vector   FLOAT[] NOT NULL,
    PRIMARY KEY (run_id, theme_id)
);

CREATE TABLE group_means (
    run_id   INTEGER NOT NULL,
    language VARCHAR NOT NULL,
    vector   FLOAT[] NOT NULL,
    PRIMARY KEY (run_id, language)
);

CREATE TABLE theme_lineage (
    run_id    INTEGER NOT NULL,
    parent_id INTEGER NOT NULL,
    child_id  INTEGER NOT NULL,
    kind      VARCHAR NOT NULL,                 -- merge | split
    overlap   DOUBLE NOT NULL,                  -- share of the parent's (merge) or child's (split) comments shared
    PRIMARY KEY (run_id, parent_id, child_id)
);

-- What product managers attach to a theme id; it outlives runs because ids are stable.
CREATE TABLE theme_workflow (
    theme_id   INTEGER PRIMARY KEY,
    name       VARCHAR,                         -- PM-given name, shown instead of the generated title
    status     VARCHAR NOT NULL DEFAULT 'new',  -- new | under_review | planned | in_progress | done | declined
    owner      VARCHAR,                         -- owner team
    note       VARCHAR,                         -- visible to agents
    reason     VARCHAR,                         -- why declined
    ticket_key VARCHAR,
    ticket_url VARCHAR,
    updated_at TIMESTAMP,
    updated_by VARCHAR
);

CREATE SEQUENCE event_id_seq START 1;
CREATE TABLE theme_events (
    event_id    INTEGER PRIMARY KEY,
    theme_id    INTEGER NOT NULL,
    changed_at  TIMESTAMP NOT NULL,
    changed_by  VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,               -- status | note | update | merge | split
    from_status VARCHAR,
    to_status   VARCHAR,
    note        VARCHAR,
    run_id      INTEGER                         -- set for merge/split events
);

-- One row per (event, contributing agent); delivered per channel at least once.
CREATE SEQUENCE notification_id_seq START 1;
CREATE TABLE outbox (
    notification_id INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL,
    agent_id        VARCHAR NOT NULL,
    theme_id        INTEGER NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (event_id, agent_id)
);

CREATE TABLE deliveries (
    notification_id INTEGER NOT NULL,
    channel         VARCHAR NOT NULL,           -- webhook | email
    attempts        INTEGER NOT NULL,
    last_error      VARCHAR,
    last_attempt_at TIMESTAMP NOT NULL,
    delivered_at    TIMESTAMP,                  -- set once acknowledged; never sent again after that
    PRIMARY KEY (notification_id, channel)
);

CREATE TABLE agent_seen (
    agent_id      VARCHAR PRIMARY KEY,
    last_event_id INTEGER NOT NULL,
    seen_at       TIMESTAMP NOT NULL
);
"""


# Version 3: hardening. Long comments are kept whole and marked; files already imported are recognised by their
# content; a quarantined row is kept once however often its file is read again.
SCHEMA_V3 = """
ALTER TABLE comments ADD COLUMN truncated BOOLEAN DEFAULT false;   -- longer than what is embedded
ALTER TABLE quarantine ADD COLUMN raw_hash VARCHAR;                -- hash of the (redacted) raw row

CREATE TABLE imports (
    source      VARCHAR NOT NULL,
    sha256      VARCHAR NOT NULL,                  -- of the file's bytes
    file_name   VARCHAR NOT NULL,
    rows        INTEGER NOT NULL,
    run_id      INTEGER NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    PRIMARY KEY (source, sha256)
);
"""


# Version 4: sentiment that learns per store. Labels come from the input's optional `sentiment` column
# (comments.sentiment), from CSAT/NPS (mapped in voc.sentiment.labels), and from PM corrections, kept in their
# own table so no run or re-ingest ever overwrites them. Each assignment records where its label came from.
SCHEMA_V4 = """
ALTER TABLE comments ADD COLUMN sentiment VARCHAR;          -- a label given in the input: negative | neutral | positive
ALTER TABLE assignments ADD COLUMN sentiment_origin VARCHAR; -- human | score | model | lexicon
ALTER TABLE themes ADD COLUMN share_human_label DOUBLE;     -- share of the theme's comments labeled by a person
ALTER TABLE themes ADD COLUMN share_score_label DOUBLE;     -- ... labeled from their CSAT/NPS

CREATE TABLE sentiment_corrections (
    source     VARCHAR NOT NULL,
    comment_id VARCHAR NOT NULL,
    label      VARCHAR NOT NULL,                -- negative | neutral | positive
    set_by     VARCHAR NOT NULL,
    set_at     TIMESTAMP NOT NULL,
    previous   VARCHAR,                         -- the label shown before the correction
    PRIMARY KEY (source, comment_id)
);
"""


# Version 5: the web app. Users who log in (a password hash, never the password; an agent user maps to the
# agent_id of their comments), PM moves of single comments to another theme that outlive runs (a sentiment
# correction is version 4's `sentiment_corrections`, which the next run also learns from), and a
# 2-D map position per comment for the theme map (`current_assignments` applies the corrections: see VIEWS).
SCHEMA_V5 = """
CREATE TABLE users (
    name          VARCHAR PRIMARY KEY,
    role          VARCHAR NOT NULL,            -- pm | agent | admin
    agent_id      VARCHAR,                     -- for agents: whose comments they see
    password_hash VARCHAR NOT NULL,            -- argon2id
    created_at    TIMESTAMP NOT NULL
);

CREATE TABLE comment_corrections (
    source          VARCHAR NOT NULL,
    comment_id      VARCHAR NOT NULL,
    theme_id        INTEGER NOT NULL,          -- moved to this theme
    corrected_by    VARCHAR NOT NULL,
    corrected_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (source, comment_id)
);

CREATE TABLE comment_map (
    run_id     INTEGER NOT NULL,
    source     VARCHAR NOT NULL,
    comment_id VARCHAR NOT NULL,
    x          REAL NOT NULL,
    y          REAL NOT NULL,
    PRIMARY KEY (run_id, source, comment_id)
);
"""


# Version 6: two levels (themes with sub-themes beneath), PM merges/splits that later runs honour, NPS and
# the impact of each theme on the overall CSAT / NPS. A store upgraded from an earlier version has fine themes only:
# its next run is a full re-cluster (voc.themes.incremental.choose_mode), whose lineage moves each old theme's
# workflow state to the theme that now contains it (voc.pm.workflow.carry_lineage).
SCHEMA_V6 = """
ALTER TABLE assignments ADD COLUMN subtheme_id INTEGER DEFAULT -1;   -- -1 = unclustered (or published before version 6)
ALTER TABLE themes ADD COLUMN nps DOUBLE;            -- % promoters (9-10) - % detractors (0-6) of the theme
ALTER TABLE themes ADD COLUMN csat_impact DOUBLE;    -- overall mean CSAT without the theme's comments - with them
ALTER TABLE themes ADD COLUMN nps_impact DOUBLE;     -- overall NPS without the theme's comments - with them
ALTER TABLE themes ADD COLUMN subthemes INTEGER DEFAULT 0;

CREATE TABLE subthemes (
    run_id          INTEGER NOT NULL,
    subtheme_id     INTEGER NOT NULL,
    theme_id        INTEGER NOT NULL,
    title           VARCHAR NOT NULL,
    keywords        VARCHAR[] NOT NULL,
    representatives VARCHAR[] NOT NULL,
    size            INTEGER NOT NULL,
    languages       JSON NOT NULL,
    PRIMARY KEY (run_id, subtheme_id)
);

CREATE TABLE subtheme_centroids (
    run_id      INTEGER NOT NULL,
    subtheme_id INTEGER NOT NULL,
    vector      FLOAT[] NOT NULL,
    PRIMARY KEY (run_id, subtheme_id)
);

CREATE TABLE subtheme_lineage (
    run_id    INTEGER NOT NULL,
    parent_id INTEGER NOT NULL,
    child_id  INTEGER NOT NULL,
    kind      VARCHAR NOT NULL,                 -- merge | split
    overlap   DOUBLE NOT NULL,
    PRIMARY KEY (run_id, parent_id, child_id)
);

-- PM decisions on themes (voc theme merge / split / rename): later full runs keep them.
CREATE SEQUENCE override_id_seq START 1;
CREATE TABLE theme_overrides (
    override_id INTEGER PRIMARY KEY,
    kind        VARCHAR NOT NULL,               -- merge (theme_id absorbed other_id) | split (theme_id = the new
                                                -- theme made of sub-theme subtheme_id, taken from other_id) | rename
    theme_id    INTEGER NOT NULL,
    other_id    INTEGER,
    subtheme_id INTEGER,
    title       VARCHAR,
    run_id      INTEGER,                        -- the run the decision produced
    created_at  TIMESTAMP NOT NULL,
    created_by  VARCHAR NOT NULL
);
"""


SCHEMA_V8 = """
-- The sentiment head the last run fitted, as numpy arrays (voc.sentiment.saved): incremental nights score with it
-- instead of fitting one again. Only the latest is kept.
CREATE TABLE IF NOT EXISTS sentiment_heads (
    run_id BIGINT PRIMARY KEY,
    model_id TEXT NOT NULL,      -- the embedding model whose vectors it learned from
    head BLOB NOT NULL
);
"""


# The read-side views, as of the latest version. `migrate` (re)creates them after a store reaches it, so each
# migration step holds tables only. A change here needs a new migration step (it may be empty) for existing
# stores to pick it up.
# - current_themes: the published run's themes with their workflow state (a PM's name, status, owner, note, ticket).
# - current_subthemes: the published run's sub-themes.
# - current_assignments: one row per comment of the published run, with its comment, and with PM corrections
#   applied, so every reader (pages, report, exports, the agent view) sees the corrected theme and sentiment: a
#   comment moved to another theme (version 5) belongs to none of that theme's sub-themes, a correction to a theme
#   the published run no longer has is ignored rather than hiding the comment, and a sentiment correction made
#   after the last run is shown at once. (The PM's name is read by a subquery, not a join on the coalesced id: with
#   that join DuckDB 2.0 ignored LIMIT under `WHERE theme_id >= 0`.)
# - theme_names: every theme ever published, by the name it was last shown under (a PM's name, else its title in the
#   last published run that had it): a theme merged away since is still named in the digests and the agent view.
VIEWS = """
CREATE OR REPLACE VIEW current_themes AS
    SELECT t.*, coalesce(w.name, t.title) AS display_title, coalesce(w.status, 'new') AS status,
           w.owner, w.note, w.reason, w.ticket_key, w.ticket_url
    FROM themes t
    JOIN published p ON p.name = 'themes' AND t.run_id = p.run_id
    LEFT JOIN theme_workflow w USING (theme_id);

CREATE OR REPLACE VIEW current_subthemes AS
    SELECT s.* FROM subthemes s JOIN published p ON p.name = 'themes' AND s.run_id = p.run_id;

CREATE OR REPLACE VIEW current_assignments AS
    SELECT a.* REPLACE (coalesce(ot.theme_id, a.theme_id) AS theme_id,
                        CASE WHEN ot.theme_id IS NULL THEN a.subtheme_id ELSE -1 END AS subtheme_id,
                        coalesce(sc.label, a.sentiment) AS sentiment,
                        CASE WHEN sc.label IS NULL THEN a.sentiment_score
                             ELSE CASE sc.label WHEN 'negative' THEN -1.0 WHEN 'positive' THEN 1.0 ELSE 0.0 END
                        END AS sentiment_score,
                        CASE WHEN sc.label IS NULL THEN a.sentiment_origin ELSE 'human' END AS sentiment_origin),
           c.text, c.created_at, c.agent_id, c.language, c.channel, c.product, c.team, c.csat, c.nps,
           coalesce((SELECT w.name FROM theme_workflow w WHERE w.theme_id = t.theme_id), t.title) AS theme_title,
           a.theme_id AS clustered_theme_id, coalesce(o.corrected_by, sc.set_by) AS corrected_by,
           coalesce(o.corrected_at, sc.set_at) AS corrected_at,
           CASE WHEN ot.theme_id IS NULL THEN s.title END AS subtheme_title
    FROM assignments a
    JOIN published p ON p.name = 'themes' AND a.run_id = p.run_id
    JOIN comments c ON c.source = a.source AND c.comment_id = a.comment_id
    LEFT JOIN comment_corrections o ON o.source = a.source AND o.comment_id = a.comment_id
    LEFT JOIN themes ot ON ot.run_id = a.run_id AND ot.theme_id = o.theme_id
    LEFT JOIN themes t ON t.run_id = a.run_id AND t.theme_id = coalesce(ot.theme_id, a.theme_id)
    LEFT JOIN sentiment_corrections sc ON sc.source = a.source AND sc.comment_id = a.comment_id
    LEFT JOIN subthemes s ON s.run_id = a.run_id AND s.subtheme_id = a.subtheme_id;

CREATE OR REPLACE VIEW theme_names AS
    SELECT t.theme_id, coalesce(any_value(w.name), arg_max(t.title, t.run_id)) AS name
    FROM themes t
    JOIN published p ON p.name = 'themes' AND t.run_id <= p.run_id
    LEFT JOIN theme_workflow w USING (theme_id)
    GROUP BY t.theme_id;
"""
VIEW_NAMES = ("current_themes", "current_subthemes", "current_assignments", "theme_names")


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


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str
    data: Callable[[duckdb.DuckDBPyConnection], None] | None = None  # a step SQL cannot express, after `sql`


MIGRATIONS: list[Migration] = [
    Migration(1, "initial schema", SCHEMA_V1),
    Migration(2, "themes across runs, workflow and notifications", SCHEMA_V2),
    Migration(3, "truncated comments, file imports, quarantine dedup", SCHEMA_V3),
    Migration(4, "sentiment labels, corrections and their origin", SCHEMA_V4),
    Migration(5, "web users, comment corrections, comment map", SCHEMA_V5),
    Migration(6, "themes with sub-themes, PM overrides, NPS and impact", SCHEMA_V6),
    Migration(7, "who made a change, redacted", "", redact_who_made_changes),
    Migration(8, "the fitted sentiment head, for incremental nights", SCHEMA_V8),
    Migration(9, "every sentiment correction kept, not only the latest", SCHEMA_V9),
    Migration(10, "why a theme was declined, on the event that declined it", SCHEMA_V10),
    Migration(11, "the other theme of a merge or split, on its event", SCHEMA_V11),
    Migration(12, "how each imported file was read", SCHEMA_V12),
    Migration(13, "the theme's title on each event, as shown when it happened", SCHEMA_V13),
]
SCHEMA_VERSION = MIGRATIONS[-1].version
