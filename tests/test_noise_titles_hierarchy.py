"""Noise removal, boilerplate detection, titles, the sub-theme hierarchy and the score formulas, on controlled
inputs."""

import random
import re

import numpy as np
from hypothesis import given, settings, strategies as st
from scipy import sparse

from voc.ranking.rank import impacts, nps_of, priority_score, rank_themes
from voc.themes.hierarchy import ThemeHierarchy, agglomerate, calibrated_threshold
from voc.themes.noise import Boilerplate, find_boilerplate, strip_placeholders
from voc.themes.label import label_themes
from voc.themes.titles import MAX_CHARS, Speller, TitleGroup, choose_titles, clauses

KINDS = ["EMAIL", "IBAN", "PHONE", "CARD", "NAME", "CUSTOMER_NO", "ADDRESS"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from([f"[{k}]" for k in KINDS]),
                          st.text(alphabet="abcXYZ äß.,:-", min_size=0, max_size=8)), max_size=12))
def test_no_placeholder_survives_cleaning(parts):
    text = " ".join(parts)
    cleaned = strip_placeholders(text)
    assert not re.search(r"\[[A-Z][A-Z_0-9]*\]", cleaned)
    assert not re.search(r"\[[A-Z][A-Z_0-9]*\]", Boilerplate(("kd meldet",)).clean(text))


TOPICS = {
    "de": ["Paket kam beschädigt an", "Rechnung doppelt abgebucht", "Passwort lässt sich nicht zurücksetzen",
           "Hotline ist ständig besetzt", "Gutscheincode wird abgelehnt", "Lieferung kommt nie an"],
    "en": ["parcel arrived damaged", "charged twice on the invoice", "password reset link is broken",
           "hotline always busy", "voucher code rejected at checkout", "delivery never arrives"],
}
FRAMES = {"de": ["Kd. meldet: {}.", "{}, Kundin ist stinksauer und droht mit Kündigung.", "{}. IBAN [IBAN]", "{}"],
          "en": ["Customer called, {}.", "{}. Customer is furious and threatens to cancel.", "{}. IBAN [IBAN]", "{}"]}


def agent_notes(n=900, seed=1):
    rng = random.Random(seed)
    texts, langs, topics = [], [], []
    for _ in range(n):
        lang = rng.choice(["de", "en"])
        topic = rng.randrange(len(TOPICS[lang]))
        texts.append(rng.choice(FRAMES[lang]).format(TOPICS[lang][topic]))
        langs.append(lang)
        topics.append(topic)
    return texts, langs, topics


def test_boilerplate_is_found_from_the_data_and_problem_phrases_are_kept():
    texts, langs, _ = agent_notes()
    phrases = find_boilerplate(texts, langs).phrases
    assert {"kd meldet", "stinksauer und droht mit kündigung", "customer called", "iban zzphiban"} <= set(phrases) | {
        p for p in phrases if "stinksauer" in p}
    assert any("stinksauer" in p for p in phrases) and any("threatens to cancel" in p for p in phrases)
    problem_words = {w.lower() for t in TOPICS["de"] + TOPICS["en"] for w in t.split()}
    assert not [p for p in phrases if set(p.split()) <= problem_words], "a problem phrase was taken for boilerplate"
    cleaned = Boilerplate(phrases).clean_all(texts)
    assert not any(re.search(r"stinksauer|furious|Kd\.|IBAN|\[", t) for t in cleaned)
    assert Boilerplate(phrases).clean("Kd. meldet: Paket kam beschädigt an.") == "Paket kam beschädigt an."
    assert Boilerplate(phrases).clean("Kunde ist stinksauer") == "Kunde ist stinksauer"  # nothing else to keep: kept


def test_speller_fixes_typos_against_the_corpus_and_keeps_rare_words():
    corpus = ["Wartezeit an der Hotline"] * 20 + ["Wartezeti an der Hotline", "fuer die Hotline"] + ["für alle"] * 9
    speller = Speller(corpus)
    assert speller.normalise("Wartezeti an der Hotline") == "Wartezeit an der Hotline"
    assert speller.correct("fuer") == "für"
    assert speller.correct("Hotlines") == "Hotlines"  # unknown: left alone


def test_a_version_number_or_a_price_does_not_end_a_clause():
    assert clauses("Kd. meldet: seit Update 5.2.1 startet die App nicht mehr. Kosten 4,99 € pro Monat") == [
        "seit Update 5.2.1 startet die App nicht mehr", "Kosten 4,99 € pro Monat"]


