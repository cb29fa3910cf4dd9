"""A theme's title in the agent's language: what the agent's page, `voc agent` and the digest call a theme.

A run titles each theme in the language most of its comments are in (`voc.themes.titles`), so a German agent read
"Can't log into the app" for a theme whose sub-themes include "Anmeldung in der App klappt nicht". Each sub-theme
is titled the same way, from its own comments in its own language; so a theme mostly in another language has a
title in the agent's where one of its sub-themes speaks it: the title of its largest such sub-theme (the variant
most of its customers in that language describe, as step 3 of `voc.themes.titles` names a theme after its largest
variant). A product manager's name for a theme always wins and is shown as written; product managers' pages keep
the store's one title. A theme no sub-theme of which speaks the agent's language keeps its title, and so does one
whose comments are half in each language (its title may be in either: `in_another`).
"""

from __future__ import annotations

import json

import duckdb

# A sub-theme speaks a language when more of its comments are in it than in any other (its title is drawn from
# those comments, `voc.themes.titles.TitleGroup.own`); on a tie its title may be in either, so it names nothing.
THEMES_SQL = """
SELECT t.theme_id, t.title, t.languages, w.name IS NOT NULL AND w.name <> '' AS renamed
FROM current_themes t LEFT JOIN theme_workflow w USING (theme_id)
"""
SUBTHEMES_SQL = """
SELECT theme_id, title, languages FROM current_subthemes ORDER BY theme_id, size DESC, subtheme_id
"""


def speaks(languages: str | dict, language: str) -> bool:
    """Are most of the comments behind `languages` ({"de": 0.6, "en": 0.4}, as stored) in `language`, strictly?"""
    shares = json.loads(languages) if isinstance(languages, str) else languages
    mine = shares.get(language, 0)
    return mine > 0 and all(mine > share for lang, share in shares.items() if lang != language)


def in_another(languages: str | dict, language: str) -> bool:
    """Is a theme titled from comments in a language other than `language`, for sure: do most of its comments speak
    another? On a tie the title may be in either (`voc.themes.titles.dominant` takes the first), so it is kept."""
    shares = json.loads(languages) if isinstance(languages, str) else languages
    return any(speaks(shares, other) for other in shares if other != language)


def titles_in(con: duckdb.DuckDBPyConnection, language: str) -> dict[int, str]:
    """theme id -> its title in `language`, for each published theme that has one other than its title (a theme
    renamed by a product manager: none, its name is shown as written)."""
    themes = {tid: (title, languages) for tid, title, languages, renamed in con.execute(THEMES_SQL).fetchall()
              if not renamed}
    found: dict[int, str] = {}
    for tid, title, languages in con.execute(SUBTHEMES_SQL).fetchall():  # largest first per theme
        if tid not in themes or tid in found or not in_another(themes[tid][1], language):
            continue
        if speaks(languages, language) and title != themes[tid][0]:
            found[tid] = title
    return found


def localise(items: list[dict], titles: dict[int, str], pairs=(("theme_id", "theme"),)) -> list[dict]:
    """`items` (comments, changes) with each theme named by `titles` where it has a title there; `pairs` says which
    id field names which title field."""
    for item in items:
        for id_field, title_field in pairs:
            if item.get(id_field) in titles:
                item[title_field] = titles[item[id_field]]
    return items
