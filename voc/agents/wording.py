"""What agents read about their themes, in German or English: statuses, changes, the digest, the agent's page.

Everything an agent reads is written in the language most of their comments are in (`agent_language`): an agent
who files "Kunde meldet: Rechnung doppelt" reads "Thema #4 … ist jetzt eingeplant (vorher neu)" in the digest, on
their page and in `voc agent`. The pages product managers use stay English.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime

from voc.errors import ConfigError

DEFAULT = "en"  # the language of everything else voc shows, and of an agent whose comments are in neither
STATUS_WORDS = {
    "en": {"new": "new", "under_review": "under review", "planned": "planned", "in_progress": "in progress",
           "done": "done", "declined": "declined"},
    "de": {"new": "neu", "under_review": "in Prüfung", "planned": "eingeplant", "in_progress": "in Arbeit",
           "done": "erledigt", "declined": "abgelehnt"},
}
CHANGE_WORDS = {  # after the theme's name; `other` is the theme a merge took in or a split came from, as last named
    "en": {"status": "is now {to} (was {was})", "note": "has a new note",
           "merge": "took in the comments of {other} (status: {to})",
           "split": "was split off {other} and is {to}",
           "merge_unknown": "took in another theme's comments", "split_unknown": "was split off another theme"},
    "de": {"status": "ist jetzt {to} (vorher {was})", "note": "hat eine neue Notiz",
           "merge": "hat die Kommentare von {other} übernommen (Status: {to})",
           "split": "wurde von {other} abgetrennt und ist {to}",
           "merge_unknown": "hat die Kommentare eines anderen Themas übernommen",
           "split_unknown": "wurde von einem anderen Thema abgetrennt"},
}
REASON_WORDS = {"en": "Reason: {reason}", "de": "Begründung: {reason}"}  # why a theme is declined, before the note
DIGEST_WORDS = {  # "link": the digest's last line when the web app's address is known (VOC_WEB_URL), else "page"
    "en": {"intro": "What happened to the customer comments you filed:", "theme": "Theme",
           "link": "All your comments and what became of them: {url}",
           "page": "All your comments and what became of them: in voc, under “My feedback”.",
           "subject": "voc: {count} update(s) on themes you reported"},
    "de": {"intro": "Was aus den Kundenstimmen wurde, die Sie erfasst haben:", "theme": "Thema",
           "link": "Alle Ihre Kundenstimmen und was aus ihnen wurde: {url}",
           "page": "Alle Ihre Kundenstimmen und was aus ihnen wurde: in voc unter „Meine Kundenstimmen“.",
           "subject": "voc: {count} Neuigkeit(en) zu Themen, die Sie gemeldet haben"},
}

HEADLINE_WORDS = {  # the thank-you line on the agent's page and in `voc agent`; German counts are dative ("mit 3 ...n")
    "en": {"thanks": "Thank you: your {comments} fed {themes} on the product teams' list.",
           "comment": ("comment", "comments"),
           "nothing": "No comments from you yet: once the comments you file reach voc (after the next nightly run), "
                      "you see here what became of each.",
           "none": "Thank you for your comments: {count} filed, none is part of a theme on the product teams' list "
                   "yet.",
           "problem": ("theme", "themes"), "done": "fixed", "in_progress": "being worked on",
           "planned": "planned", "shipped": ("{fixes} shipped this quarter drew on them.",) * 2,
           "fix": ("fix", "fixes")},
    "de": {"thanks": "Danke: Mit {comments} haben Sie zu {themes} auf der Liste der Produktteams beigetragen.",
           "nothing": "Noch keine Kundenstimmen von Ihnen: Sobald Ihre erfassten Kommentare bei voc ankommen (nach "
                      "dem nächsten nächtlichen Lauf), sehen Sie hier, was aus jedem wurde.",
           "none": "Danke für Ihre Kundenstimmen: {count} erfasst, noch keine gehört zu einem Thema auf der Liste "
                   "der Produktteams.",
           "comment": ("Kommentar", "Kommentaren"), "problem": ("Thema", "Themen"),
           "done": "behoben", "in_progress": "in Arbeit", "planned": "eingeplant",
           "shipped": ("In diesem Quartal wurde {fixes} ausgeliefert, die darauf aufbaut.",  # one, several
                       "In diesem Quartal wurden {fixes} ausgeliefert, die darauf aufbauen."),
           "fix": ("Lösung", "Lösungen")},
}
QUOTES = {"en": "“{}”", "de": "„{}“"}  # one style per language, wherever an agent reads a theme's name
# What a theme's status means for the agent, after the status word and when it was set ("Under review since
# 25 Nov 2026: ..."): only what voc knows. "untouched": new, and no product manager has acted on it (a status,
# owner, note or ticket); "new": new, but a PM has acted on it ("picked up ... on", the day of that).
STATE_WORDS = {
    "en": {"untouched": ("New: not yet picked up by a product team.", ""),
           "new": ("New: picked up by a product team{when}, not scheduled yet.", " on {date}"),
           "under_review": ("Under review{when}: a product team is looking into it.", " since {date}"),
           "planned": ("Planned{when}: a product team means to work on it.", " since {date}"),
           "in_progress": ("In progress{when}: a product team is working on it.", " since {date}"),
           "done": ("Done{when}: a product team has finished its work on it.", " since {date}"),
           "declined": ("Declined{when}: a product team decided not to work on it.", " on {date}"),
           "date": "{d.day} {d:%b} {d.year}"},
    "de": {"untouched": ("Neu: noch von keinem Produktteam aufgegriffen.", ""),
           "new": ("Neu: von einem Produktteam{when} aufgegriffen, noch nicht eingeplant.", " am {date}"),
           "under_review": ("In Prüfung{when}: Ein Produktteam sieht es sich an.", " seit {date}"),
           "planned": ("Eingeplant{when}: Ein Produktteam will daran arbeiten.", " seit {date}"),
           "in_progress": ("In Arbeit{when}: Ein Produktteam arbeitet daran.", " seit {date}"),
           "done": ("Erledigt{when}: Ein Produktteam hat seine Arbeit daran abgeschlossen.", " seit {date}"),
           "declined": ("Abgelehnt{when}: Ein Produktteam hat entschieden, nicht daran zu arbeiten.", " am {date}"),
           "date": "{d.day}.{d.month}.{d.year}"},
}
PAGE_WORDS = {  # the agent's page and `voc agent`
    "en": {"name": "English", "mine": "My feedback", "logout": "Log out", "quotes": QUOTES["en"],
           "of": "Feedback of {agent}", "changes": "New since your last visit",
           "theme": "theme", "new": "new", "unclustered": "unclustered",
           "alone": "Not part of a theme yet: no other comment describes this problem so far.",
           "since_look": "new since your last look", "columns": ("date", "comment", "theme", "status", "note"),
           "more": "showing the newest {limit} of {total} comments: --limit N shows more",
           "long": "{chars} characters: show all",
           "pager": "Page {page} of {pages}", "newer": "‹ newer", "older": "older ›",
           "all": "All my comments", "only_changed": "Only comments whose theme changed",
           "order": "Comments whose theme changed since your last visit first, then newest first.",
           "none_changed": "No theme of yours changed since your last visit."},
    "de": {"name": "Deutsch", "mine": "Meine Kundenstimmen", "logout": "Abmelden", "quotes": QUOTES["de"],
           "of": "Kundenstimmen von {agent}", "changes": "Neu seit Ihrem letzten Besuch",
           "theme": "Thema", "new": "neu", "unclustered": "keinem Thema zugeordnet",
           "alone": "Noch keinem Thema zugeordnet: bisher beschreibt kein anderer Kommentar dieses Problem.",
           "since_look": "neu seit Ihrem letzten Blick", "columns": ("Datum", "Kommentar", "Thema", "Status", "Notiz"),
           "more": "Angezeigt: die neuesten {limit} von {total} Kommentaren; --limit N zeigt mehr",
           "long": "{chars} Zeichen: alles zeigen",
           "pager": "Seite {page} von {pages}", "newer": "‹ neuere", "older": "ältere ›",
           "all": "Alle meine Kommentare", "only_changed": "Nur Kommentare, deren Thema sich geändert hat",
           "order": "Kommentare, deren Thema sich seit Ihrem letzten Besuch geändert hat, zuerst, dann die neuesten "
                    "zuerst.",
           "none_changed": "Seit Ihrem letzten Besuch hat sich keines Ihrer Themen geändert."},
}
LANGUAGES = tuple(DIGEST_WORDS)  # what voc speaks to agents
NOTE_KINDS = ("status", "note")  # events whose note holds a product manager's own words


def checked_language(value: str | None) -> str | None:
    """An asked-for language ("DE" or "de"), or None for "the agent's own"; one voc does not speak is an error."""
    if value is None:
        return None
    if value.strip().lower() not in LANGUAGES:
        raise ConfigError(f"voc speaks {' and '.join(LANGUAGES)} to agents, not {value!r}")
    return value.strip().lower()


def status_word(status: str | None, language: str = DEFAULT) -> str:
    return STATUS_WORDS[language].get(status or "", status or "")


def as_written(text: str) -> str:
    """Text as people wrote it, for a medium that shows it as it is (the e-mail, the terminal)."""
    return text


def quoted(name: str, language: str = DEFAULT, shown: Callable[[str], str] = as_written) -> str:
    """A theme's name in the language's quotation marks (`QUOTES`), escaped for the medium by `shown`."""
    return QUOTES[language].format(shown(name))


def state(status: str | None, acted_at: datetime | None, since: datetime | None, language: str = DEFAULT) -> str:
    """What the theme's status means for the agent (`STATE_WORDS`): `acted_at` when a product manager last acted on
    the theme (None: never), `since` when it got its status (None: not known, then no date is said)."""
    words = STATE_WORDS[language]
    key = "untouched" if (status or "new") == "new" and acted_at is None else (status or "new")
    template, when = words.get(key, words["new"])
    day = since if key != "new" else acted_at
    return template.format(when=when.format(date=words["date"].format(d=day)) if day else "")


def describe_change(kind: str, from_status: str | None, to_status: str | None, language: str = DEFAULT,
                    other_id: int | None = None, other: str | None = None,
                    shown: Callable[[str], str] = as_written) -> str:
    """What an event did to a theme: "is now in progress (was planned)", "took in the comments of #21 "Login"
    (status: planned)". A merge or split recorded before voc kept its other theme reads "took in another theme's
    comments". `shown` escapes the other theme's name for the medium."""
    if kind in ("merge", "split") and other_id is None:
        kind += "_unknown"
    named = f"#{other_id} {quoted(other, language, shown)}" if other and other != f"#{other_id}" else f"#{other_id}"
    return CHANGE_WORDS[language][kind].format(to=status_word(to_status, language),
                                                  was=status_word(from_status, language), other=named)