def test_titles_are_short_unique_and_clean():
    same = ["Paket kam beschädigt an. Kunde wartet", "Paket kam beschädigt an"] * 5
    long = ["Sendungsverfolgungsnummer funktioniert überhaupt nicht mehr seit Wochenanfang laut "
            "Versanddienstleister"] * 3
    groups = [TitleGroup(same, ["de"] * 10, ["paket beschädigt"]), TitleGroup(same, ["de"] * 10, ["paket", "wartet"]),
              TitleGroup(long, ["de"] * 3, ["sendung"]), TitleGroup(["[IBAN]"] * 3, ["de"] * 3, ["konto"])]
    # generic={}: two of four themes say the same words here, which would make every word of them generic
    titles = choose_titles(groups, Speller([t for g in groups for t in g.texts]), generic={})
    assert titles[0] == "Paket kam beschädigt an"
    assert len({t.lower() for t in titles}) == len(titles)
    assert all(len(t) <= MAX_CHARS and "[" not in t for t in titles)
    assert titles[2].startswith("Sendungsverfolgungsnummer funktioniert")  # cut at a word, not dropped


def test_a_theme_no_phrase_names_is_titled_by_a_keyword_in_its_own_language_and_alone():
    texts = ["Erstattung dauert schon Wochen", "Wartet auf die Erstattung, dauert ewig",
             "Gutschrift fehlt, Erstattung dauert", "Waiting weeks for credit"]
    group = TitleGroup(texts, ["de", "de", "de", "en"], ["weeks credit", "erstattung dauert", "gutschrift"])
    assert choose_titles([group], Speller(texts)) == ["Erstattung dauert"]
    twin = TitleGroup(texts, group.languages, group.keywords)  # the same keyword title is taken: the next keyword
    assert choose_titles([group, twin], Speller(texts)) == ["Erstattung dauert", "Erstattung dauert (weeks credit)"]


def profiles(rows):
    return sparse.csr_matrix(np.array(rows, dtype=float) / np.linalg.norm(rows, axis=1, keepdims=True))


def sub_themes(k_problems=6, per_problem=3, dim=40, seed=0):
    """Sub-themes: each problem has a few phrasings sharing a keyword profile, centroids moderately alike."""
    rng = np.random.default_rng(seed)
    cents, words, truth = [], [], []
    for p in range(k_problems):
        base = rng.normal(size=dim)
        vocab = np.zeros(10 * k_problems)
        vocab[p * 10:(p + 1) * 10] = rng.random(10) + 0.5
        for _ in range(per_problem):
            cents.append(base + rng.normal(size=dim) * 1.5)
            words.append(vocab * (rng.random(len(vocab)) + 0.5) + rng.random(len(vocab)) * 0.05)
            truth.append(p)
    cents = np.array(cents)
    return cents / np.linalg.norm(cents, axis=1, keepdims=True), profiles(words), np.array(truth)


def test_hierarchy_merges_the_phrasings_of_each_problem_and_nothing_else():
    cents, prof, truth = sub_themes()
    h = ThemeHierarchy().fit(cents, prof, np.full(len(truth), 30))
    assert h.n_themes_ == 6
    assert all(len(set(h.theme_of_[truth == p])) == 1 for p in range(6))
    # the cut follows the data, not a count: twice the problems give twice the themes
    cents2, prof2, truth2 = sub_themes(k_problems=12, seed=1)
    assert ThemeHierarchy().fit(cents2, prof2, np.full(len(truth2), 30)).n_themes_ == 12


def test_pm_constraints_win_over_similarity():
    sim = np.array([[1, .9, .0], [.9, 1, .0], [.0, .0, 1]])
    assert agglomerate(sim, np.ones(3), 0.5).tolist() == [0, 0, 1]
    assert len(set(agglomerate(sim, np.ones(3), 0.5, cannot_link=[(0, 1)]).tolist())) == 3
    pinned = agglomerate(sim, np.ones(3), 0.5, must_link=[[0, 2]])  # pinned together though unalike
    assert pinned[0] == pinned[2] != pinned[1]
    assert calibrated_threshold(np.eye(2), 4.0, 0.1) >= 1.0  # two sub-themes: no statistics, nothing merges


def test_nps_is_promoters_minus_detractors_not_the_mean():
    assert nps_of(np.array([10, 9, 8, 7, 6, 0])) == 0.0
    assert nps_of(np.array([9, 10, 10, 3])) == 50.0
    assert nps_of(np.array([8, 8, 7])) == 0.0
    assert nps_of(np.array([])) is None


