"""Names of people in a comment, replaced by [NAME] (the last steps of `voc.text.redact.redact`).

Two cues say that a name follows, and mostly only what follows a cue is searched:

- a salutation (Herr, Frau, Hr., Fr., Mr, Mrs, Ms, Dr) in any case ("HERR MÜLLER", "frau meier"), with particles
  ("Herr de Vries", "van der Berg") and titles ("Herr Prof. Dr. Weber"); in lower-case text a lower-case word is a
  name unless it is a stop word ("frau am telefon" has none); and a maiden name ("geb. Schulz", "née Jones");
- a word for the customer or a contact ("Kunde", "Kundin", "Stammkunde", "Kd.", "Kdn.", "Kunden", "Anrufer(in)",
  "Kontoinhaber(in)", "Vertragsinhaber(in)", "Ansprechpartner(in)", "Kontaktperson", "customer", "client",
  "caller", "account holder", "cardholder", "contact person") or a label ("Name:",
  "Kundenname:", "customer name:", "namens", "name is"). German capitalises every noun, so after a word for the
  customer a name is what looks like one: two or three capitalised words ("Kunde Max Mustermann", "customer John
  Smith"), or one followed by a comma, a semicolon, a bracket, another placeholder or a verb whose subject is a
  person ("Kunde Meier, ...", "Kunde Meier (...)", "Kundin Schulz ruft an", "customer Jones is angry"); after a
  label one capitalised word is enough ("Name: Meier"). A capitalised word is not a name when it is a stop word
  or a verb agents write after the customer ("Kunde Meldet sich"), is in capitals ("Kunde SEPA Mandat",
  "WerbeSMS"), holds a digit, ends like a noun (-ung, -heit, -keit, -schaft, -tion, -ität, -ment, -ness, -ity,
  ...), or is one of the common contact-center nouns of voc/resources/common_nouns.txt ("Vertrag", "Rückruf",
  "App", "Service", "Tochter", "Freitag", "PayPal", ...), as typed without umlauts ("Rueckruf"), in the plural
  ("Wochen"), with one letter dropped or two swapped ("Newletter"), or as the end of a compound ("Handyvertrag",
  "Kreditkarte"). So "Kunde Vertrag gekündigt", "Kundin Rückruf gewünscht", "Kunde App stürzt ab" and "Customer
  Service was great" stay. Two unlisted nouns in a row are taken for a name ("Kunde Kühlschrank Tür defekt" was,
  before "Kühlschrank" and "Tür" were listed): the list grows with what agents write.
  Text after these cues in lower case or in capitals is not searched: "kunde max mustermann" cannot be told
  from "kunde ruft an", "KUNDE MAX MUSTERMANN" from "KUNDE APP STÜRZT AB".
  The name may stand in quotes or brackets (`Kunde "Ottokar Quirinius"`, `Herr (Xaver Quetschlich)`); one word
  closed by its quote or bracket counts as a name after a word for the customer (`Kunde (Meier) ruft an`).

Without a cue, a common first name (voc/resources/first_names.txt) followed by a capitalised word that could be a
name is redacted with it ("invoice from Anna Freeman", "Lisa Müller rief an"). First names that are words too
("Frank", "Mark", "Max", "Jack", "Till") count only in mid-sentence ("bill from Frank Miller"; "Frank Feedback" at
the start of a line stays), and a few brands named after people stay ("Hugo Boss", "Tom Tailor").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

from voc.text.util import _resource_words, agent_words, stopwords

# Salutations as typed: title case, upper case, lower case (agent notes are often all lower case). Left out are
# the forms that are words of their own: "ms"/"MS" (milliseconds, Microsoft), "miss"/"MISS" (the verb).
_SALUTATION_WORDS = ("Herrn", "Herr", "Frau", "Hr.", "Fr.", "Mrs.", "Mrs", "Mr.", "Mr", "Ms.", "Ms", "Miss", "Dr.",
                     # a maiden name: "Frau Meier geb. Schulz" (a date after "geb." is a DOB)
                     "Geb.", "Geborene", "Née")
_NOT_SALUTATIONS = {"ms", "MS", "miss", "MISS"}
_SALUTATION = re.compile(r"(?<!\w)(" + "|".join(sorted(
    {re.escape(form) for word in _SALUTATION_WORDS for form in (word, word.upper(), word.lower())}
    - {re.escape(w) for w in _NOT_SALUTATIONS}, key=len, reverse=True)) + r")"
    r"((?i:[ ]+(?:dr|prof|med|dent|dipl\.-ing|ing|mag)\.)*)(?=[ ])")  # titles: "Herr Prof. Dr."
# "O'Brien", "Meyer-Lüdenscheidt"; not a closing quote. The first word of a name may open a quote or a bracket.
_OPENERS, _CLOSERS = "\"'„“”‚‘«»‹›(", "\"'“”‘’«»‹›)"
_NAME_TOKEN = re.compile(r"[ ]+(?P<open>[" + _OPENERS + r"]?)(?P<word>[^\W\d_](?:[\w'’-]*\w)?)")
# Lower-case words that join a name ("de Vries", "van der Berg", "von und zu Guttenberg"); "der", "den" and "und"
# only after one of the first kind, so "herr der lage" has no name.
_PARTICLES = frozenset("de da di do dos du del della la le van von vom zu zum zur ten ter op af".split())
_LATER_PARTICLES = _PARTICLES | {"der", "den", "dem", "und", "het"}
MAX_NAME_WORDS = 2     # first and last name; a third capitalised word is more often a noun ("Herr Müller Rückruf")
MAX_PARTICLES = 3      # "von und zu"

# A word for the customer, then a name ("Kunde Max Mustermann"); "Stammkunde", "Neukundin" too. Not after a
# hyphen or a dot ("Kunden-App", "web.customer").
_CUSTOMER = re.compile(r"(?<![\w.-])(?i:\w*kund(?:e|in|en)|kdn?\.?|anrufer(?:in)?|\w*inhaber(?:in)?"
                       r"|ansprechpartner(?:in)?|kontaktperson"
                       r"|(?P<en>customer|client|caller|account holder|card ?holder|contact person|account owner))"
                       r"(?:[ ]?:)?(?=[ ])")
# A label: what follows is a name ("Name: Meier", "Kunde namens Meier", "customer name is John Smith").
_NAME_LABEL = re.compile(r"(?<![\w.-])(?i:(?:kunden|vor|nach|familien|customer |client |caller |full |first |last "
                         r"|sur)?name[ ]?:|namens|(?:customer's|client's|caller's|his|her|their|my) name is"
                         r"|(?:sein|ihr) name ist)(?=[ ])")
# Verbs whose subject is a person: one capitalised word before them is a name ("Kunde Meier ruft an"), while
# "Kunde App stürzt ab" or "Kunde Vertrag gekündigt" have a noun.
_PERSON_VERBS = frozenset("ruft rief meldet meldete schreibt schrieb fragt fragte möchte moechte wartet wartete "
                          "wünscht wuenscht sagt sagte beschwert bittet bat reklamiert berichtet bedankt "
                          "called calls says said wants wanted asks asked wrote writes complains complained "
                          "requests requested phoned rang thanked waits waited".split())
# English capitalises a noun only in a name or a title: after "customer", "is", "was", "has" and "had" follow a
# person too ("customer Jones is angry"), while "Kunde Fernseher ist kaputt" has a noun.
_ENGLISH_AFTER_ONE_NAME = re.compile(r"[ ]+(?:is|was|has|had)\b")
# Not after a single word: the end of a sentence ("Kunde wartet seit Wochen." cut as "Kunde Wochen.") or a colon
# ("Kunde Mail: ...").
_AFTER_ONE_NAME = re.compile(r"[ ]?[,;(]"                                 # "Kunde Meier, ...", "Kunde Meier (...)"
                             r"|[ ]\[(?!NAME\])"                        # "Kunde Meier [EMAIL]"
                             r"|[ ]+(?:" + "|".join(sorted(_PERSON_VERBS)) + r")\b")  # "Kunde Meier ruft an"
_INNER_CAPITALS = re.compile(r"\w[A-ZÄÖÜ]{2}")  # "WerbeSMS", "eBay-ID"; one is a name's ("McDonald", "DiCaprio")
# Endings of nouns (German and English), not of surnames. A word shorter than NOUN_SUFFIX_MIN_LEN is not judged by
# them: "Jung" and "Lang" are surnames.
_NOUN_SUFFIXES = ("ung", "heit", "keit", "schaft", "tion", "sion", "ität", "nis", "tum", "ismus", "ment", "ness",
                  "ity", "ship", "erei", "ierung", "logie", "ware")
NOUN_SUFFIX_MIN_LEN = 6  # "Zahlung", "Störung" are 7; "Jung" is 4 (a miss: "Hartung" ends like a noun)
NOUN_TAIL_MIN_LEN = 5    # a compound ending in a listed noun of 5+ letters is a noun ("Handyvertrag"); shorter
#                          tails are surname endings too ("Hoffmann", "Neuhaus")
NOUN_HEAD_MIN_LEN = 3    # ... and begins with a word of its own ("Neukunde"): "Scheck" and "Hoffer" are surnames
_INFLECTIONS = ("en", "n", "e", "s", "es")  # "Wochen", "Kunden", "Pakete", "Tarifs" are listed nouns too
MIN_STEM_LEN = 3         # "Apps" is "app" + s; "Abo" is not "ab" + o
TYPO_MIN_LEN = 6         # a listed noun this long is known with one letter dropped or two swapped ("Newletter",
#                          "Rechnnug"); shorter ones would take names ("Karte" less a letter is "Kate", "Email" "Emil")
MAX_CUSTOMER_NAME_WORDS = 3  # "Kundin Anna Maria Schmidt": every word passed the noun tests


@lru_cache(maxsize=None)
def _common_words() -> frozenset[str]:
    """Lower-case words that are not a name when capitalised after a word for the customer."""
    return (stopwords("any") | agent_words() | _PERSON_VERBS
            | frozenset(w.lower() for w in _resource_words("common_nouns.txt")))


@lru_cache(maxsize=None)
def _noun_tails() -> frozenset[str]:
    return frozenset(w for w in _common_words() if len(w) >= NOUN_TAIL_MIN_LEN and w.isalpha())


@lru_cache(maxsize=None)
def _noun_typos() -> frozenset[str]:
    """The listed nouns of TYPO_MIN_LEN letters or more with one letter dropped or two neighbours swapped."""
    nouns = [w.lower() for w in _resource_words("common_nouns.txt") if len(w) >= TYPO_MIN_LEN]
    return frozenset({w[:i] + w[i + 1:] for w in nouns for i in range(len(w))}
                     | {w[:i] + w[i + 1] + w[i] + w[i + 2:] for w in nouns for i in range(len(w) - 1)})


def looks_like_name(word: str) -> bool:
    """A capitalised word that may be a name after a word for the customer: "Mustermann", "O'Brien", "Meier-Lüden-
    scheidt"; not "App", "SEPA", "S21", "Rückerstattung", "Handyvertrag", "Meldet"."""
    if not word[0].isupper() or word.isupper() or any(c.isdigit() for c in word) or _INNER_CAPITALS.search(word):
        return False
    return all(part and not _is_common(part.lower()) for part in word.split("-"))