def with_reason(note: str | None, reason: str | None, language: str = DEFAULT) -> str | None:
    """A PM's note as agents read it where the theme is declined: why first ("Begründung: …"), then the note on a
    line of its own; without a reason, the note as it is."""
    if not reason:
        return note
    return "\n".join(filter(None, [REASON_WORDS[language].format(reason=reason), note]))


def agent_note(kind: str, note: str | None, reason: str | None = None, language: str = DEFAULT) -> str | None:
    """The part of an event's note an agent reads: a PM's words on a status or note change, and on the change that
    declined the theme the reason first (`with_reason`). A merge's or split's note is the record product managers
    read in the theme's history ("merged from #12 (planned, payments)", in English); agents read the change itself,
    and the merged theme's notes are carried into the theme's own note."""
    return with_reason(note, reason, language) if kind in NOTE_KINDS else None


def for_agent(event: dict, language: str = DEFAULT) -> dict:
    """A theme event as agents read it (digest, page, `voc agent`): the change in words as `what`, and only the
    note an agent reads (`agent_note`, with the reason of a decline); `reason` stays as it is, for other tools."""
    what = describe_change(event["kind"], event["from_status"], event["to_status"], language,
                           event.get("other_theme_id"), event.get("other_theme"))
    return {**event, "what": what,
            "note": agent_note(event["kind"], event["note"], event.get("reason"), language)}


