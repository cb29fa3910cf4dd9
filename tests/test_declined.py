"""A declined theme's reason reaches agents and PMs, and a theme split off a declined one starts afresh. Real stores
(copies of one real flow run), a real local HTTP endpoint and SMTP server, the CLI as users call it."""

import functools

from typer.testing import CliRunner

from tests.dbutil import rows
from tests.test_loop import Webhook
from voc import store
from voc.agents import loop, notify
from voc.cli.main import app
from voc.pm import report, theme_edit, workflow
from voc.pm.workflow import Workflow
from voc.text.escape import chat
from voc.themes.identity import Lineage

REASON = "Liegt am <b>Passwort-Manager</b>, siehe max@example.com"  # HTML to escape, an address to redact
SHOWN = "Liegt am <b>Passwort-Manager</b>, siehe [EMAIL]"  # as stored and shown (as text)
SAID = {"en": f"Reason: {SHOWN}", "de": f"Begründung: {SHOWN}"}


def theme_with_subthemes(db) -> tuple[int, int]:
    """The top-ranked theme with at least two sub-themes, and its smallest sub-theme."""
    return rows(db, "SELECT s.theme_id, arg_min(s.subtheme_id, s.size) FROM current_subthemes s "
                    "JOIN current_themes t USING (theme_id) GROUP BY s.theme_id, t.rank HAVING count(*) > 1 "
                    "ORDER BY t.rank LIMIT 1")[0]


def decline(db, theme: int, note: str | None = None) -> None:
    with store.open(db, write=True) as con:
        workflow.update(con, theme, "anna", status="declined", reason=REASON, owner="identity", ticket_key="ID-9",
                        note=note)


def agents_of(db, theme: int) -> set[str]:
    return {a for a, in rows(db, "SELECT DISTINCT agent_id FROM current_assignments WHERE theme_id = ?", [theme])}


def test_a_theme_split_off_a_declined_theme_starts_new_without_its_reason_note_owner_or_ticket(store_copy):
    """F8: the split-out sub-theme is a problem nobody has looked at: `new`, nothing of the parent's decision on it;
    its history says where it came from and what the parent had. The parent stays declined."""
    theme, sub = theme_with_subthemes(store_copy)
    decline(store_copy, theme, note="Bitte auf den Passwort-Reset verweisen")
    theme_edit.split(store_copy, theme, sub, "anna")
    new = rows(store_copy, "SELECT child_id FROM theme_lineage WHERE kind = 'split'")[0][0]
    runner = CliRunner()
    shown = runner.invoke(app, ["status", str(new), "--db", str(store_copy)])
    with store.open(store_copy) as con:
        child, parent = workflow.current(con, new), workflow.current(con, theme)
        history = [(h["kind"], h["from_status"], h["to_status"], h["note"]) for h in workflow.history(con, new)]
        agent = sorted(agents_of(store_copy, new))[0]
        mine = [c for c in loop.agent_view(con, agent, mark_seen=False).comments if c["theme_id"] == new]
    assert child == Workflow(), child  # was: declined, the parent's reason, "[split from #5] ..." note, owner, ticket
    assert parent.status == "declined" and parent.reason == SHOWN and parent.ticket_key == "ID-9"
    assert history == [("split", "new", "new", f"split from #{theme} (declined, identity, ticket ID-9)")]
    assert shown.exit_code == 0 and shown.output.splitlines()[0].endswith(": new"), shown.output
    assert "reason" not in shown.output and "Passwort-Manager" not in shown.output
    assert mine and all(c["status"] == "new" and c["note"] is None and c["reason"] is None for c in mine)


def test_a_split_a_run_found_starts_new_too_and_a_merge_still_carries_the_status(store_copy):
    """The same rule for a split a re-cluster found (`carry_lineage` without a PM); a merge keeps carrying the merged
    theme's status and reason to a survivor that is still new (documented, unchanged)."""
    parent, child, survivor = [t for t, in rows(store_copy, "SELECT theme_id FROM current_themes ORDER BY rank "
                                                            "LIMIT 3")]
    decline(store_copy, parent)
    with store.open(store_copy, write=True) as con:
        with store.transaction(con):
            workflow.carry_lineage(con, 99, [Lineage(parent, child, "split", 0.9),
                                             Lineage(parent, survivor, "merge", 0.9)])
        split_off, merged = workflow.current(con, child), workflow.current(con, survivor)
        events = {t: workflow.history(con, t)[-1] for t in (child, survivor)}
    assert split_off == Workflow() and events[child]["reason"] is None
    assert (merged.status, merged.reason, merged.owner) == ("declined", SHOWN, "identity")
    assert events[survivor]["reason"] == SHOWN  # the merge declined it: its history says why


