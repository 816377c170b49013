"""Crash recovery with real processes: two workers share the partitions, both are SIGKILLed
mid-stream one after the other, a restarted one finishes, and every stream still comes out exactly
once (deduplicated on (stream, index), where every copy of a segment must be identical)."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamscribe.settings import TopicSettings
from tests.stream_app.kafka_io import (
    WorkerProcess,
    concatenated,
    describe_mismatch,
    ended_streams,
    finals_by_stream,
    segments_of,
    topic_size,
    two_workers_on_a_third,
)
from tests.stream_app.streams import make_streams

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.timeout(300)]

FLAGS = ("--session-timeout-ms", "6000", "--commit-interval-ms", "500", "--max-segment-bytes", "48000",
         "--max-segment-age-ms", "2000", "--idle-timeout-ms", "60000")


def test_sigkill_and_restart_lose_nothing_and_duplicate_nothing(
    kafka_bootstrap: str, topic_settings: TopicSettings, unique_group: str, tmp_path: Path,
) -> None:
    streams = make_streams(12, 12.0, seed=20, prefix="crash-")
    sender, reader, first, second = two_workers_on_a_third(kafka_bootstrap, topic_settings, unique_group, tmp_path,
                                                           FLAGS, streams)
    send, chunks, third = sender.send, sender.chunks, len(sender.chunks) // 3
    try:
        # one dies mid-stream; the other takes its partitions over from their checkpoints
        first.kill()
        send(chunks[third:2 * third])
        seen = len(reader.records)
        reader.poll_until(lambda r: second.owned_partitions() == {0, 1, 2, 3} and len(r) > seen + 12,
                          120, second.assert_running, lambda: f"\nsurvivor's log:\n{second.log_tail()}")
        # then it dies too, and a restarted worker must rebuild every stream on its own
        second.kill()
        send(chunks[2 * third:])
        sender.end()
        with WorkerProcess(kafka_bootstrap, topic_settings, unique_group, tmp_path / "restarted", *FLAGS) as restarted:
            records = reader.poll_until(
                lambda r: {s.stream_id for s in streams} <= ended_streams(segments_of(r)), 200,
                restarted.assert_running)
            restored = restarted.metrics().get("streamscribe_stream_app_restored_streams_total", 0)
            assert restored > 0  # it started from checkpoints, not from scratch
    finally:
        first.kill()
        second.kill()
    finals = finals_by_stream(segments_of(records))  # asserts duplicates are identical
    for stream in streams:
        assert concatenated(finals[stream.stream_id]) == stream.expected, (
            f"{stream.stream_id} ({stream.fmt}): {describe_mismatch(finals[stream.stream_id], stream.expected)}")
    # every chunk reached its stream once and in order, replays included: a chunk handed over ahead
    # of one before it is rejected as a seq gap, one handed over twice as a repeat
    rejected = topic_size(kafka_bootstrap, topic_settings.rejected)
    assert not rejected, f"{rejected} chunks rejected (see {topic_settings.rejected})"
