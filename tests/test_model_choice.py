"""The "auto" embedding model: chosen by the corpus' language mix, and kept near the line (a change costs a
full re-cluster). A model name voc cannot load is refused at once, and no model hub is ever asked."""

import os
import subprocess
import sys

import pytest

from voc.embedding.models import check_model, choose_model
from voc.errors import ConfigError


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


def test_only_models_voc_can_load_without_a_hub_are_taken(tmp_path):
    for name in ("auto", "use", "minilm", "minilm-int8", "minilm-int8+use", str(tmp_path), f"use+{tmp_path}"):
        assert check_model(name) == name
    for name in ("nosuchmodel", "USE", "auto+use", "use+", "minilm-int8+nosuch", str(tmp_path / "missing"),
                 "sentence-transformers/all-MiniLM-L6-v2"):
        with pytest.raises(ConfigError, match=r"^unknown model .*: choose auto \(the default\), use, minilm-int8, "
                                              r"minilm, two joined by \+"):
            check_model(name)


def test_no_model_hub_is_asked_for_a_model_voc_does_not_have():
    """Without HF_HUB_OFFLINE huggingface_hub retries an unreachable hub for about a minute, logging each retry;
    voc sets it (and TRANSFORMERS_OFFLINE) before sentence-transformers is imported, so loading fails at once."""
    probe = ("import os\nfrom voc.embedding.models import SentenceTransformerEmbedder\n"
             "print(os.environ['HF_HUB_OFFLINE'], os.environ['TRANSFORMERS_OFFLINE'])\n"
             "SentenceTransformerEmbedder('nosuchmodel')")
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=600, env=env)
    assert result.stdout.split() == ["1", "1"], result.stdout + result.stderr
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("voc.errors.ModelError: cannot load the sentence-transformers model 'nosuchmodel'")
    assert "voc reads no model hub" in error and "default --model use" not in error
    assert "Retrying" not in result.stderr and "thrown while requesting" not in result.stderr, result.stderr