def _is_common(word: str) -> bool:
    """A lower-case word is a common word or noun: listed (or its plural, or a typo of it), a compound ending in
    one, or with a noun's ending."""
    umlauts = word.replace("ue", "ü").replace("oe", "ö").replace("ae", "ä")  # "Rueckruf" typed without umlauts
    forms = {word, umlauts} | {w[:-len(end)] for w in (word, umlauts) for end in _INFLECTIONS
                               if w.endswith(end) and len(w) - len(end) >= MIN_STEM_LEN}
    if forms & _common_words() or word in _noun_typos():
        return True
    if len(word) >= NOUN_SUFFIX_MIN_LEN and word.endswith(_NOUN_SUFFIXES):
        return True
    return any(form[i:] in _noun_tails() for form in forms
               for i in range(NOUN_HEAD_MIN_LEN, len(form) - NOUN_TAIL_MIN_LEN + 1))


def _is_name_word(word: str, lower_case_names: bool) -> bool:
    """After a salutation, a capitalised word is a name ("Müller", "MÜLLER", not an all-caps stop word: "HERR DER
    LAGE"); a lower-case word only in lower-case text, and not a stop word ("frau meier", not "frau am telefon")."""
    common = word.lower() in stopwords("any")
    if word[0].isupper():
        return not (common and word.isupper())
    return lower_case_names and not common


