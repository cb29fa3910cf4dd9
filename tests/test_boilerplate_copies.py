"""find_boilerplate reads each distinct (text, language) once, counted as often as it occurs: the same phrases as
reading every comment (the per-comment reading is `_boilerplate` with one row and a count of 1 per comment)."""

import csv
from pathlib import Path

import numpy as np
import pytest

from voc.text.language import detect
from voc.themes.noise import _boilerplate, edge_share, find_boilerplate

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "comments.csv"


@pytest.fixture(scope="module")
def demo():
    texts = [r["text"] for r in csv.DictReader(open(DEMO, encoding="utf-8"))]
    return texts, [detect(t) for t in texts]


def per_comment(texts, langs):
    return _boilerplate(texts, langs, np.ones(len(texts), dtype=np.int64)).phrases


def test_demo_phrases_are_those_of_reading_every_comment(demo):
    texts, langs = demo
    phrases = find_boilerplate(texts, langs).phrases
    assert len(set(zip(texts, langs))) < len(texts)  # the demo repeats some texts
    assert phrases == per_comment(texts, langs) and len(phrases) > 50


def test_copies_count_as_comments_on_a_duplicated_heavy_input(demo):
    texts, langs = demo
    rows = [i for i in range(len(texts)) for _ in range(1 + (i * 7919) % 5)]  # 1-5 copies of each text
    many, many_langs = [texts[i] for i in rows], [langs[i] for i in rows]
    phrases = find_boilerplate(many, many_langs).phrases
    assert phrases == per_comment(many, many_langs) and phrases
    assert phrases != find_boilerplate(texts, langs).phrases  # the copies change what is frequent: they count


def test_edge_share_counts_each_copy():
    texts = ["Kd. meldet: app stürzt ab", "die app kd. meldet nichts"]
    assert edge_share("kd. meldet", texts) == 0.5
    assert edge_share("kd. meldet", texts, [3, 1]) == 0.75
