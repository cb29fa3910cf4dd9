"""Hostile and personal values end to end: escaped for each medium, redacted in every field, never a crash."""

import csv
import json
import re

import duckdb
from dbutil import ingest_file, rows
from typer.testing import CliRunner

from flows.cli import app
from flows.nightly import nightly
from voc import store
from voc.pm import handoff, workflow
from voc.text.escape import csv_cell, markdown

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def top_theme(db):
    return rows(db, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1")[0][0]


def test_formula_cells_are_escaped_in_every_csv(store_copy, tmp_path):
    theme = top_theme(store_copy)
    with store.open(store_copy, write=True) as con:
        workflow.update(con, theme, "anna", name="=HYPERLINK(\"http://evil.example\",\"x\")", owner="payments",
                        note="@SUM(A1:A9)")
        con.execute("UPDATE themes SET representatives = ['+cmd|/c calc', '-2+3'] WHERE theme_id = ?", [theme])
    out = tmp_path / "themes.csv"
    assert invoke("export", "themes", "--db", store_copy, "--out", out).exit_code == 0
    row = next(r for r in csv.DictReader(out.open()) if r["theme_id"] == str(theme))
    assert row["title"].startswith("'=HYPERLINK") and row["note"] == "'@SUM(A1:A9)"
    assert row["representatives"].startswith("'+cmd")
    assert row["mean_sentiment"][0] in "-0123456789"  # numbers stay numbers
    with store.open(store_copy) as con:
        files = handoff.write_handoff(con, tmp_path / "h", "payments", store_copy)
    jira = list(csv.reader(files.jira.open()))
    assert jira[1][0] == f"[voc #{theme}] =HYPERLINK(\"http://evil.example\",\"x\")"  # starts with [: not a formula
    team_csv = next(r for r in csv.DictReader(files.csv.open()) if r["theme_id"] == str(theme))
    assert team_csv["title"].startswith("'=") and team_csv["quotes"].startswith("'+cmd")
    assert csv_cell("-5") == "'-5" and csv_cell(-5) == -5 and csv_cell("ok") == "ok"


def test_the_excel_export_is_unicode_text_with_tabs_and_escaped_formulas(store_copy, tmp_path):
    """`--format excel` writes what Excel saves as "Unicode Text" (UTF-16 with a byte-order mark, tab-separated):
    umlauts survive, a tab inside a value stays inside its cell, formula-like cells are escaped as in CSV."""
    theme = top_theme(store_copy)
    with store.open(store_copy, write=True) as con:
        workflow.update(con, theme, "anna", name="=Rückfrage zur Prüfung", note='Größe\tläuft; "zitiert"')
    out = tmp_path / "themes.txt"
    assert invoke("export", "themes", "--db", store_copy, "--format", "excel", "--out", out).exit_code == 0
    data = out.read_bytes()
    assert data[:2] == b"\xff\xfe"  # UTF-16 little-endian byte-order mark
    text = data[2:].decode("utf-16-le")
    assert text.startswith("\"theme_id\"\t") and "\r\n" in text
    table = list(csv.DictReader(text.splitlines(), delimiter="\t"))
    row = next(r for r in table if r["theme_id"] == str(theme))
    assert row["title"] == "'=Rückfrage zur Prüfung" and row["note"] == 'Größe\tläuft; "zitiert"'
    assert len(table) == rows(store_copy, "SELECT count(*) FROM current_themes")[0][0]
    wrong = invoke("export", "themes", "--db", store_copy, "--format", "xlsx", "--out", tmp_path / "t.xlsx")
    assert wrong.exit_code != 0 and "choose csv, excel or parquet" in wrong.output


def test_markup_in_names_notes_and_comments_is_shown_not_interpreted(store_copy):
    theme = top_theme(store_copy)
    with store.open(store_copy, write=True) as con:
        con.execute("UPDATE comments SET text = 'Kunde: [/bold] [red]' WHERE agent_id = 'A01'")
    result = invoke("status", theme, "--db", store_copy, "--name", "[/bold] payments", "--note", "[/] see [b]",
                    "--by", "anna")
    assert result.exit_code == 0, result.output
    agent = invoke("agent", "A01", "--db", store_copy, "--peek").output
    assert '“[/bold] payments” has a new note: [/] see [b]' in agent, agent  # the change, by the theme's new name
    for args in (["themes", "--db", store_copy], ["status", theme, "--db", store_copy],
                 ["agent", "A01", "--db", store_copy]):
        result = invoke(*args)
        assert result.exit_code == 0, (args, result.output)
    assert '"title": "[/bold] payments"' in invoke("themes", "--db", store_copy, "--json").output
    assert "Kunde: [/bold] [red]" in invoke("agent", "A01", "--db", store_copy, "--format", "json").output
    status = invoke("status", theme, "--db", store_copy).output
    assert "[/bold] payments" in status and "[/] see [b]" in status
    comment = rows(store_copy, "SELECT comment_id FROM current_assignments WHERE agent_id = 'A01' LIMIT 1")[0][0]
    result = invoke("sentiment", "set", comment, "negative", "--by", "[b]anna", "--db", store_copy)
    assert result.exit_code == 0 and "\\" not in result.output, result.output
    shown = invoke("sentiment", "show", "--db", store_copy).output
    assert "[b]anna" in shown and "\\[" not in shown, shown  # as typed: no markup, and no escaping backslash


def test_handoff_markdown_shows_html_and_markdown_as_text(store_copy, tmp_path):
    theme = top_theme(store_copy)
    with store.open(store_copy, write=True) as con:
        workflow.update(con, theme, "anna", owner="payments", note="<script>alert(1)</script> **urgent**")
        files = handoff.write_handoff(con, tmp_path / "h", "payments", store_copy)
    summary = files.markdown.read_text()
    assert "<script>" not in summary and "&lt;script&gt;" in summary and "\\*\\*urgent\\*\\*" in summary
    assert markdown("# [x](javascript:1)") == "\\# \\[x\\]\\(javascript:1\\)"


def test_out_never_overwrites_the_store_and_bad_paths_are_one_line(store_copy, tmp_path):
    before = store_copy.read_bytes()
    result = invoke("report", "--db", store_copy, "--out", store_copy)
    assert result.exit_code == 2 and "is the voc store itself" in result.output
    result = invoke("export", "themes", "--db", store_copy, "--out", store_copy)
    assert result.exit_code == 2 and store_copy.read_bytes() == before
    result = invoke("export", "themes", "--db", store_copy, "--out", tmp_path)
    assert result.exit_code == 2 and "is a folder" in result.output
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = invoke("report", "--db", store_copy, "--out", blocker / "r.html")
    assert result.exit_code == 2 and "cannot write" in result.output and "Traceback" not in result.output
    result = invoke("handoff", "--db", store_copy, "--out", store_copy)
    assert result.exit_code == 2


def test_a_mistyped_db_never_creates_a_store(tmp_path, store_copy):
    typo = tmp_path / "vco.duckdb"
    for args in (["agent", "A01"], ["notify", "--webhook", "http://127.0.0.1:9/x"], ["status", "1", "--set", "planned",
                                                                                    "--by", "a"], ["themes"]):
        result = invoke(*args, "--db", typo)
        assert result.exit_code == 3 and "no voc store" in result.output, (args, result.output)
    assert not typo.exists()
    other = tmp_path / "crm.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE notes (x INTEGER)")
    con.close()
    result = invoke("agent", "A01", "--db", other)
    assert result.exit_code == 3 and "not a voc store" in result.output
    assert rows(other, "SELECT table_name FROM information_schema.tables") == [("notes",)]


