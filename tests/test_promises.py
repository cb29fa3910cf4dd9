"""What the README promises, pinned so that a change to the rule fails a test.

Each test names the promise; each was checked by planting the bug in the comment beside it
(see the closing note of the hardening issue) and watching the test fail.
"""

import csv
from collections import Counter
from datetime import datetime, timedelta

import numpy as np
import pytest
from dbutil import rows

from voc import store
from voc.config import Settings
from voc.corpus import Corpus
from voc.embedding.vectors import normalise_rows
from voc.errors import TransitionError
from voc.pm import handoff, workflow
from voc.ranking import trends
from voc.ranking.rank import rank_themes
from voc.ranking.trends import ThemeFlags
from voc.themes.cluster import merge_across_groups
from voc.themes.incremental import Plan, assign_new, cluster_leftovers
from voc.themes.previous import NOT_IN_PREVIOUS, Previous
from voc.themes.label import representatives


def test_embedding_sentiment_points_the_right_way():
    """Bug: inverted embedding sentiment (positive minus negative prototype swapped)."""
    from voc.embedding.models import load_embedder
    from voc.sentiment.score import SentimentScorer, seed_sentences

    embedder = load_embedder("use")
    seeds = {label: embedder.encode(texts) for label, texts in seed_sentences().items()}
    scorer = SentimentScorer().fit(seeds)
    good = ["Kundin ist sehr zufrieden, Problem gelöst, vielen Dank", "Customer is happy, great service, thanks"]
    bad = ["Kunde ist stinksauer, Paket kaputt und niemand hilft", "Customer furious, charged twice, awful service"]
    scores = scorer.embedding_scores(embedder.encode(good + bad))
    assert (scores[:2] > 0).all() and (scores[2:] < 0).all(), scores


def test_themes_of_two_languages_about_one_problem_are_merged_and_one_language_never():
    """Bug: no cross-language merge."""
    rng = np.random.default_rng(0)
    topic = rng.normal(size=16)
    other = rng.normal(size=16)
    x = np.vstack([topic + 0.1 * rng.normal(size=(20, 16)), topic + 0.1 * rng.normal(size=(20, 16)),
                   other + 0.1 * rng.normal(size=(20, 16)), topic + 0.1 * rng.normal(size=(20, 16))])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    labels = np.repeat([0, 1, 2, 3], 20)
    groups = np.array(["de"] * 20 + ["en"] * 20 + ["de"] * 20 + ["de"] * 20)
    merged = merge_across_groups(x, labels, 4, groups, threshold=0.4)
    assert merged[0] == merged[20]  # German and English theme about one topic: one theme
    assert merged[0] != merged[60] and merged[40] != merged[0]  # two German themes stay two


def test_the_demo_keeps_german_and_english_together(published_db, demo_files):
    """Bug: no cross-language merge (end to end on the demo: problems told in both languages share a theme)."""
    db, _ = published_db
    truth = {r["comment_id"]: r for r in csv.DictReader(open(demo_files.truth, encoding="utf-8"))}
    by_problem: dict[str, Counter] = {}
    for cid, theme in rows(db, "SELECT comment_id, theme_id FROM current_assignments WHERE theme_id >= 0"):
        by_problem.setdefault(truth[cid]["problem"], Counter())[(theme, truth[cid]["language"])] += 1
    together = 0
    for counts in by_problem.values():
        themes = Counter()
        for (theme, lang), n in counts.items():
            themes[theme] += n
        top = themes.most_common(1)[0][0]
        langs = {lang for (theme, lang), n in counts.items() if theme == top and n >= 3}
        together += langs >= {"de", "en"}
    assert together >= 6, together


def test_recent_counts_the_window_and_the_window_before(published_db):
    """Bug: the "before" window of recent() zeroed."""
    db, _ = published_db
    with store.open(db) as con:
        as_of, recent = trends.recent(con, 7)
    data = rows(db, "SELECT theme_id, created_at::DATE FROM current_assignments WHERE theme_id >= 0")
    end = datetime.strptime(as_of, "%Y-%m-%d").date()
    for r in recent[:5]:
        ages = [(end - d).days for t, d in data if t == r.theme_id]
        assert r.volume == sum(0 <= a < 7 for a in ages) and r.volume_before == sum(7 <= a < 14 for a in ages)
        assert len(r.daily) == 7 and sum(r.daily) == r.volume
    assert any(r.volume_before > 0 for r in recent)


