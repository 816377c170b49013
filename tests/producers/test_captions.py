"""Captions from word times: cue cutting by the conventions, SRT and WebVTT output, read back by ffmpeg."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from producers.captions import CaptionRules, Cue, balanced, cues, render, result_words, timestamp
from streamscribe.contracts import Transcript, Word, WrittenToken


def spoken(text: str, start: float = 0.0, word_s: float = 0.3, gap_s: float = 0.05) -> list[Word]:
    """Evenly timed words: each `word_s` long, `gap_s` apart."""
    words, t = [], start
    for token in text.split():
        words.append(Word(word=token, start=round(t, 3), end=round(t + word_s, 3), confidence=0.9))
        t += word_s + gap_s
    return words


def test_short_speech_is_one_cue_of_one_line() -> None:
    [cue] = cues(spoken("thank you for calling"))
    assert cue.lines == ("thank you for calling",) and cue.start == 0.0


def test_cues_hold_at_most_two_lines_of_42_characters_and_seven_seconds() -> None:
    text = " ".join(["word"] * 60)  # 60 words at 0.35 s: 21 s of continuous speech
    result = cues(spoken(text))
    assert len(result) >= 3
    for cue in result:
        assert len(cue.lines) <= 2 and all(len(line) <= 42 for line in cue.lines)
        assert cue.end - cue.start <= 7.0
    assert [w for cue in result for line in cue.lines for w in line.split()] == text.split()


def test_a_pause_and_a_sentence_end_start_a_new_cue() -> None:
    words = spoken("hello there") + spoken("how are you", start=3.0)  # a 2.35 s pause
    assert [cue.lines for cue in cues(words)] == [("hello there",), ("how are you",)]
    punctuated = spoken("we are closed. please call again tomorrow")
    assert [cue.lines for cue in cues(punctuated)] == [("we are closed.",), ("please call again tomorrow",)]


def test_a_short_cue_stays_up_a_second_unless_the_next_one_starts() -> None:
    words = [Word(word="yes", start=1.0, end=1.2, confidence=1.0), Word(word="no", start=1.6, end=1.8, confidence=1.0)]
    first, second = cues(words, CaptionRules(pause_seconds=0.3))
    assert (first.start, first.end) == (1.0, 1.6)  # held until the next cue, not a whole second
    assert (second.start, second.end) == (1.6, 2.6)


def test_two_lines_are_split_where_they_are_most_even() -> None:
    words = "the quick brown fox jumps over the lazy dog and then runs far away".split()
    lines = balanced(words, CaptionRules())
    assert len(lines) == 2 and abs(len(lines[0]) - len(lines[1])) <= 6


def test_results_give_their_words_and_finals_without_words_count_as_a_phrase() -> None:
    final = Transcript(stream_id="s", segment=0, start=0.0, end=1.0, text="hi there", model="m",
                       words=spoken("hi there"))
    bare = Transcript(stream_id="s", segment=1, start=2.0, end=3.0, text="goodbye", model="m")
    interim = Transcript(stream_id="s", segment=2, start=3.0, end=4.0, text="ignored", final=False, model="m")
    words = result_words([final, bare, interim])
    assert [w.word for w in words] == ["hi", "there", "goodbye"] and (words[-1].start, words[-1].end) == (2.0, 3.0)


def test_formatted_results_give_their_written_tokens_timed_by_their_words() -> None:
    words = spoken("pay twenty five dollars now")
    written = [WrittenToken(text="Pay", first_word=0, last_word=0), WrittenToken(text="$25", first_word=1,
               last_word=3), WrittenToken(text="now.", first_word=4, last_word=4)]
    final = Transcript(stream_id="s", segment=0, start=0.0, end=2.0, text="Pay $25 now.", model="m", words=words,
                       written=written)
    got = result_words([final])
    assert [(w.word, w.start, w.end) for w in got] == [
        ("Pay", words[0].start, words[0].end), ("$25", words[1].start, words[3].end),
        ("now.", words[4].start, words[4].end)]


def test_timestamps_and_documents() -> None:
    assert timestamp(3723.4567, ",") == "01:02:03,457" and timestamp(0, ".") == "00:00:00.000"
    cue = Cue(1.5, 3.25, ("hello", "world"))
    assert render([cue], "srt") == "1\n00:00:01,500 --> 00:00:03,250\nhello\nworld\n\n"
    assert render([cue], "vtt") == "WEBVTT\n\n00:00:01.500 --> 00:00:03.250\nhello\nworld\n\n"


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_ffmpeg_reads_the_captions(fmt: str, tmp_path: Path) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.fail("ffmpeg is missing: `make setup` installs it")
    source = tmp_path / f"captions.{fmt}"
    source.write_text(render(cues(spoken("one two three four five six seven eight nine ten " * 4)), fmt))
    converted = tmp_path / "back.srt"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(source), str(converted)], check=True, timeout=60)
    back = converted.read_text()
    assert back.count(" --> ") == source.read_text().count(" --> ") >= 2
    assert "one two three" in back