def test_personal_data_in_any_field_note_or_reason_is_redacted(tmp_path):
    src = tmp_path / "drop.csv"
    src.write_text(
        "comment_id,text,created_at,agent_id,channel,ticket_id,csat\n"
        "1,Karte 4111.1111.1111.1111 doppelt belastet,2026-11-01 10:00,A1,phone anna@firma.de,INC 0171 1234567,\n"
        "2,Rückruf an jürgen.müller@web.de,am 03.11. jürgen@müller-bäcker.de,A1,,,\n"
        "3,Frau Schneider wartet,2026-11-01 10:00,A1,,,call 0049 171 1234567\n", encoding="utf-8")
    db = tmp_path / "voc.duckdb"
    summary = nightly(str(src), str(db), source_name="t")
    dump = json.dumps([rows(db, "SELECT * FROM comments"), rows(db, "SELECT reason, raw FROM quarantine"),
                       rows(db, "SELECT stats, error FROM runs"), summary], default=str, ensure_ascii=False)
    for leak in ("4111", "anna@", "1234567", "jürgen", "müller", "Schneider"):
        assert leak not in dump, leak
    assert "[EMAIL]" in dump and "[CARD]" in dump and "[NAME]" in dump


def test_ids_holding_personal_data_are_quarantined_with_a_reason_that_does_not_repeat_it(tmp_path):
    src = tmp_path / "drop.csv"
    src.write_text("comment_id,text,created_at,agent_id,ticket_id\n"
                   "anna.schmidt@example.com,Paket fehlt,2026-11-01 10:00,A1,\n"
                   "C-2,Paket fehlt,2026-11-01 10:00,+49 171 2345678,\n"
                   "DE89 3704 0044 0532 0130 00,Paket fehlt,2026-11-01 10:00,A1,\n"
                   "C-4,Paket fehlt,2026-11-01 10:00,4111 1111 1111 1111,\n"
                   "C-5,Paket fehlt,2026-11-01 10:00,anna.schmidt,INC-0171 2345678\n", encoding="utf-8")
    db = tmp_path / "voc.duckdb"
    ingest_file(src, db)
    reasons = [r for r, in rows(db, "SELECT reason FROM quarantine ORDER BY row_number")]
    assert reasons == [
        "drop.csv line 2: comment_id looks like an e-mail address: use an opaque id (e.g. C-1042, A07) instead of "
        "personal data",
        "drop.csv line 3: agent_id looks like a phone number: use an opaque id (e.g. C-1042, A07) instead of "
        "personal data",
        "drop.csv line 4: comment_id looks like an IBAN: use an opaque id (e.g. C-1042, A07) instead of personal data",
        "drop.csv line 5: agent_id looks like a payment card number: use an opaque id (e.g. C-1042, A07) instead of "
        "personal data"]
    dump = json.dumps(rows(db, "SELECT * FROM quarantine"), default=str)
    for leak in ("anna.schmidt@", "2345678", "0532", "4111"):
        assert leak not in dump, leak
    # a plain login is an id; ticket_id is free text: redacted, not refused
    assert (rows(db, "SELECT comment_id, agent_id, ticket_id FROM comments")
            == [("C-5", "anna.schmidt", "INC-[PHONE]")])