def latest_per_theme(events: list[dict]) -> list[dict]:
    """The changes an agent reads, `events` in order: a theme's status and note changes as one, its latest state
    (a note a later change replaced is not read: "under review: we are checking" then "planned: new price page" is
    "is now planned (was new): new price page"), where the latest of them stood; merges and splits as they are.
    A status that went back to where it was reads as the note it left, or not at all. Each change keeps the ids it
    stands for in `ids` (`notification_id`, else `event_id`)."""
    merged: dict[int, dict] = {}
    order: list[tuple[int, dict]] = []
    for n, event in enumerate(events):
        key = event.get("notification_id", event.get("event_id"))
        earlier = merged.get(event["theme_id"]) if event["kind"] in NOTE_KINDS else None
        if earlier is None:
            item = {**event, "ids": [key]}
        else:
            moved = event["kind"] == "status" or earlier["kind"] == "status"
            item = {**event, "ids": earlier["ids"] + [key], "kind": "status" if moved else "note",
                    "from_status": earlier["from_status"] if earlier["kind"] == "status" else event["from_status"],
                    "note": event["note"] or earlier["note"],
                    "reason": event.get("reason") or (earlier.get("reason") if event["to_status"] == "declined"
                                                      else None)}
            order = [(m, i) for m, i in order if i is not earlier]
        if event["kind"] in NOTE_KINDS:
            merged[event["theme_id"]] = item
        order.append((n, item))
    changes = [i for _, i in order]
    return [{**i, "kind": "note"} if i["kind"] == "status" and i["from_status"] == i["to_status"] else i
            for i in changes if not (i["kind"] == "status" and i["from_status"] == i["to_status"] and not i["note"])]


