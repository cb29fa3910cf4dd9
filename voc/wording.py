"""What agents read about their themes, in German or English: statuses, changes, the digest's text and subject.

An agent's digest is written in the language most of their comments are in (`agent_language`): an agent who files
"Kunde meldet: Rechnung doppelt" reads "Thema #4 … ist jetzt eingeplant (vorher neu)". The agent's page and
`voc agent` use English, as the rest of the app does.
"""

from __future__ import annotations

from collections import Counter

DEFAULT = "en"  # the language of everything else voc shows, and of an agent whose comments are in neither
STATUS_WORDS = {
    "en": {"new": "new", "under_review": "under review", "planned": "planned", "in_progress": "in progress",
           "done": "done", "declined": "declined"},
    "de": {"new": "neu", "under_review": "in Prüfung", "planned": "eingeplant", "in_progress": "in Arbeit",
           "done": "erledigt", "declined": "abgelehnt"},
}
CHANGE_WORDS = {  # after the theme's name; a merge's or split's event note says which theme and its status
    "en": {"status": "is now {to} (was {was})", "note": "has a new note", "merge": "took in another theme's comments",
           "split": "was split off another theme"},
    "de": {"status": "ist jetzt {to} (vorher {was})", "note": "hat eine neue Notiz",
           "merge": "hat die Kommentare eines anderen Themas übernommen", "split": "wurde von einem Thema abgetrennt"},
}
DIGEST_WORDS = {
    "en": {"intro": "What happened to the customer comments you filed:", "theme": "Theme",
           "subject": "voc: {count} update(s) on themes you reported"},
    "de": {"intro": "Was aus den Kundenstimmen wurde, die Sie erfasst haben:", "theme": "Thema",
           "subject": "voc: {count} Neuigkeit(en) zu Themen, die Sie gemeldet haben"},
}


def status_word(status: str | None, language: str = DEFAULT) -> str:
    return STATUS_WORDS[language].get(status or "", status or "")


def describe_change(kind: str, from_status: str | None, to_status: str | None, language: str = DEFAULT) -> str:
    """What an event did to a theme: "is now in progress (was planned)", "took in another theme's comments"."""
    return CHANGE_WORDS[language][kind].format(to=status_word(to_status, language),
                                                  was=status_word(from_status, language))


def digest_text(items: list[dict], language: str = DEFAULT) -> str:
    """One line per change (theme, what happened, the PM's note indented under its bullet), under a heading."""
    words, lines = DIGEST_WORDS[language], []
    for i in items:
        change = describe_change(i["kind"], i["from_status"], i["to_status"], language)
        note = (i["note"] or "").replace("\n", "\n  ")
        lines.append(f"- {words['theme']} #{i['theme_id']} \"{i['theme']}\" {change}" + (f": {note}" if note else ""))
    return "\n".join([words["intro"], *lines])


def subject(count: int, language: str = DEFAULT) -> str:
    return DIGEST_WORDS[language]["subject"].format(count=count)


def agent_language(comments_per_language: dict[str | None, int]) -> str:
    """The language most of an agent's comments are in, if voc speaks it; on a tie, or otherwise, English."""
    counts = Counter({lang: n for lang, n in comments_per_language.items() if lang in DIGEST_WORDS}).most_common()
    if not counts or (len(counts) > 1 and counts[0][1] == counts[1][1]):
        return DEFAULT
    return counts[0][0]
