"""Our producer's chunks come back from the broker exactly as the contract writes them."""

from __future__ import annotations

import random

import pytest

from producers import AudioProducer
from streamscribe.contracts import ChunkHeaders, Encoding
from streamscribe.settings import KafkaSettings, TopicSettings
from tests.infra.kafka_reading import read_messages

pytestmark = pytest.mark.broker


def test_chunks_read_back_byte_identical_with_contract_headers(
    kafka_settings: KafkaSettings, topic_settings: TopicSettings
) -> None:
    rng = random.Random(11)
    payloads = [rng.randbytes(4 * rng.randint(1, 2000)) for _ in range(5)]
    with AudioProducer(kafka_settings, topic_settings) as producer:
        stream = producer.open_stream("roundtrip", 22_050, channels=2, encoding="pcm_s16le")
        for payload in payloads:
            stream.write(payload)
        stream.close()

    messages = sorted(
        read_messages(kafka_settings.bootstrap_servers, topic_settings.chunks, 6), key=lambda m: m.offset()
    )
    assert [m.key() for m in messages] == [b"roundtrip"] * 6
    assert [m.value() for m in messages] == [*payloads, b""]
    expected_headers = [ChunkHeaders(seq, 22_050, 2, Encoding.PCM_S16LE).to_kafka() for seq in range(5)]
    expected_headers.append(ChunkHeaders(5, 22_050, 2, Encoding.PCM_S16LE, eos=True).to_kafka())
    assert [m.headers() for m in messages] == expected_headers
