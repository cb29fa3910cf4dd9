"""Titles a product manager reads at a glance: the phrase that names the theme's problem, in its language.

For every theme (or sub-theme), among the themes titled together (a run's themes, or one theme's sub-themes):
1. Candidates are the phrases its comments in the dominant language say, whole clauses, the questions they end with
   and their fragments, spell-normalised and counted up to inflection and function words (`voc.themes.phrases`).
   A phrase fewer than MIN_SUPPORT comments say, or fewer than MIN_SHARE of a large theme's, is never a title
   (agents see titles; a title must not be one colleague's note nor a line 5 of 287 comments repeat), nor one of a
   single word but stop words ("Top up": MIN_KEY_WORDS).
2. The score of a candidate is how many of the theme's comments say it (weighted: `voc.themes.phrases`) times how
   much of the theme's keyword weight its words cover (a generic word none, a word that is no keyword NO_KEYWORD),
   each word counted by how distinctive it is of this theme, times how distinctive the phrase is. Distinctive
   (`distinctive`, class-based TF-IDF's idea for phrases): the share of this theme's comments that say it, over
   that share plus the largest share of any other theme's comments that say it (1: only this theme says it; 1/2:
   another says it as often). So the title is what this theme's customers say and the others do not: a phrase
   another theme says as often would send a PM to the wrong team ("Canceling purchase" for bitext's theme of buying
   an item, 3% of its comments and 13% of the cancellation theme's); a word another theme says more counts less
   ("order" of "Place an order", said by 45% of the shipping-abroad theme and 71% of the order-change theme's).
   Ties: the shorter, then alphabetical.
3. A theme with sub-themes is named after its largest one (the variant most of its customers describe, counted in
   all languages) that speaks the theme's language (SPEAKS_SHARE of its comments), from its comments in that
   language: the demo's login theme (sub-themes "Can't log into the app" 95, "wrong password" 89, "2FA code" 58)
   was called "Zwei-Faktor-Code per SMS kommt nicht an", the phrase repeated most verbatim, a small variant's.
   Unless the theme as a whole says another phrase DOMINANCE times as often: then the variant is one of many and
   its phrase a minority's (bitext's address theme: its largest variant, 22% of it, said "Change my address", 2%
   of the theme, while 38% said "Shipping address").
4. Without a candidate the title is the top keyword the theme's comments in its language use, never one of
   generic words (`keyword_title`).
5. Titles are at most MAX_CHARS characters (cut at a word) and unique among the themes titled together: a later
   theme whose best title is taken uses its next candidate, else gets its top keyword appended.
Keywords stay as they are (`voc.themes.label`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from voc.text.util import TOKEN
from voc.themes.generic import generic_words
# clauses, person_words and Speller: the label stage (`voc.themes.label`, `voc.themes.levels`) takes them from here
from voc.themes.phrases import STOP_WORDS, Said, clauses, is_filler, person_words, said, stem  # noqa: F401
from voc.themes.spelling import Speller, fold

MAX_CHARS = 60
MIN_SUPPORT = 3        # a title is a phrase at least three comments say, never one person's note
MIN_SHARE = 0.03       # ... and in a large theme 3% of them: not a line 5 of 287 comments repeat
# A sub-theme speaks the theme's language when a third of its comments are in it: a bilingual variant does, a
# mostly English one with a few German notes does not (its title would rest on those few).
SPEAKS_SHARE = 1 / 3
DOMINANCE = 3          # a phrase the whole theme says three times as often as the largest variant's names the theme
MIN_KEY_WORDS = 2      # a phrase of one word but stop words is that word ("Top up" is "top")
NO_KEYWORD = 0.1       # the cover of a word that is no keyword: it tips a tie ("Transfer to a beneficiary" over
                       # "Transfer to an account", "account" being generic)


def shorten(title: str, limit: int = MAX_CHARS) -> str:
    if len(title) <= limit:
        return title
    cut = title[:limit + 1].rsplit(" ", 1)[0]
    return cut[:limit].rstrip(" ,;:-")


def capitalise(title: str) -> str:
    return title[:1].upper() + title[1:]


def distinctive(share: float, elsewhere: float) -> float:
    """How much of what is said is said here: `share` over itself plus the largest share `elsewhere`."""
    return share / (share + elsewhere) if share + elsewhere > 0 else 1.0


def top_two(items: Iterable[tuple[str, int, float]]) -> dict[str, tuple[tuple[float, int], ...]]:
    """key -> the two largest (share, theme) of (key, theme, share) items."""
    best: dict[str, tuple[tuple[float, int], ...]] = {}
    for key, n, share in items:
        first, second = best.get(key, ((0.0, -1), (0.0, -1)))
        best[key] = ((share, n), first) if share > first[0] else (first, max(second, (share, n)))
    return best


class Elsewhere:
    """How much the other themes titled together say each phrase and word: the largest share of any other theme's
    comments that say it (0 when titled alone)."""

    def __init__(self, themes: list[Said]):
        self._phrases = top_two((key, n, said.share(key)) for n, said in enumerate(themes) for key in said.support)
        self._words = top_two((w, n, said.word_share(w)) for n, said in enumerate(themes) for w in said.words)

    @staticmethod
    def _other(best: dict, key: str, n: int) -> float:
        return next((share for share, m in best.get(key, ()) if m != n), 0.0)

    def phrase(self, key: str, n: int) -> float:
        return self._other(self._phrases, key, n)

    def word(self, word: str, n: int) -> float:
        return self._other(self._words, word, n)


def inside_another(key: str, keys: list[str], weight: Counter) -> bool:
    """A fragment no comment says but inside one longer phrase is that phrase: "parcel arrived" of "parcel arrived
    damaged" (else the shorter would win the tie and drop the problem's last word)."""
    return any(weight[other] >= weight[key] and other != key and f" {key} " in f" {other} " for other in keys)


