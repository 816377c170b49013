"""Recognizer settings: env vars, the shipped defaults and the LM's tuned decoder parameters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recognizer.settings import RecognizerSettings
from streamscribe.errors import ConfigurationError


@pytest.fixture
def tuned_lm(tmp_path: Path) -> Path:
    """An LM file (content irrelevant here) with unigrams and a tuning file beside it."""
    lm = tmp_path / "news.arpa.bin"
    lm.write_bytes(b"kenlm")
    (tmp_path / "news.words.txt").write_text("hello\nworld\n")
    (tmp_path / "news.decoder.json").write_text(json.dumps(
        {"kenlm_model": lm.name, "unigrams": "news.words.txt", "alpha": 0.25, "beta": 2.0, "beam_width": 64}
    ))
    return lm


def test_beam_search_uses_the_parameters_tuned_with_the_lm(tuned_lm: Path) -> None:
    settings = RecognizerSettings(lm=tuned_lm)
    options = settings.beam_options()
    assert (options.alpha, options.beta, options.beam_width) == (0.25, 2.0, 64)
    assert settings.language_model().unigrams() == ["hello", "world"]


def test_given_values_beat_tuned_ones(tuned_lm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMSCRIBE_RECOGNIZER_ALPHA", "0.9")
    options = RecognizerSettings(lm=tuned_lm, beam_width=8, hotwords=["acme"]).beam_options()
    assert (options.alpha, options.beta, options.beam_width, options.hotwords) == (0.9, 2.0, 8, ("acme",))


def test_without_tuning_file_the_defaults_and_the_unigrams_beside_the_lm_apply(tmp_path: Path) -> None:
    lm = tmp_path / "plain.arpa"
    lm.write_text("arpa")
    (tmp_path / "plain.unigrams.txt").write_text("one\n")
    settings = RecognizerSettings(lm=lm)
    assert settings.language_model().unigrams() == ["one"]
    assert settings.beam_options().beam_width == 32


def test_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="no language model"):
        RecognizerSettings(lm=tmp_path / "absent.arpa.bin").language_model()
    (tmp_path / "lm.arpa").write_text("arpa")
    with pytest.raises(ConfigurationError, match="no unigram file"):
        RecognizerSettings(lm=tmp_path / "lm.arpa", unigrams=tmp_path / "nope.txt").language_model()


def test_each_process_gets_its_own_transactional_id() -> None:
    first, second = RecognizerSettings(group_id="g"), RecognizerSettings(group_id="g")
    assert first.transactional_id != second.transactional_id
    assert RecognizerSettings(group_id="g", instance_id="r0").transactional_id == "g-r0"
