"""Nothing built on noise: redaction placeholders and agent boilerplate never drive similarity.

Two kinds of noise recur in agent notes whatever the customer's problem is:

1. Redaction placeholders (`[EMAIL]`, `[IBAN]`, `[PHONE]`, `[CARD]`, and any other
   `[UPPER_CASE]` token a redaction step writes). Eighty comments that each end in
   "IBAN [IBAN]" look alike to an embedder, whatever they are about.
2. Boilerplate: phrases agents write around the problem ("Kd. meldet", "customer
   called", "stinksauer und droht mit Kündigung", "bitte dringend prüfen").

Both are removed from the text that is *embedded for clustering* and from keyword
counts; the stored text keeps them (and sentiment still reads the whole comment).

Boilerplate is found from the data, with no list of phrases: a phrase is boilerplate
when the comments containing it talk about the same things as comments in general.
For every word n-gram (1-5 words, not only stop words) in at least MIN_DF_SHARE of the
comments, take the content words that co-occur with it and compare them (cosine)
with what the same mix of languages says overall. A problem phrase ("lässt sich
nicht kündigen") co-occurs with its own words; a boilerplate phrase co-occurs with
everything. The cosine is scored against chance: a few comments drawn at random
already look unlike the background (18 random comments of 675 reach about 0.6), so
the score is the cosine over what as many random comments reach, about 1 for
boilerplate at any size; a phrase is judged only once chance reaches MIN_CHANCE.
(Scored by the raw cosine, the demo frame "stinksauer und droht mit Kündigung" in
18 of 675 comments reached 0.40 against a threshold of 0.58 and built a theme of 11
problems.) This runs twice: the words of phrases above FIRST_PASS are left out of
the context the second time, so a short problem phrase whose only company is
boilerplate is not mistaken for boilerplate. Phrases scoring at least
BOILERPLATE_SCORE in the second pass are boilerplate. A single word must also not
belong to a phrase that scores as a problem (< PROBLEM_SCORE) nor to a phrase already
chosen: "Kündigung" is part of the problem "Kündigung online nicht möglich", so only
the whole phrase "droht mit Kündigung" goes. Second-pass scores, demo generator
(15-16 problems): the frame's 5-word phrases 0.81-0.83 at 675 comments, 0.85-0.90 at
1,500, 0.80-0.87 at 4,000 (a store built night by night), 0.87-0.88 on the bundled
3,000; problem phrases of two words or more <= 0.68, <= 0.68, <= 0.63, <= 0.62.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from voc.text.util import TOKEN, agent_words, stopwords

PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*\]")
MAX_WORDS = 5            # longest phrase looked at ("ist stinksauer und droht mit")
MIN_DF_SHARE = 0.005     # a phrase in fewer than 0.5% of comments is too rare to matter for similarity
MIN_DF = 5               # ... and never fewer than 5 comments, so small stores are not judged on one-offs
WORD_MIN_DF = 2          # a context word seen in one comment only says nothing about what a phrase co-occurs with
FIRST_PASS = 0.8         # clearly boilerplate already without cleaning the context (score, as below)
BOILERPLATE_SCORE = 0.78  # second pass: the frame 0.80-0.90 from 675 to 4,000 comments, problem phrases <= 0.68
PROBLEM_SCORE = 0.75     # a phrase below this is about a problem: its words are never removed alone
MIN_CHANCE = 0.5         # judged only when chance alone reaches this cosine: 5-10 comments look like anything
EDGE_SHARE = 0.7         # boilerplate stands apart: demo frames touch a text edge or punctuation 88-100% of the
                         # time; BANKING77's generic-but-topical "my card", "pending", "the app" 48-67%
EDGE_LEFT = re.compile(r"(?:^|[.,;:!?()\[\]–-]|zzph[a-z0-9]+)\s*$")
EDGE_RIGHT = re.compile(r"^\s*(?:$|[.,;:!?()\[\]–-]|zzph)")


PLACEHOLDER_WORD = "zzph"  # placeholders become words like "zzphiban" while phrases are found and removed


def strip_placeholders(text: str) -> str:
    """The text without `[UPPER_CASE]` placeholders (nor their word form), spaces tidied."""
    return _tidy(_PLACEHOLDER_WORDS.sub(" ", PLACEHOLDER.sub(" ", text)))


_PLACEHOLDER_WORDS = re.compile(rf"\b{PLACEHOLDER_WORD}[a-z0-9]+\b")


def placeholders_as_words(text: str) -> str:
    """`IBAN [IBAN]` -> `IBAN zzphiban`: the placeholder takes part in phrases ("IBAN [IBAN]", "reachable at
    [PHONE]") so the label before it is found as boilerplate together with it."""
    return PLACEHOLDER.sub(lambda m: f" {PLACEHOLDER_WORD}{m.group(0)[1:-1].replace('_', '').lower()} ", text)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+[-–]+\s*(?=[.,;:!?]|$)", "", text)
    text = re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s{2,}", " ", text))
    text = re.sub(r"([.,;:!?])(?:\s*[.,;:!?])+", r"\1", text)
    return text.strip(" ,;:-")


def phrase_pattern(phrases) -> re.Pattern:
    """Any of the phrases as whole words, longest first, whatever punctuation or numbers lie between the words."""
    alts = [r"[\W\d_]+".join(re.escape(w) for w in p.split()) for p in sorted(phrases, key=lambda p: (-len(p), p))]
    return re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)", re.IGNORECASE)


