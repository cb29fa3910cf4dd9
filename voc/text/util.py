"""Small text helpers shared by stages: stop words, tokens, hashes."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from importlib import resources

TOKEN = re.compile(r"(?u)\b[^\W\d_][^\W_]{1,}\b")  # words of 2+ letters; umlauts and ß kept


def _resource_words(name: str) -> set[str]:
    return set(resources.files("voc.resources").joinpath(name).read_text("utf-8").split())


@lru_cache(maxsize=None)
def stopwords(language: str) -> frozenset[str]:
    if language == "de":
        return frozenset(_resource_words("stopwords_de.txt"))
    if language == "en":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # here: sklearn adds ~1 s to `voc`'s start

        return frozenset(ENGLISH_STOP_WORDS | _resource_words("stopwords_en_extra.txt"))
    return stopwords("de") | stopwords("en")


@lru_cache(maxsize=None)
def agent_words() -> frozenset[str]:
    """Agent shorthand that is also in the stop word lists ("kd", "meldet", "customer", "called"): not a function
    word, so a phrase made of them can still be found as boilerplate (see `voc.themes.noise`)."""
    return frozenset(_resource_words("agent_words.txt"))


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text.lower())


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
