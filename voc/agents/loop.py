"""The loop back to agents: what became of each comment an agent filed.

`agent_view` is the one place agent views are served from, and it enforces
access itself: an agent sees only their own comments (already redacted), and of
themes only the title, status, owner team, ticket and the PM's note (for a declined
theme the reason first, in the agent's words: "Begründung: …"), never other
agents' comments (so no theme "representatives" either). A caller that serves
several people passes the authenticated `viewer`; a viewer asking for another
agent's view gets `AccessError`. An agent with no published comment yet (new, or
nothing filed since the last run) gets an empty view; a PM or the CLI asking for
an agent id no comment carries gets `NotFoundError` naming ids that exist.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

import duckdb

from voc.agents import titles, wording
from voc.errors import AccessError, NotFoundError
from voc.pm.workflow import AGENT_KINDS
from voc.store import dicts, scalar, transaction

# `acted_at`: when a product manager last acted on the theme (None: never); `since`: when it got its status.
COMMENTS_SQL = """
WITH since AS (SELECT theme_id, to_status, max(changed_at) AS at FROM theme_events
               WHERE kind IN ('status', 'merge', 'split') GROUP BY ALL)
SELECT a.created_at, a.comment_id, a.text, a.language, a.theme_id, coalesce(a.theme_title, 'unclustered') AS theme,
       CASE WHEN a.theme_id < 0 THEN NULL ELSE coalesce(w.status, 'new') END AS status,
       w.owner, w.note, CASE WHEN w.status = 'declined' THEN w.reason END AS reason, w.ticket_key, w.ticket_url,
       w.updated_at AS acted_at, coalesce(s.at, w.updated_at) AS since
FROM current_assignments a LEFT JOIN theme_workflow w USING (theme_id)
LEFT JOIN since s ON s.theme_id = a.theme_id AND s.to_status = w.status
WHERE a.agent_id = ?
ORDER BY a.created_at DESC, a.comment_id
"""

# Each change names its themes as they were shown when it happened (as the digest did); a change recorded without
# them, by the themes' names now.
CHANGES_SQL = """
SELECT e.event_id, e.theme_id, coalesce(e.theme_title, n.name, '#' || e.theme_id) AS theme, e.changed_at, e.kind,
       e.from_status, e.to_status, e.note, e.reason,
       e.other_theme_id, coalesce(e.other_title, n2.name, '#' || e.other_theme_id) AS other_theme
FROM theme_events e LEFT JOIN theme_names n USING (theme_id)
LEFT JOIN theme_names n2 ON n2.theme_id = e.other_theme_id
WHERE e.event_id > ? AND e.theme_id IN (SELECT DISTINCT theme_id FROM current_assignments WHERE agent_id = ?)
  AND e.kind IN (SELECT unnest(?))
