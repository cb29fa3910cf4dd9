"""Describe each theme: keywords, a short title, typical comments, language mix.

Keywords and titles are computed on the text that was embedded (placeholders and
boilerplate removed, `voc.themes.noise`); representatives are the stored comments.
Titles come from `voc.themes.titles` (a normalised central phrase, unique per call).
Keywords come from class-based TF-IDF over the spell-normalised texts: all comments of a theme form one
document, term frequency is taken within it and weighted by how rare the term
is across themes. German and English stop words (plus agent shorthand such as
"Kd." or "customer called") are removed; umlauts are kept. Unigrams and
bigrams both count, so "passwort zurücksetzen" can win over "passwort".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from voc.text.util import TOKEN, stopwords
from voc.themes.titles import Speller, TitleGroup, choose_titles, clauses, fold, person_words

N_KEYWORDS = 8
N_REPRESENTATIVES = 5
PHRASE_RATIO = 0.6
COMMON_LANGUAGE_SHARE = 0.2  # a language with a fifth of a theme's comments gets a representative of its own


@dataclass
class ThemeLabel:
    theme_id: int
    title: str
    keywords: list[str]
    representatives: list[str]
    languages: dict[str, float]


def class_tfidf(texts: list[str], labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (scores k x vocabulary, vocabulary) for labels 0..k-1."""
    vectorizer = CountVectorizer(token_pattern=TOKEN.pattern, lowercase=True, ngram_range=(1, 2),
                                 stop_words=sorted(stopwords("any")), min_df=2)
    mask = labels >= 0
    docs = [t for t, m in zip(texts, mask) if m]
    try:
        counts = vectorizer.fit_transform(docs)
    except ValueError:  # every word was a stop word or rarer than min_df
        return np.zeros((k, 0)), np.array([], dtype=object)
    member = sparse.csr_matrix((np.ones(len(docs)), (labels[mask], np.arange(len(docs)))), shape=(k, len(docs)))
    per_class = np.asarray((member @ counts).todense(), dtype=np.float64)
    tf = per_class / np.maximum(per_class.sum(axis=1, keepdims=True), 1)
    avg_words = per_class.sum() / max(k, 1)
    idf = np.log(1 + avg_words / np.maximum(per_class.sum(axis=0), 1))
    return tf * idf, vectorizer.get_feature_names_out()


def spelled(texts: list[str], languages: list[str], speller: Speller) -> list[str]:
    """The texts with each word as its language's corpus spells it most ("nciht" -> "nicht", "kündiung" ->
    "kündigung"): a typo is rare everywhere, so class TF-IDF would rank it as a theme's most telling word."""
    return [speller.normalise(t, lg) for t, lg in zip(texts, languages)]


def top_keywords(scores: np.ndarray, vocabulary: np.ndarray, n: int = N_KEYWORDS) -> list[str]:
    """Best-scoring terms. A phrase scoring at least PHRASE_RATIO of its best word is preferred to the
    word ("passwort zurücksetzen" over "passwort"); a word already inside a chosen term is skipped."""
    terms = [str(t) for t in vocabulary]
    best_phrase: dict[str, int] = {}
    for idx in np.argsort(-scores):
        for word in terms[idx].split() if " " in terms[idx] else []:
            best_phrase.setdefault(word, idx)
    chosen: list[str] = []
    for idx in np.argsort(-scores):
        if scores[idx] <= 0 or len(chosen) == n:
            break
        phrase = best_phrase.get(terms[idx])
        if phrase is not None and scores[phrase] >= PHRASE_RATIO * scores[idx]:
            idx = phrase
        term = terms[idx]
        if any(set(term.split()) & set(c.split()) for c in chosen):
            continue
        chosen.append(term)
    return chosen


def without_names(keywords: list[str], texts: list[str]) -> list[str]:
    """The keywords without a person's name redaction missed ("anna freeman": `voc.themes.titles.person_words`)."""
    persons = {w for t in texts for clause in clauses(t) for w in person_words(clause)}
    return [kw for kw in keywords if not {fold(w) for w in kw.split()} & persons]


def title_from(keywords: list[str]) -> str:
    return " / ".join(k[:1].upper() + k[1:] for k in keywords[:3]) or "(no keywords)"


def representatives(texts: list[str], languages: list[str], sims: np.ndarray, n: int = N_REPRESENTATIVES) -> list[str]:
    """The most central distinct comments, making sure each common language of the theme appears."""
    order = np.argsort(-sims, kind="stable")
    picked: list[str] = []
    seen: set[str] = set()
    counts = Counter(languages)
    wanted = [lang for lang, c in counts.most_common() if c >= COMMON_LANGUAGE_SHARE * len(languages)]
    for lang in wanted:  # one central comment per common language first
        for i in order:
            if languages[i] == lang and texts[i].lower() not in seen:
                picked.append(texts[i])
                seen.add(texts[i].lower())
                break
    for i in order:
        if len(picked) >= n:
            break
        if texts[i].lower() not in seen:
            picked.append(texts[i])
            seen.add(texts[i].lower())
    return picked[:n]


def label_themes(texts: list[str], languages: list[str], labels: np.ndarray, similarity: np.ndarray,
                 clean_texts: list[str] | None = None, speller: Speller | None = None,
                 taken: set[str] | None = None, variants: np.ndarray | None = None,
                 keep: dict[int, str] | None = None,
                 generic: dict[str, frozenset[str]] | None = None) -> list[ThemeLabel]:
    """One ThemeLabel per theme id 0..k-1 (unclustered comments are left out). `clean_texts` (default: `texts`)
    feed keywords and titles; titles are unique among these themes and differ from `taken`. With `variants`
    (each comment's sub-theme) a theme is named after its largest sub-theme (`voc.themes.titles`). `keep` gives
    themes their title as it was (theme number -> title): the others' titles differ from those. `generic`: language
    -> words every theme says, never a title (`voc.themes.generic`); by default those of these themes."""
    keep = keep or {}
    clean = clean_texts if clean_texts is not None else texts
    speller = speller or Speller(clean, languages)
    k = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
    scores, vocabulary = class_tfidf(spelled(clean, languages, speller), labels, k)
    result, groups = [], []
    for theme in range(k):
        idx = np.flatnonzero(labels == theme)
        langs = [languages[i] for i in idx]
        keywords = without_names(top_keywords(scores[theme], vocabulary) if len(vocabulary) else [],
                                 [texts[i] for i in idx])
        mix = {lang: round(c / len(idx), 3) for lang, c in Counter(langs).most_common()}
        reps = representatives([texts[i] for i in idx], langs, similarity[idx])
        result.append(ThemeLabel(theme, title_from(keywords), keywords, reps, mix))
        groups.append(TitleGroup([clean[i] for i in idx], langs, keywords,
                                  variants[idx].tolist() if variants is not None else None))
    order = [t for t in sorted(range(k), key=lambda t: -len(groups[t].texts)) if t not in keep]  # largest first
    titles = choose_titles([groups[t] for t in order], speller,
                           set(taken or ()) | set(keep.values()), generic)
    for t, title in [*zip(order, titles), *keep.items()]:
        result[t].title = title
    return result
