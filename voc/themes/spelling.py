"""Spell-normalising title phrases against the corpus vocabulary of their own language.

A word becomes its most frequent spelling within one edit (a letter dropped or two swapped), or the same word up to
umlaut spelling and case ("fuer" -> "für", "Wartezeti" -> "Wartezeit"), when that spelling is at least TYPO_RATIO
times more frequent. Titles (`voc.themes.titles`) show phrases as the corpus spells them most often.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import lru_cache

from voc.text.util import TOKEN

TYPO_RATIO = 5         # a spelling must be this much more common than the one it replaces
MIN_TYPO_LENGTH = 5    # shorter words have too many neighbours one edit away
FOLDS_KEPT = 2 ** 16   # words whose folded form is remembered: a corpus's vocabulary
UMLAUTS = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"))


@lru_cache(maxsize=FOLDS_KEPT)
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
    """Most frequent spelling of each word in some texts (see the module docstring)."""

    def __init__(self, texts: list[str]):
        self.counts = Counter(w for t in texts for w in TOKEN.findall(t))
        by_fold: dict[str, Counter] = defaultdict(Counter)
        for w, c in self.counts.items():
            by_fold[fold(w)][w] += c
        self.best = {f: c.most_common(1)[0] for f, c in by_fold.items()}
        self.folded = Counter({f: sum(c.values()) for f, c in by_fold.items()})  # how often each word is said
        self._corrected: dict[str, str] = {}
        self.by_deletion: dict[str, set[str]] = defaultdict(set)
        for f in self.best:
            if len(f) >= MIN_TYPO_LENGTH - 1:
                for d in _edits1(f) | {f}:
                    self.by_deletion[d].add(f)

    def correct(self, word: str) -> str:
        if word not in self._corrected:  # a corpus says the same words again and again
            self._corrected[word] = self._correct(word)
        return self._corrected[word]

    def _correct(self, word: str) -> str:
        key = fold(word)
        if key not in self.best:
            return word
        best, count = self.best[key]
        if self.counts[word] >= count:  # as common as any spelling of it: "my" stays, though "My" is as common
            best = word
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

    def frequency(self, word: str, language: str | None = None) -> int:
        """How often the corpus in `language` says `word` (any case, umlauts as typed or folded)."""
        return self._vocabularies.get(language, self._vocabularies[None]).folded[fold(word)]

    def normalise(self, phrase: str, language: str | None = None) -> str:
        return TOKEN.sub(lambda m: self.correct(m.group(0), language), phrase)
