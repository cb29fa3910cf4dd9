"""Titles a product manager reads at a glance: a short central phrase, in the theme's language, without typos.

For every theme (or sub-theme):
1. Candidates are the clauses (text between punctuation) of its comments in the
   dominant language, taken from the text that was embedded, so placeholders and
   boilerplate are already gone (`voc.themes.noise`); clauses of 2 to MAX_WORDS words.
   A theme with sub-themes is named after its largest one (the variant most of its
   customers describe, counted in all languages) that speaks the theme's language,
   from its comments in that language; the theme's other comments are the fallback. Without this rule the phrase
   repeated most verbatim won, often a small variant's: the demo's login theme
   (sub-themes "Can't log into the app" 95, "wrong password" 89, "2FA code" 58) was
   called "Zwei-Faktor-Code per SMS kommt nicht an".
2. Each candidate is spell-normalised against the corpus vocabulary of its language:
   a word becomes its most frequent spelling within one edit (or the same word up to
   umlaut spelling and case: "fuer" -> "für", "Wartezeti" -> "Wartezeit") when
   that spelling is at least TYPO_RATIO times more frequent.
3. Besides each whole clause, its fragments of 2 to SPAN_WORDS words are candidates: a
   fragment begins and ends with a word that is neither a stop word nor generic (a word
   most themes' customers say, found from the data: `voc.themes.generic`), so "how can i
   report signup problems" also offers "signup problems". On real text few whole
   clauses repeat verbatim; without fragments the titles of bitext customer-service
   messages were "Help me", "How to do it" or one keyword ("Sign", "Dollars", "User").
   A fragment counts SPAN_WEIGHT of a clause, so a clause said verbatim keeps its title
   unless more comments share the fragment; a fragment said only inside one longer
   candidate is that candidate ("parcel arrived" of "parcel arrived damaged").
   Never a title: a phrase of only stop and generic words ("Help me"), a clause with a
   salutation left by redaction ("bill from Mr"), a phrase with a word of two
   name-like words in a row ("invoice from Anna Freeman": `person_words`).
4. The score of a candidate is how many of the theme's comments say it
   (support; a clause after a comment's first candidate clause counts half: agents
   write the problem first, then its consequence or the customer's mood, "neuer
   Preis viel zu hoch, denkt über Wechsel nach") times how much of the theme's
   keyword weight it covers; ties: the shorter, then alphabetical. So the title is
   the phrase the theme's comments repeat most, not three keyword fragments. A
   phrase fewer than MIN_SUPPORT comments say, or fewer than MIN_SHARE of a large
   theme's, is never a title (agents see titles; a title must not be one colleague's
   note nor a line 5 of 287 comments repeat); without one the title is the top
   keyword the theme's comments in its language use, not one of generic words
   (`keyword_title`).
5. Titles are at most MAX_CHARS characters (cut at a word) and unique among the
   themes of a run: a later theme whose best title is taken uses its next
   candidate, else gets its top keyword appended.
Keywords stay as they are (`voc.themes.label`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from voc.text.names import looks_like_name
from voc.text.util import TOKEN, stopwords
from voc.themes.generic import generic_words

MAX_CHARS = 60
MAX_WORDS = 9          # a clause longer than this is a story, not a title
MIN_SUPPORT = 3        # a title is a phrase at least three comments say, never one person's note
MIN_SHARE = 0.03       # ... and in a large theme 3% of them: not a line 5 of 287 comments repeat
SPAN_WORDS = 5         # a fragment of a clause is at most five words ("transfer not received by recipient")
# A phrase with the asker inside it is a question cut open ("how soon can I expect", its "how" taken as
# boilerplate: "Soon can I expect"), not a problem's name; one that starts with the asker is a statement ("I can't
# log in").
ASKER = frozenset({"i", "you", "we", "ich", "du", "wir"})
WORD = re.compile(r"[^\W\d_]+")  # every word, one letter too (TOKEN skips "I")
SPAN_WEIGHT = 0.75     # a fragment beats the whole clause it is cut from only when more comments say it
# A sub-theme speaks the theme's language when a third of its comments are in it: a bilingual variant does, a
# mostly English one with a few German notes does not (its title would rest on those few).
SPEAKS_SHARE = 1 / 3
TYPO_RATIO = 5         # a spelling must be this much more common than the one it replaces
MIN_TYPO_LENGTH = 5    # shorter words have too many neighbours one edit away
LATER_CLAUSE_WEIGHT = 0.5  # agents write the problem first, then its consequence ("..., denkt über Wechsel nach")
# A clause runs to the next punctuation mark; a point or comma between digits ("Update 5.2.1", "4,99 €") is not one.
CLAUSE = re.compile(r"(?:[^.,;:!?()\[\]\n–]|(?<=\d)[.,](?=\d))+")
# What is left of "Mr. [NAME]" once the placeholder is gone: a clause with one is no title, only its fragments are
# ("bill from Mr" -> "bill"); they are stop words too, so no fragment begins or ends with one ("Bills mr").
SALUTATIONS = frozenset({"mr", "mrs", "ms", "dr", "herr", "herrn", "frau", "hr", "fr"})
UMLAUTS = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"))


def fold(word: str) -> str:
    word = word.lower()
    for a, b in UMLAUTS:
        word = word.replace(a, b)
    return word


def _edits1(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    return deletes | swaps


class Vocabulary:
    """Most frequent spelling of each word in some texts (see step 2 of the module docstring)."""

    def __init__(self, texts: list[str]):
        self.counts = Counter(w for t in texts for w in TOKEN.findall(t))
        by_fold: dict[str, Counter] = defaultdict(Counter)
        for w, c in self.counts.items():
            by_fold[fold(w)][w] += c
        self.best = {f: c.most_common(1)[0] for f, c in by_fold.items()}
        self.by_deletion: dict[str, set[str]] = defaultdict(set)
        for f in self.best:
            if len(f) >= MIN_TYPO_LENGTH - 1:
                for d in _edits1(f) | {f}:
                    self.by_deletion[d].add(f)

    def correct(self, word: str) -> str:
        key = fold(word)
        if key not in self.best:
            return word
        best, count = self.best[key]
        if len(key) >= MIN_TYPO_LENGTH:
            near = {f for d in _edits1(key) | {key} for f in self.by_deletion.get(d, ())} - {key}
            for f in sorted(near):
                spelling, c = self.best[f]
                if c >= TYPO_RATIO * count and c > self.best[key][1] and abs(len(f) - len(key)) <= 1:
                    best, count = spelling, c
        if word[:1].isupper() and best[:1].islower():
            best = best[:1].upper() + best[1:]
        return best


class Speller:
    """Spell-normalises phrases against the corpus vocabulary of their own language: with one vocabulary for
    German and English together, the German "neuer" became the English "never", which is more frequent one
    letter away ("Never Preis viel zu hoch")."""

    def __init__(self, texts: list[str], languages: list[str] | None = None):
        self._vocabularies: dict[str | None, Vocabulary] = {None: Vocabulary(texts)}
        for language in sorted(set(languages or ()) - {None}):
            self._vocabularies[language] = Vocabulary([t for t, lg in zip(texts, languages) if lg == language])

    def correct(self, word: str, language: str | None = None) -> str:
        return self._vocabularies.get(language, self._vocabularies[None]).correct(word)

    def normalise(self, phrase: str, language: str | None = None) -> str:
        return TOKEN.sub(lambda m: self.correct(m.group(0), language), phrase)


def clauses(text: str) -> list[str]:
    out = []
    for part in CLAUSE.findall(text):
        part = " ".join(part.split()).strip(" -'\"")
        if 2 <= len(TOKEN.findall(part)) <= MAX_WORDS:
            out.append(part)
    return out


def shorten(title: str, limit: int = MAX_CHARS) -> str:
    if len(title) <= limit:
        return title
    cut = title[:limit + 1].rsplit(" ", 1)[0]
    return cut[:limit].rstrip(" ,;:-")


def capitalise(title: str) -> str:
    return title[:1].upper() + title[1:]


def fragments(clause: str, filler: frozenset[str]) -> list[str]:
    """The clause's spans of 2 to SPAN_WORDS words that begin and end with a word that is not `filler` (stop words
    and generic words), without the asker after their first word (`ASKER`): "how can i report signup problems"
    -> "signup problems", "report signup problems"."""
    words = list(TOKEN.finditer(clause))
    lower = [w.group(0).lower() for w in words]
    out = []
    for i, first in enumerate(words):
        if lower[i] in filler:
            continue
        for j in range(i + 1, min(i + SPAN_WORDS, len(words))):
            span = clause[first.start():words[j].end()]
            if asks(span):
                break
            if lower[j] not in filler:
                out.append(span)
    return out


def asks(phrase: str) -> bool:
    """Whether the asker stands after the phrase's first word (`ASKER`: a question cut open, "Soon can I expect")."""
    return bool(ASKER & set(WORD.findall(phrase.lower())[1:]))


