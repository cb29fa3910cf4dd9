"""What a full re-cluster keeps of the last run: its grouping and the PM's decisions, its themes and their comments.

Before the sub-themes are merged into themes (`voc.themes.levels`), the last run speaks twice: sub-themes mostly in
one theme last run lean towards one theme again (`previous_grouping`), and a PM's merge or split is a constraint
(`constraints`): a sub-theme whose comments were mostly (PIN_SHARE) in a theme the PM merged into, or split out, is
pinned to that theme id; sub-themes pinned to the same id always form one theme, and a sub-theme pinned to a
split-out theme never joins any other. After ids are matched, a previous theme the new sub-themes swallowed whole is
revived with its sub-themes (`revive`) rather than retired, and a comment whose previous theme lives on stays there
unless its new theme is clearly closer (`sticky`, STICKY_MARGIN).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from voc.embedding.vectors import normalise_rows
from voc.themes.identity import IdMatch
from voc.themes.previous import Previous

PIN_SHARE = 0.5  # a sub-theme follows a PM decision when at least half its comments were in the decided theme
# Sticky re-cluster: a comment keeps its previous theme (when that theme id lives on) unless its new theme's
# centroid is more similar than the previous theme's by at least this much cosine, i.e. clearly elsewhere.
STICKY_MARGIN = 0.1


def _last_theme(sub_labels: np.ndarray, sub: int, previous: Previous) -> int | None:
    """The theme at least PIN_SHARE of sub-theme `sub`'s comments were in last run, or None."""
    before = previous.theme_of[sub_labels == sub]
    before = before[before >= 0]
    if not len(before):
        return None
    theme, n = Counter(before.tolist()).most_common(1)[0]
    return theme if n >= PIN_SHARE * int((sub_labels == sub).sum()) else None


def previous_grouping(sub_labels: np.ndarray, k: int, previous: Previous | None) -> np.ndarray | None:
    """+1 / -1 / 0 per pair of sub-themes: mostly in the same / different / unknown theme last run."""
    if previous is None:
        return None
    major = np.full(k, -1)
    for sub in range(k):
        theme = _last_theme(sub_labels, sub, previous)
        major[sub] = theme if theme is not None else -1
    known = major >= 0
    prior = np.where(major[:, None] == major[None, :], 1.0, -1.0)
    prior[~known, :] = 0.0
    prior[:, ~known] = 0.0
    return prior


def constraints(sub_labels: np.ndarray,
                previous: Previous | None) -> tuple[list[list[int]], list[tuple[int, int]], dict]:
    """(must_link groups, cannot_link pairs, pinned sub -> theme id) from the PM's merges and splits."""
    if previous is None or not previous.pins:
        return [], [], {}
    pinned: dict[int, int] = {}
    for sub in np.unique(sub_labels[sub_labels >= 0]).tolist():
        theme = _last_theme(sub_labels, sub, previous)
        if theme in previous.pins:
            pinned[sub] = theme
    groups: dict[int, list[int]] = {}
    for sub, theme in pinned.items():
        groups.setdefault(theme, []).append(sub)
    k = int(sub_labels.max()) + 1 if (sub_labels >= 0).any() else 0
    cannot = [(s, o) for theme, subs in groups.items() if previous.pins[theme] == "split"
              for s in subs for o in range(k) if o not in subs]
    return [sorted(g) for g in groups.values()], cannot, pinned


def revive(x: np.ndarray, theme_ids: np.ndarray, sub_ids: np.ndarray, previous: Previous | None,
           theme_cents: dict[int, np.ndarray], min_size: int, next_sub_id: int,
           taken_subs: set[int] = frozenset()) -> dict[int, dict[int, np.ndarray]]:
    """Bring back last run's themes that no new theme matched. Re-clustered sub-themes can swallow a theme whole
    (its comments now sit in sub-themes of a neighbouring theme), which would retire its id, status and owner.

    The policy: a re-cluster does not retire a theme of the last run on its own; merging two established themes is
    a product manager's decision (`voc theme merge`). A theme a night found that neither a re-cluster nor a PM has
    confirmed yet (`Previous.provisional`) is not established: the weekly re-cluster is where a night's emerging
    groups are settled, e.g. one new problem found once in German and once in English. An established theme comes
    back with those of its comments that did not move clearly elsewhere (closer to their new theme than to the mean
    of the theme's comments by STICKY_MARGIN), if at least `min_size` did (the clusterer's minimum, counted here in
    comments, repeats included); comments the re-cluster left unclustered come back too. Measured against their own
    mean the comments almost always stay, so in effect only a theme whose comments scattered into clearly different
    themes is retired.
    Its sub-themes come back with it (`revived_subthemes`). Changes `theme_ids` and `sub_ids` in place and adds to
    `theme_cents`; returns {revived theme id: {its sub-theme id: centroid}}."""
    if previous is None:
        return {}
    old = previous.theme_of
    old_subs = previous.sub_of if previous.sub_of is not None else np.full(len(old), -1)  # a run before sub-themes
    taken_subs = set(taken_subs)
    revived: dict[int, dict[int, np.ndarray]] = {}
    for theme in sorted(set(old[old >= 0].tolist()) - set(theme_cents) - previous.provisional):
        members = np.flatnonzero(old == theme)
        if len(members) < min_size:
            continue
        mean = normalise_rows(x[members].mean(axis=0, keepdims=True))[0]
        now = np.full(len(members), -np.inf)  # left unclustered: no theme to be clearly closer to
        themed = theme_ids[members] >= 0
        if themed.any():
            now[themed] = np.einsum("ij,ij->i", x[members[themed]],
                                    np.vstack([theme_cents[t] for t in theme_ids[members[themed]].tolist()]))
        stay = members[x[members] @ mean >= now - STICKY_MARGIN]
        if len(stay) < min_size:
            continue
        subs, subs_cents = revived_subthemes(x[stay], old_subs[stay], taken_subs, min_size, next_sub_id)
        next_sub_id += int(next_sub_id in subs_cents)
        taken_subs |= set(subs_cents)
        revived[theme] = subs_cents
        theme_ids[stay], sub_ids[stay] = theme, subs
        theme_cents[theme] = normalise_rows(x[stay].mean(axis=0, keepdims=True))[0]  # of the comments it gets back
    return revived


