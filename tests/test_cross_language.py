"""A problem told in German and in English is one theme: the clusterer's cross-language merge, end to end."""

import numpy as np

from voc.themes.cluster import ThemeClusterer


def two_languages(seed=0, n=40, dim=32):
    """Three topics; each topic's German and English comments sit apart (a language accent of their own),
    so density clustering alone keeps them as six groups."""
    rng = np.random.default_rng(seed)
    topics = np.eye(dim)[:3] * 3
    x, groups, truth = [], [], []
    for t, topic in enumerate(topics):
        for lang in ("de", "en"):
            accent = rng.normal(size=dim)
            accent *= 1.2 / np.linalg.norm(accent)
            x.append(topic + accent + 0.15 * rng.normal(size=(n, dim)))
            groups += [lang] * n
            truth += [t] * n
    return np.vstack(x), np.array(groups), np.array(truth)


def test_german_and_english_groups_of_one_topic_become_one_theme():
    x, groups, truth = two_languages()
    merged = ThemeClusterer(min_cluster_size=15, random_state=0).fit(x, groups=groups)
    apart = ThemeClusterer(min_cluster_size=15, cross_group_merge=1.0, random_state=0).fit(x, groups=groups)
    assert apart.n_themes_ == 6  # without the merge: one theme per topic and language
    assert merged.n_themes_ == 3
    for t in range(3):
        assert len(set(merged.labels_[truth == t].tolist()) - {-1}) == 1
