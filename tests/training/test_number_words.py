"""English number words for prompt transcripts."""

import pytest

from training.number_words import cardinal, ordinal, spell_numbers


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "zero"), (7, "seven"), (13, "thirteen"), (20, "twenty"), (42, "forty two"),
        (100, "one hundred"), (500, "five hundred"), (1234, "one thousand two hundred thirty four"),
        (8500, "eight thousand five hundred"), (2_000_001, "two million one"),
    ],
)
def test_cardinals(number: int, words: str) -> None:
    assert cardinal(number) == words


@pytest.mark.parametrize(
    ("number", "words"),
    [(1, "first"), (2, "second"), (3, "third"), (5, "fifth"), (12, "twelfth"), (21, "twenty first"),
     (40, "fortieth"), (100, "one hundredth")],
)
def test_ordinals(number: int, words: str) -> None:
    assert ordinal(number) == words


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("press 1 for yes, 2 for no", "press one for yes, two for no"),
        ("a 28.8 kilobit modem", "a twenty eight point eight kilobit modem"),
        ("3D audio", "three D audio"),
        ("March 3rd, the 21st", "March third, the twenty first"),
        ("1,000 calls", "one thousand calls"),
    ],
)
def test_numbers_in_text_are_spelled(text: str, spoken: str) -> None:
    assert " ".join(spell_numbers(text).split()) == spoken


def test_negative_numbers_have_no_words() -> None:
    with pytest.raises(ValueError, match="negative"):
        cardinal(-1)
