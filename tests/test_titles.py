"""Titles that name the theme's problem: distinctive of the theme, said by the theme as a whole, counted up to
inflection, without who has the problem; on controlled inputs (paraphrased, not rows of any data set)."""

import numpy as np

from voc.themes.label import label_themes
from voc.themes.phrases import STOP_WORDS, fragments, key_of, said
from voc.themes.titles import Elsewhere, Speller, TitleGroup, choose_titles

CITIES = ["Lyon", "Porto", "Graz", "Oslo", "Turin", "Malmo", "Bilbao", "Ghent"]


def test_a_phrase_another_theme_says_as_often_is_not_the_title():
    """PM review F2: a theme of questions about shipping abroad was titled "Place order", a phrase the theme of
    placing orders says too; a PM would route it to the checkout team. The larger theme is titled first, so without
    comparing themes it would take the phrase."""
    abroad = [f"place an order? do you ship abroad to {city}" for city in CITIES]
    ordering = ["place an order for shoes", "how do I place an order", "place an order online fails",
                "need to place an order today", "place an order with my voucher"]
    texts = abroad + ordering
    labels = label_themes(texts, ["en"] * len(texts), np.array([0] * len(abroad) + [1] * len(ordering)),
                          np.ones(len(texts)))
    assert [lab.title for lab in labels] == ["Ship abroad", "Place an order"]


def test_a_phrase_is_scored_by_how_distinctive_it_is_beyond_its_words():
    """The same words, another phrase: "late refund" is the other theme's phrase, "refund is late" this one's."""
    late = ["late refund"] * 4 + ["refund is late"] * 3
    other = ["late refund"] * 8
    groups = [TitleGroup(late, ["en"] * 7, ["refund", "late"]), TitleGroup(other, ["en"] * 8, ["refund", "late"])]
    assert choose_titles(groups, Speller(late + other), generic={}) == ["Refund is late", "Late refund"]
    saids = [said(texts, Speller(late + other), "en", STOP_WORDS) for texts in (late, other)]
    elsewhere = Elsewhere(saids)  # what the other themes say: not this one
    assert elsewhere.phrase(key_of("refund is late"), 0) == 0 and elsewhere.phrase(key_of("late refund"), 0) == 1
    assert elsewhere.phrase(key_of("late refund"), 1) == saids[0].share(key_of("late refund")) == 4 / 7


def test_a_word_another_theme_says_more_counts_less():
    """Of two phrases said as often, the one without a word another theme says more names the theme: "delivery" is
    the delivery theme's word, though a keyword of the fee theme too."""
    fees = ["the delivery fee doubled"] * 4 + ["return fee seems wrong"] * 4
    delivery = ["delivery is late", "delivery never came", "delivery went to a neighbour", "delivery is lost"] * 3
    groups = [TitleGroup(fees, ["en"] * len(fees), ["fee", "delivery", "return"]),
              TitleGroup(delivery, ["en"] * len(delivery), ["delivery", "late"])]
    assert choose_titles(groups, Speller(fees + delivery), generic={})[0] == "Return fee seems wrong"


def test_the_largest_variant_names_the_theme_unless_the_theme_says_another_phrase_far_more():
    """bitext's address theme: its largest variant (22% of it) said "Change my address", 2% of the theme, while
    38% said "Shipping address"."""
    largest = ["edit the address please"] * 3 + ["shipping address is wrong", "shipping address is old"]
    others = [[f"shipping address {x}" for x in ("update", "new", "add", "set")] for _ in range(3)]
    texts = largest + [t for group in others for t in group]
    variants = [0] * 5 + [1] * 4 + [2] * 4 + [3] * 4
    group = TitleGroup(texts, ["en"] * len(texts), ["shipping address", "address"], variants=variants)
    assert choose_titles([group], Speller(texts), generic={}) == ["Shipping address"]
    own = TitleGroup(largest + texts[5:9], ["en"] * 9, ["address"], variants=[0] * 5 + [1] * 4)
    assert choose_titles([own], Speller(own.texts), generic={}) == ["Edit the address please"]  # 3 of 9: its own


def test_a_phrase_of_the_largest_variant_a_few_of_the_theme_say_is_no_title():
    """Three of a variant's 60 comments say it, three of the theme's 110: no name for the theme ("Spiel spielen"
    for a theme of playing music and radio)."""
    texts = ["brettspiel mit mir spielen"] * 3 + [f"lied {n}" for n in range(57)] + [f"sender {n}" for n in range(50)]
    group = TitleGroup(texts, ["de"] * len(texts), ["sender", "lied"], variants=[0] * 60 + [1] * 50)
    assert choose_titles([group], Speller(texts), generic={}) == ["Sender"]