def test_a_decline_reason_reaches_agents_by_webhook_email_cli_and_the_history(store_copy, smtp_server):
    """F9: the reason is what agents read with "declined", in their language, wherever they read it (digest text and
    JSON, e-mail, `voc agent`), and the history line and the report say it too: redacted, HTML shown as text."""
    port, received = smtp_server
    theme, _ = theme_with_subthemes(store_copy)
    decline(store_copy, theme, note="Bitte auf den Passwort-Reset verweisen")
    hook = Webhook()
    try:
        notify.deliver(functools.partial(store.open, store_copy, write=True), notify.Channels(
            webhook_url=hook.url, smtp_host="127.0.0.1", smtp_port=port, address="{agent_id}@cc.example"))
    finally:
        hook.close()
    declined = {"en": "is now declined (was new)", "de": "ist jetzt abgelehnt (vorher neu)"}
    assert {d["agent_id"] for d in hook.accepted} == agents_of(store_copy, theme)
    assert len(received) == len(hook.accepted)
    for d in hook.accepted:
        item, = d["items"]
        assert item["reason"] == SHOWN, item  # was "note": null, and no reason
        assert item["note"] == f"{SAID[d['language']]}\nBitte auf den Passwort-Reset verweisen", item
        said = f"{declined[d['language']]}: {chat(SAID[d['language']])}\n  Bitte auf den Passwort-Reset verweisen"
        assert said in d["text"], d["text"]  # the note indented under its bullet, escaped for chat tools
    mails = {m["To"].split("@")[0]: m.get_payload(decode=True).decode().replace("\r\n", "\n") for m in received}
    assert all(SAID[d["language"]] in mails[d["agent_id"]] for d in hook.accepted)

    agent = next(d for d in hook.accepted if d["language"] == "de")["agent_id"]
    told = CliRunner().invoke(app, ["agent", agent, "--db", str(store_copy), "--peek"]).output
    assert f"ist jetzt abgelehnt (vorher neu): {SAID['de']}" in told  # what changed since the agent last looked
    assert "abgelehnt *" in told and told.count("Begründung: Liegt am") > 1  # and each declined comment's note
    with store.open(store_copy) as con:
        note = next(c["note"] for c in loop.agent_view(con, agent, mark_seen=False).comments if c["theme_id"] == theme)
        page = report.render_html(report.overview(con), con)
    assert note == f"{SAID['de']}\nBitte auf den Passwort-Reset verweisen"

    history = CliRunner().invoke(app, ["status", str(theme), "--db", str(store_copy)]).output
    assert f"status  new → declined  reason: {SHOWN}" in history, history  # was: nothing after the move
    assert "Declined: <span class=\"lines\">Liegt am &lt;b&gt;Passwort-Manager&lt;/b&gt;, siehe [EMAIL]</span>" in page
    assert "max@example.com" not in page + history + told + str(hook.accepted)


def test_an_older_store_gets_the_reason_of_a_theme_declined_before_the_upgrade(store_copy):
    """Schema version 10 adds the reason to the history; a store declined under version 9 gets it on the change
    that declined the theme (not on a later note), so agents and the history read it there too."""
    theme, _ = theme_with_subthemes(store_copy)
    decline(store_copy, theme)
    with store.open(store_copy, write=True) as con:
        workflow.update(con, theme, "anna", note="Später")
        con.execute("ALTER TABLE theme_events DROP COLUMN other_theme_id")  # as version 9 wrote it
        con.execute("ALTER TABLE theme_events DROP COLUMN reason")
        con.execute("ALTER TABLE imports DROP COLUMN read_options")  # version 12
        con.execute("ALTER TABLE theme_events DROP COLUMN theme_title")  # version 13
        con.execute("ALTER TABLE theme_events DROP COLUMN other_title")
        con.execute("DELETE FROM schema_migrations WHERE version >= 10")
    with store.open(store_copy, write=True) as con:  # opening upgrades it
        history = [(h["kind"], h["reason"]) for h in workflow.history(con, theme)]
    assert history == [("status", SHOWN), ("note", None)]