NameTest = Callable[[str, int, "int | None"], bool]  # (word, name words so far, start of the name) -> a name word?


def _name_span(text: str, pos: int, is_name: NameTest, max_words: int = MAX_NAME_WORDS, quoted: bool = True
               ) -> tuple[int, int, int] | None:
    """(start, end, number of name words) of the name that follows position `pos`, right after a cue, or None.
    With `quoted`, the name may open a quote or a bracket."""
    start = end = None
    words = particles = 0
    while words < max_words:
        token = _NAME_TOKEN.match(text, pos)
        if token is None or (token.group("open") and (start is not None or not quoted)):
            break
        word = token.group("word")
        if _SALUTATION.match(text, token.start("word")):  # "Herr Müller Frau Meier": the next person, named on its own
            break
        if (particles < MAX_PARTICLES and (word.islower() or word.isupper())
                and word.lower() in (_LATER_PARTICLES if particles else _PARTICLES)):
            particles, pos = particles + 1, token.end()
            start = token.start("word") if start is None else start
            continue
        if not is_name(word, words, start):
            break
        start = token.start("word") if start is None else start
        words, particles, pos, end = words + 1, 0, token.end(), token.end()
    return (start, end, words) if end is not None else None


def _after_salutation(text: str, match: re.Match) -> tuple[int, int, int] | None:
    lower = match.group(1).islower()
    return _name_span(text, match.end(),
                      lambda word, words, start: _is_name_word(word, lower or (words > 0 and text[start].islower())))


