"""The read-side views, as of the latest schema version (`voc.store.migrate` (re)creates them)."""

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
