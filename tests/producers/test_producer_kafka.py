"""The producers against the real broker: order, completeness, failures surfaced, backpressure."""

from __future__ import annotations

import asyncio
import random

import numpy as np
import pytest

from producers import AsyncAudioProducer, AudioProducer, DeliveryError, ProducerError, ProducerSettings
from streamscribe.contracts import ChunkHeaders, Encoding
from streamscribe.contracts.chunk import DEFAULT_MAX_CHUNK_BYTES
from streamscribe.settings import KafkaSettings, TopicSettings
from tests.infra.kafka_reading import read_messages
from tests.producers.stream_checks import assert_streams_intact, chunks_by_stream

pytestmark = pytest.mark.broker

FORMATS = [(16_000, 1, Encoding.PCM_S16LE), (44_100, 2, Encoding.PCM_S16LE), (8_000, 1, Encoding.PCM_F32LE)]


def planned_streams(count: int, seed: int) -> dict[str, tuple[ChunkHeaders, list[bytes]]]:
    """Streams of random PCM in several formats, cut into chunks of varying length."""
    rng = random.Random(seed)
    plans = {}
    for index in range(count):
        rate, channels, encoding = FORMATS[index % len(FORMATS)]
        frame = encoding.sample_width * channels
        chunks = [rng.randbytes(frame * rng.randint(1, 400)) for _ in range(rng.randint(3, 25))]
        plans[f"stream-{seed}-{index:03d}"] = (ChunkHeaders(0, rate, channels, encoding), chunks)
    return plans


def round_robin(plans: dict[str, tuple[ChunkHeaders, list[bytes]]]) -> list[tuple[str, bytes]]:
    """(stream id, chunk) with the streams' writes interleaved, as concurrent live streams."""
    longest = max(len(chunks) for _, chunks in plans.values())
    return [(sid, chunks[i]) for i in range(longest) for sid, (_, chunks) in plans.items() if i < len(chunks)]


def play_interleaved(producer: AudioProducer, plans: dict[str, tuple[ChunkHeaders, list[bytes]]]) -> None:
    """Open every planned stream, write their chunks interleaved, close them all."""
    streams = {
        sid: producer.open_stream(sid, f.sample_rate, f.channels, f.encoding.value)
        for sid, (f, _) in plans.items()
    }
    for sid, chunk in round_robin(plans):
        streams[sid].write(chunk)
    for stream in streams.values():
        stream.close()


async def play_async(producer: AsyncAudioProducer, sid: str, fmt: ChunkHeaders, chunks: list[bytes]) -> None:
    """One stream as its own task, yielding after each write so the streams interleave."""
    stream = producer.open_stream(sid, fmt.sample_rate, fmt.channels, fmt.encoding.value)
    for chunk in chunks:
        await stream.write(chunk)
        await asyncio.sleep(0)
    await stream.close()
    await stream.wait_delivered(timeout=30)


def test_many_concurrent_streams_arrive_whole_and_in_order(
    kafka_settings: KafkaSettings, topic_settings: TopicSettings
) -> None:
    plans = planned_streams(60, seed=1)
    with AudioProducer(kafka_settings, topic_settings) as producer:
        play_interleaved(producer, plans)
    sent = producer.stats.chunks_sent
    assert sent == sum(len(chunks) + 1 for _, chunks in plans.values())
    assert producer.stats.chunks_delivered == sent

    messages = read_messages(kafka_settings.bootstrap_servers, topic_settings.chunks, sent)
    assert_streams_intact(messages, {sid: b"".join(chunks) for sid, (_, chunks) in plans.items()})
    partitions = {entries[0][0] for entries in chunks_by_stream(messages).values()}
    assert len(partitions) > 1  # keys spread streams over the topic's partitions


async def test_async_streams_written_concurrently_arrive_whole(
    kafka_settings: KafkaSettings, topic_settings: TopicSettings
) -> None:
    plans = planned_streams(60, seed=2)
    async with AsyncAudioProducer(kafka_settings, topic_settings) as producer:
        await asyncio.gather(
            *(play_async(producer, sid, fmt, chunks) for sid, (fmt, chunks) in plans.items())
        )
    sent = producer.stats.chunks_sent
    messages = read_messages(kafka_settings.bootstrap_servers, topic_settings.chunks, sent)
    assert_streams_intact(messages, {sid: b"".join(chunks) for sid, (_, chunks) in plans.items()})


