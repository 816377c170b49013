"""Checks that streams arrived whole: one partition each, contiguous seq, eos last, same bytes."""

from __future__ import annotations

from collections import defaultdict

from confluent_kafka import Message

from streamscribe.contracts import AudioChunk, decode_chunk


def chunks_by_stream(messages: list[Message]) -> dict[str, list[tuple[int, int, AudioChunk]]]:
    """(partition, offset, decoded chunk) per stream id, in offset order."""
    streams: dict[str, list[tuple[int, int, AudioChunk]]] = defaultdict(list)
    for message in messages:
        chunk = decode_chunk(message.key(), message.value(), message.headers())
        streams[chunk.stream_id].append((message.partition(), message.offset(), chunk))
    return {stream_id: sorted(entries, key=lambda e: e[1]) for stream_id, entries in streams.items()}


def assert_streams_intact(messages: list[Message], sent_pcm: dict[str, bytes]) -> None:
    """Every stream in `sent_pcm` arrived in one partition, in order, whole, and ended by eos."""
    streams = chunks_by_stream(messages)
    assert set(streams) == set(sent_pcm)
    for stream_id, entries in streams.items():
        partitions = {partition for partition, _, _ in entries}
        assert len(partitions) == 1, f"{stream_id} spread over partitions {partitions}"
        chunks = [chunk for _, _, chunk in entries]
        assert [c.headers.seq for c in chunks] == list(range(len(chunks))), f"{stream_id}: seq not contiguous"
        assert [c.headers.eos for c in chunks] == [False] * (len(chunks) - 1) + [True], f"{stream_id}: eos"
        assert chunks[-1].pcm == b""
        assert b"".join(c.pcm for c in chunks) == sent_pcm[stream_id], f"{stream_id}: PCM differs"
        assert len({(c.headers.sample_rate, c.headers.channels, c.headers.encoding) for c in chunks}) == 1
