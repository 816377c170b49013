"""A stream-app worker stopped (SIGSTOP) longer than its session, while another carries its streams on,
must not override the other's newer checkpoints when it runs again (real broker, real processes).

Whether an unfenced worker would write stale checkpoints depends on a race after SIGCONT (its
overdue commit against its consumer learning of the rebalance: the chaos run of docs/operations.md
lost it); the test asserts the outcome and that the worker noticed its freeze and dropped its state."""

from __future__ import annotations

import signal
from collections import defaultdict
from pathlib import Path

import pytest

from stream_app.app import TABLE_NAME
from stream_app.checkpoint import Checkpoint
from streamscribe.settings import TopicSettings
from tests.stream_app.kafka_io import (
    TopicReader,
    ended_streams,
    segments_of,
    shared_between,
    topic_size,
    two_workers_on_a_third,
)
from tests.stream_app.streams import make_streams
from tests.stream_app.test_recovery import FLAGS

# commits (and the checkpoints written with them) 3 s apart: the worker is stopped holding checkpoints not
# written yet, and its commit is overdue when it runs again
SLOW_COMMITS = tuple("3000" if previous == "--commit-interval-ms" else flag
                     for previous, flag in zip(("", *FLAGS), FLAGS, strict=False))

CHUNKS_READ = "streamscribe_stream_app_chunks_total"
pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.timeout(300)]


def regressions(changelog: list) -> list[str]:
    """Checkpoints written after a newer one of the same stream: fewer segments emitted, or open again."""
    newest: dict[bytes, Checkpoint] = {}
    found = []
    for record in sorted(changelog, key=lambda r: (r.partition(), r.offset())):
        if record.value() is None:
            newest.pop(record.key(), None)
            continue
        checkpoint, before = Checkpoint.decode(record.value()), newest.get(record.key())
        if before is not None and (checkpoint.next_index < before.next_index or before.closed > checkpoint.closed):
            found.append(f"{record.key().decode()}: {before.next_index}/closed={before.closed} then "
                         f"{checkpoint.next_index}/closed={checkpoint.closed} at offset {record.offset()}")
        newest[record.key()] = checkpoint
    return found


def test_a_worker_stopped_past_its_session_writes_no_stale_checkpoint_when_it_runs_again(
    kafka_bootstrap: str, topic_settings: TopicSettings, unique_group: str, tmp_path: Path,
) -> None:
    streams = make_streams(8, 9.0, seed=31, prefix="frozen-")
    sender, segments, first, second = two_workers_on_a_third(kafka_bootstrap, topic_settings, unique_group,
                                                             tmp_path, SLOW_COMMITS, streams)  # both hold open streams
    send, chunks, third = sender.send, sender.chunks, len(sender.chunks) // 3
    try:
        more, read = third + len(chunks) // 12, first.metrics().get(CHUNKS_READ, 0)
        send(chunks[third:more])  # then stopped right after reading some: longer than its 6 s session
        segments.poll_until(lambda r: first.metrics().get(CHUNKS_READ, 0) > read, 60, first.assert_running)
        first.process.send_signal(signal.SIGSTOP)
        send(chunks[more:])
        sender.end()
        segments.poll_until(lambda r: {s.stream_id for s in streams} <= ended_streams(segments_of(r))
                            and second.owned_partitions() == {0, 1, 2, 3}, 120, second.assert_running)
        first.process.send_signal(signal.SIGCONT)  # it runs again, holding the old state of the streams
        segments.poll_until(lambda r: shared_between(first, second), 120,
                            lambda: (first.assert_running(), second.assert_running()),
                            lambda: f"\nresumed worker's log:\n{first.log_tail()}")
    finally:
        first.process.send_signal(signal.SIGCONT)
        first.kill()
        second.kill()
    changelog_topic = f"{unique_group}-{TABLE_NAME}-changelog"
    written = topic_size(kafka_bootstrap, changelog_topic)
    changelog = TopicReader(kafka_bootstrap, changelog_topic).poll_until(lambda r: len(r) >= written, 60)
    assert not regressions(changelog), "\n".join(regressions(changelog))
    assert "stopped for" in first.log_path.read_text()  # it noticed, and dropped what it held
    ends = defaultdict(set)  # per stream, its distinct eos segments (a replayed copy is the same one)
    for segment in segments_of(segments.records):
        if segment.headers.eos:
            ends[segment.stream_id].add((segment.headers.index, segment.pcm))
    assert {len(found) for found in ends.values()} == {1}, {s: len(found) for s, found in ends.items()}