def candidates(pool: Said, theme: Said, n: int, elsewhere: Elsewhere, keywords: list[str],
               filler: frozenset[str]) -> list[tuple[float, str, str]]:
    """(score, title, key) of the phrases `pool` says, best first (step 2 of the module docstring): `pool` is
    the theme's comments the title is drawn from (all, or its largest variant's), `theme` all its comments in its
    language, which score the phrases, `n` its place among the themes titled together, `elsewhere` what the others
    say."""
    weights: dict[str, float] = {}
    for i, kw in enumerate(keywords):
        for w in kw.lower().split():
            weights.setdefault(stem(fold(w)), 1.0 / (1 + i))
    fillers = {stem(fold(w)) for w in filler}  # a generic word covers nothing: every theme says it ("an account")
    need = max(MIN_SUPPORT, MIN_SHARE * pool.n)
    said_enough = [key for key, count in pool.support.items()
                   if count >= need and theme.support[key] >= MIN_SHARE * theme.n]  # a variant's, yet the theme's
    scored = []
    for key in said_enough:
        words = set(TOKEN.findall(key))
        surface = theme.spelling(key)
        if (len(key.split()) < MIN_KEY_WORDS or is_filler(surface, filler) or words & theme.persons
                or inside_another(key, said_enough, theme.weight)):
            continue
        cover = sum(weights.get(w, NO_KEYWORD) * distinctive(theme.word_share(w), elsewhere.word(w, n))
                    for w in words - fillers)
        own = distinctive(theme.share(key), elsewhere.phrase(key, n))
        scored.append((theme.weight[key] * cover * own, capitalise(shorten(surface)), key))
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

    def own(self) -> list[int]:
        """The rows in the theme's language (all rows when none is)."""
        language = self.language  # once: a property in the comprehension would count the languages per comment
        return [i for i, lg in enumerate(self.languages) if lg == language] or list(range(len(self.texts)))

    def variant(self) -> list[str] | None:
        """The comments in the theme's language of its largest sub-theme, counted in all languages, that speaks
        that language (at least SPEAKS_SHARE of its comments and MIN_SUPPORT; ties: the lower sub-theme), if any.
        Unclustered comments (sub-theme -1) are no sub-theme."""
        if self.variants is None:
            return None
        own = self.own()
        sizes = Counter(v for v in self.variants if v >= 0)
        speaking = Counter(self.variants[i] for i in own if self.variants[i] >= 0)
        for variant, size in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
            if speaking[variant] >= max(MIN_SUPPORT, SPEAKS_SHARE * size):
                return [self.texts[i] for i in own if self.variants[i] == variant]
        return None


