"""The theme page's status form with two PMs: a save from a stale page is refused on the theme page, naming who changed
what, with what was typed kept; refused forms speak the web's words; fields can be removed; notes have a limit; the
history records every field; a split names the theme it made. (Walkthrough 7: F2, F3, F4, F5, F6, F18, F19, F24.)"""

from __future__ import annotations

import html
import re
import shutil
from contextlib import contextmanager

import httpx
import pytest
from typer.testing import CliRunner

from tests.dbutil import rows
from tests.test_web_store_busy import pm_app
from voc import store
from voc.errors import StaleChangeError
from voc.pm import workflow
from voc.web import users

BERT = ("bert", "pm-password-2")


@pytest.fixture
def two_pm_store(published_db, tmp_path):
    db = tmp_path / "voc.duckdb"
    shutil.copy(published_db[0], db)
    with store.open(db, write=True) as con:
        users.add(con, "anna", "pm", "pm-password-1")
        users.add(con, BERT[0], "pm", BERT[1])
    return db


@contextmanager
def second_pm(client: httpx.Client):
    """Another PM (bert) logged in to the same app, with his CSRF token."""
    with httpx.Client(base_url=client.base_url, follow_redirects=False) as other:
        token = _token(other.get("/login").text)
        assert other.post("/login", data={"csrf": token, "name": BERT[0], "password": BERT[1]}).status_code == 303
        yield other, _token(other.get("/runs").text)