def test_trends_come_in_days_and_weeks(published_db):
    """Bug: week buckets changed to months."""
    db, _ = published_db
    with store.open(db) as con:
        trend = con.execute(trends.TRENDS_SQL).fetchall()
    weeks = [(t, start, volume) for t, _, period, start, volume, *_ in trend if period == "week"]
    assert weeks and all(start.weekday() == 0 for _, start, _ in weeks)  # weeks start on Monday
    theme = weeks[0][0]
    dates = [d for t, d in rows(db, "SELECT theme_id, created_at FROM current_assignments") if t == theme]
    for _, start, volume in [w for w in weeks if w[0] == theme]:
        assert volume == sum(start <= d < start + timedelta(days=7) for d in dates)


def test_nps_is_promoters_minus_detractors_in_every_output(published_db):
    """Bug: the mean 0-10 rating shown as NPS (trends export, segments export, the web app's themes page)."""
    from voc.ranking.rank import nps_of
    from voc.web import queries, queries_themes

    db, _ = published_db
    ratings = {}
    for theme, week, nps in rows(db, "SELECT theme_id, date_trunc('week', created_at), nps FROM current_assignments "
                                     "WHERE theme_id >= 0 AND nps IS NOT NULL"):
        ratings.setdefault((theme, week), []).append(nps)
    with store.open(db) as con:
        weekly = {(t, start): nps for t, _, period, start, *_, nps, _mean in con.execute(trends.TRENDS_SQL).fetchall()
                  if period == "week"}
        page = {t["theme_id"]: t["nps"] for t in queries_themes.themes(con, queries.Filters())}
        stored = dict(con.execute("SELECT theme_id, nps FROM current_themes").fetchall())
        segments = con.execute(trends.SEGMENTS_SQL).fetchall()
    assert len(ratings) > 3 and any(min(r) <= 6 for r in ratings.values())  # the demo has NPS ratings, detractors too
    for key, values in ratings.items():
        assert weekly[key] == round(nps_of(np.array(values, dtype=float)), 1)
    assert all(page[t] == (round(stored[t], 1) if stored[t] is not None else None) for t in page)
    theme, _, dimension, value, *_, nps = next(s for s in segments if s[-1] is not None and s[2] == "channel")
    channel = [n for n, in rows(db, "SELECT nps FROM current_assignments WHERE theme_id = ? AND channel = ? AND nps "
                                    "IS NOT NULL", [theme, value])]
    assert nps == round(nps_of(np.array(channel, dtype=float)), 1)


def test_an_incremental_night_finds_an_emerging_theme_among_new_comments():
    """Bug: incremental nights finding no emerging themes."""
    rng = np.random.default_rng(1)
    known, fresh = np.eye(16)[0], np.eye(16)[5]
    n_old, n_new = 40, 50  # 30 about a new problem, 20 about another
    vectors = np.vstack([fresh + 0.05 * rng.normal(size=(30, 16)),
                         np.eye(16)[9] + 0.05 * rng.normal(size=(20, 16))]).astype(np.float32)
    corpus = Corpus(keys=[("s", str(i)) for i in range(n_old + n_new)], texts=["Rechnung doppelt"] * n_old +
                    ["App stürzt nach Update ab"] * n_new, hashes=[""] * (n_old + n_new),
                    languages=["de"] * (n_old + n_new), created_at=[datetime(2026, 11, 1)] * (n_old + n_new),
                    csat=[None] * (n_old + n_new), nps=[None] * (n_old + n_new), vectors=vectors,
                    vector_rows=np.arange(n_old, n_old + n_new))
    theme_of = np.array([1] * n_old + [NOT_IN_PREVIOUS] * n_new)
    previous = Previous(run_id=1, params={}, last_full=None, theme_of=theme_of,
                        method=np.array(["cluster"] * (n_old + n_new), dtype=object),
                        similarity=np.zeros(n_old + n_new, dtype=np.float32), sentiment_score=np.zeros(n_old + n_new),
                        sentiment=np.array(["neutral"] * (n_old + n_new), dtype=object),
                        centroids={1: known.astype(np.float32)}, group_means={}, labels={}, max_theme_id=7)
    themes = assign_new(Settings(), corpus, Plan("incremental", "", corpus.vector_rows, previous), 0.3)
    assert themes.stats["emerging_themes"] == 2
    assert (themes.theme_ids[n_old:n_old + 30] == 8).sum() >= 25 and (themes.theme_ids[:n_old] == 1).all()
    assert set(themes.method[n_old:]) <= {"emerging", "unclustered"}