def test_a_phrase_is_counted_up_to_inflection_and_function_words_and_shown_as_most_spell_it():
    """No comment says a phrase verbatim three times; the same problem, worded four ways, names the theme."""
    texts = ["my debit card doesn't work abroad", "debit card does not work abroad at all",
             "the debit cards don't work abroad", "debit card doesn't work abroad since Monday", "refund took long"]
    group = TitleGroup(texts, ["en"] * len(texts), ["debit card", "work", "abroad"])
    assert choose_titles([group], Speller(texts), generic={}) == ["Debit card doesn't work abroad"]
    assert key_of("card is not working") != key_of("card is working")  # a negation stays in the phrase
    assert key_of("Neuen Film") == key_of("neue Filme")


def test_a_spelling_one_comment_has_loses_a_tie_to_the_corpus_spelling():
    texts = ["gibt es gute Filme heute", "gut Filme laufen wo", "guten Film empfehlen bitte", "guten Film heute",
             "einen guten Tag"]
    group = TitleGroup(texts[:3], ["de"] * 3, ["filme", "film"])
    assert choose_titles([group], Speller(texts, ["de"] * len(texts)), generic={}) == ["Guten Film"]


def test_a_title_says_the_problem_not_who_has_it_nor_a_question_cut_open():
    """Articles, possessives and subject pronouns before the problem go; a German agent's "Kann sich nicht
    anmelden" keeps its verb; the question a note ends with is a title as a whole."""
    cards = ["My new card has still not arrived"] * 3 + ["I lost the card"]
    german = ["Ich kann mich nicht anmelden"] * 3 + ["Kann sich nicht anmelden"] * 4
    asked = ["how to check when will my parcel arrive", "need to see when will my parcel arrive",
             "tell me when will my parcel arrive", "invoice is missing"]
    groups = [TitleGroup(cards, ["en"] * 4, ["card", "arrived"]), TitleGroup(german, ["de"] * 7, ["anmelden"]),
              TitleGroup(asked, ["en"] * 4, ["parcel", "arrive"])]
    titles = choose_titles(groups, Speller(cards + german + asked), generic={})
    assert titles == ["New card has still not arrived", "Kann sich nicht anmelden", "When will my parcel arrive"]


def test_a_generic_word_may_end_a_phrase_and_one_word_with_stop_words_is_no_phrase():
    """On banking messages "card" is generic (most themes say it): "Activate my new card", not "Activate my new" (the
    fragment that stops before it) nor the keyword "Activate". "Top up" is the one word "top" and stop words."""
    texts = ["activate my new card", "want to activate my new card", "please activate my new card",
             "top up please", "top up", "top up now"]
    group = TitleGroup(texts, ["en"] * len(texts), ["activate", "new", "top"])
    generic = {"en": frozenset({"card", "please", "how"})}
    assert choose_titles([group], Speller(texts), generic=generic) == ["Activate my new card"]
    topup = TitleGroup(texts[3:], ["en"] * 3, ["top"])
    assert choose_titles([topup], Speller(texts), generic={}) == ["Top"]  # the keyword: no phrase
    assert "activate my new" not in fragments("activate my new card", STOP_WORDS | generic["en"])
    limits = fragments("is there any limit to top up per day", STOP_WORDS)
    assert "limit to top up" in limits and "limit to top" not in limits  # a verb keeps its particle
    hyphened = fragments("is there any limit to top-ups per day", STOP_WORDS)
    assert "limit to top-ups" in hyphened and "limit to top" not in hyphened  # a word keeps what its hyphen joins
    assert not [f for f in fragments("Zwei-Faktor-Code per SMS fehlt", STOP_WORDS) if f.startswith("Faktor")]


def test_a_word_that_is_no_keyword_still_says_more_than_a_generic_one():
    """"account" is generic on banking messages: the phrase that names whom the money went to names the theme."""
    texts = ["transfer to a beneficiary failed"] * 3 + ["transfer to an account failed"] * 3
    group = TitleGroup(texts, ["en"] * 6, ["transfer", "failed"])
    generic = {"en": frozenset({"account"})}
    assert choose_titles([group], Speller(texts), generic=generic) == ["Transfer to a beneficiary failed"]


def test_a_clause_cut_at_an_abbreviation_is_no_title():
    texts = ["was ist der Umrechnungskurs von U. S. D. zu Euro", "wie ist der Umrechnungskurs von U. S. Dollar",
             "was ist der Umrechnungskurs von U. K. Pfund", "der Kurs von Dollar und Euro"]
    group = TitleGroup(texts, ["de"] * len(texts), ["umrechnungskurs"])
    assert choose_titles([group], Speller(texts), generic={}) == ["Umrechnungskurs"]