def test_ids_holding_a_name_are_quarantined_and_the_quarantine_keeps_no_name(tmp_path):
    """Review F9: a customer's name in an id (a salutation or a word for the customer before it, or a first name and
    a surname written as a name) quarantines the row with a reason naming the field, and the quarantined row keeps
    [NAME] for the id (redaction does not read an id's parts). Codes and staff logins are stored."""
    src = tmp_path / "drop.csv"
    src.write_text("comment_id,text,created_at,agent_id\n"
                   "C-Quandtmeyer-Zacharias,Paket fehlt,2026-11-01 10:00,A07\n"
                   "C-2,Paket fehlt,2026-11-01 10:00,Zacharias Quandtmeyer\n"
                   "C-Frau-Meier,Paket fehlt,2026-11-01 10:00,A07\n"
                   "C-4,Paket fehlt,2026-11-01 10:00,kunde_meier\n"
                   "C-Frau-17,Paket fehlt,2026-11-01 10:00,A07\n"
                   "C-6,Paket fehlt,2026-11-01 10:00,DE/A07\n"
                   "ticket-4711,Paket fehlt,2026-11-01 10:00,agent_anna\n"
                   "C-8,Paket fehlt,2026-11-01 10:00,anna.schmidt\n", encoding="utf-8")
    db = tmp_path / "voc.duckdb"
    ingest_file(src, db)
    advice = ": use an opaque id (e.g. C-1042, A07) instead of personal data"
    assert [r for r, in rows(db, "SELECT reason FROM quarantine ORDER BY row_number")] == [
        f"drop.csv line 2: comment_id holds a person's name{advice}",
        f"drop.csv line 3: agent_id holds a person's name{advice}",
        f"drop.csv line 4: comment_id holds a person's name{advice}",
        f"drop.csv line 5: agent_id holds a person's name{advice}",
        f"drop.csv line 6: comment_id holds a salutation (Frau, Herr, Mrs, Miss){advice}"]
    dump = json.dumps(rows(db, "SELECT * FROM quarantine"), default=str)
    for leak in ("Quandtmeyer", "Zacharias", "Meier", "meier"):
        assert leak not in dump, leak
    assert sorted(rows(db, "SELECT comment_id, agent_id FROM comments")) == [
        ("C-6", "DE/A07"), ("C-8", "anna.schmidt"), ("ticket-4711", "agent_anna")]