def edge_share(phrase: str, texts: list[str], copies: list[int] | None = None) -> float:
    """Share of the phrase's occurrences that touch the start or end of the text, punctuation or a placeholder on
    at least one side: boilerplate is written around the problem, not inside it. `copies`: how many comments each
    text stands for (1 each without it)."""
    pattern = phrase_pattern([phrase])
    hits = edges = 0
    for text, n in zip(texts, copies or [1] * len(texts)):
        for m in pattern.finditer(text):
            hits += n
            edges += n * bool(EDGE_LEFT.search(text[:m.start()]) or EDGE_RIGHT.search(text[m.end():]))
    return edges / hits if hits else 0.0


@dataclass(frozen=True)
class Boilerplate:
    """Phrases (lower-case, space-separated words) to take out of texts before they are embedded."""
    phrases: tuple[str, ...] = ()

    def pattern(self) -> re.Pattern | None:
        if not self.phrases:
            return None
        return phrase_pattern(self.phrases)

    def clean(self, text: str) -> str:
        """Text for the embedder: no placeholders, no boilerplate. Falls back to the placeholder-free text
        when nothing would remain (a comment that is all boilerplate is still a comment)."""
        return self.clean_all([text])[0]

    def clean_all(self, texts: list[str]) -> list[str]:
        pattern = self.pattern()
        out = []
        for text in texts:
            stripped = strip_placeholders(text)
            if pattern is None:
                out.append(stripped)
                continue
            cleaned = strip_placeholders(pattern.sub(" ", placeholders_as_words(text)))
            out.append(cleaned if TOKEN.search(cleaned) else stripped)
        return out


