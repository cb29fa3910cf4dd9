"""The "auto" embedding model: chosen by the corpus' language mix, and kept near the line (a change costs a
full re-cluster)."""

from voc.embedding.models import choose_model


def mix(en: int, de: int) -> list[str]:
    return ["en"] * en + ["de"] * de


def test_auto_picks_by_language_mix():
    assert choose_model(mix(95, 5)) == "minilm-int8"
    assert choose_model(mix(5, 95)) == "minilm-int8+use"
    assert choose_model(mix(60, 40)) == "use"
    assert choose_model(mix(90, 10)) == "minilm-int8"  # the line itself counts


def test_a_store_near_the_line_keeps_its_model():
    assert choose_model(mix(88, 12), previous="minilm-int8") == "minilm-int8"  # stays until 87%
    assert choose_model(mix(86, 14), previous="minilm-int8") == "use"
    assert choose_model(mix(91, 9), previous="use") == "use"  # another model needs 93% to take over
    assert choose_model(mix(94, 6), previous="use") == "minilm-int8"
