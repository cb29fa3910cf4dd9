"""What product managers attach to a theme: status, owner team, a note for agents, a ticket.

The status workflow:

    new → under_review → planned → in_progress → done
    (any open status) → declined (a reason is required)

Going back one step is allowed (a plan can return to review, work in progress can
return to planned), a done theme can be reopened (→ in_progress) and a declined one
reconsidered (→ under_review). Anything else is refused with `TransitionError`,
which names the allowed next statuses.

Every change is one row in `theme_events` (who, when, from, to, note). A status
change or a new note also puts one notification per contributing agent into the
`outbox` (see `voc.agents.notify`), in the same transaction.

Because theme ids are stable, all of this outlives re-clusters. When themes merge
(`voc.themes.identity` lineage, or a PM's `voc theme merge`), `carry_lineage` moves what
was attached to the surviving theme: notes are appended with their origin, and a theme
that is still `new` takes over the status, reason, owner and ticket of the theme merged
into it. A theme split off another one is a problem nobody has looked at yet: it starts
`new`, with no reason, note, owner or ticket of its parent; its history records where it
came from and what the parent had (status, owner, ticket), for the PM to take over or not.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime

import duckdb

from voc.errors import ConfigError, NoResultsError, ThemeNotFoundError, TransitionError
from voc.pm.changes import (check_fresh, event_words, field_changes, merged_by, status_word,  # noqa: F401
                            version)  # (re-exported: the web app reads them as workflow.*)
from voc.store import dicts, first_row, published_run, scalar, transaction
from voc.text.escape import http_url, one_line, without_controls
from voc.text.redact import person, redact_text
from voc.themes.identity import Lineage

STATUSES = ("new", "under_review", "planned", "in_progress", "done", "declined")
TRANSITIONS = {
    "new": ("under_review", "planned", "declined"),
    "under_review": ("planned", "declined", "new"),
    "planned": ("in_progress", "under_review", "declined"),
    "in_progress": ("done", "planned", "declined"),
    "done": ("in_progress",),
    "declined": ("under_review",),
}
NOTIFYING_KINDS = ("status", "note")  # and a PM's merge or split (`carry_lineage`)
RUN_AUTHOR = "voc"  # who changed a theme's workflow when a run merged or split it
AGENT_KINDS = ("status", "note", "merge", "split")  # what an agent hears about: renames and owner changes are internal
# A PM's name for a theme: twice a generated title (at most 60), so it still reads as a title in a table row and a
# chart label, and fits the Jira Summary (255) with its "[voc #id] " prefix.
MAX_NAME_CHARS = 120
# A PM's note for agents and a decline's reason: agents read them on their page and in every digest, where chat tools
# cut long messages (Slack and Mattermost at about 4,000 characters, with several themes in one digest): a few
# sentences; the ticket holds the rest.
MAX_NOTE_CHARS = 1000
DECLINE_NEEDS_REASON = "declining a theme needs a reason, which its agents read: say why it is declined"


@dataclass
class Workflow:
    status: str = "new"
    name: str | None = None
    owner: str | None = None
    note: str | None = None
    reason: str | None = None
    ticket_key: str | None = None
    ticket_url: str | None = None


COLUMNS = [f.name for f in fields(Workflow)]


def status_key(text: str) -> str:
    """The status key for what a PM typed or picked: "under review", "Under_Review" and "under_review" alike."""
    return "_".join(one_line(text).lower().split())


def _words(statuses) -> str:
    statuses = [status_word(s) for s in statuses]
    return " or ".join(filter(None, [", ".join(statuses[:-1]), statuses[-1]]))


def check_transition(current: str, target: str, reason: str | None) -> None:
    """TransitionError for a move the workflow does not allow, or a declined theme without a reason; ConfigError (a
    bad value) for a status that does not exist. Statuses are named as PMs read them ("under review")."""
    target = status_key(target)
    if target not in STATUSES:
        raise ConfigError(f"status {target!r} is not a status: use one of {_words(STATUSES)}" if target else
                          f"status is missing: use one of {_words(STATUSES)}")
    if target != current and target not in TRANSITIONS[current]:
        raise TransitionError(f"a theme cannot go from {status_word(current)} to {status_word(target)}; from "
                              f"{status_word(current)} it can go to {_words(TRANSITIONS[current])}")
    if target == "declined" and not reason:
        raise TransitionError(DECLINE_NEEDS_REASON)


def check_note(what: str, text: str | None) -> None:
    """A note or a decline reason of at most MAX_NOTE_CHARS characters (ConfigError otherwise)."""
    if text and len(text) > MAX_NOTE_CHARS:
        raise ConfigError(f"the {what} may have at most {MAX_NOTE_CHARS} characters, this one has {len(text)}: "
                          "shorten it (agents read it on their page and in every digest; the ticket can hold the "
                          "details)")


def title(con: duckdb.DuckDBPyConnection, theme_id: int) -> str:
    """The theme's shown title; ThemeNotFoundError when the published run has no such theme (every command and
    page that takes a theme id checks it here, or raises that error itself)."""
    row = first_row(con, "SELECT display_title FROM current_themes WHERE theme_id = ?", [theme_id])
    if row is None and published_run(con) is None:
        raise NoResultsError()
    if row is None:
        raise ThemeNotFoundError(theme_id)
    return row[0]


def theme_name(name: str) -> str:
    """A PM's name for a theme as it is stored: one line, single spaces, personal data redacted, at most
    MAX_NAME_CHARS characters (else ConfigError)."""
    name = redact_text(one_line(name))
    if len(name) > MAX_NAME_CHARS:
        raise ConfigError(f"a theme name may have at most {MAX_NAME_CHARS} characters, this one has {len(name)}: "
                          "shorten it (it is a title in tables, charts and the Jira Summary; the note can say more)")
    return name


def changed_by(by: str | None, ask: str) -> str:
    """Who makes a change, as stored and shown to PMs and agents (`voc.text.redact.person`: no e-mail address or phone
    number, no control character in it); ConfigError `ask` ("say who ...: pass --by USER") when nobody is named: a
    missing value, a usage error (exit 2) like any other, not a move the workflow refuses."""
    by = one_line(by or "")
    if not by:
        raise ConfigError(ask)
    return person(by)


def check_ticket_link(url: str | None) -> None:
    """A ticket link is shown as a link to PMs and agents: only an http(s) address (ConfigError otherwise)."""
    if url and http_url(url) is None:
        raise ConfigError(f"ticket link {url!r} is not an http(s) address: pass one such as "
                          "https://jira.example/browse/PAY-123")


def clean_note(note: str | None) -> str | None:
    """A PM's note as it is stored: no control characters, one kind of line end (a browser's textarea sends CRLF),
    personal data redacted (it is shown to agents and sent by e-mail)."""
    if note is None:
        return None
    return redact_text("\n".join(without_controls(note).splitlines()))


def check_name_free(con: duckdb.DuckDBPyConnection, theme_id: int, name: str) -> None:
    """A theme's new name (as stored, see `theme_name`) must say something and be no other theme's shown title, in
    any case: the rename page, `voc theme rename` and `voc status --name` all come through here."""
    if not name:
        raise TransitionError("the new name is empty: pass a name such as \"Refunds take weeks\"")
    clash = first_row(con, "SELECT theme_id FROM current_themes WHERE lower(display_title) = lower(?) "
                           "AND theme_id <> ?", [name, theme_id])
    if clash:
        raise TransitionError(f"theme {clash[0]} is already called {name!r}: choose another name")


def current(con: duckdb.DuckDBPyConnection, theme_id: int) -> Workflow:
    row = first_row(con, f"SELECT {', '.join(COLUMNS)} FROM theme_workflow WHERE theme_id = ?", [theme_id])
    return Workflow(*row) if row else Workflow()


def _write(con, theme_id: int, wf: Workflow, by: str, now: datetime) -> None:
    con.execute(f"INSERT OR REPLACE INTO theme_workflow (theme_id, {', '.join(COLUMNS)}, updated_at, updated_by) "
                f"VALUES (?, {', '.join('?' * len(COLUMNS))}, ?, ?)",
                [theme_id, *(getattr(wf, c) for c in COLUMNS), now, by])


def _event(con, theme_id: int, by: str, now: datetime, kind: str, before: str, after: str, note: str | None,
           run_id: int | None = None, reason: str | None = None, other_id: int | None = None,
           changes: str | None = None) -> int:
    """One row of the history; `reason` is why the theme is declined, on the event that declined it; `other_id` the
    theme a merge took in or a split came from; `changes` what else it changed (`field_changes`). Both themes' names
    as shown now (`theme_names`) go with it: agents
    read the change under them, whatever the themes are called later."""
    event_id = scalar(con, "SELECT nextval('event_id_seq')")
    con.execute("INSERT INTO theme_events (event_id, theme_id, changed_at, changed_by, kind, from_status, to_status, "
                "note, run_id, reason, other_theme_id, changes, theme_title, other_title) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT name FROM theme_names WHERE theme_id = ?), "
                "(SELECT name FROM theme_names WHERE theme_id = ?))",
                [event_id, theme_id, now, by, kind, before, after, note, run_id, reason, other_id, changes, theme_id,
                 other_id])
    return event_id


def enqueue(con: duckdb.DuckDBPyConnection, event_id: int, theme_id: int, now: datetime) -> int:
    """One outbox row per agent with a comment in the theme (in the published run)."""
    con.execute("""INSERT INTO outbox SELECT nextval('notification_id_seq'), ?, agent_id, ?, ?
                   FROM (SELECT DISTINCT agent_id FROM current_assignments WHERE theme_id = ? ORDER BY agent_id)""",
                [event_id, theme_id, now, theme_id])
    return scalar(con, "SELECT count(*) FROM outbox WHERE event_id = ?", [event_id])


def cleaned(key: str, value: str) -> str | None:
    """A typed value as stored: redacted, one line (a note keeps its lines); empty is None (the field is removed),
    except a name (`check_name_free` refuses an empty one)."""
    if key == "name":
        return theme_name(value)
    text = (clean_note(value) if key == "note" else redact_text(one_line(value))).strip()
    if key in ("note", "reason"):
        check_note(key, text)
    return text or None


def update(con: duckdb.DuckDBPyConnection, theme_id: int, by: str, status: str | None = None,
           note: str | None = None, seen: int | None = None, **changes) -> tuple[int, int]:
    """Change a theme's status and/or other fields, record it, queue notifications. A field given as "" is removed
    (a note, owner, ticket, reason); None keeps it. `seen` is the theme's `version` the change was made from (a web
    form): StaleChangeError when someone changed the theme since. Returns (event id, agent notifications queued)."""
    shown = title(con, theme_id)
    by = changed_by(by, "say who makes the change: pass --by USER")
    unknown = set(changes) - set(COLUMNS)
    if unknown:
        raise TransitionError(f"unknown field(s) {', '.join(sorted(unknown))}")
    changes = {key: cleaned(key, value) for key, value in {**changes, "note": note}.items() if value is not None}
    check_ticket_link(changes.get("ticket_url"))
    same_name = changes.get("name") == shown  # already the shown title (a PM's name or the generated one)
    if same_name:
        del changes["name"]
    elif "name" in changes:
        check_name_free(con, theme_id, changes["name"])
    if seen is not None:
        check_fresh(con, theme_id, seen)
    before = current(con, theme_id)
    after = replace(before, status=status_key(status) if status else before.status, **changes)
    check_transition(before.status, after.status, after.reason)
    if after == before and same_name and not changes and status is None:  # asked to rename only
        raise TransitionError(f"theme {theme_id} is already called {shown!r}: nothing to rename")
    if after == before:
        raise TransitionError(f"theme {theme_id} is already {status_word(before.status)} with these values: "
                              "nothing to change")
    kind = "status" if after.status != before.status else ("note" if after.note not in (before.note, None)
                                                           else "update")
    declines = kind == "status" and after.status == "declined"
    said = field_changes(before, after, skip=("reason",) if declines else (), shown=shown)
    if kind == "update" and [c for c in COLUMNS if getattr(after, c) != getattr(before, c)] == ["name"]:
        kind = "rename"
    now = datetime.now()
    with transaction(con):
        _write(con, theme_id, after, by, now)
        event_id = _event(con, theme_id, by, now, kind, before.status, after.status,
                          after.note if after.note != before.note else None,
                          reason=after.reason if declines else None, changes=said)
        queued = enqueue(con, event_id, theme_id, now) if kind in NOTIFYING_KINDS else 0
    return event_id, queued


def history(con: duckdb.DuckDBPyConnection, theme_id: int) -> list[dict]:
    """Every change to the theme, oldest first. An event that declined the theme has its `reason`, and its `note`
    (what a history line shows after the move) reads "reason: …" first, so every history a PM reads says why."""
    events = dicts(con, "SELECT event_id, changed_at, changed_by, kind, from_status, to_status, note, run_id, reason, "
                        "changes FROM theme_events WHERE theme_id = ? ORDER BY event_id", [theme_id])
    for e in events:
        if e["reason"]:
            e["note"] = f"reason: {e['reason']}" + (f"; note: {e['note']}" if e["note"] else "")
    return events


def carry_lineage(con: duckdb.DuckDBPyConnection, run_id: int, lineage: list[Lineage]) -> None:
    """Inside the publishing transaction: move what was attached to merged / split themes to their heirs. A
    product manager's merge or split is recorded under their name, and every agent with comments in the theme it
    made hears of it (some of their comments moved; all of them now share a theme, its status and its notes); one a
    run found is recorded only where there was something to carry."""
    now = datetime.now()
    for item in lineage:
        con.execute("INSERT INTO theme_lineage VALUES (?, ?, ?, ?, ?)",
                    [run_id, item.parent_id, item.child_id, item.kind, item.overlap])
        parent = current(con, item.parent_id)
        if parent == Workflow() and item.by is None:
            continue
        child = current(con, item.child_id)
        before = child.status
        if item.kind == "merge":
            _take_over(child, parent, item.parent_id)
        by = item.by or RUN_AUTHOR
        _write(con, item.child_id, child, by, now)
        event_id = _event(con, item.child_id, by, now, item.kind, parent.status if item.kind == "merge" else before,
                          child.status, lineage_note(item, parent), run_id,
                          reason=child.reason if child.status == "declined" else None, other_id=item.parent_id)
        if item.by is not None:
            enqueue(con, event_id, item.child_id, now)


def _take_over(child: Workflow, parent: Workflow, parent_id: int) -> None:
    """What a merge carries into the surviving theme `child`: the merged theme's notes, and its status, reason,
    owner and ticket where the survivor is still new. (A split carries nothing: see the module's docstring.)"""
    if parent.note:
        child.note = "\n".join(filter(None, [child.note, f"[merged from #{parent_id}] {parent.note}"]))
    if child.status == "new" and parent.status != "new":
        child.status, child.reason = parent.status, parent.reason
        child.owner = child.owner or parent.owner
        child.ticket_key, child.ticket_url = (child.ticket_key or parent.ticket_key,
                                              child.ticket_url or parent.ticket_url)


def lineage_note(item: Lineage, parent: Workflow) -> str:
    """The history's record of a merge or split: "merged from #12 (planned, payments): <its note>", or "split from
    #5 (declined, identity, ticket ID-9)": a split's parent's owner and ticket are named for the PM to take over, and
    its note (about another problem) is left out."""
    if item.kind == "merge":
        return (f"merged from #{item.parent_id} ({parent.status}" + (f", {parent.owner}" if parent.owner else "")
                + ")" + (f": {parent.note}" if parent.note else ""))
    ticket = parent.ticket_key or parent.ticket_url
    held = [parent.status, parent.owner, f"ticket {ticket}" if ticket else None]
    return f"split from #{item.parent_id} ({', '.join(filter(None, held))})"
