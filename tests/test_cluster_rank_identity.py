"""Clustering estimator, ranking and id matching on controlled inputs."""

from datetime import datetime, timedelta

import numpy as np

from voc.ranking.rank import priority_score, rank_themes
from voc.themes.carry_over import revive
from voc.themes.cluster import UNCLUSTERED, ThemeClusterer, auto_min_cluster_size
from voc.themes.identity import match_ids
from voc.themes.previous import Previous
from voc.themes.label import ThemeLabel
from voc.themes.levels import named_like_their_theme


def blobs(seed=0, n=80, dim=24, k=3):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim)) * 4
    x = np.vstack([c + rng.normal(size=(n, dim)) * 0.6 for c in centres])
    outliers = rng.normal(size=(6, dim)) * 12
    return np.vstack([x, outliers]), np.repeat(np.arange(k), n)


def test_same_input_same_themes_and_every_row_accounted_for():
    x, truth = blobs()
    a = ThemeClusterer(min_cluster_size=15, min_similarity=0.25, random_state=7).fit(x)
    b = ThemeClusterer(min_cluster_size=15, min_similarity=0.25, random_state=7).fit(x)
    assert np.array_equal(a.labels_, b.labels_)
    assert a.n_themes_ == 3
    assert len(a.labels_) == len(x) and set(a.method_) <= {"cluster", "nearest", "unclustered"}
    # the three blobs are recovered: each true blob maps to exactly one theme
    assert all(len(set(a.labels_[:240][truth == k])) == 1 for k in range(3))
    assert (a.labels_[240:] == UNCLUSTERED).sum() >= 3  # far-away points stay unclustered, counted
    assert 0 < a.unclustered_share_ < 0.05


def test_copies_of_a_text_are_clustered_once_and_follow_it():
    """Repeating every comment 10 times must not change the themes: the clusterer sees each distinct text once
    (copies of one text fill UMAP's neighbour lists and glue problems together at scale)."""
    x, _ = blobs()
    once = ThemeClusterer(min_cluster_size=15, min_similarity=0.25, random_state=7).fit(x)
    copies = ThemeClusterer(min_cluster_size=15, min_similarity=0.25, random_state=7).fit(np.repeat(x, 10, axis=0))
    assert copies.n_distinct_ == len(x)
    assert np.array_equal(copies.labels_, np.repeat(once.labels_, 10))


def test_a_text_repeated_often_enough_is_a_theme_even_when_it_stands_alone():
    x, truth = blobs()
    means = np.vstack([x[:240][truth == k].mean(axis=0) for k in range(3)])
    far = np.linalg.svd(means)[2][-1:] * 30  # a direction orthogonal to every blob: no theme is near it
    often = ThemeClusterer(min_cluster_size=15, min_similarity=0.25).fit(np.vstack([x, np.repeat(far, 15, axis=0)]))
    rarely = ThemeClusterer(min_cluster_size=15, min_similarity=0.25).fit(np.vstack([x, np.repeat(far, 14, axis=0)]))
    assert len(set(often.labels_[-15:].tolist())) == 1 and often.labels_[-1] >= 0 and often.n_themes_ == 4
    assert (rarely.labels_[-14:] == UNCLUSTERED).all() and rarely.n_themes_ == 3


def test_estimator_follows_sklearn_conventions():
    est = ThemeClusterer(n_neighbors=10, random_state=3)
    assert est.get_params()["random_state"] == 3 and not hasattr(est, "labels_")
    assert auto_min_cluster_size(3000) == 16 and auto_min_cluster_size(100_000) == 95


