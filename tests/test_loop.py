"""The loop back to agents: workflow, agent view, notifications, handoff. Real stores, real local servers."""

import contextlib
import csv
import functools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tests.dbutil import rows as rows_of
from voc import store
from voc.agents import loop, notify, titles, wording
from voc.cli.main import app
from voc.errors import AccessError, ConfigError, NotFoundError, TransitionError
from voc.pm import corrections, handoff, theme_edit, workflow


class Webhook:
    """A local HTTP endpoint that fails the first `failures` POSTs with HTTP 500, then accepts."""

    def __init__(self, failures=0):
        self.failures, self.requests, self.accepted = failures, 0, []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                hook.requests += 1
                if hook.requests <= hook.failures:
                    self.send_response(500)
                else:
                    hook.accepted.append(body)
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def con(store_copy):
    connection = store.connect(store_copy)
    yield connection
    connection.close()


def held(con):
    """A store opener for `notify.deliver` that hands out the test's own open connection."""
    return lambda: contextlib.nullcontext(con)


def named(con, theme, language):
    """A published theme's name as an agent reading `language` reads it: in its quotation marks, in that language
    where the theme has a title in it (`voc.agents.titles`)."""
    return wording.quoted(titles.titles_in(con, language).get(theme, workflow.title(con, theme)), language)


