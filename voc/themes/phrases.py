"""What a theme's comments say: the phrases a title is chosen from, and how many comments say each phrase and word.

Candidates are the clauses (text between punctuation) of the comments, taken from the text that was embedded, so
placeholders and boilerplate are already gone (`voc.themes.noise`): clauses of 2 to MAX_WORDS words,
spell-normalised (`voc.themes.spelling`), without the articles, possessives and pronouns they begin with ("My new
card has still not arrived" -> "new card has still not arrived": `without_lead`). Besides each whole clause, its fragments of 2 to
SPAN_WORDS words are candidates: a fragment begins with a word that is neither a stop word nor generic (a word most
themes' customers say, found from the data: `voc.themes.generic`) and ends with a word that is no stop word (a
generic one may end it: "link a card", where "card" is generic on banking messages), so "how can i report
signup problems" also offers "signup problems". A question a clause ends with is a candidate too ("when will my
product arrive" of "how to see when will my product arrive": `question`). On real text few whole clauses repeat
verbatim; without fragments the titles of bitext customer-service messages were "Help me", "How to do it" or one
keyword ("Sign", "Dollars", "User"). A fragment counts SPAN_WEIGHT of a clause, so a clause said verbatim keeps its
title unless more comments share the fragment. A clause after a comment's first counts LATER_CLAUSE_WEIGHT: agents
write the problem first, then its consequence or the customer's mood ("neuer Preis viel zu hoch, denkt über Wechsel
nach").

Phrases are counted up to inflection and function words (`key_of`): "debit card doesn't work abroad", "my debit card
does not work abroad" and "debit cards don't work abroad" are one phrase, said by the comments of all three, shown as most of them
spell it (`Said.spelling`).
Counted verbatim, banking messages, each worded its own way, repeated few phrases three times: 13 of 59 themes were
titled by one word ("Arrive", "Working", "Lost"; now "Card has not arrived yet", "Card doesn't work", "Lost my
card"). Negations stay in the key ("card not working" is not "card working").

Never a candidate: a clause with a salutation left by redaction ("bill from Mr", only its fragments are), a question
cut open ("Soon can I expect": `asks`), a clause cut at an abbreviation's point ("wechselkurs von u. s. d."). Never a
title (`voc.themes.titles`): a phrase of only stop and generic words ("Help me"), a phrase with a word of two
name-like words in a row ("invoice from Anna Freeman": `person_words`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from voc.text.names import looks_like_name
from voc.text.util import TOKEN, stopwords
from voc.themes.spelling import Speller, fold

MAX_WORDS = 9          # a clause longer than this is a story, not a title
SPAN_WORDS = 5         # a fragment of a clause is at most five words ("transfer not received by recipient")
SPAN_WEIGHT = 0.75     # a fragment beats the whole clause it is cut from only when more comments say it
LATER_CLAUSE_WEIGHT = 0.5  # agents write the problem first, then its consequence ("..., denkt über Wechsel nach")
# A phrase with the asker inside it is a question cut open ("how soon can I expect", its "how" taken as
# boilerplate: "Soon can I expect"), not a problem's name; one that starts with the asker is a statement ("I can't
# log in since the update").
ASKER = frozenset({"i", "you", "we", "ich", "du", "wir"})
WORD = re.compile(r"[^\W\d_]+")  # every word, one letter too (TOKEN skips "I")
KEY_WORD = re.compile(r"[^\W_]+")  # ... and numbers: "Update 5.2" is not "Update 5.3"
# A clause runs to the next punctuation mark; a point or comma between digits ("Update 5.2.1", "4,99 €") is not one.
CLAUSE = re.compile(r"(?:[^.,;:!?()\[\]\n–]|(?<=\d)[.,](?=\d))+")
# What is left of "Mr. [NAME]" once the placeholder is gone: a clause with one is no title, only its fragments are
# ("bill from Mr" -> "bill"); they are stop words too, so no fragment begins or ends with one ("Bills mr").
SALUTATIONS = frozenset({"mr", "mrs", "ms", "dr", "herr", "herrn", "frau", "hr", "fr"})
# The particles of English phrasal verbs: a fragment ends after them, never before ("top up", "sign up"); not "in",
# "on", "back": mostly prepositions ("refund in [the app]").
PARTICLES = frozenset({"up", "out", "off", "down"})
# A question word begins the question a clause holds ("how long the shipping takes", "wann kommt mein Paket").
QUESTION_WORDS = frozenset({"how", "when", "where", "why", "wie", "wann", "wo", "warum", "wieso", "weshalb"})
# Words that turn a phrase around are kept in its key, though they are stop words ("card not working").
NEGATIONS = frozenset({"not", "no", "never", "cannot", "nicht", "kein", "keine", "keinen", "keiner", "nie", "nichts",
                       "nothing"})
NOT = re.compile(r"(?i)\bcan't\b|\bcannot\b|n't\b")  # "can't", "doesn't": TOKEN reads "can", "doesn"
SUFFIXES = ("ings", "ing", "ed", "es", "en", "er", "s", "e", "n")  # inflections, German and English
MIN_STEM = 3           # a shorter stem would join different words ("news" and "new")
# Words of the stop word lists that name what a customer is about: the words of placeholders ("[CARD]" -> "card",
# stop words so that no keyword is one; titles are drawn from text without placeholders) and scikit-learn's
# English words that are nouns in a contact center ("top up", "amount"). A title may end with them ("Card has not
# arrived yet", "Top up is pending"; without: "Limits on auto [top-up]").
CONTENT_WORDS = frozenset({"card", "email", "phone", "iban", "amount", "call", "detail", "interest", "name", "system",
                           "top"})
STOP_WORDS = stopwords("any") - CONTENT_WORDS
# The words a clause may begin with that say who has the problem, not what it is: articles, possessives, subject
# pronouns (never a verb: "Kann sich nicht anmelden" is German agents' way to say it).
LEAD_WORDS = frozenset({"i", "my", "the", "a", "an", "our", "we", "this", "ich", "mein", "meine", "meinen", "meinem",
                        "meiner", "der", "die", "das", "ein", "eine", "einen", "unser", "unsere", "wir"})
STOP = frozenset(fold(w) for w in STOP_WORDS)
STEMS_KEPT = 2 ** 16   # words and phrases whose stem or key is remembered: a corpus's vocabulary
KEPT_SUPPORT = 2       # a phrase one comment says is dropped from the counts: no title, and nothing to compare with


def clauses(text: str) -> list[str]:
    out = []
    for part in CLAUSE.findall(text):
        part = " ".join(part.split()).strip(" -'\"#*/&+")
        if 2 <= len(TOKEN.findall(part)) <= MAX_WORDS:
            out.append(part)
    return out


def fragments(clause: str, filler: frozenset[str]) -> list[str]:
    """The clause's spans of 2 to SPAN_WORDS words that begin with a word that is not `filler` (stop words and
    generic words) and end with one that is not a stop word nor followed by a generic word or a particle (the noun
    or particle it needs: "activate my new card", not "activate my new"; "auto top up", not "auto top"), or end with
    the particle of a verb ("top up", "sign up"), never inside a word with a hyphen ("limit to top[-ups]"), without
    the asker after their first word (`ASKER`):
    "how can i report signup problems" -> "signup problems", "report signup problems". No fragment ends on the
    word after a question word: the question is what follows ("seeing how soon [can I expect my item]")."""
    words = list(TOKEN.finditer(clause))
    lower = [w.group(0).lower() for w in words]
    nxt = lower[1:] + [""]
    cut = [not w or w in STOP_WORDS and w not in PARTICLES or w not in filler for w in nxt]  # not before its noun
    ends = [w not in STOP_WORDS or w in PARTICLES and j > 0 and lower[j - 1] not in STOP_WORDS
            for j, w in enumerate(lower)]
    asked = [j > 0 and lower[j - 1] in QUESTION_WORDS for j in range(len(lower))]
    hyphen_after = [clause[w.end():w.end() + 1] == "-" for w in words]
    out = []
    for i, first in enumerate(words):
        if lower[i] in filler or clause[first.start() - 1:first.start()] == "-":
            continue
        for j in range(i + 1, min(i + SPAN_WORDS, len(words))):
            span = clause[first.start():words[j].end()]
            if asks(span):
                break
            if ends[j] and cut[j] and not asked[j] and not hyphen_after[j]:
                out.append(span)
    return out


def question(clause: str) -> str | None:
    """The question a clause ends with, from its question word on, if it holds one after its first word: "how to
    see when will my product arrive" -> "when will my product arrive". It names the problem as a whole clause
    does (a fragment of it, "product arrive", does not)."""
    words = list(WORD.finditer(clause))
    start = next((w.start() for w in words[1:] if w.group(0).lower() in QUESTION_WORDS), None)
    return clause[start:] if start is not None and len(TOKEN.findall(clause[start:])) >= 2 else None


def without_lead(clause: str) -> str:
    """The clause without the LEAD_WORDS it begins with ("My new card has still not arrived" -> "new card has still
    not arrived", "Ich kann mich nicht anmelden" -> "kann mich nicht anmelden"): a title names the problem, not who has
    it. A word cut by an apostrophe stays ("I'm not in the UK"), and a clause left with fewer than two words
    stays whole."""
    start = 0
    for word in WORD.finditer(clause):
        if word.group(0).lower() not in LEAD_WORDS or clause[word.end():word.end() + 1] != " ":
            start = word.start()
            break
    rest = clause[start:]
    return rest if len(TOKEN.findall(rest)) >= 2 else clause


def asks(phrase: str) -> bool:
    """Whether the asker stands after the phrase's first word (`ASKER`: a question cut open, "Soon can I expect")."""
    return bool(ASKER & set(WORD.findall(phrase.lower())[1:]))


def is_filler(phrase: str, filler: frozenset[str]) -> bool:
    """A phrase made only of stop words and generic words ("Help me", "How to do it") names no problem."""
    return all(w.lower() in filler or fold(w) in filler for w in TOKEN.findall(phrase))


def person_words(clause: str) -> set[str]:
    """The words of two name-like capitalised words in a row ("invoice from Anna Freeman"): a name redaction missed,
    which no title shows (`voc.text.names.looks_like_name`: not a stop word nor a common noun), nor half of it."""
    words = [w.strip(".,;:!?'\"") for w in clause.split()]  # "Zwei-Faktor-Code" is one word, no name
    return {fold(w) for a, b in zip(words, words[1:]) if a.isalpha() and b.isalpha()
            and looks_like_name(a) and looks_like_name(b) for w in (a, b)}


@lru_cache(maxsize=STEMS_KEPT)
def stem(word: str) -> str:
    """A crude stem of a folded word (two inflections off, German or English), enough to count "cancelled order"
    and "canceling orders", "neue Filme" and "neuen Film" as one phrase."""
    for _ in range(2):
        suffix = next((s for s in SUFFIXES if word.endswith(s) and len(word) - len(s) >= MIN_STEM), None)
        if suffix is None:
            break
        word = word[:-len(suffix)]
        if len(word) > MIN_STEM and word[-1] == word[-2]:
            word = word[:-1]
    return word


@lru_cache(maxsize=STEMS_KEPT)
def key_of(phrase: str) -> str:
    """What a phrase says, up to inflection and function words: the stems of its words but stop words, negations
    kept ("Canceling purchase", "cancel the purchase" -> "cancel purchas"; "can't pay" -> "not pay")."""
    words = KEY_WORD.findall(fold(NOT.sub(" not", phrase)))
    return " ".join(stem(w) for w in words if w not in STOP or w in NEGATIONS)


def phrases_of(text: str, speller: Speller, language: str | None,
               filler: frozenset[str]) -> tuple[dict[str, tuple[float, dict[str, float]]], set[str]]:
    """(key -> (weight, spellings), the words of names) of one comment: each phrase it says (`key_of`) once, with
    the weight it is first said with (a whole first clause 1, a fragment SPAN_WEIGHT, a later clause half) and
    every spelling it is said in, a fragment's counting SPAN_WEIGHT ("my parcel arrived damaged" 1, "parcel arrived
    damaged" SPAN_WEIGHT)."""
    out: dict[str, tuple[float, dict[str, float]]] = {}
    persons: set[str] = set()
    for position, clause in enumerate(clauses(text)):
        persons |= person_words(clause)
        normal = speller.normalise(clause, language)
        said = 1.0 if position == 0 else LATER_CLAUSE_WEIGHT
        said_by = SALUTATIONS & {w.lower() for w in TOKEN.findall(normal)}
        abbreviated = len(WORD.findall(normal)[-1]) == 1  # "wechselkurs von u. s. d.": cut by the point
        whole = [] if said_by or abbreviated or asks(normal) else [(without_lead(normal), 1.0)]
        embedded = question(normal)
        whole += [(embedded, 1.0)] if embedded and not said_by else []
        for phrase, share in [*whole, *((f, SPAN_WEIGHT) for f in fragments(normal, filler))]:
            spellings = out.setdefault(key_of(phrase), (said * share, {}))[1]
            spellings[phrase] = max(share, spellings.get(phrase, 0.0))
    return out, persons


@dataclass
class Said:
    """What some comments say: per phrase key how many comments say it (`support`), their weighted count
    (`weight`) and spellings (`shown`); per word (its stem) how many comments use it (`words`); the words of
    names their clauses hold (`persons`). Phrases only one comment says are left out (KEPT_SUPPORT)."""
    n: int = 0
    support: Counter = field(default_factory=Counter)
    weight: Counter = field(default_factory=Counter)
    shown: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    words: Counter = field(default_factory=Counter)
    persons: set[str] = field(default_factory=set)
    speller: Speller | None = None  # and `language`: how the corpus spells words
    language: str | None = None

    def spelling(self, key: str) -> str:
        """The spelling of a phrase most of its comments say (a fragment counting SPAN_WEIGHT: "Paket kam beschädigt
        an" over its "Paket kam beschädigt"); ties: the one whose rarest word the corpus says most (`speller`:
        "guten Film" over one comment's "gut Filme"), then the shorter ("top up is pending" over "why is the top up
        still pending at all")."""
        def usual(kv: tuple[str, float]) -> tuple:
            words = [w for w in TOKEN.findall(kv[0]) if w.lower() not in STOP_WORDS]
            rarest = min((self.speller.frequency(w, self.language) for w in words), default=0) if self.speller else 0
            return -kv[1], -rarest, len(kv[0]), kv[0]
        return min(self.shown[key].items(), key=usual)[0]

    def share(self, key: str) -> float:
        return self.support[key] / self.n if self.n else 0.0

    def word_share(self, word: str) -> float:
        return self.words[word] / self.n if self.n else 0.0


def said(texts: list[str], speller: Speller, language: str | None, filler: frozenset[str],
         seen: dict | None = None) -> Said:
    """What `texts` say (see `Said`); phrases are spelled against the vocabulary of `language`. `seen` keeps what
    each text says for the next call with the same speller, language and filler (a text is often said again)."""
    out = Said(n=len(texts), speller=speller, language=language)
    seen = {} if seen is None else seen
    for text in texts:
        if text not in seen:
            seen[text] = ({stem(fold(w)) for w in TOKEN.findall(text)}, *phrases_of(text, speller, language, filler))
        words, phrases, persons = seen[text]
        out.words.update(words)
        out.persons |= {stem(w) for w in persons}
        for key, (weight, spellings) in phrases.items():
            out.support[key] += 1
            out.weight[key] += weight
            out.shown[key].update(spellings)
    for key in [k for k, n in out.support.items() if n < KEPT_SUPPORT]:
        del out.support[key], out.weight[key], out.shown[key]
    return out