def test_impact_is_the_change_of_the_overall_score_without_the_theme():
    values = np.array([1.0, 1.0, 5.0, 5.0, np.nan])
    in_theme = np.array([True, True, False, False, False])
    own, impact = impacts(values, in_theme, lambda v: float(v.mean()))
    assert own == 1.0 and impact == 2.0  # overall 3.0, without the theme 5.0
    labels = np.array([0, 0, 1, 1])
    now = __import__("datetime").datetime(2026, 11, 1)
    ranks = rank_themes(labels, np.zeros(4), ["negative"] * 4, [now] * 4, [1, 1, 5, 5], [0, 2, 10, 9])
    bad = next(r for r in ranks if r.theme_id == 0)
    assert bad.nps == -100.0 and bad.nps_impact == 100.0 and bad.csat_impact == 2.0
    assert bad.priority == round(priority_score(0.5, 1.0, bad.growth, 2.0), 3) and ranks[0].theme_id == 0


def test_a_recluster_keeps_last_runs_borderline_grouping():
    """Sticky hierarchy: a pair just below the cut merges when it shared a theme last run (prior +1)."""
    from voc.themes.hierarchy import MERGE_Z, robust_scale

    rng = np.random.default_rng(3)
    sim = rng.uniform(0.0, 0.2, size=(12, 12))
    sim = (sim + sim.T) / 2
    np.fill_diagonal(sim, 1.0)
    median, sd = robust_scale(sim)
    sim[0, 1] = sim[1, 0] = median + MERGE_Z * sd - 0.3 * sd  # just below the cut (median + MERGE_Z robust sd)
    cents = np.linalg.cholesky(sim)  # centroids whose cosines are exactly `sim`
    words = sparse.csr_matrix((12, 1))
    prior = np.zeros((12, 12))
    prior[0, 1] = prior[1, 0] = 1.0
    before = ThemeHierarchy(centroid_weight=1.0, min_similarity=0.0).fit(cents, words, np.ones(12))
    sticky = ThemeHierarchy(centroid_weight=1.0, min_similarity=0.0).fit(cents, words, np.ones(12), prior=prior)
    assert before.theme_of_[0] != before.theme_of_[1] and sticky.theme_of_[0] == sticky.theme_of_[1]
    apart = ThemeHierarchy(centroid_weight=1.0, min_similarity=0.0).fit(cents, words, np.ones(12), prior=-prior)
    assert apart.theme_of_[0] != apart.theme_of_[1]


def test_a_theme_is_named_after_its_largest_sub_theme_in_the_theme_language():
    login = (["Can't log into the app"] * 6 + ["Kann mich nicht in der App anmelden"] * 5
             + ["Login in der App geht nicht"] * 4)  # sub-theme 0, the largest (9 German comments, varied)
    sms = ["Zwei-Faktor-Code per SMS kommt nicht an"] * 8  # sub-theme 1: the phrase repeated most
    group = TitleGroup(login + sms, ["en"] * 6 + ["de"] * 17, [], variants=[0] * 15 + [1] * 8)
    assert choose_titles([group], Speller(group.texts)) == ["Kann mich nicht in der App anmelden"]
    without_variants = TitleGroup(group.texts, group.languages, [])
    assert choose_titles([without_variants], Speller(group.texts)) == ["Zwei-Faktor-Code per SMS kommt nicht an"]


def test_a_typo_is_corrected_only_to_a_word_of_its_own_language():
    texts = ["never again"] * 30 + ["neuer Preis zu hoch"] * 3 + ["neuer Tarif"] * 2
    languages = ["en"] * 30 + ["de"] * 5
    assert Speller(texts, languages).normalise("neuer Preis", "de") == "neuer Preis"
    assert Speller(texts).normalise("neuer Preis") == "never Preis"  # one vocabulary for both: the bug this avoids


def test_the_problem_a_comment_opens_with_names_it_before_its_consequence():
    texts = ["neuer Preis viel zu hoch, denkt über Wechsel nach"] * 4 + ["Tarif teurer. Denkt über Wechsel nach"]
    group = TitleGroup(texts, ["de"] * 5, [])
    assert choose_titles([group], Speller(texts)) == ["Neuer Preis viel zu hoch"]


