"""PM control over themes: merge two themes, split a sub-theme out as its own theme, rename a theme.

A merge or split publishes a new run (mode "edit") made from the published one, so
every view, export, ranking and notification sees it at once, and the last run is
still there if the edit is not wanted. What moves is recorded like a re-cluster:

- lineage (`theme_lineage`: merge B -> A, split A -> new), so workflow state, notes and
  tickets of a merged theme carry over to the theme it joined (`voc.pm.workflow.carry_lineage`);
- a row in `theme_overrides`, which later full re-clusters honour: sub-themes whose
  comments were mostly in a theme the PM merged into, or split out, stay together in
  that theme, and a split-out sub-theme never joins another theme (`voc.themes.levels`).

Rename sets the theme's shown name (unique among the published themes) through the
workflow, so it is in the history, and keeps it across runs because ids are stable.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np

from voc import store
from voc.config import Settings
from voc.corpus import ThemeSet
from voc.errors import NoResultsError, NotFoundError, ThemeNotFoundError, TransitionError
from voc.pipeline import load_corpus, rank
from voc.pm import workflow
from voc.publish import publish
from voc.runs import fail_run
from voc.sentiment.learn import Scored
from voc.themes.cluster import UNCLUSTERED, normalise_rows
from voc.themes.identity import Lineage
from voc.themes.previous import NOT_IN_PREVIOUS, Previous, load_previous


def _theme_set(prev: Previous) -> ThemeSet:
    return ThemeSet("edit", np.where(prev.theme_of == NOT_IN_PREVIOUS, UNCLUSTERED, prev.theme_of),
                    prev.method.copy(), prev.similarity.copy(), dict(prev.centroids), prev.group_means,
                    dict(prev.labels), [], {}, np.where(prev.sub_of == NOT_IN_PREVIOUS, UNCLUSTERED, prev.sub_of),
                    dict(prev.sub_parent), dict(prev.sub_centroids), dict(prev.sub_labels),
                    boilerplate=tuple(prev.boilerplate or ()))


def _check_theme(prev: Previous, theme_id: int) -> None:
    if theme_id not in prev.labels:
        raise ThemeNotFoundError(theme_id)


def _republish(settings: Settings, prev: Previous, corpus, themes: ThemeSet, note: str, override: dict) -> dict:
    """Publish the edited themes as a run of their own (mode `edit`); the caller holds the store's run lock."""
    origins = prev.sentiment_origin if prev.sentiment_origin is not None else np.full(len(corpus), "lexicon", object)
    sentiment = Scored(prev.sentiment_score, prev.sentiment.tolist(), origins.tolist(),
                       {**prev.sentiment_stats, "kept_from_run": prev.run_id})
    with store.open(settings.db, write=True) as con:
        run_id = store.scalar(con, "SELECT nextval('run_id_seq')")
        con.execute("INSERT INTO runs (run_id, started_at, status, source, params, mode) "
                    "VALUES (?, ?, 'running', ?, ?, 'edit')", [run_id, datetime.now(), note, json.dumps(prev.params)])
    try:
        ranks = rank(settings, corpus, themes, sentiment)
        embed = {"embed": prev.stats["embed"]} if "embed" in (prev.stats or {}) else {}  # the model it continues
        summary = publish(settings, run_id, corpus, themes, ranks, sentiment,
                          {"run_id": run_id, "reason": note, "sentiment": sentiment.stats, **embed})
    except BaseException as exc:  # recorded, then raised again: an edit never leaves a run `running`
        fail_run(settings, run_id, f"{type(exc).__name__}: {exc}")
        raise
    with store.open(settings.db, write=True) as con:
        con.execute("INSERT INTO theme_overrides VALUES (nextval('override_id_seq'), ?, ?, ?, ?, ?, ?, ?, ?)",
                    [override["kind"], override["theme_id"], override.get("other_id"), override.get("subtheme_id"),
                     override.get("title"), run_id, datetime.now(), override["by"]])
    return summary


def _load(db: Path) -> tuple[Settings, Previous, object]:
    settings = Settings.from_env(db=Path(db))
    corpus = load_corpus(settings)
    with store.open(settings.db) as con:
        prev = load_previous(con, corpus.keys)
    if prev is None:
        raise NoResultsError()
    return settings, prev, corpus


