"""Per-comment language: de, en or other.

Short agent notes often have no function words ("Paket beschädigt"), so two
signals are combined: German/English stop-word counts decide when they
disagree clearly; otherwise py3langid's bundled n-gram model (restricted to
common European languages) decides, and anything but de/en is "other".
"""

from __future__ import annotations

import re
from functools import lru_cache

from voc.text.util import stopwords

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_CANDIDATES = ["de", "en", "fr", "es", "it", "nl", "pl", "tr", "pt", "sv", "da"]


@lru_cache(maxsize=1)
def _identifier():
    import py3langid.langid as langid

    ident = langid.LanguageIdentifier.from_modelpath(langid.MODEL_DIR / langid.MODEL_FILE, norm_probs=True)
    ident.set_languages(_CANDIDATES)
    return ident


def detect(text: str) -> str:
    words = [w.lower() for w in _WORD.findall(text)]
    de = sum(w in stopwords("de") for w in words)
    en = sum(w in stopwords("en") for w in words)
    if abs(de - en) >= 2 or (de + en == 1 and len(words) <= 4):
        return "de" if de > en else "en"
    lang, _ = _identifier().classify(text)
    return lang if lang in ("de", "en") else "other"