def test_pm_names_notes_and_reasons_are_redacted(store_copy):
    theme = top_theme(store_copy)
    with store.open(store_copy, write=True) as con:
        workflow.update(con, theme, "anna", note="Rückmeldung an kunde@example.com, Tel. 030 1234567",
                        name="Beschwerde Frau Schneider")
        state = workflow.current(con, theme)
        digest_text = " ".join(n for n, in con.execute("SELECT note FROM theme_events").fetchall())
    for leak in ("kunde@", "1234567", "Schneider"):
        assert leak not in state.note + state.name + digest_text, leak


def test_who_made_a_change_is_stored_and_shown_without_personal_data(store_copy):
    """--by and the app's user name: e-mail, phone and salutation + name redacted before they are stored, in every
    table that records who did what; a plain login stays as it is."""
    from voc.pm import corrections, theme_edit

    theme, other = [t for t, in rows(store_copy, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 2")]
    first, second = rows(store_copy, "SELECT comment_id FROM current_assignments WHERE theme_id = ? "
                                     "ORDER BY comment_id LIMIT 2", [theme])
    result = invoke("status", theme, "--set", "under_review", "--by", "Herr Müller max@firma.de", "--db", store_copy)
    assert result.exit_code == 0, result.output
    assert invoke("sentiment", "set", first[0], "negative", "--by", "frau schulz +49 171 2345678",
                  "--db", store_copy).exit_code == 0
    with store.open(store_copy, write=True) as con:
        corrections.correct(con, "demo", second[0], "HERR MÜLLER (max@firma.de)", theme_id=other)
        workflow.update(con, theme, "pm.anna", note="Fix ist geplant")
    theme_edit.rename(store_copy, theme, "Rückruf für Frau Schneider fehlt", "max@firma.de")
    shown = invoke("status", theme, "--db", store_copy).output + invoke("sentiment", "show", "--db", store_copy).output
    stored = json.dumps([rows(store_copy, f"SELECT * FROM {table}") for table in (
        "theme_events", "theme_workflow", "sentiment_corrections", "comment_corrections", "theme_overrides")],
        default=str, ensure_ascii=False)
    for leak in ("Müller", "MÜLLER", "max@", "schulz", "2345678", "Schneider"):
        assert leak not in stored and leak not in shown, leak
    assert [by for by, in rows(store_copy, "SELECT changed_by FROM theme_events ORDER BY event_id")] == [
        "Herr [NAME] [EMAIL]", "pm.anna", "[EMAIL]"]
    assert rows(store_copy, "SELECT set_by FROM sentiment_corrections") == [("frau [NAME] [PHONE]",)]
    assert "Herr [NAME] [EMAIL]" in shown and "frau [NAME]" in shown and "[PHONE]" in shown  # a folded table cell


def test_agent_ids_cannot_send_mail_outside_or_stop_other_digests(store_copy, smtp_server):
    from voc.agents import notify

    port, received = smtp_server
    theme = top_theme(store_copy)
    with store.open(store_copy, write=True) as con:
        good = sorted(a for a, in con.execute("SELECT DISTINCT agent_id FROM current_assignments WHERE theme_id = ?",
                                               [theme]).fetchall())
        con.execute("UPDATE comments SET agent_id = 'evil@attacker.example, A99' WHERE agent_id = ?", [good[0]])
        workflow.update(con, theme, "anna", status="planned", note="Planned")
    result = notify.deliver(lambda: store.open(store_copy, write=True),
                            notify.Channels(smtp_host="127.0.0.1", smtp_port=port, address="{agent_id}@cc.example"))
    recipients = {m["To"] for m in received}
    assert not any("attacker" in r for r in recipients)
    assert recipients == {f"{a}@cc.example" for a in good[1:]}
    assert (result["email"]["digests_failed"] == 1
            and "cannot be used in an e-mail address" in result["email"]["errors"][0])


CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # every Cc but tab, line feed, carriage return


def test_control_characters_typed_or_ingested_never_reach_a_terminal_a_file_or_a_webhook(store_copy, tmp_path):
    """An ESC in a channel, a theme name, a note, an owner, a reason, a ticket or `--by` would clear or recolour the
    terminal of whoever lists it: removed where it comes in (ingest, the library), so no output carries it."""
    import functools

    from tests.test_loop import Webhook, strings
    from voc.agents import notify

    theme, declined = [t for t, in rows(store_copy, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 2")]
    texts = rows(store_copy, "SELECT text, created_at, agent_id FROM current_assignments WHERE theme_id = ? "
                             "ORDER BY comment_id LIMIT 3", [theme])
    src = tmp_path / "night.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["comment_id", "text", "created_at", "agent_id", "channel", "product", "team", "ticket_id"])
        for i, (text, created, agent) in enumerate(texts):
            out.writerow([f"esc{i}", text + " nochmal", str(created), agent, "chat\x1b[2J", "app\x07", "ops\x9b31m",
                          "T-1\x1b]0;pwned\x07"])
    nightly(str(src), str(store_copy), source_name="demo")
    assert rows(store_copy, "SELECT DISTINCT channel, product, team, ticket_id FROM comments "
                            "WHERE comment_id LIKE 'esc%'") == [("chat[2J", "app", "ops31m", "T-1]0;pwned")]
    esc_theme, agent = rows(store_copy, "SELECT theme_id, agent_id FROM current_assignments "
                                        "WHERE comment_id = 'esc0'")[0]

    by = "anna\x1b[31m"
    assert invoke("theme", "rename", theme, "A \x1b[2Jb", "--by", by, "--db", store_copy).exit_code == 0
    result = invoke("status", theme, "--set", "planned", "--note", "Fix \x1b[31mships\x07 in 5.3\r\nreally",
                    "--owner", "pay\x1bments", "--ticket", "PAY-1\x1b[0m", "--url", "https://jira.example/PAY-1\x07",
                    "--by", by, "--db", store_copy)
    assert result.exit_code == 0, result.output
    result = invoke("status", declined, "--set", "declined", "--reason", "dup \x1b[2Jof #1", "--by", by,
                    "--db", store_copy)
    assert result.exit_code == 0, result.output
    comment = rows(store_copy, "SELECT comment_id FROM current_assignments WHERE theme_id = ? LIMIT 1", [theme])[0][0]
    assert invoke("sentiment", "set", comment, "negative", "--by", by, "--db", store_copy).exit_code == 0

    stored = [str(v) for t in ("theme_workflow", "theme_events", "theme_overrides", "sentiment_corrections",
                               "comments") for row in rows(store_copy, f"SELECT * FROM {t}") for v in row]
    assert not any(CONTROLS.search(v) for v in stored), [v for v in stored if CONTROLS.search(v)]
    assert rows(store_copy, "SELECT name, owner, note, ticket_key, updated_by FROM theme_workflow WHERE theme_id = ?",
                [theme]) == [("A [2Jb", "payments", "Fix [31mships in 5.3\nreally", "PAY-1[0m", "anna[31m")]

    shown = [invoke(*args, "--db", store_copy).output for args in (
        ["segments", "--by", "channel", "--theme", esc_theme], ["themes"], ["status", theme],
        ["status", declined], ["agent", agent, "--peek"], ["sentiment", "show"])]
    shown += list(strings([json.loads(invoke(*args, "--db", store_copy).output) for args in (
        ["themes", "--json"], ["status", theme, "--json"], ["agent", agent, "--peek", "--format", "json"])]))
    assert "chat[2J" in shown[0] and "A [2Jb" in shown[1] and "Fix [31mships" in shown[2]
    for output in shown:
        assert not CONTROLS.search(output), repr(output)
    for fmt, name in (("csv", "themes.csv"), ("excel", "themes.txt")):
        assert invoke("export", "themes", "--format", fmt, "--db", store_copy, "--out", tmp_path / name).exit_code == 0
    assert invoke("handoff", "--out", tmp_path / "h", "--db", store_copy).exit_code == 0
    files = [tmp_path / "themes.csv", tmp_path / "h" / "summary.md", *(tmp_path / "h").glob("*.csv")]
    written = [f.read_text(encoding="utf-8") for f in files] + [(tmp_path / "themes.txt").read_text("utf-16")]
    assert any("A [2Jb" in text for text in written)
    for text in written:
        assert not CONTROLS.search(text), repr(CONTROLS.search(text))
    hook = Webhook()
    try:
        notify.deliver(functools.partial(store.open, store_copy, write=True), notify.Channels(webhook_url=hook.url))
    finally:
        hook.close()
    sent = list(strings(hook.accepted))
    assert any("Fix [31mships" in v for v in sent) and not any(CONTROLS.search(v) for v in sent)