def _token(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def _version(page: str) -> str:
    return re.search(r'name="version" value="(\d+)"', page).group(1)


def _form_error(page: str) -> str:
    found = re.search(r'<p class="flash error" role="alert" id="status-error">(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


def _textarea(page: str) -> str:
    return html.unescape(re.search(r'<textarea name="note"[^>]*>(.*?)</textarea>', page, re.S).group(1))


def _theme(db, rank: int = 1) -> int:
    return rows(db, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1 OFFSET ?", [rank - 1])[0][0]


def test_a_save_from_a_stale_page_is_refused_naming_the_other_pms_change_and_saving_again_replaces_it(two_pm_store):
    """F3 + F24: anna and bert open the same theme; anna saves; bert's save from his older page is refused on the
    theme page (409) saying what anna changed, his typed values kept and the form carrying the version now; sending
    it again saves it, and the history says owner pricing → web."""
    db = two_pm_store
    theme = _theme(db)
    with pm_app(db) as (anna, token, _), second_pm(anna) as (bert, bert_token):
        seen = _version(bert.get(f"/themes/{theme}").text)
        r = anna.post(f"/themes/{theme}/status", data={"csrf": token, "status": "under_review", "owner": "pricing",
                                                       "note": "Anna: wir prüfen", "version": seen})
        assert r.status_code == 303
        r = bert.post(f"/themes/{theme}/status", data={"csrf": bert_token, "status": "planned", "owner": "web",
                                                       "note": "Bert: neue Preisseite", "version": seen})
        assert r.status_code == 409 and 'id="status-form"' in r.text  # the theme page, not a dead end
        said = _form_error(r.text)
        assert (f"theme {theme} was changed after you opened it: anna at " in said
                and "status new → under review, owner (none) → pricing, note “Anna: wir prüfen”" in said
                and "saving your form again replaces them" in said), said
        assert _textarea(r.text) == "Bert: neue Preisseite" and 'name="owner" value="web"' in r.text
        assert '<option value="planned" selected>' in r.text
        assert rows(db, "SELECT status, owner, note FROM theme_workflow WHERE theme_id = ?", [theme]) == [
            ("under_review", "pricing", "Anna: wir prüfen")]  # anna's values stand
        r = bert.post(f"/themes/{theme}/status", data={"csrf": bert_token, "status": "planned", "owner": "web",
                                                       "note": "Bert: neue Preisseite", "version": _version(r.text)})
        assert r.status_code == 303  # he saw anna's change: saving again is his decision
    assert rows(db, "SELECT changed_by, kind, from_status, to_status, changes, note FROM theme_events "
                    "WHERE theme_id = ? ORDER BY event_id", [theme]) == [
        ("anna", "status", "new", "under_review", "owner (none) → pricing", "Anna: wir prüfen"),
        ("bert", "status", "under_review", "planned", "owner pricing → web", "Bert: neue Preisseite")]


def test_a_queued_change_from_a_stale_page_is_refused_when_applied(store_copy):
    """The queue applies a form's change with its version: refused when the theme changed since (a change queued
    while a nightly run held the store)."""
    with store.open(store_copy, write=True) as con:
        theme = store.scalar(con, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1")
        seen = workflow.version(con, theme)
        workflow.update(con, theme, "anna", owner="pricing", seen=seen)
        with pytest.raises(StaleChangeError, match=r"anna at \d\d:\d\d: owner \(none\) → pricing"):
            workflow.update(con, theme, "bert", owner="web", seen=seen)
        assert workflow.current(con, theme).owner == "pricing"


def test_a_refused_form_stays_on_the_theme_page_in_the_webs_words_with_what_was_typed(two_pm_store):
    """F2 + F5: declining without a reason, or a move the workflow does not allow: the theme page again, the
    message beside the form without CLI flags or status keys, the typed values kept; a saved move is said in the
    form's words."""
    db = two_pm_store
    theme = _theme(db)
    with pm_app(db) as (client, token, mirror):
        page = client.get(f"/themes/{theme}").text
        r = client.post(f"/themes/{theme}/status", data={
            "csrf": token, "status": "declined", "owner": "identity", "note": "Wir melden uns", "reason": "",
            "version": _version(page)})
        assert r.status_code == 409 and 'id="status-form"' in r.text
        said = _form_error(r.text)
        assert "declining a theme needs a reason, which its agents read" in said and "What you typed is kept" in said
        assert "--reason" not in r.text and 'name="owner" value="identity"' in r.text
        assert _textarea(r.text) == "Wir melden uns" and f'history.replaceState(null, "", "/themes/{theme}")' in r.text
        r = client.post(f"/themes/{theme}/status", data={"csrf": token, "status": "done"})  # forged: new -> done
        assert r.status_code == 409
        assert ("a theme cannot go from new to done; from new it can go to under review, planned or declined"
                in _form_error(r.text)) and "under_review" not in _form_error(r.text)
        assert mirror.queue.changes() == []  # refused at once, nothing queued
        r = client.post(f"/themes/{theme}/status", data={"csrf": token, "status": "under_review",
                                                         "version": _version(page)})
        assert r.status_code == 303
        assert f"Theme {theme} → under review: saved." in client.get(f"/themes/{theme}").text


def test_a_stale_form_of_a_theme_merged_meanwhile_points_to_the_survivor_with_what_was_typed(two_pm_store):
    """F18: bert's page of a theme anna merged into another: his save shows the surviving theme's page, saying who
    merged it, his typed values in its form (posting to the survivor), nothing saved."""
    db = two_pm_store
    survivor, merged = _theme(db, 1), _theme(db, 2)
    with pm_app(db) as (anna, token, _), second_pm(anna) as (bert, bert_token):
        seen = _version(bert.get(f"/themes/{merged}").text)
        assert anna.post(f"/themes/{merged}/merge", data={"csrf": token, "into": str(survivor),
                                                          "confirm": "yes"}).status_code == 303
        r = bert.post(f"/themes/{merged}/status", data={"csrf": bert_token, "status": "planned", "owner": "logistik",
                                                        "note": "Bert: Logistik kümmert sich", "version": seen})
        assert r.status_code == 409
        said = _form_error(r.text)
        assert re.search(rf"anna merged #{merged} into #{survivor} at \d\d:\d\d, after you opened #{merged}", said)
        assert f"save it here on #{survivor} if it still applies" in said and "voc themes" not in r.text
        assert f'action="/themes/{survivor}/status"' in r.text and _textarea(r.text) == "Bert: Logistik kümmert sich"
    assert rows(db, "SELECT count(*) FROM theme_workflow WHERE owner = 'logistik'") == [(0,)]


def test_an_owner_ticket_and_note_can_be_removed_in_the_browser_and_the_cli(two_pm_store):
    """F4: an emptied field removes the value (recorded with its old value; a removed note is no news to agents);
    `voc status ID --owner ""` removes the owner."""
    from voc.cli.main import app

    db = two_pm_store
    theme = _theme(db)
    with store.open(db, write=True) as con:
        workflow.update(con, theme, "anna", status="planned", owner="payments", ticket_key="PAY-1",
                        note="Fix ships in 5.3")
    outbox = rows(db, "SELECT count(*) FROM outbox")[0][0]
    with pm_app(db) as (client, token, _):
        page = client.get(f"/themes/{theme}").text
        r = client.post(f"/themes/{theme}/status", data={"csrf": token, "status": "planned", "owner": "",
                                                         "ticket_key": "", "note": "", "version": _version(page)})
        assert r.status_code == 303
        shown = client.get(f"/themes/{theme}").text
        assert f"Theme {theme} (note, owner, ticket): saved." in shown
        assert "owner payments → (none); note removed; ticket PAY-1 → (none)" in html.unescape(shown)
    assert rows(db, "SELECT owner, ticket_key, note FROM theme_workflow WHERE theme_id = ?", [theme]) == [
        (None, None, None)]
    assert rows(db, "SELECT count(*) FROM outbox")[0][0] == outbox
    with store.open(db, write=True) as con:
        workflow.update(con, theme, "anna", owner="payments")
    result = CliRunner().invoke(app, ["status", str(theme), "--owner", "", "--by", "anna", "--db", str(db)])
    assert result.exit_code == 0 and "updated" in result.output, result.output
    assert rows(db, "SELECT owner FROM theme_workflow WHERE theme_id = ?", [theme]) == [(None,)]


def test_a_note_or_reason_longer_than_the_limit_is_refused_with_the_limit_named(two_pm_store):
    """F19: a 1,001-character note: refused in the browser (400, typed note kept) and by the CLI (exit 2), like a
    theme name over 120 characters; a reason likewise."""
    from voc.cli.main import app

    db = two_pm_store
    theme = _theme(db)
    long = "Lange Notiz. " * 77 + "Ende"  # 1,005 characters
    assert len(long) > workflow.MAX_NOTE_CHARS
    with pm_app(db) as (client, token, _):
        r = client.post(f"/themes/{theme}/status", data={"csrf": token, "status": "planned", "note": long})
        assert r.status_code == 400 and _textarea(r.text) == long
        assert f"the note may have at most 1000 characters, this one has {len(long)}" in _form_error(r.text)
    result = CliRunner().invoke(app, ["status", str(theme), "--set", "declined", "--reason", long, "--by", "anna",
                                      "--db", str(db)])
    assert result.exit_code == 2 and "the reason may have at most 1000 characters" in result.output
    result = CliRunner().invoke(app, ["status", str(theme), "--set", "under review", "--note", long[:1000],
                                      "--by", "anna", "--db", str(db)])
    assert result.exit_code == 0, result.output  # at the limit, and a status as the form words it
    assert rows(db, "SELECT status, length(note) FROM theme_workflow WHERE theme_id = ?", [theme]) == [
        ("under_review", 1000)]


def test_after_a_split_the_pm_is_told_the_new_themes_id_with_a_link(two_pm_store):
    """F6: the confirm page names the sub-theme by its title; afterwards the flash names the new theme and links
    to it."""
    db = two_pm_store
    parent, sub, title = rows(db, "SELECT theme_id, min(subtheme_id), arg_min(title, subtheme_id) "
                                  "FROM current_subthemes GROUP BY theme_id HAVING count(*) > 1 ORDER BY theme_id "
                                  "LIMIT 1")[0]
    with pm_app(db) as (client, token, _):
        asked = html.unescape(client.post(f"/themes/{parent}/split", data={"csrf": token,
                                                                          "subtheme_id": str(sub)}).text)
        assert f"Split “{title}” out of theme #{parent}?" in asked and f"sub-theme {sub}" not in asked
        r = client.post(f"/themes/{parent}/split", data={"csrf": token, "subtheme_id": str(sub), "confirm": "yes"})
        assert r.status_code == 303
        (new,), = rows(db, "SELECT child_id FROM theme_lineage WHERE kind = 'split' AND parent_id = ?", [parent])
        shown = html.unescape(client.get(f"/themes/{parent}").text)
        assert f"“{title}” split out of theme {parent}: saved. It is now theme #{new}" in shown
        assert f'<a href="/themes/{new}">Open theme #{new}</a>' in shown