def merge(db: Path, into: int, other: int, by: str) -> dict:
    """Theme `other` joins theme `into` (its comments and sub-themes); returns the new run's summary."""
    by = workflow.changed_by(by, "say who merges: pass --by USER")
    if into == other:
        raise TransitionError(f"theme {into} cannot be merged with itself: pass two different theme ids")
    with store.run_lock(Path(db)):  # no run may publish between reading the published themes and this edit
        settings, prev, corpus = _load(db)
        return _republish(settings, prev, corpus, _merged(prev, into, other, by),
                          f"theme merge {other} -> {into} by {by}",
                          {"kind": "merge", "theme_id": into, "other_id": other, "by": by})


def _merged(prev: Previous, into: int, other: int, by: str) -> ThemeSet:
    _check_theme(prev, into)
    _check_theme(prev, other)
    themes = _theme_set(prev)
    sizes = {t: int((themes.theme_ids == t).sum()) for t in (into, other)}
    themes.theme_ids[themes.theme_ids == other] = into
    themes.sub_parent = {s: (into if t == other else t) for s, t in themes.sub_parent.items()}
    merged = sizes[into] * themes.centroids[into] + sizes[other] * themes.centroids.pop(other)
    themes.centroids[into] = normalise_rows(merged[None, :])[0]
    themes.labels.pop(other)
    themes.lineage = [Lineage(other, into, "merge", 1.0, by)]
    return themes


def split(db: Path, theme_id: int, subtheme_id: int, by: str) -> dict:
    """Sub-theme `subtheme_id` of theme `theme_id` becomes a theme of its own (a fresh id)."""
    by = workflow.changed_by(by, "say who splits: pass --by USER")
    with store.run_lock(Path(db)):  # no run may publish between reading the published themes and this edit
        settings, prev, corpus = _load(db)
        themes, new_id = _split_out(prev, theme_id, subtheme_id, by)
        return _republish(settings, prev, corpus, themes,
                          f"theme split {theme_id} / sub-theme {subtheme_id} by {by}",
                          {"kind": "split", "theme_id": new_id, "other_id": theme_id, "subtheme_id": subtheme_id,
                           "by": by})


def _split_out(prev: Previous, theme_id: int, subtheme_id: int, by: str) -> tuple[ThemeSet, int]:
    _check_theme(prev, theme_id)
    if prev.sub_parent.get(subtheme_id) != theme_id:
        subs = sorted(s for s, t in prev.sub_parent.items() if t == theme_id)
        raise NotFoundError(f"theme {theme_id} has no sub-theme {subtheme_id}; its sub-themes are "
                            f"{', '.join(map(str, subs)) or 'none'} (see `voc theme show {theme_id}`)")
    if sum(t == theme_id for t in prev.sub_parent.values()) < 2:
        raise TransitionError(f"theme {theme_id} has only this sub-theme: there is nothing to split it from")
    themes = _theme_set(prev)
    new_id = prev.max_theme_id + 1
    themes.theme_ids[themes.subtheme_ids == subtheme_id] = new_id
    themes.sub_parent[subtheme_id] = new_id
    themes.centroids[new_id] = themes.sub_centroids[subtheme_id]
    sub = themes.sub_labels[subtheme_id]
    taken = {lab.title.lower() for lab in themes.labels.values()}
    title = sub.title if sub.title.lower() not in taken else f"{sub.title} ({next(iter(sub.keywords), 'split')})"
    themes.labels[new_id] = replace(sub, theme_id=new_id, title=title)
    themes.lineage = [Lineage(theme_id, new_id, "split", 1.0, by)]
    return themes, new_id


def rename(db: Path, theme_id: int, title: str, by: str) -> tuple[str, str]:
    """Give a theme the name PMs see (unique among the published themes); returns the old shown title and the new
    one as stored (personal data in it redacted, see `workflow.theme_name`)."""
    with store.open(Path(db), write=True) as con:
        return rename_in(con, theme_id, title, by)


def rename_in(con: duckdb.DuckDBPyConnection, theme_id: int, title: str, by: str) -> tuple[str, str]:
    """`rename` on an open store (the web app applies its queued renames here): checked by `workflow.update`
    (not empty, unique), recorded in the history and in `theme_overrides`."""
    old = workflow.title(con, theme_id)
    title = workflow.theme_name(title)
    by = workflow.changed_by(by, "say who renames: pass --by USER")
    workflow.update(con, theme_id, by, name=title)
    con.execute("INSERT INTO theme_overrides VALUES (nextval('override_id_seq'), 'rename', ?, NULL, NULL, ?, "
                "(SELECT run_id FROM published WHERE name = 'themes'), ?, ?)",
                [theme_id, title, datetime.now(), by])
    return old, workflow.title(con, theme_id)
