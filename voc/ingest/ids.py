"""What an id may hold: ingest's comment_id and agent_id, a web user's agent id and login name.

Ids are keys: stored and shown as they are (URLs, exports, the web's forms, lists of agent ids in error messages),
never redacted. So an id that holds personal data is refused instead (ingest quarantines its row, naming the field
and the kind, never the value): an e-mail address, a phone number, an IBAN or a card number
(`voc.text.redact.personal_data_in_id`), a person's name or a salutation (`name_in_id`). An id's parts are what
`ID_SEPARATORS` divides; a name is read in them as redaction reads a comment, plus what only an id has (a surname
before a first name, parts joined by dashes). Codes and logins stay: "A07", "DE/A07", "FR/A07", "C-10023",
"ticket-4711", "agent_anna", "anna.schmidt" (a first name alone, or a login in lower case, is a staff member's own).
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

from voc.text.names import looks_like_name
from voc.text.redact import ID_PERSONAL_DATA, personal_data_in_id, redact

MAX_ID_CHARS = 200  # an id ends up in file names, e-mail addresses, URLs
# What joins the parts of an id or a login: "C-Frau-Meier", "kunde_meier", "frau.meier@corp", "DE/A07", "Zacharias
# Quandtmeyer".
ID_SEPARATORS = re.compile(r"[-_./@\s]+")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")  # a part made of letters: "Meier", "O'Brien"; not "A07"
# Words that only ever address a person: in an id they stand for one ("C-Frau-17" was made from a customer).
SALUTATIONS = frozenset({"frau", "herr", "herrn", "mrs", "miss"})
# Short forms that are codes too (FR and HR: France, human resources; MS, MR), and words for the customer that name
# systems too ("customer_feedback_17", "Kunde-4711"): a person only before a word that could be a name ("mr_smith").
SHORT_SALUTATIONS = frozenset({"fr", "hr", "mr", "ms"})
CUSTOMER_WORDS = frozenset({"kunde", "kundin", "customer"})
ID_NAMES = {"name": "a person's name", "salutation": "a salutation (Frau, Herr, Mrs, Miss)"}
NAME_PARTS = 2  # a name in an id is two words at least: a cue and a name, or a first name and a surname
ID_FIELDS = ("comment_id", "agent_id")  # keys, checked for personal data; ticket_id is free text, redacted
IDS_REMEMBERED = 4096  # agent ids repeat on every row: each distinct one is checked once


def id_parts(value: str) -> list[str]:
    """An id's or a login's parts: "C-Frau-Meier" -> C, Frau, Meier."""
    return [part for part in ID_SEPARATORS.split(value) if part]


def _names_after(cue: str, word: str) -> bool:
    """`word`, the part of an id after `cue`, is a name the cue introduces: after a salutation or a word for the
    customer a word that could be a name in any case ("Frau-meier", "KUNDE-MEIER"), not a number, a code or a listed
    noun ("Kunde-4711", "FR/A07", "customer_feedback"); after a short form, which is a code too, not in capitals
    ("mr_smith"; "FR/PARIS" is France's)."""
    cue = cue.lower()
    if cue not in SALUTATIONS | SHORT_SALUTATIONS | CUSTOMER_WORDS or not WORD.fullmatch(word):
        return False
    return looks_like_name(word.capitalize()) and not (cue in SHORT_SALUTATIONS and word.isupper())


def _two_names(a: str, b: str) -> bool:
    """Two parts of an id written like a first name and a surname, in either order ("Zacharias Quandtmeyer",
    "C-Quandtmeyer-Zacharias"): capitalised words that are not listed nouns, as titles tell a name redaction missed
    (`voc.themes.titles.person_words`). In lower case or in capitals, as in a comment, a name cannot be told from
    words or codes: "anna.schmidt" is a login, "FR/PARIS" a code."""
    return bool(WORD.fullmatch(a) and WORD.fullmatch(b)) and looks_like_name(a) and looks_like_name(b)


@lru_cache(maxsize=IDS_REMEMBERED)
def name_in_id(value: str) -> str | None:
    """"name" when an id holds a person's name, "salutation" when it holds a word that addresses one, else None.
    Its parts are what `ID_SEPARATORS` divides. A name: a salutation or a word for the customer before a part that
    could be a name ("C-Frau-Meier", "kunde_meier", "mr_smith"); two capitalised words that could be a first name
    and a surname, in either order ("Zacharias Quandtmeyer", "C-Quandtmeyer-Zacharias"; "Store-Berlin" too); or
    what redaction takes for a name in the parts read as words ("Anna-van-der-Berg"). A salutation: one of
    `SALUTATIONS` anywhere ("C-Frau-17"). A first name alone is a staff member's own id ("anna", "agent_anna"), a
    login in lower case is one too ("anna.schmidt"); codes stay ("FR/A07", "HR-17", "Kunde-4711",
    "customer_feedback_17")."""
    parts = id_parts(value)
    if introduced_name(parts) or (sum(bool(WORD.fullmatch(p)) for p in parts) >= NAME_PARTS
                                  and any(_two_names(a, b) for a, b in pairwise(parts))):
        return "name"
    return "salutation" if any(p.lower() in SALUTATIONS for p in parts) else None


def introduced_name(parts: list[str]) -> bool:
    """The parts hold a name as a comment would: after a salutation or a word for the customer ("Kunde_Meier",
    "mr_smith"), or what redaction takes for a name in the parts read as words ("Anna_Schmidt"). Without the
    capitalised-pair rule ids add, so a file's name such as "Kundenstimmen_Hamburg" stays readable."""
    return sum(bool(WORD.fullmatch(p)) for p in parts) >= NAME_PARTS and (
        any(_names_after(cue, word) for cue, word in pairwise(parts)) or bool(redact(" ".join(parts)).counts["name"]))


def starts_with_salutation(login: str) -> bool:
    """A login that addresses a person ("frau.quandtmeyer@example", "mr_smith"): a salutation first, then more; a
    short form only before a name ("hr.support", "fr-team" are a department's)."""
    parts = id_parts(login)
    return len(parts) > 1 and (parts[0].lower() in SALUTATIONS or _names_after(parts[0], parts[1]))


def id_kind(value: str) -> str | None:
    """The kind of personal data an id holds ("email", "iban", "card", "phone", "name", "salutation"), or None: the
    one check of ingest's ids, also made of a web user's agent id. Ids are keys, stored and shown as they are, never
    redacted."""
    return personal_data_in_id(value) or name_in_id(value)


def id_problem(value: str) -> str | None:
    """What personal data an id holds, in words ("looks like an e-mail address", "holds a person's name"), or None."""
    kind = id_kind(value)
    if kind is None:
        return None
    return f"looks like {ID_PERSONAL_DATA[kind]}" if kind in ID_PERSONAL_DATA else f"holds {ID_NAMES[kind]}"


def without_personal_ids(values: dict) -> dict:
    """A rejected row's values with each id that holds personal data replaced by its kind's placeholder ("[NAME]"):
    the quarantine keeps where the row is and why, not a customer's name (redaction, which cleans the rest of the
    row, does not read an id's parts as words). A salutation alone ("C-Frau-17") names nobody: it stays."""
    kinds = {f: id_kind(values[f].strip()) for f in ID_FIELDS
             if isinstance(values.get(f), str) and len(values[f]) <= MAX_ID_CHARS}  # longer: text, redacted as such
    return {**values, **{f: f"[{kind.upper()}]" for f, kind in kinds.items() if kind not in (None, "salutation")}}