ORDER BY e.event_id
"""


CHANGE_TITLES = (("theme_id", "theme"), ("other_theme_id", "other_theme"))  # the themes a change names
AGENT_IDS_SHOWN = 5  # agent ids named when an id is not found: enough to see their form, short enough for one line


@dataclass
class AgentView:
    agent_id: str
    summary: dict
    comments: list[dict]
    changes: list[dict] = field(default_factory=list)  # workflow events on the agent's themes since they last looked
    language: str = wording.DEFAULT  # what the view is written in: the agent's own language unless asked otherwise


def quarter_start(now: datetime) -> datetime:
    return datetime(now.year, 3 * ((now.month - 1) // 3) + 1, 1)


def summarise(comments: list[dict], shipped_this_quarter: int, language: str = wording.DEFAULT) -> dict:
    themes = {c["theme_id"]: c["status"] for c in comments if c["theme_id"] >= 0}
    by_status = {s: sum(1 for v in themes.values() if v == s) for s in ("planned", "in_progress", "done")}
    summary = {"comments": len(comments), "themes": len(themes), **by_status,
               "shipped_this_quarter": shipped_this_quarter}
    return {**summary, "headline": wording.headline(summary, language)}


def agent_view(con: duckdb.DuckDBPyConnection, agent_id: str, viewer: str | None = None,
               mark_seen: bool = True, now: datetime | None = None, language: str | None = None,
               since: int | None = None) -> AgentView:
    """Every comment `agent_id` filed with its theme, status and note, plus what changed since the last look (or
    since event `since`: a page's later pages say "new" of what its first did), in `language` (by default the one
    most of the agent's comments are in). Themes are named in that language where they have a title in it
    (`voc.agents.titles`); each comment's `state` says what its theme's status means (`wording.state`)."""
    if viewer is not None and viewer != agent_id:
        raise AccessError(f"{viewer} may not see the comments of agent {agent_id}: agents see only their own")
    comments = dicts(con, COMMENTS_SQL, [agent_id])
    if not comments and viewer is None:  # a PM or the CLI asking for an id: a typo is likelier than a new agent
        raise NotFoundError(f"no comments from agent {agent_id!r} in the published results; "
                            + known_agents_hint(con, agent_id))
    language = wording.checked_language(language) or wording.agent_language(Counter(c["language"] for c in comments))
    now = now or datetime.now()
    seen = last_seen(con, agent_id) if since is None else since
    local = titles.titles_in(con, language)
    events = titles.localise(dicts(con, CHANGES_SQL, [seen, agent_id, list(AGENT_KINDS)]), local, CHANGE_TITLES)
    changes = [wording.for_agent(c, language)  # as the digest says it: "is now planned (was new)", ...
               for c in wording.latest_per_theme(events)]
    changed = {c["theme_id"] for c in changes}
    for c in titles.localise(comments, local):
        c["changed_since_last_look"] = c["theme_id"] in changed
        c["note"] = wording.with_reason(c["note"], c["reason"], language)  # a declined theme's note says why first
        c["state"] = wording.state(c["status"], c.pop("acted_at"), c.pop("since"), language) if c["status"] else None
    shipped = scalar(con, """
        SELECT count(DISTINCT e.theme_id) FROM theme_events e JOIN theme_workflow w USING (theme_id)
        WHERE w.status = 'done' AND e.to_status = 'done' AND e.changed_at >= ?
          AND e.theme_id IN (SELECT DISTINCT theme_id FROM current_assignments WHERE agent_id = ?)""",
                     [quarter_start(now), agent_id])
    if mark_seen:
        mark_seen_up_to(con, agent_id, latest_event(con), now)
    return AgentView(agent_id, summarise(comments, shipped, language), comments, changes, language)


def language_of(con: duckdb.DuckDBPyConnection, agent_id: str) -> str:
    """The language voc speaks to the agent: the one most of their published comments are in (`agent_language`)."""
    return wording.agent_language(dict(con.execute("SELECT language, count(*) FROM current_assignments "
                                                   "WHERE agent_id = ? GROUP BY ALL", [agent_id]).fetchall()))


def page_path(agent_id: str) -> str:
    """The path of an agent's page in the web app, the id quoted whole: `DE/A07` is one path segment, not two (the
    route reads the rest of the path), `../x` or `<b>` cannot change where a link goes."""
    return f"/agent/{quote(agent_id, safe='')}"


def last_seen(con: duckdb.DuckDBPyConnection, agent_id: str) -> int:
    """The last event the agent has seen on their page (0: none)."""
    return scalar(con, "SELECT last_event_id FROM agent_seen WHERE agent_id = ?", [agent_id]) or 0


def has_comments(con: duckdb.DuckDBPyConnection, agent_id: str) -> bool:
    """Does any published comment carry `agent_id`?"""
    return bool(scalar(con, "SELECT count(*) FROM current_assignments WHERE agent_id = ?", [agent_id]))


def known_agents_hint(con: duckdb.DuckDBPyConnection, near: str) -> str:
    """Where agent ids come from and a few that exist (the closest to `near` first): they are staff ids, shown to
    a product manager or an admin, never to another agent."""
    ids = [r[0] for r in con.execute("SELECT DISTINCT agent_id FROM current_assignments WHERE agent_id IS NOT NULL "
                                     "ORDER BY agent_id").fetchall()]
    if not ids:
        return "no comment in the published results names an agent (the source's agent_id column is empty)"
    by_lower = {i.lower(): i for i in ids}
    close = [by_lower[i] for i in difflib.get_close_matches(near.lower(), list(by_lower), n=AGENT_IDS_SHOWN)]
    shown = (close + [i for i in ids if i not in close])[:AGENT_IDS_SHOWN]
    return (f"agent ids are what the source's agent_id column holds; the store has {len(ids)}, e.g. "
            f"{', '.join(shown)}")


def latest_event(con: duckdb.DuckDBPyConnection) -> int:
    return scalar(con, "SELECT coalesce(max(event_id), 0) FROM theme_events")


def mark_seen_up_to(con: duckdb.DuckDBPyConnection, agent_id: str, event_id: int, now: datetime) -> None:
    """Record that `agent_id` has seen every event up to `event_id` (never moves backwards)."""
    with transaction(con):
        con.execute("""INSERT INTO agent_seen VALUES (?, ?, ?) ON CONFLICT (agent_id) DO UPDATE SET
                       last_event_id = greatest(agent_seen.last_event_id, excluded.last_event_id),
                       seen_at = excluded.seen_at""", [agent_id, event_id, now])
