"""Transcript normalisation: English and Spanish tables."""

import pytest

from training.errors import TrainingError
from training.text_normalization import alphabet_for, normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hello, World!", "hello world"),
        ("Don\u2019t  panic -- it's   fine.", "don't panic it's fine"),
        ("A café in Zürich.", "a cafe in zurich"),
        ("'Quoted' words and dogs' bones", "quoted words and dogs bones"),
        ("semi;colon:dash-word", "semi colon dash word"),
    ],
)
def test_english(raw: str, expected: str) -> None:
    assert normalize_text(raw, "en") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("¿Qué tal, señor Núñez?", "qué tal señor núñez"),
        ("¡El PINGÜINO comió!", "el pingüino comió"),
        ("Ça va à l'école", "ca va a l école"),
    ],
)
def test_spanish_keeps_its_letters_and_folds_others(raw: str, expected: str) -> None:
    assert normalize_text(raw, "es") == expected


def test_output_only_uses_the_model_labels() -> None:
    text = normalize_text("Ünïcödé, ÀÉÎÕÜ & ñ — 'ok'?", "en")
    assert set(text) <= set(alphabet_for("en").labels())


def test_region_codes_use_the_language_table() -> None:
    assert alphabet_for("es-MX") == alphabet_for("es")


def test_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(TrainingError, match="no text normalisation for language 'xx'"):
        normalize_text("hello", "xx")


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("Please press 1 to mute, # to exit, or * for help.",
         "please press one to mute pound to exit or star for help"),
        ("at [@]", "at"),
        ("[ascending tones]", ""),
        ("3D audio at 28.8 kilobit", "three d audio at twenty eight point eight kilobit"),
        ("Extension 1,234 & 100%", "extension one thousand two hundred thirty four and one hundred percent"),
    ],
)
def test_english_prompts_are_spoken_words(prompt: str, expected: str) -> None:
    assert normalize_text(prompt, "en") == expected


def test_spanish_does_not_spell_english_numbers() -> None:
    assert normalize_text("Tengo 3 gatos", "es") == "tengo gatos"
