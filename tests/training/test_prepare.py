"""Data preparation on real MP3s: conversion, manifests, bad clips reported, reuse of WAVs."""

import json
from pathlib import Path

import pytest
import soundfile

from training.commonvoice import write_split
from training.prepare import prepare_corpus
from training.settings import PrepareSettings
from training.synthesis import synthesize_mp3
from training.voices import Speaker

SPEAKER = Speaker("en-us", "m3", words_per_minute=170, pitch=50, amplitude=100, age="thirties")


def row(path: str, sentence: str) -> dict[str, object]:
    return {"client_id": "c1", "path": path, "sentence": sentence}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A Common Voice folder: two good clips, a corrupt one, a missing one, one with digits
    (spelled out in English)."""
    corpus_dir = tmp_path / "cv"
    (corpus_dir / "clips").mkdir(parents=True)
    synthesize_mp3("Hello there.", SPEAKER, corpus_dir / "clips" / "good1.mp3")
    synthesize_mp3("Good morning!", SPEAKER, corpus_dir / "clips" / "good2.mp3")
    synthesize_mp3("I have three cats.", SPEAKER, corpus_dir / "clips" / "digits.mp3")
    (corpus_dir / "clips" / "broken.mp3").write_bytes(b"this is not audio" * 10)
    write_split(corpus_dir, "train", [
        row("good1.mp3", "Hello there."), row("broken.mp3", "Broken clip."),
        row("missing.mp3", "Nobody recorded this."), row("good2.mp3", "Good morning!"),
        row("digits.mp3", "I have 3 cats."),
    ])
    return corpus_dir


def settings(corpus: Path, language: str = "en") -> PrepareSettings:
    return PrepareSettings(
        corpus_dir=corpus, output_dir=corpus.parent / "prepared", splits=("train",), workers=2, language=language
    )


def test_good_clips_become_16k_mono_wavs_in_the_manifest(corpus: Path) -> None:
    [split] = prepare_corpus(settings(corpus))
    lines = [json.loads(line) for line in split.manifest.read_text().splitlines()]
    assert sorted(line["text"] for line in lines) == ["good morning", "hello there", "i have three cats"]
    for line in lines:
        info = soundfile.info(line["audio_filepath"])
        assert (info.samplerate, info.channels) == (16000, 1)
        assert line["duration"] == pytest.approx(info.duration, abs=0.001)
        assert 0.3 < line["duration"] < 3


def test_unusable_clips_are_reported_not_fatal(corpus: Path) -> None:
    [split] = prepare_corpus(settings(corpus))
    reasons = {skipped.path: skipped.reason for skipped in split.skipped}
    assert reasons["broken.mp3"].startswith("unreadable audio")
    assert reasons["missing.mp3"] == "file not found"
    assert len(split.entries) == 3
    assert not list((corpus.parent / "prepared" / "wav").glob("*.part.wav"))


def test_already_converted_wavs_are_reused(corpus: Path) -> None:
    [first] = prepare_corpus(settings(corpus))
    wav = Path(first.entries[0].audio_filepath)
    marker = wav.stat().st_mtime_ns
    (corpus / "clips" / "good1.mp3").unlink()
    (corpus / "clips" / "good2.mp3").unlink()
    [second] = prepare_corpus(settings(corpus))
    assert second.entries == first.entries
    assert wav.stat().st_mtime_ns == marker


def test_digits_are_left_out_where_the_language_does_not_spell_numbers(corpus: Path) -> None:
    [split] = prepare_corpus(settings(corpus, language="es"))
    reasons = {skipped.path: skipped.reason for skipped in split.skipped}
    assert "digits" in reasons["digits.mp3"] and "'es'" in reasons["digits.mp3"]
    assert sorted(entry.text for entry in split.entries) == ["good morning", "hello there"]
