"""The real prompts (Debian asterisk-core-sounds-en*): transcripts, the fixed split, decoding."""

from collections import Counter
from pathlib import Path

import numpy as np
import soundfile

from training.real_prompts import (
    Prompt,
    distinct_prompts,
    parse_transcripts,
    prepare_prompt,
    read_prompts,
    split_of,
)
from training.text_normalization import normalize_text

TRANSCRIPT = """; Core Asterisk Sounds in English

activated: Activated.
agent-pass: Please enter your password followed by the pound key.
beep: [this is a simple beep tone]
digits/7: seven
letters/at: at [@]
silence/4: (4 seconds of silence)
confbridge-join: <beep ascending>
not a prompt line
"""


def test_transcript_lines_become_prompts() -> None:
    assert parse_transcripts(TRANSCRIPT) == [
        Prompt("activated", "Activated."),
        Prompt("agent-pass", "Please enter your password followed by the pound key."),
        Prompt("beep", "[this is a simple beep tone]"),
        Prompt("digits/7", "seven"),
        Prompt("letters/at", "at [@]"),
        Prompt("silence/4", "(4 seconds of silence)"),
        Prompt("confbridge-join", "<beep ascending>"),
    ]


def test_prompts_without_speech_or_repeated_texts_are_dropped() -> None:
    prompts = [*parse_transcripts(TRANSCRIPT), Prompt("digits/7-again", "Seven.")]
    kept = distinct_prompts(prompts)
    assert set(kept) == {"activated", "please enter your password followed by the pound key", "seven", "at"}
    assert kept["seven"] == Prompt("digits/7", "seven") and kept["at"].name == "letters/at"


def test_the_split_is_fixed_by_the_text_alone() -> None:
    # pinned: changing the rule would silently move held-out prompts into training
    assert split_of("activated") == "test"
    assert split_of("seven") == "train"
    assert split_of("please enter your password followed by the pound key") == "dev"


def test_the_installed_package_holds_out_about_a_fifth_as_test() -> None:
    texts = {normalize_text(prompt.text, "en") for prompt in read_prompts()} - {""}
    counts = Counter(split_of(text) for text in texts)
    assert len(texts) > 500
    assert 0.15 < counts["test"] / len(texts) < 0.25 and 0.05 < counts["dev"] / len(texts) < 0.15
    per_split = distinct_prompts(read_prompts(), per_split=2)
    assert Counter(split_of(text) for text in per_split) == {"train": 2, "dev": 2, "test": 2}


def test_a_test_prompt_is_decoded_at_16k_and_through_the_phone_at_8k(tmp_path: Path) -> None:
    prompt = next(p for p in read_prompts() if p.name == "activated")
    prepared = prepare_prompt(prompt, "activated", Path("/usr/share/asterisk/sounds/en_US_f_Allison"), tmp_path)
    assert not isinstance(prepared, str) and prepared.split == "test" and prepared.telephone is not None
    for entry in (prepared.wideband, prepared.telephone):
        info = soundfile.info(entry.audio_filepath)
        assert (info.samplerate, info.channels) == (16_000, 1) and 0.8 < info.duration < 1.5
        assert entry.text == "activated"
    narrow, _ = soundfile.read(prepared.telephone.audio_filepath)
    spectrum = np.abs(np.fft.rfft(narrow)) ** 2
    assert spectrum[len(spectrum) // 2 + 200 :].sum() < 0.01 * spectrum.sum()  # nothing above ~4 kHz