def test_the_largest_sub_theme_is_counted_in_all_languages_and_must_speak_the_theme_language():
    """Sub-theme sizes count every language (the demo's login theme: "Can't log into the app" 31 German + 37
    English over "2FA code" 38 + 20), but a sub-theme with only a few notes in the theme's language does not name
    it; unclustered comments are no sub-theme."""
    bilingual = ["Can't log into the app"] * 8 + ["Kann sich nicht in der App anmelden"] * 6  # sub-theme 0: 14
    german = ["Passwort wird nicht akzeptiert"] * 12  # sub-theme 1: 12, all German
    group = TitleGroup(bilingual + german, ["en"] * 8 + ["de"] * 18, [], variants=[0] * 14 + [1] * 12)
    assert choose_titles([group], Speller(group.texts)) == ["Kann sich nicht in der App anmelden"]
    mostly_english = ["Can't log into the app"] * 10 + ["Login geht nicht mehr"] * 3  # sub-theme 0: 13, 3 German
    group = TitleGroup(mostly_english + german, ["en"] * 10 + ["de"] * 15, [], variants=[0] * 13 + [1] * 12)
    assert choose_titles([group], Speller(group.texts)) == ["Passwort wird nicht akzeptiert"]
    stray = TitleGroup(["Paket kam beschädigt an"] * 3 + ["Karton eingedrückt"] * 4, ["de"] * 7, [],
                       variants=[0] * 3 + [-1] * 4)
    assert choose_titles([stray], Speller(stray.texts)) == ["Paket kam beschädigt an"]


PROBLEMS = {"parcel": ["my parcel arrived damaged", "the parcel arrived damaged again", "parcel arrived damaged today"],
            "refund": ["still no refund for my return", "no refund for my return yet", "refund for my return missing"],
            "password": ["password reset link is broken", "the password reset link is broken",
                         "password reset link is broken again"],
            "voucher": ["voucher code rejected at checkout", "my voucher code rejected", "voucher code rejected"],
            "hotline": ["hotline always busy", "your hotline always busy", "hotline always busy all day"]}


def wrapped_themes():
    """Five themes whose customers all ask "Can you help me?" before their problem, said in varied words."""
    return [TitleGroup([f"Can you help me? {p}" for p in variants * 3], ["en"] * 9, [])
            for variants in PROBLEMS.values()]


def test_a_phrase_every_theme_says_is_no_title_and_a_fragment_names_the_problem():
    groups = wrapped_themes()
    titles = choose_titles(groups, Speller([t for g in groups for t in g.texts]))
    assert titles == ["Parcel arrived damaged", "Refund for my return", "Password reset link is broken",
                      "Voucher code rejected", "Hotline always busy"]


def test_a_new_problem_said_in_varied_words_is_titled_by_what_they_share():
    """The night's new problem (walkthrough F7: "Sign"): no whole clause is said three times, the fragment is."""
    texts = ["how can i report signup problems", "I have got to report signup problems",
             "who do I tell about signup problems", "need to notify you of signup problems"]
    assert choose_titles([TitleGroup(texts, ["en"] * 4, ["signup", "report"])], Speller(texts)) == ["Signup problems"]


def test_a_question_cut_open_is_no_title_and_a_statement_with_i_is():
    """bitext's "how soon can I expect my order" lost "how" and "my order" as boilerplate: "Soon can I expect" named
    the delivery-period theme, "Hours I can reach" the opening hours'. A note that starts with "I" says a problem."""
    asked = ["soon can I expect", "soon can I expect", "soon can I expect", "product arrive", "product arrive",
             "product arrive today", "when will the product arrive"]
    said = ["I cannot log in"] * 4 + ["login fails"] * 2
    titles = choose_titles([TitleGroup(asked, ["en"] * len(asked), ["soon", "expect", "arrive", "product"]),
                            TitleGroup(said, ["en"] * len(said), ["log", "login"])], Speller(asked + said))
    assert titles == ["Product arrive", "Cannot log in"]  # said, not asked: titled without who says it


def test_a_line_a_few_comments_of_a_large_theme_repeat_is_no_title():
    """Walkthrough F13: a boilerplate line 5 of 287 comments repeated named the theme."""
    varied = [f"Preis {n} Vertrag {n}" for n in range(200)]  # no phrase in common: the top keyword names them
    texts = varied + ["Beitrag kann nach Anmeldung gelesen werden"] * 5  # 2.4%
    group = TitleGroup(texts, ["de"] * len(texts), ["preis", "vertrag"])
    assert choose_titles([group], Speller(texts)) == ["Preis"]


def test_no_title_or_keyword_names_a_person_or_a_salutation():
    """Walkthrough F3/F4: "Anna freeman", "Bills mr"."""
    texts = (["where is the invoice from Anna Freeman"] * 6 + ["I need the bill from Mr. [NAME]"] * 5
             + ["download invoice"] * 3)
    clean = [strip_placeholders(t) for t in texts]
    others = ["hotline always busy"] * 14
    labels = label_themes(texts + others, ["en"] * 28, np.array([0] * 14 + [1] * 14), np.ones(28),
                          clean + others)
    words = " ".join([labels[0].title, *labels[0].keywords]).lower()
    assert "anna" not in words and "freeman" not in words and " mr" not in f" {words}", words
    assert labels[0].title == "Download invoice"
