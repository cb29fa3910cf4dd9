"""What agents read about their themes (walkthrough 7): titles in their language, what a status means, digests
that carry each theme's latest state, say where to look and leave out what the agent has seen. Real stores, a real
local webhook endpoint."""

import functools
import json
from datetime import datetime

import pytest

from tests.test_loop import Webhook, agents_of
from voc import store
from voc.agents import loop, notify, wording
from voc.errors import ConfigError
from voc.pm import workflow


def english_agent(con, theme):
    """An agent who filed in `theme` and files mostly in English."""
    return con.execute("SELECT agent_id FROM current_assignments WHERE agent_id IN (SELECT agent_id FROM "
                       "current_assignments WHERE theme_id = ?) GROUP BY agent_id HAVING count(*) FILTER "
                       "(language = 'en') > count(*) FILTER (language = 'de') ORDER BY agent_id LIMIT 1",
                       [theme]).fetchone()[0]


def mostly(languages: str, language: str) -> bool:
    shares = json.loads(languages)
    return all(shares.get(language, 0) > v for k, v in shares.items() if k != language)


def a_german_theme_with_an_english_variant(con):
    """(theme, its title, the title of its largest sub-theme most of whose comments are English)."""
    subs = con.execute("SELECT theme_id, title, languages FROM current_subthemes ORDER BY size DESC").fetchall()
    for theme, title, languages in con.execute("SELECT theme_id, title, languages FROM current_themes "
                                               "ORDER BY rank").fetchall():
        english = [s for t, s, lg in subs if t == theme and mostly(lg, "en")]
        if mostly(languages, "de") and english:
            return theme, title, english[0]
    pytest.fail("the test needs a theme mostly in German with a sub-theme mostly in English")


def test_an_agent_reads_a_theme_under_its_title_in_their_language_and_a_pms_name_as_written(store_copy):
    """F21: an English agent read "Findet den Service toll" though its sub-theme "Very happy with the advice" is
    English; now the page, the changes and the digest name it in English; PMs keep the store's title; a PM's name
    wins for everyone, as written."""
    with store.open(store_copy, write=True) as con:
        theme, title, english = a_german_theme_with_an_english_variant(con)
        agent = english_agent(con, theme)
        workflow.update(con, theme, "pm.anna", status="under_review")
        view = loop.agent_view(con, agent, mark_seen=False)
        assert view.language == "en"
        assert {c["theme"] for c in view.comments if c["theme_id"] == theme} == {english}
        assert [c["theme"] for c in view.changes if c["theme_id"] == theme] == [english]
        assert store.scalar(con, "SELECT display_title FROM current_themes WHERE theme_id = ?", [theme]) == title
        german = loop.agent_view(con, agent, mark_seen=False, language="de")  # asked for German: the theme's own
        assert {c["theme"] for c in german.comments if c["theme_id"] == theme} == {title}
    hook = Webhook()
    try:
        notify.deliver(functools.partial(store.open, store_copy, write=True), notify.Channels(webhook_url=hook.url))
    finally:
        hook.close()
    sent = next(d for d in hook.accepted if d["agent_id"] == agent)
    assert [i["theme"] for i in sent["items"]] == [english] and f"“{english}”" in sent["text"]
    with store.open(store_copy, write=True) as con:
        workflow.update(con, theme, "pm.anna", name="Lob für die Beratung")
        view = loop.agent_view(con, agent, mark_seen=False)
    assert {c["theme"] for c in view.comments if c["theme_id"] == theme} == {"Lob für die Beratung"}


