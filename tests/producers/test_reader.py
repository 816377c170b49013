"""The transcript consumer SDK against the real broker."""

from __future__ import annotations

import pytest
from confluent_kafka import Producer

from producers.reader import TranscriptReader, TranscriptTimeout
from streamscribe.contracts import Transcript

pytestmark = pytest.mark.broker


def result(stream: str, segment: int, text: str, eos: bool = False, final: bool = True) -> Transcript:
    return Transcript(stream_id=stream, segment=segment, start=segment, end=segment + 1.0, text=text,
                      final=final, model="m", eos=eos)


def write(producer: Producer, topic: str, *results: Transcript) -> None:
    for item in results:
        key, value, headers = item.encode()
        producer.produce(topic, key=key, value=value, headers=headers)


def test_reader_drops_copies_skips_garbage_and_reassembles_streams(
    kafka_bootstrap, kafka_settings, topic_settings
) -> None:
    topic = topic_settings.transcripts
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    write(producer, topic, result("a", 0, "good"), result("b", 0, "other"), result("a", 0, "good"))
    producer.produce(topic, key=b"a", value=b"{not json")
    write(producer, topic, result("a", 1, "morning", eos=True), result("a", 1, "morning", eos=True),
          result("b", 1, "stream", eos=True))
    assert producer.flush(10) == 0

    with TranscriptReader(kafka_settings, topic_settings) as reader:
        only_a = list(reader.results("a", timeout=3))
        assert [(t.segment, t.text) for t in only_a] == [(0, "good"), (1, "morning")]
        assert reader.wait_for_stream("a", timeout=5).text == "good morning"
        assert reader.wait_for_stream("b", timeout=5).text == "other stream"  # read meanwhile


def test_waiting_for_an_unfinished_stream_times_out_saying_what_is_missing(
    kafka_bootstrap, kafka_settings, topic_settings
) -> None:
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    write(producer, topic_settings.transcripts, result("gap", 0, "a"), result("gap", 2, "c", eos=True))
    producer.flush(10)
    with TranscriptReader(kafka_settings, topic_settings) as reader, pytest.raises(TranscriptTimeout) as caught:
        reader.wait_for_stream("gap", timeout=3)
    assert "missing [1]" in str(caught.value)


def test_results_of_aborted_transactions_are_never_seen(kafka_bootstrap, kafka_settings, topic_settings) -> None:
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "transactional.id": f"t-{topic_settings.transcripts}"})
    producer.init_transactions(30)
    producer.begin_transaction()
    write(producer, topic_settings.transcripts, result("tx", 0, "aborted copy"))
    producer.abort_transaction(30)
    producer.begin_transaction()
    write(producer, topic_settings.transcripts, result("tx", 0, "committed", eos=True))
    producer.commit_transaction(30)

    with TranscriptReader(kafka_settings, topic_settings) as reader:
        assert reader.wait_for_stream("tx", timeout=10).text == "committed"
