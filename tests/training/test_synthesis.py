"""The three synthesisers (real espeak-ng, flite, festival + sox) and the corpus plan over them."""

import random
from collections import Counter
from pathlib import Path

import pytest
import soundfile

from training.corpus import plan_clips, synthesis_batches
from training.errors import ToolMissingError
from training.phrases import call_centre_phrases
from training.sentences import SentenceSplit
from training.settings import CorpusSettings
from training.synthesis import check_synthesis_tools, festival_script, synthesize_festival_mp3s, synthesize_mp3
from training.text_normalization import normalize_text
from training.voices import ENGINES, TtsSpeaker, random_speaker_of


def duration(path: Path) -> float:
    return soundfile.info(str(path)).duration


def test_flite_and_festival_voices_speak(tmp_path: Path) -> None:
    synthesize_mp3("please press one", TtsSpeaker("flite", "slt", 1.0, "thirties"), tmp_path / "flite.mp3")
    slow = TtsSpeaker("festival", "kal_diphone", 1.2, "forties")
    fast = TtsSpeaker("festival", "kal_diphone", 0.85, "forties")
    synthesize_festival_mp3s([
        ("your order number is four two", slow, tmp_path / "slow.mp3"),
        ("your order number is four two", fast, tmp_path / "fast.mp3"),
        ('a "quoted" word', TtsSpeaker("festival", "cmu_us_slt_arctic_hts", 1.0, "teens"), tmp_path / "slt.mp3"),
    ])
    assert 0.5 < duration(tmp_path / "flite.mp3") < 3
    assert duration(tmp_path / "slow.mp3") > 1.2 * duration(tmp_path / "fast.mp3")
    assert duration(tmp_path / "slt.mp3") > 0.5


def test_festival_scripts_cannot_be_broken_by_quotes(tmp_path: Path) -> None:
    speaker = TtsSpeaker("festival", "ked_diphone", 1.1, "teens")
    script = festival_script([('say "hi" \\ there', speaker, tmp_path / "a.wav")])
    assert '(voice_ked_diphone)' in script and "Duration_Stretch 1.1" in script
    assert 'Text "say  hi    there"' in script


def test_a_missing_synthesiser_names_its_debian_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(ToolMissingError, match="festvox-kallpc16k") as error:
        check_synthesis_tools(("festival",))
    assert "sox" in str(error.value)


def test_every_engine_has_random_speakers() -> None:
    rng = random.Random(5)
    speakers = [random_speaker_of(engine, rng) for engine in ENGINES for _ in range(30)]
    assert {speaker.engine for speaker in speakers} == set(ENGINES)
    assert len({speaker.client_id for speaker in speakers}) > 60
    with pytest.raises(ValueError, match="unknown synthesis engine"):
        random_speaker_of("sam", rng)


def test_test_sentences_are_spoken_by_every_engine_and_festival_goes_in_batches() -> None:
    split = SentenceSplit(train=["a b c", "d e f"], dev=["g h i"], test=["j k l", "m n o"])
    settings = CorpusSettings(train_renditions=3, extra_renditions=2)
    clips = plan_clips(split, ["press one"], settings, random.Random(1))
    assert Counter(clip.split for clip in clips) == {"train": 8, "dev": 1, "test": 6}
    assert Counter(c.speaker.engine for c in clips if c.split == "test") == dict.fromkeys(ENGINES, 2)
    assert clips == plan_clips(split, ["press one"], settings, random.Random(1))
    batches = synthesis_batches(clips)
    assert sum(len(batch) for batch in batches) == len(clips)
    assert all(len(batch) == 1 or {c.speaker.engine for c in batch} == {"festival"} for batch in batches)


def test_call_centre_phrases_are_distinct_and_normalise_to_words() -> None:
    phrases = call_centre_phrases(300, random.Random(2))
    assert len(phrases) == len(set(phrases)) == 300
    assert any(char.isdigit() for phrase in phrases for char in phrase)
    normalised = [normalize_text(phrase, "en") for phrase in phrases]
    assert all(text and not any(char.isdigit() for char in text) for text in normalised)
    assert any("pound" in text for text in normalised)
    assert any("third" in text or "first" in text for text in normalised)