def options(group: TitleGroup, theme: Said, variant: Said | None, n: int, elsewhere: Elsewhere,
            filler: frozenset[str]) -> list[str]:
    """The group's candidate titles, best first: those of its largest variant, unless the whole theme says
    another phrase DOMINANCE times as often (step 3 of the module docstring), then those of the whole theme."""
    whole = candidates(theme, theme, n, elsewhere, group.keywords, filler)
    first = candidates(variant, theme, n, elsewhere, group.keywords, filler) if variant else []
    if first and whole and theme.support[whole[0][2]] >= DOMINANCE * theme.support[first[0][2]]:
        first = []
    return list(dict.fromkeys(title for _, title, _ in [*first, *whole]))


def keyword_title(group: TitleGroup, generic: frozenset[str] = frozenset()) -> str:
    """The title of a theme no phrase names: its top keyword that its comments in its language use (keywords are
    counted over all languages; "Weeks credit" does not name a German theme), else its top keyword. Never a keyword
    of only generic words (keywords hold no person's name: `voc.themes.label.without_names`)."""
    own = " ".join(t.lower() for t, lg in zip(group.texts, group.languages) if lg == group.language)
    fit = [kw for kw in group.keywords if not is_filler(kw, STOP_WORDS | generic)]
    spoken = next((kw for kw in fit if all(w in own for w in kw.lower().split())), None)
    chosen = spoken or next(iter(fit + group.keywords), None)
    return capitalise(shorten(chosen)) if chosen else "(no words)"


def groups_generic(groups: list[TitleGroup]) -> dict[str, frozenset[str]]:
    """The generic words (`voc.themes.generic`) of groups that are a run's themes."""
    return generic_words([t for g in groups for t in g.texts], [lg for g in groups for lg in g.languages],
                         [n for n, g in enumerate(groups) for _ in g.texts])


def unique(base: str, keywords: list[str], used: set[str]) -> str:
    """`base`, or when it is taken `base` with the first keyword it lacks, else with a number."""
    extra = next((kw for kw in keywords if kw.lower() not in base.lower()), None)
    title = shorten(f"{base} ({extra})") if extra and base.lower() in used else base
    n = 2
    while title.lower() in used:
        title, n = shorten(f"{base} ({n})"), n + 1
    return title


def choose_titles(groups: list[TitleGroup], speller: Speller, taken: set[str] | None = None,
                  generic: dict[str, frozenset[str]] | None = None) -> list[str]:
    """One unique title per group, in the order given (most important first). `generic`: language -> generic
    words, by default those of these groups (right when they are a run's themes, not when they are sub-themes)."""
    generic = groups_generic(groups) if generic is None else generic
    fillers = [STOP_WORDS | generic.get(group.language, frozenset()) for group in groups]
    themes, variants = [], []
    for group, filler in zip(groups, fillers):
        seen: dict = {}  # the variant's comments are the theme's: read once
        themes.append(said([group.texts[i] for i in group.own()], speller, group.language, filler, seen))
        texts = group.variant()
        variants.append(said(texts, speller, group.language, filler, seen) if texts else None)
    elsewhere = Elsewhere(themes)
    used = {t.lower() for t in (taken or set())}
    titles = []
    for n, group in enumerate(groups):
        found = options(group, themes[n], variants[n], n, elsewhere, fillers[n])
        title = next((t for t in found if t.lower() not in used), None)
        if title is None:
            base = found[0] if found else keyword_title(group, generic.get(group.language, frozenset()))
            title = unique(base, group.keywords, used)
        used.add(title.lower())
        titles.append(title)
    return titles