def _context_scores(grams: sparse.csr_matrix, words: sparse.csr_matrix, lang_rows: sparse.csr_matrix,
                    excluded: np.ndarray, own: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per n-gram: (score, chance). Chance is the cosine between the words co-occurring with the n-gram's comments
    and the language-matched background that as many comments drawn at random would reach: |e| / sqrt(|e|² + the
    summed word variances), e the expected counts. A few comments look unlike the background by chance alone (18
    random comments reach about 0.6), so the score is the observed cosine over chance: about 1 for boilerplate at
    any size. `grams` and `lang_rows` count each distinct text as many times as it occurs (its copies); `words` is
    0/1, so every sum below is a count of comments, exactly as with one row per comment."""
    cooc = (grams.T @ words).toarray().astype(np.float64)                  # n-grams x words
    per_lang = (lang_rows @ words).toarray().astype(np.float64)            # languages x words
    per_lang /= np.maximum(np.asarray(lang_rows.sum(axis=1)), 1)
    variance = per_lang * (1 - per_lang)                                   # a word in one comment: Bernoulli
    variance[:, excluded] = 0
    gram_langs = (grams.T @ (lang_rows.T > 0)).toarray()                   # n-grams x languages (comments)
    expected = gram_langs @ per_lang                                       # n-grams x words
    spread = gram_langs @ variance.sum(axis=1)
    cooc[:, excluded] = 0
    expected[:, excluded] = 0
    for i, cols in enumerate(own):
        cooc[i, cols] = 0
        expected[i, cols] = 0
        spread[i] -= gram_langs[i] @ variance[:, cols].sum(axis=1)
    norm = np.linalg.norm(expected, axis=1)
    cosine = (cooc * expected).sum(axis=1) / np.maximum(np.linalg.norm(cooc, axis=1) * norm, 1e-12)
    chance = norm / np.sqrt(np.maximum(norm ** 2 + spread, 1e-12))
    return cosine / np.maximum(chance, 1e-12), chance


def find_boilerplate(texts: list[str], languages: list[str]) -> Boilerplate:
    """Boilerplate phrases of a corpus (see the module docstring); deterministic for the same input. Each distinct
    (text, language) is read once and counted as often as it occurs: the same phrases as reading every comment (all
    sums are counts of comments), at the cost of the distinct texts (a year of demo data repeats 60% of its texts)."""
    copies = Counter(zip(texts, languages))
    return _boilerplate([t for t, _ in copies], [lang for _, lang in copies], np.array(list(copies.values())))


def _frequent(vectorizer: CountVectorizer, texts: list[str], copies: np.ndarray, min_df: int):
    """(0/1 matrix, names) of the terms in at least `min_df` comments, copies counted (CountVectorizer's own min_df
    would count distinct texts)."""
    matrix = vectorizer.fit_transform(texts)
    keep = np.flatnonzero(matrix.T @ copies >= min_df)
    return matrix[:, keep], vectorizer.get_feature_names_out()[keep]


def _boilerplate(texts: list[str], languages: list[str], copies: np.ndarray) -> Boilerplate:
    """`find_boilerplate` of distinct texts, each standing for `copies` comments."""
    if not texts:
        return Boilerplate()
    stripped = [placeholders_as_words(t) for t in texts]
    stop = stopwords("any") - agent_words()  # function words: a phrase needs one word besides them
    min_df = max(MIN_DF, int(MIN_DF_SHARE * copies.sum()))
    gram_vec = CountVectorizer(token_pattern=TOKEN.pattern, ngram_range=(1, MAX_WORDS), binary=True)
    word_vec = CountVectorizer(token_pattern=TOKEN.pattern, stop_words=sorted(stopwords("any")), binary=True)
    try:
        (grams, names), (words, word_names) = (_frequent(gram_vec, stripped, copies, min_df),
                                               _frequent(word_vec, stripped, copies, WORD_MIN_DF))
    except ValueError:  # no words at all
        return Boilerplate()
    keep = [i for i, n in enumerate(names) if not all(w in stop for w in n.split())]
    if not keep or not len(word_names):  # nothing frequent enough
        return Boilerplate()
    names, grams = names[keep], sparse.diags(copies.astype(np.float64)) @ grams[:, keep].tocsc().astype(np.float64)
    word_index = {w: i for i, w in enumerate(word_names)}
    own = [np.array([word_index[w] for w in n.split() if w in word_index], dtype=np.int64) for n in names]
    langs = sorted(set(languages))
    lang_rows = sparse.csr_matrix((copies.astype(np.float64), ([langs.index(lang) for lang in languages],
                                                               np.arange(len(texts)))), shape=(len(langs), len(texts)))
    words = words.astype(np.float64)
    first, chance = _context_scores(grams, words, lang_rows, np.zeros(len(word_index), bool), own)
    excluded = np.zeros(len(word_index), bool)
    for i in np.flatnonzero((first >= FIRST_PASS) & (chance >= MIN_CHANCE)):
        excluded[own[i]] = True
    second, chance = _context_scores(grams, words, lang_rows, excluded, own)
    return Boilerplate(_choose(names, second, chance, grams, stripped, copies))


def _choose(names: np.ndarray, score: np.ndarray, chance: np.ndarray, grams: sparse.csc_matrix,
            stripped: list[str], copies: np.ndarray) -> tuple[str, ...]:
    """The n-grams scoring as boilerplate that stand apart (EDGE_SHARE). A single word goes alone only when it
    is in no phrase scoring as a problem and in no phrase already chosen: the phrase takes it out where it is
    boilerplate ("droht mit kündigung"), and elsewhere it may be the problem ("Kündigung wurde nicht bestätigt")."""
    problem_words = {w for n, s in zip(names, score) if s < PROBLEM_SCORE for w in n.split()}
    chosen = []
    for i in np.flatnonzero((score >= BOILERPLATE_SCORE) & (chance >= MIN_CHANCE)):
        name = str(names[i])
        if " " not in name and name in problem_words:
            continue
        rows = grams[:, i].nonzero()[0]
        if edge_share(name, [stripped[r] for r in rows], copies[rows].tolist()) >= EDGE_SHARE:
            chosen.append(name)
    in_phrases = {w for p in chosen if " " in p for w in p.split()}
    return tuple(sorted(p for p in chosen if " " in p or p not in in_phrases))