def _after_customer(text: str, match: re.Match) -> tuple[int, int, int] | None:
    """Two or three words that look like a name, or one before punctuation or a verb of a person. Not after a
    particle, a preposition there ("Kunde von Telefónica", "Kunde zu Hause"); "Kunde Anna van der Berg" is a name."""
    span = _after_label(text, match)
    if span is None or text[span[0]].islower():
        return None
    end, words = span[1:]
    english = match.group("en") and _ENGLISH_AFTER_ONE_NAME.match(text, end)
    closed = text[span[0] - 1] in _OPENERS and text[end:end + 1] in _CLOSERS  # "Kunde (Meier)", 'Kunde "Meier"'
    return span if words > 1 or _AFTER_ONE_NAME.match(text, end) or english or closed else None


def _after_label(text: str, match: re.Match) -> tuple[int, int, int] | None:
    return _name_span(text, match.end(), lambda word, words, start: looks_like_name(word), MAX_CUSTOMER_NAME_WORDS)


_CUES = ((_SALUTATION, _after_salutation), (_CUSTOMER, _after_customer), (_NAME_LABEL, _after_label))
Edit = tuple[int, int, str]


def _cue_step(cue: re.Pattern, find: Callable) -> Callable[[str, Counter], list[Edit]]:
    """The name after each cue becomes [NAME]; the cue and titles stay ("Herr Dr. [NAME]", "Kunde [NAME] ruft an")."""
    def step(text: str, counts: Counter) -> list[Edit]:
        edits, pos = [], 0
        for match in cue.finditer(text):
            if match.start() < pos:
                continue
            span = find(text, match)
            if span is not None:
                edits.append((span[0], span[1], "[NAME]"))
                counts["name"] += 1
                pos = span[1]
        return edits
    return step


# A capitalised word not inside an address, a handle, a path or a compound: a first name maybe.
_CAPITALISED = re.compile(r"(?<![\w@./#&'’-])[^\W\d_a-zäöüß][^\W\d_]+(?:-[^\W\d_]+)?(?=[ ])")
# First names that are words too ("Frank feedback", "Mark as read", "Jan 12", "Till Montag", "Heinz Ketchup").
# "Super Mario Galaxy".
_WORD_FIRST_NAMES = frozenset("Frank Mark Max Ernst Jack Till Jan Kai Heinz Oscar Carol Christian Iris Victor "
                              "Pablo Otto Mario".split())
_NOT_IN_A_NAME = re.compile(r"\b(?:zu|zum|zur)\b")  # "Joseph zum Papst gewählt": a preposition, not "von und zu"
# Brands named after a person: a product, not somebody's data.
_PERSON_BRANDS = frozenset({"Hugo Boss", "Tom Tailor", "Calvin Klein", "Ralph Lauren", "Tommy Hilfiger", "Ali Express",
                            "Harley Davidson", "Marc O'Polo", "Ben Sherman", "Louis Vuitton", "Emma Matratze"})


@lru_cache(maxsize=None)
def first_names() -> frozenset[str]:
    text = resources.files("voc.resources").joinpath("first_names.txt").read_text("utf-8")
    return frozenset(w for line in text.splitlines() if not line.startswith("#") for w in line.split())


def _mid_sentence(text: str, pos: int) -> bool:
    """The word before `pos` is in lower case or ends with a comma ("bill from Frank", "Hi, Frank"), not capitalised
    ("Super Mario") and not the end of a sentence."""
    before = text[:pos].rstrip().rsplit(" ", 1)[-1]
    return bool(before) and (before[0].islower() or before[-1] in ",;:")


def _first_name_step(text: str, counts: Counter) -> list[Edit]:
    """A common first name and a surname, no cue needed ("invoice from Anna Freeman" -> "invoice from [NAME]")."""
    edits, pos = [], 0
    for match in _CAPITALISED.finditer(text):
        first = match.group(0).split("-")[0]
        if match.start() < pos or first not in first_names() or not first[1:].islower():
            continue
        if (first in _WORD_FIRST_NAMES or _is_common(first.lower())) and not _mid_sentence(text, match.start()):
            continue
        span = _name_span(text, match.end(), lambda word, words, start: looks_like_name(word) and (
            words == 0 or text[start:].split(" ", 1)[0] in first_names()), quoted=False)  # "Anna Maria Schmidt"
        if (span is None or f"{match.group(0)} {text[span[0]:span[1]]}" in _PERSON_BRANDS
                or _NOT_IN_A_NAME.search(text, span[0], span[1])):
            continue
        edits.append((match.start(), span[1], "[NAME]"))
        counts["name"] += 1
        pos = span[1]
    return edits


# Applied one after the other, each on the text the one before left: cues first, then first names.
NAME_STEPS = [*(_cue_step(cue, find) for cue, find in _CUES), _first_name_step]
