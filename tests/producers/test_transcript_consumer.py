"""The one client of `transcripts`: its error policy for records (the SDK's reader, the gateway, the demo).

A fatal librdkafka error cannot be provoked on demand from a real broker, so the records here are
stand-ins with the three methods a consumed message offers.
"""

from __future__ import annotations

import logging

import pytest
from confluent_kafka import KafkaError

from producers.transcript_consumer import TranscriptSourceError, parse_result
from streamscribe.contracts import Transcript


class Record:
    def __init__(self, value: bytes = b"", error: KafkaError | None = None) -> None:
        self._value, self._error = value, error

    def error(self) -> KafkaError | None:
        return self._error

    def value(self) -> bytes:
        return self._value

    def topic(self) -> str:
        return "transcripts"

    def partition(self) -> int:
        return 3

    def offset(self) -> int:
        return 42


def test_a_result_is_parsed() -> None:
    result = Transcript(stream_id="s", segment=0, start=0.0, end=1.0, text="hi", final=True, model="m")
    assert parse_result(Record(result.model_dump_json().encode())) == result


def test_malformed_records_and_transient_errors_are_skipped_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert parse_result(Record(b'{"stream_id": 1}')) is None
        assert parse_result(Record(error=KafkaError(KafkaError._TRANSPORT))) is None
    assert "transcripts/3/42" in caplog.text


def test_a_fatal_consumer_error_stops_the_reader() -> None:
    with pytest.raises(TranscriptSourceError):
        parse_result(Record(error=KafkaError(KafkaError._FATAL, fatal=True)))