def is_filler(phrase: str, filler: frozenset[str]) -> bool:
    """A phrase made only of stop words and generic words ("Help me", "How to do it") names no problem."""
    return all(w.lower() in filler for w in TOKEN.findall(phrase))


def person_words(clause: str) -> set[str]:
    """The words of two name-like capitalised words in a row ("invoice from Anna Freeman"): a name redaction missed,
    which no title shows (`voc.text.names.looks_like_name`: not a stop word nor a common noun), nor half of it."""
    words = [w.strip(".,;:!?'\"") for w in clause.split()]  # "Zwei-Faktor-Code" is one word, no name
    return {fold(w) for a, b in zip(words, words[1:]) if a.isalpha() and b.isalpha()
            and looks_like_name(a) and looks_like_name(b) for w in (a, b)}


def inside_another(key: str, keys: list[str], weight: Counter) -> bool:
    """A fragment no comment says but inside one longer phrase is that phrase: "parcel arrived" of "parcel arrived
    damaged" (else the shorter would win the tie and drop the problem's last word)."""
    return any(weight[other] >= weight[key] and other != key and f" {key} " in f" {other} " for other in keys)


def candidates(texts: list[str], keywords: list[str], speller: Speller, language: str | None = None,
               generic: frozenset[str] = frozenset()) -> list[tuple[float, str]]:
    """(score, title) of a theme's candidate phrases in `language`, best first: its clauses and their fragments."""
    filler = stopwords("any") | generic
    weights = {w: 1.0 / (1 + i) for i, kw in enumerate(keywords) for w in kw.lower().split()}
    support: Counter = Counter()
    weight: Counter = Counter()
    shown: dict[str, Counter] = defaultdict(Counter)
    persons: set[str] = set()
    for text in texts:
        seen: set[str] = set()
        for position, clause in enumerate(clauses(text)):
            persons |= person_words(clause)
            normal = speller.normalise(clause, language)
            said = 1.0 if position == 0 else LATER_CLAUSE_WEIGHT
            said_by = SALUTATIONS & {w.lower() for w in TOKEN.findall(normal)}
            whole = [] if said_by or asks(normal) else [(normal, 1.0)]
            for phrase, share in [*whole, *((f, SPAN_WEIGHT) for f in fragments(normal, filler))]:
                key = fold(phrase)
                if key in seen:
                    continue
                seen.add(key)
                support[key] += 1
                weight[key] += said * share
                shown[key][phrase] += 1
    need = max(MIN_SUPPORT, MIN_SHARE * len(texts))
    said = [key for key, n in support.items() if n >= need]
    scored = []
    for key in said:
        words = {w.lower() for w in TOKEN.findall(key)}
        if is_filler(key, filler) or words & persons or inside_another(key, said, weight):
            continue
        surface = shown[key].most_common(1)[0][0]
        cover = sum(weights.get(w, 0.0) for w in words) or 0.1
        scored.append((weight[key] * cover, capitalise(shorten(surface))))
    scored.sort(key=lambda s: (-s[0], len(s[1]), s[1]))
    return scored