def test_an_agent_reads_what_a_status_means_as_far_as_voc_knows_it(store_copy):
    """F10: "Product teams see this theme" was said of every new theme nobody had opened. Now: new and untouched is
    "not yet picked up"; once a PM acted on it (an owner, a note) it was "picked up on <day>"; other statuses say
    since when, in both languages."""
    with store.open(store_copy, write=True) as con:
        theme = store.scalar(con, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1")
        agent = sorted(agents_of(con, theme))[0]

        def state(language="en"):
            view = loop.agent_view(con, agent, mark_seen=False, language=language)
            return {c["state"] for c in view.comments if c["theme_id"] == theme}

        assert state() == {"New: not yet picked up by a product team."}
        assert state("de") == {"Neu: noch von keinem Produktteam aufgegriffen."}
        workflow.update(con, theme, "pm.anna", owner="payments")
        today = datetime.now()
        assert state() == {f"New: picked up by a product team on {today.day} {today:%b} {today.year}, "
                           "not scheduled yet."}
        workflow.update(con, theme, "pm.anna", status="under_review", note="Wir prüfen das")
        assert state("de") == {f"In Prüfung seit {today.day}.{today.month}.{today.year}: Ein Produktteam sieht es "
                               "sich an."}
        workflow.update(con, theme, "pm.anna", note="Noch in Prüfung")  # a note does not move "since"
        assert state().pop().startswith("Under review since ")


def test_a_digest_carries_each_themes_latest_state_and_says_where_to_look(store_copy):
    """F8: two PMs changed a theme a minute apart ("wir prüfen …", then "neue Preisseite …"); both lines went out,
    and the mail did not say where to look. Now one line per theme, from the first status to the last with the note
    in force, and a last line linking to the agent's page at VOC_WEB_URL (or naming the page when it is not set)."""
    with store.open(store_copy, write=True) as con:
        theme = store.scalar(con, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1")
        agents = agents_of(con, theme)
        workflow.update(con, theme, "anna", status="under_review", note="wir prüfen das")
        workflow.update(con, theme, "bert", status="planned", note="neue Preisseite im Dezember")
    hook = Webhook()
    try:
        channels = notify.Channels(webhook_url=hook.url, web_url="https://voc.example/")
        notify.deliver(functools.partial(store.open, store_copy, write=True), channels)
    finally:
        hook.close()
    assert {d["agent_id"] for d in hook.accepted} == agents
    for d in hook.accepted:
        assert d["count"] == 1 and len(d["items"]) == 1 and len(d["items"][0]["notification_ids"]) == 2
        assert d["items"][0]["what"] == {"en": "is now planned (was new)",
                                         "de": "ist jetzt eingeplant (vorher neu)"}[d["language"]]
        assert "neue Preisseite" in d["text"] and "wir prüfen" not in d["text"]
        link = f"https://voc.example{loop.page_path(d['agent_id'])}"
        assert d["text"].splitlines()[-1] == wording.look_here(d["language"], link) and link in d["where"]
    assert wording.look_here("de") == ("Alle Ihre Kundenstimmen und was aus ihnen wurde: in voc unter "
                                       "„Meine Kundenstimmen“.")
    assert loop.page_path("DE/A07") == "/agent/DE%2FA07"
    with pytest.raises(ConfigError, match="VOC_WEB_URL"):
        notify.Channels(webhook_url=hook.url, web_url="javascript:alert(1)")


def test_the_same_change_list_on_the_agents_page(store_copy):
    """The page lists the theme once too, and a status that went back where it was reads as its note only."""
    with store.open(store_copy, write=True) as con:
        a, b = [t for t, in con.execute("SELECT theme_id FROM current_themes ORDER BY rank LIMIT 2").fetchall()]
        agent = sorted(agents_of(con, a) & agents_of(con, b))[0]
        workflow.update(con, a, "anna", status="under_review", note="wir prüfen das")
        workflow.update(con, a, "bert", status="planned", note="neue Preisseite")
        workflow.update(con, b, "anna", status="under_review")
        workflow.update(con, b, "anna", status="new", note="doch nicht jetzt")
        changes = loop.agent_view(con, agent, mark_seen=False, language="en").changes
    mine = [(c["theme_id"], c["kind"], c["what"], c["note"]) for c in changes]
    assert (a, "status", "is now planned (was new)", "neue Preisseite") in mine
    assert sum(1 for m in mine if m[0] == a) == 1
    assert [m for m in mine if m[0] == b] == [(b, "note", "has a new note", "doch nicht jetzt")]


def test_a_digest_leaves_out_the_changes_the_agent_has_seen_on_their_page(store_copy):
    """F22: an agent who opened their page after a change is not sent it again; a later change still is, and an
    agent who has not looked gets both."""
    with store.open(store_copy, write=True) as con:
        a, b = [t for t, in con.execute("SELECT theme_id FROM current_themes ORDER BY rank LIMIT 2").fetchall()]
        both = sorted(agents_of(con, a) & agents_of(con, b))
        assert len(both) >= 2, "the test needs two agents who filed in both themes"
        looked, other = both[:2]
        workflow.update(con, a, "anna", status="under_review")
        loop.agent_view(con, looked)  # the agent's own look (the page's visit records it the same way)
        workflow.update(con, b, "anna", status="planned")
    hook = Webhook()
    try:
        notify.deliver(functools.partial(store.open, store_copy, write=True), notify.Channels(webhook_url=hook.url))
    finally:
        hook.close()
    sent = {d["agent_id"]: [i["theme_id"] for i in d["items"]] for d in hook.accepted}
    assert sent[looked] == [b]
    assert sorted(sent[other]) == sorted([a, b])


def test_german_quotation_marks_are_one_style():
    """F9: „Retoure …“ hat die Kommentare von #12 "Retourenschein …" übernommen: two styles in one line."""
    said = wording.describe_change("merge", "new", "planned", "de", 12, "Retourenschein lässt sich nicht drucken")
    assert said == ("hat die Kommentare von #12 „Retourenschein lässt sich nicht drucken“ übernommen "
                    "(Status: eingeplant)")
    item = {"theme_id": 5, "theme": "Retoure", "kind": "merge", "from_status": "new", "to_status": "planned",
            "note": None, "other_theme_id": 12, "other_theme": "Schein"}
    text = wording.digest_text([item], "de")
    assert '"' not in text and "„Retoure“" in text and "„Schein“" in text
