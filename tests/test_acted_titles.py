"""A theme a PM has acted on is known by the title it was acted on under (walkthrough 5b, F-declined-retitled):
re-clusters keep that title, agents read each change under the title it was made under (digest, page, `voc agent`
alike), and a declined theme is no row of the team's Jira CSV. Real stores, real flow runs."""

import csv
import functools
from datetime import datetime

from dbutil import rows
from typer.testing import CliRunner

from flows.nightly import nightly
from voc import store
from voc.agents import loop, notify
from voc.cli.main import app
from voc.pm import handoff, theme_edit, workflow
from voc.web import users
from voc.web.app import create_app
from test_loop import Webhook
from test_web import Server, browser, login  # noqa: F401  (browser: the module's fixture)

REASON = "Kein Problem: Textbaustein der Agenten"


def published_run(db) -> int:
    return rows(db, "SELECT run_id FROM published WHERE name = 'themes'")[0][0]


def as_if_titled_and_partly_new(db, theme: int, title: str) -> None:
    """The published run titled `theme` `title` and had a third of its comments unclustered: the next re-cluster puts
    them back, so the theme keeps under TITLE_KEPT_SHARE of its comments and its generated title is recomputed."""
    run = published_run(db)
    with store.open(db, write=True) as con:
        con.execute("UPDATE themes SET title = ? WHERE run_id = ? AND theme_id = ?", [title, run, theme])
        con.execute("""UPDATE assignments SET theme_id = -1, subtheme_id = -1 WHERE run_id = ? AND theme_id = ?
                       AND hash(comment_id) % 3 = 0""", [run, theme])


