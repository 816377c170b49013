"""Sentence selection from fortune files and the train/dev/test split."""

import random
from pathlib import Path

import pytest

from training.corpus import choose_sentences, plan_clips
from training.errors import TrainingError
from training.sentences import load_fortune_sentences, restrict_vocabulary, split_sentences, words_of
from training.settings import CorpusSettings

FORTUNE = """The early bird gets the worm.
\t\t-- Proverb
%
Call 555 1234 NOW. Is this a good idea? Yes it is.
%
A very long sentence that goes on and on and on and on without any end.
%
The cat sat on the mat. Oh.
"""


def test_fortune_entries_give_short_plain_sentences(tmp_path: Path) -> None:
    (tmp_path / "fortunes").write_text(FORTUNE, encoding="latin-1")
    sentences = load_fortune_sentences(tmp_path, min_words=3, max_words=9)
    assert sentences == [
        "Is this a good idea?", "The cat sat on the mat.", "The early bird gets the worm.", "Yes it is.",
    ]


def test_missing_fortunes_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match="fortunes"):
        load_fortune_sentences(tmp_path)


def test_vocabulary_restriction_keeps_only_frequent_words() -> None:
    sentences = ["The cat sat.", "the cat ran", "the cat sat down", "a zebra flew"]
    assert restrict_vocabulary(sentences, vocabulary_size=3) == ["The cat sat."]


def test_held_out_sentences_are_unseen_but_their_words_are_known() -> None:
    sentences = restrict_vocabulary(load_fortune_sentences(), 300)
    split = split_sentences(sentences, 0.1, random.Random(7))
    train = set(split.train)
    train_words = {word for sentence in split.train for word in words_of(sentence)}
    assert split.dev and split.test
    for sentence in split.dev + split.test:
        assert sentence not in train
        assert set(words_of(sentence)) <= train_words
    assert len(train) + len(split.dev) + len(split.test) == len(sentences)


def test_the_corpus_plan_is_deterministic_for_a_seed() -> None:
    EXTRA = "press one for your account balance"  # an extra training text (call-centre phrase)

    def plan(seed: int) -> list:
        settings = CorpusSettings(seed=seed, max_sentences=40, vocabulary_size=300)
        rng = random.Random(settings.seed)
        return plan_clips(choose_sentences(settings, rng), [EXTRA], settings, rng)

    first = plan(5)
    assert first == plan(5)
    assert first != plan(6)
    assert {clip.split for clip in first if clip.sentence == EXTRA} == {"train"}
    assert len({clip.speaker.voice for clip in first}) > 10
    assert len({clip.path for clip in first}) == len(first)
