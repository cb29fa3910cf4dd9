"""The store's tables as the first six migration steps created them, one SQL constant per step.

Never edit a released step: add a new one (`voc.schema.upgrades`) and register it in `voc.schema`.
"""

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