def test_group_centring_is_learned():
    x, _ = blobs()
    groups = np.array(["de", "en"] * (len(x) // 2))
    est = ThemeClusterer(min_cluster_size=15).fit(x, groups=groups)
    assert set(est.group_means_) == {"de", "en"}


def test_tiny_input_is_all_unclustered_not_an_error():
    est = ThemeClusterer().fit(np.random.default_rng(0).normal(size=(5, 8)))
    assert est.n_themes_ == 0 and (est.labels_ == UNCLUSTERED).all()


def test_ranking_orders_by_documented_priority():
    now = datetime(2026, 11, 15)
    labels = np.array([0] * 10 + [1] * 10 + [UNCLUSTERED] * 2)
    created = [now - timedelta(days=10)] * 5 + [now] * 5 + [now - timedelta(days=10)] * 8 + [now] * 2 + [now] * 2
    sentiment = ["negative"] * 10 + ["positive"] * 10 + ["neutral"] * 2
    ranks = rank_themes(labels, np.zeros(22), sentiment, created, [None] * 22, [1] * 22, period_days=7)
    assert [r.theme_id for r in ranks] == [0, 1]
    first = ranks[0]
    assert first.volume_current == 5 and first.volume_previous == 5 and first.growth == 0
    assert first.priority == 68.182  # 100 × 10/22 of comments × (0.5 + 100% negative) × (1 + 0.5 × 0 growth)
    assert priority_score(0.1, 0.5, 1.0) == 15.0  # 100 × 0.1 × 1.0 × 1.5
    assert priority_score(0.1, 0.0, 5.0) == 10.0  # growth clipped at +200%: momentum 2, negativity 0.5
    assert first.mean_nps == 1 and first.mean_csat is None
    assert "negative" in first.why and ranks[1].growth < 0
    assert "+0% vs previous 7 days (5 → 5)" in first.why and "-75% vs previous 7 days (8 → 2)" in ranks[1].why


def test_a_theme_with_no_comments_in_the_previous_period_is_new_not_thousands_of_percent():
    from voc.ranking.rank import growth_text

    now = datetime(2026, 11, 15)
    ranks = rank_themes(np.zeros(48, dtype=int), np.zeros(48), ["negative"] * 48, [now] * 48, [None] * 48,
                        [None] * 48, period_days=7)
    assert "new in the last 7 days (0 → 48)" in ranks[0].why and "%" not in ranks[0].why.split("×")[2]
    assert growth_text(0, 48, ranks[0].growth) == "new" and growth_text(40, 30, -0.25) == "-25%"


def test_ids_follow_membership_across_runs():
    old = {("s", str(i)): (7 if i < 10 else 9) for i in range(20)}
    new = {("s", str(i)): (0 if i >= 10 else 1) for i in range(20)}  # same groups, numbered the other way
    new[("s", "20")] = 2  # a new theme
    assert match_ids(new, old, 3, next_id=10).ids == {0: 9, 1: 7, 2: 10}


def keys(labels: list[int]) -> dict:
    return {("s", str(i)): lab for i, lab in enumerate(labels)}


def test_merged_theme_is_recorded_as_lineage():
    old = keys([7] * 10 + [8] * 6)
    new = keys([0] * 16)  # both old themes now one
    match = match_ids(new, old, 1, next_id=20)
    assert match.ids == {0: 7}
    assert [(x.parent_id, x.child_id, x.kind) for x in match.lineage] == [(8, 7, "merge")]


def test_a_splinter_does_not_take_the_id_of_the_theme_it_left():
    """Old 16 = 60 login + 30 crash; old 40 = 30 login. New: 90 login, 30 crash. Login keeps 16, crash is new."""
    old = keys([16] * 60 + [16] * 30 + [40] * 30)
    new = keys([0] * 60 + [1] * 30 + [0] * 30)
    match = match_ids(new, old, 2, next_id=50)
    assert match.ids == {0: 16, 1: 50}
    assert {(x.parent_id, x.child_id, x.kind) for x in match.lineage} == {(40, 16, "merge"), (16, 50, "split")}


def _previous(theme_of, provisional=frozenset(), sub_of=None):
    """The parts of a last run `voc.themes.carry_over.revive` reads."""
    n = len(theme_of)
    return Previous(run_id=1, params={}, last_full=None, theme_of=np.asarray(theme_of), method=np.zeros(n),
                    similarity=np.zeros(n), sentiment_score=np.zeros(n), sentiment=np.zeros(n), centroids={},
                    group_means={}, labels={}, max_theme_id=9, max_sub_id=30, provisional=frozenset(provisional),
                    sub_of=None if sub_of is None else np.asarray(sub_of))


def test_a_theme_swallowed_by_its_neighbours_sub_themes_keeps_its_id():
    """Last run: theme 5 (30 comments about one thing) and theme 7 (30 about another). The re-cluster's sub-themes
    put all 60 in theme 5, which would retire 7 with its status. Theme 7's comments are not clearly closer to the
    merged theme than to their own, so 7 lives on with a sub-theme of its own, as it does when the re-cluster left
    its comments unclustered; a theme too small to be one is not
    revived, nor one a night found (provisional), and nothing happens without a last run."""
    rng = np.random.default_rng(0)
    e1, e2 = np.eye(8)[0], np.eye(8)[1]
    x = np.vstack([e1 + 0.05 * rng.normal(size=(30, 8)), e2 + 0.05 * rng.normal(size=(30, 8))])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    theme_ids, sub_ids = np.full(60, 5), np.full(60, 11)
    cents = {5: x.mean(axis=0) / np.linalg.norm(x.mean(axis=0))}
    revived = revive(x, theme_ids, sub_ids, _previous([5] * 30 + [7] * 30), cents, min_size=10, next_sub_id=31)
    assert list(revived) == [7] and list(revived[7]) == [31] and 7 in cents
    assert theme_ids.tolist() == [5] * 30 + [7] * 30 and sub_ids.tolist() == [11] * 30 + [31] * 30
    unclustered = np.array([5] * 30 + [-1] * 30)  # the re-cluster left theme 7's comments unclustered
    unclustered_subs = np.array([11] * 30 + [-1] * 30)
    assert list(revive(x, unclustered, unclustered_subs, _previous([5] * 30 + [7] * 30), {5: cents[5]},
                       min_size=10, next_sub_id=31)) == [7]
    assert unclustered.tolist() == [5] * 30 + [7] * 30 and unclustered_subs.tolist() == [11] * 30 + [31] * 30
    small_ids = np.full(60, 5)
    assert revive(x, small_ids, np.full(60, 11), _previous([5] * 30 + [7] * 30), {5: cents[5]}, min_size=31,
                  next_sub_id=31) == {} and (small_ids == 5).all()
    assert revive(x, np.full(60, 5), np.full(60, 11), None, {5: cents[5]}, min_size=10, next_sub_id=31) == {}
    night_found = np.full(60, 5)  # a theme a night found, which no re-cluster confirmed yet, may be merged
    assert revive(x, night_found, np.full(60, 11), _previous([5] * 30 + [7] * 30, provisional={7}), {5: cents[5]},
                  min_size=10, next_sub_id=31) == {} and (night_found == 5).all()


def test_a_revived_theme_gets_its_sub_themes_back_where_their_ids_are_free():
    """Last run: theme 7 had sub-themes 20 (15 comments about one variant) and 21 (15 about another); the
    re-cluster swallowed both into theme 5's sub-theme 11. Revived, theme 7 has 20 and 21 again with their own
    comments. A sub-theme id the re-cluster gave to another group stays there: its comments join the revived
    theme's nearest sub-theme. Sub-themes too small to stand alone give way to one new sub-theme, a new id each."""
    rng = np.random.default_rng(1)
    e1, e2, e3 = np.eye(8)[:3]
    x = np.vstack([e1 + 0.05 * rng.normal(size=(30, 8)), e2 + 0.05 * rng.normal(size=(15, 8)),
                   e3 + 0.05 * rng.normal(size=(15, 8))])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    previous = _previous([5] * 30 + [7] * 30, sub_of=[10] * 30 + [20] * 15 + [21] * 15)
    merged = x.mean(axis=0) / np.linalg.norm(x.mean(axis=0))

    def run(taken, min_size):
        theme_ids, sub_ids = np.full(60, 5), np.full(60, 11)
        revived = revive(x, theme_ids, sub_ids, previous, {5: merged}, min_size=min_size, next_sub_id=31,
                         taken_subs=taken)
        assert theme_ids.tolist() == [5] * 30 + [7] * 30
        return sorted(revived[7]), sub_ids[30:].tolist()

    assert run({11}, 10) == ([20, 21], [20] * 15 + [21] * 15)
    assert run({11, 21}, 10) == ([20], [20] * 30)
    assert run({11}, 16) == ([31], [31] * 30)
    theme_ids, sub_ids = np.full(60, 5), np.full(60, 11)  # two revived themes without sub-themes: two new ids
    revived = revive(x, theme_ids, sub_ids, _previous([5] * 30 + [7] * 15 + [8] * 15), {5: merged}, min_size=10,
                     next_sub_id=31, taken_subs={11})
    assert {t: list(s) for t, s in revived.items()} == {7: [31], 8: [32]} and sub_ids[45:].tolist() == [32] * 15


def test_a_themes_only_sub_theme_carries_the_themes_title():
    """Theme titles must be unique across themes, sub-theme titles only within their theme, so the same comments
    could be named twice: theme 20 took its second phrase, its only sub-theme 8 its first."""
    label = lambda i, title: ThemeLabel(i, title, ["hotline"], [], {"de": 1.0})  # noqa: E731
    themes = {20: label(20, "Rückruf wurde versprochen aber nie gemacht"), 21: label(21, "Hotline ständig besetzt")}
    subs = {8: label(8, "Kommt telefonisch nicht durch"), 9: label(9, "Hotline besetzt"), 10: label(10, "Anruf weg")}
    named = named_like_their_theme(subs, {8: 20, 9: 21, 10: 21}, themes)
    assert [named[s].title for s in (8, 9, 10)] == ["Rückruf wurde versprochen aber nie gemacht", "Hotline besetzt",
                                                    "Anruf weg"]
