"""The theme map's stored 2-D positions (voc.themes.projection), and the map as the nightly run stores it."""

import numpy as np

from tests.dbutil import rows
from voc.themes.projection import comment_positions, theme_positions


def test_similar_themes_lie_closer_and_tighter_comments_sit_nearer_their_theme():
    rng = np.random.default_rng(0)
    base = rng.normal(size=16)
    centroids = {1: base, 2: base + 0.05 * rng.normal(size=16), 3: -base, 4: rng.normal(size=16)}
    pos = theme_positions(centroids)
    assert np.linalg.norm(pos[1] - pos[2]) < np.linalg.norm(pos[1] - pos[3])
    keys = [("s", str(i)) for i in range(6)]
    theme_ids = np.array([1, 1, 1, 3, -1, 99])
    similarity = np.array([0.95, 0.6, 0.3, 0.9, 0.0, 0.9])
    placed, xy = comment_positions(keys, theme_ids, similarity, centroids)
    assert placed == [0, 1, 2, 3]  # unclustered and unknown themes are not placed
    dist = np.linalg.norm(xy[:3] - pos[1], axis=1)
    assert dist[0] < dist[1] < dist[2]
    again = comment_positions(keys, theme_ids, similarity, centroids)[1]
    assert np.array_equal(xy, again)  # same input, same map


def test_the_nightly_run_stores_a_position_for_every_themed_comment_and_writes_the_report(published_db):
    db, summary = published_db
    report = open(summary["report"], encoding="utf-8").read()  # the flow writes the HTML report beside the store
    assert summary["report"].endswith("report.html") and "nav class=\"toc" in report
    (placed, themed), = rows(db, """SELECT count(m.x), count(*) FROM current_assignments a
        LEFT JOIN comment_map m ON m.source = a.source AND m.comment_id = a.comment_id AND m.run_id = a.run_id
        WHERE a.clustered_theme_id >= 0""")
    assert placed == themed > 0