def dominant(languages: list[str]) -> str | None:
    return Counter(languages).most_common(1)[0][0] if languages else None


@dataclass
class TitleGroup:
    """What a theme's title is chosen from."""
    texts: list[str]
    languages: list[str]
    keywords: list[str]
    variants: list[int] | None = None  # each text's sub-theme, if the theme has them

    @property
    def language(self) -> str | None:
        return dominant(self.languages)

    def pools(self) -> list[list[str]]:
        """The texts to draw the title from, in order of preference: the comments in the theme's language of its
        largest sub-theme, counted in all languages, that speaks that language (at least SPEAKS_SHARE of its
        comments and MIN_SUPPORT; ties: the lower sub-theme), then all the theme's comments in that language.
        Unclustered comments (sub-theme -1) are no sub-theme."""
        language = self.language  # once: a property in the comprehension would count the languages per comment
        own = [i for i, lg in enumerate(self.languages) if lg == language] or list(range(len(self.texts)))
        pools = []
        sizes = Counter(v for v in self.variants if v >= 0) if self.variants is not None else Counter()
        speaking = Counter(self.variants[i] for i in own if self.variants[i] >= 0) if sizes else Counter()
        for variant, size in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
            if speaking[variant] >= max(MIN_SUPPORT, SPEAKS_SHARE * size):
                pools.append([self.texts[i] for i in own if self.variants[i] == variant])
                break
        return pools + [[self.texts[i] for i in own]]


