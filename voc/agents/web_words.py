"""What the web app says to an agent outside their page, in German or English: error pages and the login page.

An agent's error page is in their language (the session's choice, else the one most of their comments are in,
`voc.agents.wording.agent_language`), says what happened in the agent's terms (voc's own messages name product
managers' pages and commands) and leads back to the agent's own page, never to pages only product managers may
open. The login page speaks the browser's language (`Accept-Language`) and names no command: agents have no shell.
"""

from __future__ import annotations

from voc.agents.wording import DEFAULT, LANGUAGES

ERROR_WORDS = {  # by HTTP status; "other": any status not listed
    "en": {"title": "That did not work", "back": "Back to my feedback",
           400: "voc cannot read this address: a value in it is not one voc knows (languages: ?lang=en or ?lang=de).",
           403: "This page is not for you: here you see only your own comments and what became of them.",
           404: "There is no such page.",
           503: "voc is busy right now (the nightly run): please try again in a few minutes.",
           "other": "Something went wrong on voc's side: please try again later."},
    "de": {"title": "Das hat nicht geklappt", "back": "Zurück zu meinen Kundenstimmen",
           400: "Diese Adresse kann voc nicht lesen: Ein Wert darin ist keiner, den voc kennt (Sprachen: ?lang=de "
                "oder ?lang=en).",
           403: "Diese Seite ist nicht für Sie: Hier sehen Sie nur Ihre eigenen Kundenstimmen und was aus ihnen "
                "wurde.",
           404: "Diese Seite gibt es nicht.",
           503: "voc ist gerade beschäftigt (der nächtliche Lauf): Bitte versuchen Sie es in ein paar Minuten noch "
                "einmal.",
           "other": "Bei voc ist etwas schiefgegangen: Bitte versuchen Sie es später noch einmal."},
}
LOGIN_WORDS = {
    "en": {"title": "Log in", "heading": "Log in to voc", "name": "User name", "password": "Password",
           "submit": "Log in", "hint": "No account yet? Ask whoever runs voc at your company for one.",
           "refused": "wrong user name or password"},
    "de": {"title": "Anmelden", "heading": "Bei voc anmelden", "name": "Benutzername", "password": "Passwort",
           "submit": "Anmelden", "hint": "Noch kein Konto? Bitten Sie die Person, die voc bei Ihnen betreut, um eines.",
           "refused": "Benutzername oder Passwort stimmt nicht."},
}


def error_message(status: int, language: str = DEFAULT) -> str:
    words = ERROR_WORDS[language]
    return words.get(status, words["other"])


def browser_language(accept_language: str | None) -> str:
    """The first language voc speaks among those the browser asks for (`Accept-Language: de-DE,de;q=0.9,en;q=0.8`),
    by their weights; English when none is."""
    asked = []
    for n, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        asked.append((-weight, n, tag.strip().split("-")[0].lower()))
    return next((lang for _, _, lang in sorted(asked) if lang in LANGUAGES), DEFAULT)