def digest_text(items: list[dict], language: str = DEFAULT, shown: Callable[[str], str] = as_written) -> str:
    """One line per change (theme, what happened, the PM's note indented under its bullet), under a heading;
    `items` as `for_agent` words them. `shown` escapes what people wrote (theme names, notes, reasons) for the
    medium: `voc.text.escape.chat` for a webhook's message; the e-mail is plain text, as written."""
    words, lines = DIGEST_WORDS[language], []
    for i in items:
        note = shown(i["note"] or "").replace("\n", "\n  ")
        what = describe_change(i["kind"], i["from_status"], i["to_status"], language, i.get("other_theme_id"),
                               i.get("other_theme"), shown)
        line = f"- {words['theme']} #{i['theme_id']} {quoted(i['theme'], language, shown)} {what}"
        lines.append(line + (f": {note}" if note else ""))
    return "\n".join([words["intro"], *lines])


def look_here(language: str = DEFAULT, url: str | None = None) -> str:
    """The digest's last line: where the agent sees all (a link to their page when its address is known)."""
    words = DIGEST_WORDS[language]
    return words["link"].format(url=url) if url else words["page"]


def subject(count: int, language: str = DEFAULT) -> str:
    return DIGEST_WORDS[language]["subject"].format(count=count)


def headline(summary: dict, language: str = DEFAULT) -> str:
    """Thanks, counting what the comments fed and what became of it; counts that are zero are left out."""
    words = HEADLINE_WORDS[language]

    def counted(n: int, noun: str) -> str:
        return f"{n} {words[noun][n != 1]}"

    if not summary["comments"]:  # a new agent, or nothing filed that a run has published yet
        return words["nothing"]
    if not summary["themes"]:  # only unclustered comments so far
        return words["none"].format(count=summary["comments"])
    themes = summary["themes"]
    text = words["thanks"].format(comments=counted(summary["comments"], "comment"), themes=counted(themes, "problem"))
    parts = [f"{summary[k]} {words[k]}" for k in ("done", "in_progress", "planned") if summary[k]]
    text += " " + ", ".join(parts) + "." if parts else ""
    shipped = summary["shipped_this_quarter"]
    return text + (" " + words["shipped"][shipped != 1].format(fixes=counted(shipped, "fix")) if shipped else "")


def agent_language(comments_per_language: dict[str | None, int]) -> str:
    """The language most of an agent's comments are in, if voc speaks it; on a tie, or otherwise, English."""
    counts = Counter({lang: n for lang, n in comments_per_language.items() if lang in LANGUAGES}).most_common()
    if not counts or (len(counts) > 1 and counts[0][1] == counts[1][1]):
        return DEFAULT
    return counts[0][0]