def test_a_theme_a_pm_acted_on_keeps_its_title_through_a_recluster_an_untouched_one_does_not(store_copy, demo_files):
    """The PM declined junk theme #13 under its title; the week-6 re-cluster kept its id and status but changed over
    20% of its comments and re-titled it "Subscription suddenly got more expensive". A declined theme keeps the title
    it was declined under; an untouched theme whose comments changed as much is named anew (today's rule)."""
    db = store_copy
    declined, untouched = [t for t, in rows(db, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 2")]
    as_if_titled_and_partly_new(db, declined, "Kunde droht mit Kündigung")
    as_if_titled_and_partly_new(db, untouched, "Ein alter Titel")
    with store.open(db, write=True) as con:
        workflow.update(con, declined, "pm.anna", status="declined", reason=REASON)
    summary = nightly(str(demo_files.comments), str(db), source_name="demo", mode="full")
    assert summary["mode"] == "full"
    titles = dict(rows(db, "SELECT theme_id, display_title FROM current_themes"))
    assert titles[declined] == "Kunde droht mit Kündigung"
    assert titles[untouched] not in ("Ein alter Titel", None)
    assert rows(db, "SELECT status FROM current_themes WHERE theme_id = ?", [declined]) == [("declined",)]


def retitled_by_a_later_run(db, theme: int, title: str) -> None:
    """A later run publishes the same themes with `theme` titled `title` (as a re-cluster of an older voc did to the
    declined theme #13), after the changes made so far."""
    run = published_run(db)
    with store.open(db, write=True) as con:
        new = store.scalar(con, "SELECT nextval('run_id_seq')")
        con.execute("INSERT INTO runs SELECT * REPLACE (? AS run_id, 'full' AS mode, ? AS started_at, ? AS finished_at)"
                    " FROM runs WHERE run_id = ?", [new, datetime.now(), datetime.now(), run])
        for table in ("themes", "assignments", "subthemes"):
            con.execute(f"INSERT INTO {table} SELECT * REPLACE (? AS run_id) FROM {table} WHERE run_id = ?", [new, run])
        con.execute("UPDATE themes SET title = ? WHERE run_id = ? AND theme_id = ?", [title, new, theme])
        con.execute("UPDATE published SET run_id = ? WHERE name = 'themes'", [new])


def declined_with_an_agent(db) -> tuple[int, str, str]:
    """The top theme, declined; one agent with a comment in it, and its title when it was declined."""
    theme = rows(db, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1")[0][0]
    agent = rows(db, "SELECT min(agent_id) FROM current_assignments WHERE theme_id = ?", [theme])[0][0]
    with store.open(db, write=True) as con:
        title = workflow.title(con, theme)
        workflow.update(con, theme, "pm.anna", status="declined", reason=REASON)
    return theme, agent, title


def change_of(db, agent: str, theme: int) -> dict:
    with store.open(db) as con:
        view = loop.agent_view(con, agent, mark_seen=False, language="en")
    return next(c for c in view.changes if c["theme_id"] == theme and c["kind"] == "status")


def test_agents_read_a_change_under_the_title_it_was_made_under_in_the_digest_the_page_and_the_cli(
        store_copy, browser, smtp_server):
    """The digest said 'Theme #13 "Customer is furious ..." is now declined'; after a re-cluster re-titled #13, the
    agent page said '"Subscription suddenly got more expensive" is now declined'. The webhook digest sent at once,
    the e-mail digest sent after the re-title, `voc agent` and the page all name the theme as it was titled when the
    PM declined it; the theme's group on the page shows its title now."""
    db, (port, received) = store_copy, smtp_server
    theme, agent, title = declined_with_an_agent(db)
    hook = Webhook()
    try:
        notify.deliver(functools.partial(store.open, db, write=True), notify.Channels(webhook_url=hook.url))
    finally:
        hook.close()
    digest = next(d for d in hook.accepted if d["agent_id"] == agent)
    assert next(i for i in digest["items"] if i["theme_id"] == theme)["theme"] == title
    retitled_by_a_later_run(db, theme, "Subscription suddenly got more expensive")
    assert change_of(db, agent, theme)["theme"] == title
    notify.deliver(functools.partial(store.open, db, write=True),
                   notify.Channels(smtp_host="127.0.0.1", smtp_port=port, address="{agent_id}@cc.example"))
    mail = next(m for m in received if m["To"] == f"{agent}@cc.example").get_payload(decode=True).decode()
    assert f'#{theme} “{title}”' in mail and "Subscription" not in mail, mail
    said = CliRunner().invoke(app, ["agent", agent, "--db", str(db), "--peek", "--language", "en"])
    assert said.exit_code == 0 and f'#{theme} “{title}” is now declined' in said.output, said.output
    with store.open(db, write=True) as con:
        users.add(con, "ali", "agent", "agent-password-1", agent_id=agent)
    with Server(create_app(db, secret="test-secret", sync_seconds=None)) as server:
        page = login(browser, server, ("ali", "agent-password-1"))
        page.goto(f"{server.url}/agent/{agent}?lang=en")
        assert f"“{title}” is now declined (was new): Reason: {REASON}" in page.inner_text(".changes")
        group = page.locator(f"section.group[data-theme='{theme}'] h2").inner_text()
        assert "Subscription suddenly got more expensive" in group


def test_an_older_stores_changes_get_the_title_they_were_made_under(store_copy):
    """Schema version 13 keeps the title with each change; in a store written before, a change gets the title of the
    theme in the last run published before it, so the page stops renaming what was declined."""
    db = store_copy
    theme, agent, title = declined_with_an_agent(db)
    retitled_by_a_later_run(db, theme, "Subscription suddenly got more expensive")
    with store.open(db, write=True) as con:  # as version 12 wrote it
        con.execute("ALTER TABLE theme_events DROP COLUMN theme_title")
        con.execute("ALTER TABLE theme_events DROP COLUMN other_title")
        con.execute("DELETE FROM schema_migrations WHERE version >= 13")
    assert change_of(db, agent, theme)["theme"] == title  # opening upgrades it


def test_an_older_stores_changes_of_a_theme_named_with_status_name_read_the_name(store_copy):
    """`voc status --name` leaves no rename record, so when the name was given is not known: an older store's change
    of such a theme is read as the theme is named now (what agents read before the upgrade), not a run's title."""
    db = store_copy
    theme, agent, title = declined_with_an_agent(db)
    with store.open(db, write=True) as con:
        workflow.update(con, theme, "pm.anna", name="Textbaustein (kein Problem)")
    retitled_by_a_later_run(db, theme, "Subscription suddenly got more expensive")
    with store.open(db, write=True) as con:  # as version 12 wrote it
        con.execute("ALTER TABLE theme_events DROP COLUMN theme_title")
        con.execute("ALTER TABLE theme_events DROP COLUMN other_title")
        con.execute("DELETE FROM schema_migrations WHERE version >= 13")
    assert change_of(db, agent, theme)["theme"] == "Textbaustein (kein Problem)" != title


def test_a_declined_theme_is_not_in_the_jira_csv_and_themes_without_a_key_are_named(store_copy, tmp_path):
    """Week 6's payments jira.csv carried '[voc #13] Subscription suddenly got more expensive' for the declined #13,
    and every weekly import re-created #1 and #6, which had no Issue Key, without a word. The declined theme is only in
    summary.md (with its status); the command and summary.md say which themes have no key and how to write keys back.
    A declined theme that already has an issue stays, its description saying it was declined and why: the import
    updates the issue, and the team can close it (left out, the issue stayed open for a non-problem)."""
    db = store_copy
    declined, keyed, closed = [t for t, in rows(db, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 3")]
    with store.open(db, write=True) as con:
        workflow.update(con, declined, "pm.anna", status="declined", reason=REASON)
        workflow.update(con, keyed, "pm.anna", ticket_key="PAY-101", note="Fix ships in [March]")
        workflow.update(con, closed, "pm.anna", ticket_key="PAY-102")
        workflow.update(con, closed, "pm.anna", status="declined", reason="Works as designed")
    themes = rows(db, "SELECT count(*) FROM current_themes")[0][0]
    said = CliRunner().invoke(app, ["handoff", "--out", str(tmp_path / "h"), "--db", str(db)])
    assert said.exit_code == 0, said.output
    with open(tmp_path / "h" / "jira.csv", encoding="utf-8", newline="") as f:
        jira = list(csv.reader(f))[1:]
    assert {r[3] for r in jira} == {f"voc-theme-{t}" for t, in rows(db, "SELECT theme_id FROM current_themes")} - {
        f"voc-theme-{declined}"}
    assert [r[4] for r in jira if r[3] == f"voc-theme-{keyed}"] == ["PAY-101"]
    described = {r[4]: r[1].splitlines()[1] for r in jira if r[4]}
    assert described == {"PAY-101": "Status in voc: new. PM note: Fix ships in \\[March\\]",
                         "PAY-102": "Status in voc: declined, because Works as designed."}
    summary = (tmp_path / "h" / "summary.md").read_text(encoding="utf-8")
    assert f"(theme {declined})" in summary and "Status: **declined**" in summary
    no_key = f"{themes - 3} theme(s) in jira.csv have no Issue Key"
    write_back = "importing it again creates new issues for them; after an import, write each issue's key back with"
    assert f"- {no_key} (" in summary and f"{write_back} `voc status ID --ticket KEY`." in summary
    assert f"- 1 declined theme(s) not in jira.csv (#{declined})." in summary
    line = " ".join(said.output.split())
    assert line.startswith(f"wrote {themes} themes to ") and no_key in line and write_back in line
    assert f"1 declined theme(s) not in jira.csv (#{declined})" in line and "voc status ID --ticket KEY" in line
    assert ";" not in handoff.HandoffFiles(*[tmp_path] * 4, 3).wrote()  # all keyed, none declined: nothing to add