def keyword_title(group: TitleGroup, generic: frozenset[str] = frozenset()) -> str:
    """The title of a theme no phrase names: its top keyword that its comments in its language use (keywords are
    counted over all languages; "Weeks credit" does not name a German theme), else its top keyword. Never a keyword
    of only generic words (keywords hold no person's name: `voc.themes.label.without_names`)."""
    own = " ".join(t.lower() for t, lg in zip(group.texts, group.languages) if lg == group.language)
    fit = [kw for kw in group.keywords if not is_filler(kw, stopwords("any") | generic)]
    spoken = next((kw for kw in fit if all(w in own for w in kw.lower().split())), None)
    chosen = spoken or next(iter(fit + group.keywords), None)
    return capitalise(shorten(chosen)) if chosen else "(no words)"


def groups_generic(groups: list[TitleGroup]) -> dict[str, frozenset[str]]:
    """The generic words (`voc.themes.generic`) of groups that are a run's themes."""
    return generic_words([t for g in groups for t in g.texts], [lg for g in groups for lg in g.languages],
                         [n for n, g in enumerate(groups) for _ in g.texts])


def choose_titles(groups: list[TitleGroup], speller: Speller, taken: set[str] | None = None,
                  generic: dict[str, frozenset[str]] | None = None) -> list[str]:
    """One unique title per group, in the order given (most important first). `generic`: language -> generic
    words, by default those of these groups (right when they are a run's themes, not when they are sub-themes)."""
    generic = groups_generic(groups) if generic is None else generic
    used = {t.lower() for t in (taken or set())}
    titles = []
    for group in groups:
        keywords, language = group.keywords, group.language
        options: list[str] = []
        for pool in group.pools():  # the next pool only when this one gave no free title
            options += [title for _, title in candidates(pool, keywords, speller, language,
                                                         generic.get(language, frozenset()))]
            title = next((t for t in options if t.lower() not in used), None)
            if title is not None:
                break
        if title is None:
            base = options[0] if options else keyword_title(group, generic.get(language, frozenset()))
            extra = next((kw for kw in keywords if kw.lower() not in base.lower()), None)
            title = shorten(f"{base} ({extra})") if extra and base.lower() in used else base
            n = 2
            while title.lower() in used:
                title, n = shorten(f"{base} ({n})"), n + 1
        used.add(title.lower())
        titles.append(title)
    return titles