def revived_subthemes(x: np.ndarray, old_subs: np.ndarray, taken: set[int], min_size: int,
                      fresh_id: int) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """(sub-theme id per row, {sub-theme id: centroid}) of a revived theme's rows. A sub-theme it had last run
    keeps its id when the re-cluster gave that id to no one else (`taken`) and at least `min_size` of the rows were
    in it; the other rows join the nearest of those, or, when none is left, one new sub-theme `fresh_id`."""
    ids, counts = np.unique(old_subs[old_subs >= 0], return_counts=True)
    kept = [int(s) for s, n in zip(ids.tolist(), counts.tolist()) if s not in taken and n >= min_size]
    if not kept:
        return np.full(len(x), fresh_id, dtype=np.int64), {fresh_id: normalise_rows(x.mean(axis=0, keepdims=True))[0]}
    cents = normalise_rows(np.vstack([x[old_subs == s].mean(axis=0) for s in kept]))
    subs = np.array(kept, dtype=np.int64)[np.argmax(x @ cents.T, axis=1)]
    subs = np.where(np.isin(old_subs, kept), old_subs, subs)
    return subs, {s: normalise_rows(x[subs == s].mean(axis=0, keepdims=True))[0] for s in kept}


def add_revived(revived: dict[int, dict[int, np.ndarray]], theme_match: IdMatch, sub_match: IdMatch,
                sub_parent: dict[int, int], sub_cents: dict[int, np.ndarray]) -> None:
    """Give each revived theme and sub-theme the next numbers, and drop the merges that would have retired them."""
    for theme, subs in revived.items():
        theme_match.ids[len(theme_match.ids)] = theme
        for sub, cent in subs.items():
            sub_match.ids[len(sub_match.ids)] = sub
            sub_parent[sub], sub_cents[sub] = theme, cent
    revived_subs = {sub for subs in revived.values() for sub in subs}
    theme_match.lineage = [item for item in theme_match.lineage
                           if not (item.kind == "merge" and item.parent_id in revived)]
    sub_match.lineage = [item for item in sub_match.lineage
                         if not (item.kind == "merge" and item.parent_id in revived_subs)]


def sticky(x: np.ndarray, theme_ids: np.ndarray, sub_ids: np.ndarray, previous: Previous | None,
           theme_cents: dict[int, np.ndarray], sub_cents: dict[int, np.ndarray], sub_parent: dict[int, int]) -> int:
    """Move comments back to their previous theme (and its nearest sub-theme) unless clearly elsewhere.
    Changes `theme_ids` and `sub_ids` in place; returns how many comments stayed."""
    if previous is None:
        return 0
    old = np.where(previous.theme_of >= 0, previous.theme_of, -1)
    moved = np.flatnonzero((old >= 0) & (theme_ids >= 0) & (old != theme_ids)
                           & np.isin(old, np.array(sorted(theme_cents), dtype=np.int64)))
    stayed = 0
    subs_of: dict[int, list[int]] = {}
    for sub, theme in sorted(sub_parent.items()):
        subs_of.setdefault(theme, []).append(sub)
    for i in moved.tolist():
        before, now = int(old[i]), int(theme_ids[i])
        if x[i] @ theme_cents[before] >= x[i] @ theme_cents[now] - STICKY_MARGIN:
            candidates = subs_of[before]
            sub_ids[i] = candidates[int(np.argmax([x[i] @ sub_cents[s] for s in candidates]))]
            theme_ids[i] = before
            stayed += 1
    return stayed
