"""Words every problem's customers say, found from the data: never what a title is made of.

Customers wrap their problem in the same words whatever it is: "can you help me", "I need assistance", "how to do
it", "wie kann ich", "bitte". A title made of such words ("Help me", "How to do it", "What do I do") names no
problem. As boilerplate is found from the data (`voc.themes.noise`) and not from a list, so are these words: a
word is generic in a language when the themes that speak that language say it, GENERIC_SHARE of them or more. A
theme says a word when at least SAID_SHARE of its comments in that language (and MIN_SAID) contain it. Problem
words are said in a few themes ("order" in 5 of 19 on bitext customer-service messages, "account" in 2); wrapper
words in most ("help" 18, "need" 17, "know" 13, "check" 7).

Titles (`voc.themes.titles`) use them twice: a phrase made only of generic words and stop words is never a title,
and a fragment of a clause never begins or ends with one ("how can i report signup problems" -> "signup
problems"). Sub-themes are titled with the generic words of the themes (within one theme every sub-theme says the
theme's own words: they are not generic).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from voc.text.util import TOKEN

GENERIC_SHARE = 1 / 3  # a word a third of the themes say is a wrapper, not a problem ("order": 5 of 19 themes)
SAID_SHARE = 0.05      # a theme says a word when 5% of its comments do ...
MIN_SAID = 3           # ... and at least three: one colleague's habit is not the theme's
MIN_THEMES = 4         # fewer themes in a language cannot tell a wrapper word from a common problem


def generic_words(texts: list[str], languages: list[str], themes: list[int]) -> dict[str, frozenset[str]]:
    """Language -> the generic words (lower-case) of texts grouped by theme (theme -1: unclustered, not counted)."""
    docs: dict[tuple[str, int], Counter] = defaultdict(Counter)
    sizes: Counter = Counter()
    for text, language, theme in zip(texts, languages, themes):
        if theme < 0:
            continue
        docs[(language, theme)].update({w.lower() for w in TOKEN.findall(text)})
        sizes[(language, theme)] += 1
    said: dict[str, Counter] = defaultdict(Counter)
    speaking: Counter = Counter()
    for (language, theme), words in docs.items():
        if sizes[(language, theme)] < MIN_SAID:
            continue
        speaking[language] += 1
        need = max(MIN_SAID, SAID_SHARE * sizes[(language, theme)])
        said[language].update(w for w, n in words.items() if n >= need)
    return {language: frozenset(w for w, n in said[language].items() if n >= GENERIC_SHARE * speaking[language])
            for language in speaking if speaking[language] >= MIN_THEMES}