def top_theme(con):
    return store.scalar(con, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1")


def agents_of(con, theme_id):
    return {a for a, in con.execute("SELECT DISTINCT agent_id FROM current_assignments WHERE theme_id = ?",
                                    [theme_id]).fetchall()}


def test_full_loop_planned_theme_reaches_each_contributing_agent_once(con):
    theme = top_theme(con)
    contributors = agents_of(con, theme)
    workflow.update(con, theme, "pm.anna", status="planned", owner="payments", note="Fix ships with release 5.3")
    hook = Webhook()
    try:
        channels = notify.Channels(webhook_url=hook.url, backoff_seconds=0)
        result = notify.deliver(held(con), channels)
        assert notify.deliver(held(con), channels)["webhook"]["digests_sent"] == 0  # acknowledged: never sent again
    finally:
        hook.close()
    assert result["webhook"]["digests_sent"] == len(contributors) == len(hook.accepted)
    entries = [(d["agent_id"], i["theme_id"]) for d in hook.accepted for i in d["items"]]
    assert sorted(entries) == sorted((a, theme) for a in contributors)  # exactly one entry per contributing agent
    planned = {"en": "is now planned (was new)", "de": "ist jetzt eingeplant (vorher neu)"}
    assert all(planned[d["language"]] in d["text"] and "release 5.3" in d["text"] for d in hook.accepted)
    agent = sorted(contributors)[0]
    view = loop.agent_view(con, agent)
    mine = [c for c in view.comments if c["theme_id"] == theme]
    assert mine and all(c["status"] == "planned" and c["note"] == "Fix ships with release 5.3" for c in mine)
    assert [c["to_status"] for c in view.changes] == ["planned"] and mine[0]["changed_since_last_look"]
    said = {"en": "1 planned", "de": "1 eingeplant"}[view.language]
    assert view.summary["planned"] >= 1 and said in view.summary["headline"]
    assert loop.agent_view(con, agent).changes == []  # seen now


def test_a_webhook_that_fails_twice_then_succeeds_delivers_once(con):
    theme = top_theme(con)
    workflow.update(con, theme, "pm.anna", note="We are looking into it")
    agent = sorted(agents_of(con, theme))[0]
    con.execute("DELETE FROM outbox WHERE agent_id <> ?", [agent])  # one digest, to count requests exactly
    hook, waits = Webhook(failures=2), []
    try:
        result = notify.deliver(held(con), notify.Channels(webhook_url=hook.url, attempts=3), sleep=waits.append)
        again = notify.deliver(held(con), notify.Channels(webhook_url=hook.url))
    finally:
        hook.close()
    assert result["webhook"] == {"digests_sent": 1, "notifications": 1, "digests_failed": 0, "digests_deferred": 0,
                                 "errors": []}
    assert hook.requests == 3 and len(hook.accepted) == 1 and again["webhook"]["digests_sent"] == 0
    assert waits == [1.0, 2.0]  # backoff doubles
    assert con.execute("SELECT attempts, delivered_at IS NOT NULL FROM deliveries").fetchall() == [(3, True)]


def test_a_failing_endpoint_loses_nothing(con):
    theme = top_theme(con)
    workflow.update(con, theme, "pm.anna", status="under_review")
    n = len(agents_of(con, theme))
    down = Webhook(failures=10**6)
    try:
        result = notify.deliver(held(con), notify.Channels(webhook_url=down.url, attempts=2, backoff_seconds=0))
    finally:
        down.close()
    failed = min(n, notify.MAX_FAILED_IN_A_ROW)  # then the channel is given up for this run
    assert result["webhook"]["digests_failed"] == failed and "HTTP 500" in result["webhook"]["errors"][0]
    assert result["webhook"]["digests_deferred"] == n - failed and down.requests == 2 * failed
    up = Webhook()
    try:
        later = notify.deliver(held(con), notify.Channels(webhook_url=up.url))
    finally:
        up.close()
    assert later["webhook"]["digests_sent"] == n == len(up.accepted)


def test_email_digests_go_through_a_local_smtp_server(con, smtp_server):
    port, received = smtp_server
    theme = top_theme(con)
    workflow.update(con, theme, "pm.anna", status="planned", note="Planned for December")
    result = notify.deliver(held(con), notify.Channels(smtp_host="127.0.0.1", smtp_port=port,
                                                       address="{agent_id}@cc.example"))
    assert result["email"]["digests_sent"] == len(agents_of(con, theme)) == len(received)
    assert {m["To"] for m in received} == {f"{a}@cc.example" for a in agents_of(con, theme)}
    assert "Planned for December" in received[0].get_payload(decode=True).decode()


def test_an_agent_reads_the_digest_in_the_language_most_of_their_comments_are_in(con, smtp_server):
    """The demo's agents file German and English comments: one filing mostly German reads a German mail, one
    filing mostly English an English one; a tie, or a language voc does not speak, reads English."""
    port, received = smtp_server
    theme = top_theme(con)
    filed = {a: (de, en) for a, de, en in con.execute(
        "SELECT agent_id, count(*) FILTER (language = 'de'), count(*) FILTER (language = 'en') "
        "FROM current_assignments WHERE agent_id IN (SELECT agent_id FROM current_assignments WHERE theme_id = ?) "
        "GROUP BY ALL", [theme]).fetchall()}
    german = {a for a, (de, en) in filed.items() if de > en}
    english = {a for a, (de, en) in filed.items() if en > de}
    assert german and english  # the test needs both
    workflow.update(con, theme, "pm.anna", status="under_review", note="Fix kommt mit 5.3")
    notify.deliver(held(con), notify.Channels(smtp_host="127.0.0.1", smtp_port=port, address="{agent_id}@cc.example"))
    mails = {m["To"].split("@")[0]: (m["Subject"], m.get_payload(decode=True).decode().replace("\r\n", "\n"))
             for m in received}  # SMTP sends CRLF line ends
    for agent in german:
        assert mails[agent] == ("voc: 1 Neuigkeit(en) zu Themen, die Sie gemeldet haben",
                                "Was aus den Kundenstimmen wurde, die Sie erfasst haben:\n"
                                f'- Thema #{theme} {named(con, theme, "de")} ist jetzt in Prüfung (vorher neu): '
                                'Fix kommt mit 5.3\nAlle Ihre Kundenstimmen und was aus ihnen wurde: in voc unter '
                                '„Meine Kundenstimmen“.\n')
    for agent in english:
        assert mails[agent] == ("voc: 1 update(s) on themes you reported",
                                "What happened to the customer comments you filed:\n"
                                f'- Theme #{theme} {named(con, theme, "en")} is now under review (was new): '
                                'Fix kommt mit 5.3\nAll your comments and what became of them: in voc, under '
                                '“My feedback”.\n')
    assert wording.agent_language({"de": 1, "en": 1}) == wording.agent_language({"fr": 2, "en": 1}) == "en"


def test_a_digest_names_a_theme_that_was_merged_away_before_it_was_sent(store_copy):
    with store.open(store_copy, write=True) as con:
        a, b = [t for t, in con.execute("SELECT theme_id FROM current_themes ORDER BY rank LIMIT 2").fetchall()]
        title_b = workflow.title(con, b)
        workflow.update(con, b, "pm.anna", status="under_review", note="Wir prüfen das")
        agents = agents_of(con, b)
    theme_edit.merge(store_copy, a, b, "pm.anna")  # b is no longer published when the digests go out
    hook = Webhook()
    try:
        notify.deliver(functools.partial(store.open, store_copy, write=True), notify.Channels(webhook_url=hook.url))
    finally:
        hook.close()
    assert {d["agent_id"] for d in hook.accepted} >= agents
    for d in (d for d in hook.accepted if d["agent_id"] in agents):  # the others hear only of the merge into a
        item = next(i for i in d["items"] if i["theme_id"] == b)
        assert item["theme"] == title_b, item  # was "#<id>": 'Theme #12 "#12" is now under_review'
        said = {"en": f'Theme #{b} “{title_b}” is now under review (was new): Wir prüfen das',
                "de": f'Thema #{b} „{title_b}“ ist jetzt in Prüfung (vorher neu): Wir prüfen das'}
        assert said[d["language"]] in d["text"], d["text"]


def test_agents_hear_of_a_pms_merge_under_the_pms_name(store_copy):
    """Two themes nobody has touched: the PM's merge moves agents' comments to another theme, so the agents of both
    hear of it, and the theme's history says who merged it (not "voc", as for a merge a run found)."""
    with store.open(store_copy) as con:
        a, b = [t for t, in con.execute("SELECT theme_id FROM current_themes ORDER BY rank LIMIT 2").fetchall()]
        agents = agents_of(con, a) | agents_of(con, b)
        title_b = workflow.title(con, b)
    theme_edit.merge(store_copy, a, b, "pm.anna")
    with store.open(store_copy) as con:
        merge = [e for e in workflow.history(con, a) if e["kind"] == "merge"]
        told = {agent for agent, in con.execute("SELECT agent_id FROM outbox").fetchall()}
    assert [(e["changed_by"], e["note"]) for e in merge] == [("pm.anna", f"merged from #{b} (new)")]
    assert told == agents
    with store.open(store_copy) as con:  # the agent's view, like the digest, says what happened, not the PM's record
        seen = loop.agent_view(con, sorted(agents)[0], mark_seen=False).changes
    assert [(c["kind"], c["note"]) for c in seen if c["theme_id"] == a] == [("merge", None)]
    hook = Webhook()
    try:
        notify.deliver(functools.partial(store.open, store_copy, write=True), notify.Channels(webhook_url=hook.url))
    finally:
        hook.close()
    with store.open(store_copy) as con:
        title = {language: named(con, a, language) for language in ("en", "de")}
    # it names the theme the comments came from (merged away, so by its last title) and the status they now share
    took = {"en": f'took in the comments of #{b} “{title_b}” (status: new)',
            "de": f'hat die Kommentare von #{b} „{title_b}“ übernommen (Status: neu)'}
    said = {"en": f'- Theme #{a} {title["en"]} ' + took["en"], "de": f'- Thema #{a} {title["de"]} ' + took["de"]}
    assert {d["language"] for d in hook.accepted} == {"en", "de"}
    assert all(d["text"].splitlines()[1:-1] == [said[d["language"]]] for d in hook.accepted), hook.accepted
    assert all([(i["what"], i["note"]) for i in d["items"]] == [(took[d["language"]], None)] for d in hook.accepted)
    assert all([i["other_theme_id"] for i in d["items"]] == [b] for d in hook.accepted)


def test_agents_hear_which_theme_a_pms_split_came_from_and_its_status(store_copy):
    """The split-off theme starts new; its agents read from which theme it was split (walkthrough F12)."""
    with store.open(store_copy, write=True) as con:
        theme, sub = con.execute("SELECT theme_id, subtheme_id FROM current_subthemes WHERE theme_id IN "
                                 "(SELECT theme_id FROM current_subthemes GROUP BY theme_id HAVING count(*) > 1) "
                                 "ORDER BY size DESC LIMIT 1").fetchone()
        workflow.update(con, theme, "pm.anna", status="planned")
        con.execute("DELETE FROM outbox")
    theme_edit.split(store_copy, theme, sub, "pm.anna")
    with store.open(store_copy) as con:
        new = store.scalar(con, "SELECT child_id FROM theme_lineage WHERE kind = 'split'")
        agent = sorted(agents_of(con, new))[0]
        seen = loop.agent_view(con, agent, mark_seen=False, language="de").changes
        parent = named(con, theme, "de")  # its name in German, the theme itself still published
    assert [c["what"] for c in seen if c["theme_id"] == new] == [f'wurde von #{theme} {parent} abgetrennt und ist neu']


def test_a_note_over_several_lines_reads_as_one_item_of_the_digest(con):
    theme = top_theme(con)
    workflow.update(con, theme, "pm.anna", status="planned", note="Fix ships in 5.3\r\nWorkaround: pay by invoice")
    assert workflow.current(con, theme).note == "Fix ships in 5.3\nWorkaround: pay by invoice"  # as a browser sends it
    hook = Webhook()
    try:
        notify.deliver(held(con), notify.Channels(webhook_url=hook.url))
    finally:
        hook.close()
    text = hook.accepted[0]["text"].rsplit("\n", 1)[0]  # before the line that says where to look
    assert text.endswith("(was new): Fix ships in 5.3\n  Workaround: pay by invoice") or \
        text.endswith("(vorher neu): Fix ships in 5.3\n  Workaround: pay by invoice"), text
    assert "\r" not in json.dumps(hook.accepted[0])


def test_email_without_an_address_template_is_refused_before_anything_is_sent(store_copy, smtp_server):
    port, received = smtp_server
    with store.open(store_copy, write=True) as con:
        workflow.update(con, top_theme(con), "pm.anna", status="planned", note="Planned for December")
    runner = CliRunner()
    result = runner.invoke(app, ["notify", "--db", str(store_copy), "--smtp", f"127.0.0.1:{port}"],
                           env={"VOC_AGENT_EMAIL": None})
    assert result.exit_code == 2 and result.output.strip() == (
        "error: e-mail needs the agents' addresses: pass --email '{agent_id}@your-company.example' "
        "(or set VOC_AGENT_EMAIL)"), result.output
    assert received == []  # was: every digest to A01@localhost ..., accepted, marked delivered, never sent again
    with store.open(store_copy) as con:
        assert store.scalar(con, "SELECT count(*) FROM deliveries") == 0
    result = runner.invoke(app, ["notify", "--db", str(store_copy), "--smtp", f"127.0.0.1:{port}"],
                           env={"VOC_AGENT_EMAIL": "{agent_id}@cc.example"})
    assert result.exit_code == 0 and received and all(m["To"].endswith("@cc.example") for m in received)


def test_renames_and_owner_changes_are_described_in_the_history_and_are_no_news_to_agents(con):
    theme = top_theme(con)
    agent = sorted(agents_of(con, theme))[0]
    loop.agent_view(con, agent)  # the agent has looked
    title = workflow.title(con, theme)
    workflow.update(con, theme, "pm.anna", name="Refunds take weeks")
    workflow.update(con, theme, "pm.anna", owner="payments", ticket_key="PAY-7")
    history = workflow.history(con, theme)
    assert [(h["kind"], h["changes"]) for h in history] == [
        ("rename", f"title {title} → Refunds take weeks"), ("update", "owner (none) → payments; ticket (none) → PAY-7")]
    assert loop.agent_view(con, agent).changes == []  # nothing an agent needs to hear about
    workflow.update(con, theme, "pm.anna", status="planned")
    assert [c["kind"] for c in loop.agent_view(con, agent).changes] == ["status"]


def test_invalid_transitions_are_refused(con, store_copy):
    theme = top_theme(con)
    with pytest.raises(TransitionError, match="cannot go from new to done"):
        workflow.update(con, theme, "pm.anna", status="done")
    with pytest.raises(TransitionError, match="needs a reason"):
        workflow.update(con, theme, "pm.anna", status="declined")
    with pytest.raises(NotFoundError):
        workflow.update(con, 99999, "pm.anna", status="planned")
    assert con.execute("SELECT count(*) FROM theme_events").fetchall() == [(0,)]
    con.close()
    result = CliRunner().invoke(app, ["status", str(theme), "--set", "done", "--by", "anna", "--db", str(store_copy)])
    assert result.exit_code == 7 and "from new it can go to under review, planned or declined" in result.output


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from strings(v)


def test_an_agent_view_never_contains_another_agents_comment(con):
    by_agent = {}
    for agent, cid, text in con.execute("SELECT agent_id, comment_id, text FROM current_assignments").fetchall():
        by_agent.setdefault(agent, {})[cid] = text
    agent = sorted(by_agent)[0]
    view = loop.agent_view(con, agent, viewer=agent)
    assert {c["comment_id"] for c in view.comments} == set(by_agent[agent])
    own = set(by_agent[agent].values())
    others = {t for a, texts in by_agent.items() if a != agent for t in texts.values()} - own
    # theme titles are phrases at least three comments say (voc.themes.titles.MIN_SUPPORT),
    # so a short title may read like a
    # colleague's whole note ("Paket kam beschädigt an"); every other string the view holds is the agent's own
    titles = {t for t, in con.execute("SELECT display_title FROM current_themes").fetchall()}
    shown = set(strings(view.__dict__))
    assert own <= shown and not (shown - titles) & others  # none is another agent's comment
    with pytest.raises(AccessError, match="only their own"):
        loop.agent_view(con, agent, viewer="A99")
    with pytest.raises(NotFoundError):
        loop.agent_view(con, "nobody")


def test_handoff_package_for_a_team(con, tmp_path):
    theme = top_theme(con)
    workflow.update(con, theme, "pm.anna", status="planned", owner="payments", ticket_key="PAY-7", note="In sprint 12")
    files = handoff.write_handoff(con, tmp_path / "payments", team="payments")
    table = pq.read_table(files.parquet).to_pylist()
    assert table[0]["theme_id"] == theme and all(t["team"] == "payments" for t in table)
    summary = files.markdown.read_text(encoding="utf-8")
    assert "Status: **planned**, owner payments, ticket PAY-7" in summary and "PM note: In sprint 12" in summary
    subs = con.execute("SELECT title, size FROM current_subthemes WHERE theme_id = ? ORDER BY size DESC",
                       [theme]).fetchall()
    listed = " · ".join(f"{title} ({size})" for title, size in subs)
    assert subs and table[0]["subthemes"] == [f"{title} ({size})" for title, size in subs]
    assert f"- Sub-themes: {listed}" in summary.replace("\\", "")  # Markdown-escaped, read as text
    jira = list(csv.reader(files.jira.open(encoding="utf-8")))
    assert jira[0] == ["Summary", "Description", "Labels", "Labels", "Issue Key"]
    assert jira[1][3] == f"voc-theme-{theme}" and jira[1][4] == "PAY-7"
    assert f"Sub-themes (title and comments): {listed}" in jira[1][1].replace("\\", "")  # escaped for Jira
    assert len(list(csv.DictReader(files.csv.open(encoding="utf-8")))) == len(table)
    with pytest.raises(NotFoundError, match="teams in the data"):
        handoff.write_handoff(con, tmp_path / "x", team="no-such-team")


def test_a_theme_whose_comments_split_evenly_between_two_teams_goes_to_the_first_by_name(con, tmp_path):
    """The same store gives the same handoff: a tie in comments per team is decided by name, not by scan order."""
    theme = top_theme(con)
    ids = [c for c, in con.execute("SELECT comment_id FROM current_assignments WHERE theme_id = ? ORDER BY 1",
                                   [theme]).fetchall()]
    half = len(ids) // 2
    for team, chunk in (("zeta", ids[:half]), ("alpha", ids[half:2 * half]), (None, ids[2 * half:])):
        if chunk:  # an even count leaves no comment without a team
            con.executemany("UPDATE comments SET team = ? WHERE comment_id = ?", [[team, c] for c in chunk])
    themes = pq.read_table(handoff.write_handoff(con, tmp_path / "h", team="alpha").parquet).to_pylist()
    assert [t["theme_id"] for t in themes] == [theme]


def test_handoff_parquet_keeps_its_column_types_when_no_theme_has_an_owner_note_or_ticket(con, tmp_path):
    files = handoff.write_handoff(con, tmp_path / "h")  # every theme (a team may lead no theme: the mode decides)
    schema = pq.read_schema(files.parquet)
    assert pq.read_table(files.parquet).column("owner").null_count == files.themes  # nothing attached yet
    # a column of Parquet type "null" (what the rows held) breaks appending this week's file to last week's
    for column in ("owner", "note", "ticket_key", "ticket_url"):
        assert str(schema.field(column).type) == "string", (column, schema.field(column).type)


def test_every_change_names_who_made_it_redacted(con, tmp_path):
    """A status change, a comment's corrections (theme, sentiment) and a merge refuse a blank `by` (before the merge
    opens any store); a named one is stored redacted."""
    theme = top_theme(con)
    comment = store.scalar(con, "SELECT comment_id FROM current_assignments WHERE theme_id = ? LIMIT 1", [theme])
    for by in ("", "   ", None):
        with pytest.raises(ConfigError, match="say who"):
            workflow.update(con, theme, by, status="under_review")
        with pytest.raises(ConfigError, match="say who"):
            corrections.correct(con, "demo", comment, by, sentiment="positive")
        with pytest.raises(ConfigError, match="say who"):
            corrections.set_correction(con, comment, "positive", by)
        with pytest.raises(ConfigError, match="say who"):
            theme_edit.merge(tmp_path / "never-opened.duckdb", theme, theme + 1, by)
    corrections.set_correction(con, comment, "positive", "Herr Kurz +49 170 1234567")
    assert store.scalar(con, "SELECT set_by FROM sentiment_corrections") == "Herr [NAME] [PHONE]"
    workflow.update(con, theme, "Frau Meier  meier@example.com", status="under_review")
    assert store.scalar(con, "SELECT changed_by FROM theme_events ORDER BY event_id DESC LIMIT 1") == \
        "Frau [NAME] [EMAIL]"


def test_the_thank_you_headline_counts_what_became_of_the_comments_and_leaves_out_zeros():
    """One headline for `voc agent` and the agent's page: singular and plural right (German counts in the dative),
    zero counts not shown."""
    summary = {"comments": 3, "themes": 2, "planned": 2, "in_progress": 0, "done": 1, "shipped_this_quarter": 1}
    assert wording.headline(summary) == ("Thank you: your 3 comments fed 2 themes on the product teams' list. "
                                         "1 fixed, 2 planned. 1 fix shipped this quarter drew on them.")
    assert wording.headline(summary, "de") == (
        "Danke: Mit 3 Kommentaren haben Sie zu 2 Themen auf der Liste der Produktteams beigetragen. "
        "1 behoben, 2 eingeplant. In diesem Quartal wurde 1 Lösung ausgeliefert, die darauf aufbaut.")
    assert wording.headline({**summary, "shipped_this_quarter": 2}, "de").endswith(
        "In diesem Quartal wurden 2 Lösungen ausgeliefert, die darauf aufbauen.")
    one = {"comments": 1, "themes": 1, "planned": 0, "in_progress": 0, "done": 0, "shipped_this_quarter": 0}
    assert wording.headline(one) == "Thank you: your 1 comment fed 1 theme on the product teams' list."
    assert wording.headline(one, "de") == ("Danke: Mit 1 Kommentar haben Sie zu 1 Thema auf der Liste der "
                                           "Produktteams beigetragen.")
    alone = {**one, "comments": 2, "themes": 0}  # only unclustered comments: no "0 themes"
    assert wording.headline(alone) == ("Thank you for your comments: 2 filed, none is part of a theme on the "
                                       "product teams' list yet.")
    assert wording.headline(alone, "de") == ("Danke für Ihre Kundenstimmen: 2 erfasst, noch keine gehört zu einem "
                                             "Thema auf der Liste der Produktteams.")


def test_an_agent_reads_their_view_in_the_language_most_of_their_comments_are_in(store_copy):
    """`voc agent` and the agent's page speak German to an agent who files German comments, English to one who
    files English ones; either can ask for the other language, and a language voc does not speak is one error."""
    with store.open(store_copy, write=True) as con:
        theme = top_theme(con)
        workflow.update(con, theme, "pm.anna", status="planned", note="Fix kommt mit 5.3")
        filed = con.execute("SELECT agent_id, count(*) FILTER (language = 'de') - count(*) FILTER (language = 'en') "
                            "FROM current_assignments WHERE agent_id IN (SELECT agent_id FROM current_assignments "
                            "WHERE theme_id = ?) GROUP BY ALL ORDER BY 2, 1", [theme]).fetchall()
        english, german = filed[0][0], filed[-1][0]
        assert filed[0][1] < 0 < filed[-1][1]  # the test needs one of each
        de = loop.agent_view(con, german, mark_seen=False)
        en = loop.agent_view(con, english, mark_seen=False)
        asked = loop.agent_view(con, german, mark_seen=False, language="en")
        with pytest.raises(ConfigError, match="not 'fr'"):
            loop.agent_view(con, german, mark_seen=False, language="fr")
    assert de.language == "de" and de.summary["headline"].startswith("Danke: Mit ")
    assert "1 eingeplant" in de.summary["headline"]
    assert [c["what"] for c in de.changes] == ["ist jetzt eingeplant (vorher neu)"]
    assert en.language == "en" and en.summary["headline"].startswith("Thank you: your ")
    assert [c["what"] for c in en.changes] == ["is now planned (was new)"]
    assert asked.language == "en" and asked.changes[0]["what"] == "is now planned (was new)"
    runner = CliRunner()
    told = runner.invoke(app, ["agent", german, "--db", str(store_copy), "--peek"]).output
    assert f'neu seit Ihrem letzten Blick: Thema #{theme}' in told and "ist jetzt eingeplant (vorher neu)" in told
    assert "Datum" in told and "Notiz" in told and "eingeplant *" in told  # the table's columns and statuses
    told = runner.invoke(app, ["agent", german, "--db", str(store_copy), "--peek", "--language", "EN"]).output
    assert f'new since your last look: theme #{theme}' in told and "planned *" in told
    wrong = runner.invoke(app, ["agent", german, "--db", str(store_copy), "--language", "fr"])
    assert wrong.exit_code != 0 and "not 'fr'" in wrong.output and "Traceback" not in wrong.output


def test_a_ticket_link_must_be_an_http_address(store_copy):
    theme = rows_of(store_copy, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1")[0][0]
    for url in ("javascript:alert(document.cookie)", "data:text/html,<script>x</script>", "jira/PAY-1", "http://"):
        result = CliRunner().invoke(app, ["status", str(theme), "--ticket", "PAY-1", "--url", url, "--by", "anna",
                                          "--db", str(store_copy)])
        assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, (url, result.output)
        assert "is not an http(s) address: pass one such as https://" in result.output
    assert rows_of(store_copy, "SELECT count(*) FROM theme_workflow") == [(0,)]
    ok = CliRunner().invoke(app, ["status", str(theme), "--ticket", "PAY-1", "--url", "HTTPS://jira.example/PAY-1",
                                  "--by", "anna", "--db", str(store_copy)])
    assert ok.exit_code == 0, ok.output
    assert rows_of(store_copy, "SELECT ticket_url FROM theme_workflow") == [("HTTPS://jira.example/PAY-1",)]


def test_every_sentiment_correction_is_kept_and_shown_with_who_made_it(store_copy):
    """Three PMs correct one comment in turn (CLI, CLI, the app's library call): the last one is shown and learned
    from, and `voc sentiment show` lists all three, newest first, each with who made it and what it replaced."""
    (source, comment, was), (other,) = (rows_of(store_copy, sql)[0] for sql in (
        "SELECT source, comment_id, sentiment FROM current_assignments WHERE sentiment <> 'negative' "
        "ORDER BY comment_id LIMIT 1", "SELECT comment_id FROM current_assignments ORDER BY comment_id DESC LIMIT 1"))
    run = functools.partial(CliRunner().invoke, app)
    assert run(["sentiment", "set", comment, "negative", "--by", "anna", "--db", str(store_copy)]).exit_code == 0
    assert run(["sentiment", "set", comment, "positive", "--by", "bo", "--db", str(store_copy)]).exit_code == 0
    assert run(["sentiment", "set", other, "neutral", "--by", "anna", "--db", str(store_copy)]).exit_code == 0
    with store.open(store_copy, write=True) as con:
        corrections.correct(con, source, comment, "Herr Müller", sentiment="neutral")
    assert rows_of(store_copy, "SELECT sentiment FROM current_assignments WHERE comment_id = ?", [comment]) == [
        ("neutral",)]
    assert rows_of(store_copy, "SELECT label, set_by, previous FROM sentiment_corrections WHERE comment_id = ?",
                   [comment]) == [("neutral", "Herr [NAME]", "positive")]
    shown = run(["sentiment", "show", "--comment", comment, "--db", str(store_copy)])
    assert shown.exit_code == 0, shown.output
    lines = [line.split("│")[3:6] for line in shown.output.splitlines() if comment in line]
    assert [[cell.strip() for cell in line] for line in lines] == [
        ["neutral", "positive", "Herr [NAME]"], ["positive", "negative", "bo"], ["negative", was, "anna"]]
    everything = run(["sentiment", "show", "--db", str(store_copy)]).output
    assert everything.count(comment) == 3 and other in everything


def test_a_night_says_how_many_digests_it_sent(store_copy, tmp_path):
    """An operator reads from the night's own output that agents were told (walkthrough 7, F7)."""
    import os
    import subprocess
    import sys

    with store.open(store_copy, write=True) as con:
        theme = top_theme(con)
        told = len(agents_of(con, theme))
        workflow.update(con, theme, "pm.anna", status="under_review", note="Wir schauen uns das an")
    night = tmp_path / "night.csv"
    night.write_text("comment_id,text,created_at,agent_id\nn1,Paket kam beschädigt an,2026-11-20 10:00,A01\n",
                     encoding="utf-8")
    hook = Webhook()
    try:
        result = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--source", str(night), "--db",
                                 str(store_copy)], capture_output=True, text=True, timeout=300,
                                env={**os.environ, "VOC_WEBHOOK_URL": hook.url})
    finally:
        hook.close()
    assert result.returncode == 0, result.stderr
    assert len(hook.accepted) == told
    assert f"webhook: {told} digests ({told} notifications) sent, 0 failed" in result.stdout, result.stdout