def test_numpy_samples_and_oversized_writes(
    kafka_settings: KafkaSettings, topic_settings: TopicSettings
) -> None:
    samples = np.random.default_rng(3).uniform(-1, 1, size=(400_000, 2)).astype(np.float32)
    with AudioProducer(kafka_settings, topic_settings) as producer:
        stream = producer.open_stream("numpy-stereo", 48_000, channels=2)
        stream.write(samples)  # 1.6 MB of s16 PCM: more than one chunk may carry
        stream.close()
    messages = read_messages(
        kafka_settings.bootstrap_servers, topic_settings.chunks, producer.stats.chunks_sent
    )
    expected = np.clip(np.rint(samples * 32768), -32768, 32767).astype("<i2").tobytes()
    assert_streams_intact(messages, {"numpy-stereo": expected})
    assert all(len(m.value()) <= DEFAULT_MAX_CHUNK_BYTES for m in messages)
    assert len(messages) == 3  # two data chunks and the eos


def test_delivery_failure_is_raised_not_swallowed(kafka_settings: KafkaSettings, unique_suffix: str) -> None:
    missing_topic = TopicSettings(chunks=f"never-created.{unique_suffix}")
    producer = AudioProducer(kafka_settings, missing_topic, ProducerSettings(delivery_timeout_ms=1000))
    stream = producer.open_stream("doomed", 16_000)
    for _ in range(3):
        stream.write(bytes(320))
    with pytest.raises(DeliveryError) as raised:
        stream.wait_delivered(timeout=20)
    assert [(f.stream_id, f.seq) for f in raised.value.failures] == [
        ("doomed", 0),
        ("doomed", 1),
        ("doomed", 2),
    ]
    assert producer.stats.delivery_failures == 3

    stream.write(bytes(320))
    with pytest.raises(DeliveryError) as raised:
        producer.flush(timeout=20)
    assert [f.seq for f in raised.value.failures] == [3]


async def test_async_failure_is_raised_by_the_next_write(
    kafka_settings: KafkaSettings, unique_suffix: str
) -> None:
    missing_topic = TopicSettings(chunks=f"never-created.{unique_suffix}")
    producer = AsyncAudioProducer(kafka_settings, missing_topic, ProducerSettings(delivery_timeout_ms=1000))
    stream = producer.open_stream("doomed", 16_000)
    written = 0
    with pytest.raises(ProducerError):
        for _ in range(400):  # a live source: a chunk every 50 ms, for at most 20 s
            await stream.write(bytes(1600))
            written += 1
            await asyncio.sleep(0.05)
    assert 0 < written < 400
    assert producer.stats.delivery_failures >= 1
    with pytest.raises(ProducerError):
        await producer.close(timeout=20)


@pytest.mark.parametrize("linger_ms", [0, 20])
def test_backpressure_with_a_tiny_queue_loses_nothing(
    kafka_settings: KafkaSettings, topic_settings: TopicSettings, linger_ms: int
) -> None:
    tiny = ProducerSettings(queue_max_messages=4, linger_ms=linger_ms)
    plans = planned_streams(8, seed=4)
    with AudioProducer(kafka_settings, topic_settings, tiny) as producer:
        play_interleaved(producer, plans)
    assert producer.stats.backpressure_waits > 0
    messages = read_messages(
        kafka_settings.bootstrap_servers, topic_settings.chunks, producer.stats.chunks_sent
    )
    assert_streams_intact(messages, {sid: b"".join(chunks) for sid, (_, chunks) in plans.items()})


async def test_async_backpressure_with_a_tiny_queue_loses_nothing(
    kafka_settings: KafkaSettings, topic_settings: TopicSettings
) -> None:
    plans = planned_streams(8, seed=5)
    async with AsyncAudioProducer(
        kafka_settings, topic_settings, ProducerSettings(queue_max_messages=4)
    ) as producer:
        await asyncio.gather(
            *(play_async(producer, sid, fmt, chunks) for sid, (fmt, chunks) in plans.items())
        )
    assert producer.stats.backpressure_waits > 0
    messages = read_messages(
        kafka_settings.bootstrap_servers, topic_settings.chunks, producer.stats.chunks_sent
    )
    assert_streams_intact(messages, {sid: b"".join(chunks) for sid, (_, chunks) in plans.items()})


def test_write_after_close_and_partial_frames_are_refused(
    kafka_settings: KafkaSettings, topic_settings: TopicSettings
) -> None:
    with AudioProducer(kafka_settings, topic_settings) as producer:
        stream = producer.open_stream("strict", 16_000, channels=2)
        with pytest.raises(ProducerError, match="frames"):
            stream.write(bytes(6))
        stream.write(bytes(8))
        stream.close()
        with pytest.raises(ProducerError, match="closed"):
            stream.write(bytes(8))
    messages = read_messages(kafka_settings.bootstrap_servers, topic_settings.chunks, 2)
    assert_streams_intact(messages, {"strict": bytes(8)})
