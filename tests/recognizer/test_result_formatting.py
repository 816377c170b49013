"""Formatting results before they leave the recognizer: finals written, words kept spoken, failures never
lose a result (pure, with a stand-in ITN; the real grammars: tests/recognizer/formatting/test_itn_table.py)."""

from __future__ import annotations

import logging

import pytest
from prometheus_client import CollectorRegistry

from recognizer.decode_pool import DecoderPool
from recognizer.decoding import BeamDecoder, BeamSearchOptions, Vocabulary
from recognizer.formatting import Formatter, FormattingOptions
from recognizer.metrics import RecognizerMetrics
from recognizer.result_formatting import ResultFormatter
from streamscribe.contracts import Transcript, Word
from streamscribe.contracts.recognition import RecognitionOptions
from tests.recognizer.formatting.test_formatter import FakeItn

CARD = "four " + "one " * 15


class BrokenItn:
    def normalize(self, spoken: str) -> list[str]:
        raise RuntimeError("grammar exploded")


def result(text: str, final: bool = True, segment: int = 3) -> Transcript:
    words = [Word(word=w, start=i * 0.5, end=i * 0.5 + 0.4, confidence=0.9 - i / 100) for i, w in
             enumerate(text.split())]
    return Transcript(stream_id="call-1", segment=segment, start=0.0, end=len(words) * 0.5, text=text, final=final,
                      words=words, model="m")


REGISTRIES: dict[int, CollectorRegistry] = {}


def formatter(formatting: str = "full", redact: str = "none", itn: object = None) -> ResultFormatter:
    options = FormattingOptions(formatting, redact)  # type: ignore[arg-type]
    registry = CollectorRegistry()
    fmt = ResultFormatter(Formatter(itn or FakeItn()), options, RecognizerMetrics(registry))  # type: ignore[arg-type]
    REGISTRIES[id(fmt)] = registry
    return fmt


def failures(fmt: ResultFormatter) -> float:
    return REGISTRIES[id(fmt)].get_sample_value("streamscribe_recognizer_formatting_failures_total") or 0.0


def test_final_text_written_words_spoken_and_traced() -> None:
    (out,) = formatter().format_results([result("your balance is twenty five dollars forty")])
    assert out.text == "Your balance is $25.40."
    assert [w.word for w in out.words] == "your balance is twenty five dollars forty".split()
    money = out.written[-1]
    assert (money.text, money.first_word, money.last_word) == ("$25.40.", 3, 6)
    assert b'"written"' in out.to_json_bytes()


def test_redacted_words_keep_the_hidden_words_times() -> None:
    (out,) = formatter(redact="pii").format_results([result("card " + CARD + "thanks")])
    assert out.text == "Card [CARD] thanks."
    tag = out.words[1]
    assert (tag.word, tag.start, tag.end, tag.confidence) == ("[CARD]", 0.5, 8.4, pytest.approx(0.74))
    assert [w.word for w in out.words] == ["card", "[CARD]", "thanks"] and out.words[2].start == 8.5
    assert "four" not in out.to_json_bytes().decode()


def test_interims_are_only_redacted() -> None:
    plain, hidden = formatter(redact="pii").format_results(
        [result("twenty five dollars", final=False), result("card " + CARD, final=False)])
    assert plain.text == "twenty five dollars" and plain.written is None
    assert hidden.text == "card [CARD]" and [w.word for w in hidden.words] == ["card", "[CARD]"]


def test_interims_untouched_without_redaction_and_empty_results_pass() -> None:
    interim, empty = result("twenty five dollars", final=False), result("")
    assert formatter().format_results([interim, empty]) == [interim, empty]


def test_raw_formatting_leaves_text_as_spoken() -> None:
    (out,) = formatter("raw").format_results([result("twenty five dollars")])
    assert out.text == "twenty five dollars"


def test_a_failure_sends_the_result_unformatted_counted_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    fmt = formatter(itn=BrokenItn())
    given = [result("twenty five dollars"), result("hello", segment=4)]
    with caplog.at_level(logging.ERROR):
        assert fmt.format_results(given) == given
    assert failures(fmt) == 2
    assert "stream call-1 segment 3" in caplog.text and "grammar exploded" in caplog.text


def test_a_failure_with_redaction_still_redacts() -> None:
    fmt = formatter(redact="pii", itn=BrokenItn())
    (out,) = fmt.format_results([result("card " + CARD)])
    assert out.text == "card [CARD]" and out.written is None and failures(fmt) == 1


def test_each_stream_gets_what_it_asked_for_else_the_service_default() -> None:
    fmt = formatter("full", "none")
    asked = [RecognitionOptions.parse(values) for values in ({"formatting": "raw", "redact": "pii"},
                                                            {"formatting": "punctuated"}, {})]
    options = [fmt.options_for(a) for a in asked]
    assert options == [FormattingOptions("raw", "pii"), FormattingOptions("punctuated"), FormattingOptions("full")]
    text = "card " + CARD + "for twenty five dollars forty"
    raw, punctuated, full = fmt.format_results([result(text, segment=i) for i in range(3)], options=options)
    assert raw.text == "card [CARD] for twenty five dollars forty"
    assert punctuated.text == "Card four" + " one" * 15 + " for twenty five dollars forty."
    assert full.text == "Card four" + " one" * 15 + " for $25.40."  # the stand-in ITN writes money only


def test_raw_without_redaction_is_left_as_it_came() -> None:
    given = result("twenty five dollars")
    assert formatter("raw").format_results([given]) == [given]


def test_decoding_processes_format_as_this_process_does() -> None:
    fmt = formatter(redact="pii")
    pool = DecoderPool(BeamDecoder(Vocabulary(tuple("ab ")), BeamSearchOptions()), 2, fmt.formatter)
    try:
        given = [result("your balance is twenty five dollars forty"), result("card " + CARD, segment=4)]
        assert fmt.format_results(given, pool.format_all) == fmt.format_results(given)
    finally:
        pool.close()