def test_a_night_whose_leftovers_hold_one_new_problem_finds_it():
    """Bug: HDBSCAN refusing a single cluster, so a night with one new problem (and stray notes) found none."""
    rng = np.random.default_rng(2)
    fresh = np.eye(64)[5] + 0.05 * rng.normal(size=(30, 64))
    stray = rng.normal(size=(25, 64))
    stray[:, 5] = 0  # notes about anything but the new problem
    labels = cluster_leftovers(normalise_rows(np.vstack([fresh, stray])), min_size=10, threshold=0.3)
    assert labels.max() == 0 and (labels[:30] == 0).sum() >= 25 and (labels[30:] == -1).sum() >= 22
    assert (cluster_leftovers(normalise_rows(stray), min_size=10, threshold=0.3) == -1).all()  # strays stay noise


def test_a_failed_transaction_leaves_nothing(tmp_path):
    """Bug: `transaction` committing on error."""
    with store.open(tmp_path / "t.duckdb", create=True) as con:
        with pytest.raises(ZeroDivisionError):
            with store.transaction(con):
                con.execute("INSERT INTO published VALUES ('themes', 1)")
                1 / 0
        assert store.scalar(con, "SELECT count(*) FROM published") == 0


def test_done_reopens_and_declined_is_reconsidered(store_copy):
    """Bug: done themes unable to reopen."""
    with store.open(store_copy, write=True) as con:
        theme = store.scalar(con, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1")
        for status in ("planned", "in_progress", "done", "in_progress", "declined"):
            workflow.update(con, theme, "anna", status=status, reason="duplicate" if status == "declined" else None)
        workflow.update(con, theme, "anna", status="under_review")
        with pytest.raises(TransitionError, match="cannot go from under review to done"):
            workflow.update(con, theme, "anna", status="done")
        assert ([h["to_status"] for h in workflow.history(con, theme)][-3:]
                == ["in_progress", "declined", "under_review"])


def test_representatives_speak_each_common_language():
    """Bug: representatives ignoring language."""
    texts = [f"Paket kam beschädigt an {i}" for i in range(10)] + [f"parcel arrived damaged {i}" for i in range(4)]
    languages = ["de"] * 10 + ["en"] * 4
    sims = np.array([0.9] * 10 + [0.5] * 4)
    picked = representatives(texts, languages, sims)
    assert any(t.startswith("parcel") for t in picked) and picked[0].startswith("Paket")


def test_handoff_gives_a_theme_to_the_team_most_of_its_comments_carry(store_copy, tmp_path):
    """Bug: handoff team by `min` instead of `mode`."""
    with store.open(store_copy, write=True) as con:
        theme = store.scalar(con, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1")
        ids = [c for c, in con.execute("SELECT comment_id FROM current_assignments WHERE theme_id = ? ORDER BY 1",
                                       [theme]).fetchall()]
        cut = len(ids) * 2 // 3
        con.execute("UPDATE comments SET team = 'zeta' WHERE comment_id IN (SELECT unnest(?))", [ids[:cut]])
        con.execute("UPDATE comments SET team = 'alpha' WHERE comment_id IN (SELECT unnest(?))", [ids[cut:]])
        zeta = handoff.write_handoff(con, tmp_path / "zeta", "zeta", store_copy)
    themes = {r["theme_id"] for r in csv.DictReader(zeta.csv.open())}
    assert str(theme) in themes


def test_why_carries_the_spike_and_emerging_text():
    """Bug: spike text dropped from `why`."""
    now = datetime(2026, 11, 15)
    labels = np.array([0] * 10 + [1] * 10)
    flags = {0: ThemeFlags(now, False, True, "spike: 9 on the last day vs 0.5 ± 0.7 a day"),
             1: ThemeFlags(now, True, False, "emerging: first seen 2026-11-14")}
    ranks = {r.theme_id: r for r in rank_themes(labels, np.zeros(20), ["neutral"] * 20, [now] * 20, [None] * 20,
                                                [None] * 20, 7, flags)}
    assert ranks[0].why.endswith("; spike: 9 on the last day vs 0.5 ± 0.7 a day") and ranks[0].spike
    assert ranks[1].why.endswith("; emerging: first seen 2026-11-14") and ranks[1].emerging
