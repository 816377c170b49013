"""The ingest core without Kafka: many streams, bad input, idle streams, and crash recovery from
checkpoints plus a replay from the committed offsets."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pytest

from stream_app.checkpoint import Checkpoint
from stream_app.ingest import ChunkMessage, FetchState, IngestCore, Outputs
from stream_app.settings import StreamAppSettings
from streamscribe.contracts.chunk import StreamOptions
from streamscribe.contracts.recognition import RecognitionOptions
from streamscribe.contracts.segment import EmitReason, Segment
from tests.stream_app.audio import stitch
from tests.stream_app.streams import SampleStream, interleave, make_streams

PARTITIONS = 3


def new_core(**overrides: object) -> IngestCore:
    settings = StreamAppSettings(**{"max_segment_bytes": 48_000, "max_segment_age_ms": 2_000, **overrides})
    return IngestCore(settings.segmenting_rules(), settings.idle_timeout_s, settings.max_chunk_bytes,
                      settings.max_live_step_s)


def final_audio(emitted: list[Segment]) -> dict[str, bytes]:
    """Per stream, final segments deduplicated on (stream, index) and concatenated in order.

    A duplicate must be identical to the first copy, indices must run 0..n without holes and
    each segment must start where the previous one stopped consuming."""
    by_stream: dict[str, dict[int, Segment]] = defaultdict(dict)
    for segment in emitted:
        if not segment.headers.final:
            continue
        seen = by_stream[segment.stream_id].setdefault(segment.headers.index, segment)
        assert seen == segment, f"{segment.stream_id} segment {segment.headers.index} differs on replay"
    audio = {}
    for stream_id, segments in by_stream.items():
        ordered = [segments[index] for index in sorted(segments)]
        assert [segment.headers.index for segment in ordered] == list(range(len(ordered)))
        assert ordered[-1].headers.eos
        audio[stream_id] = stitch([(segment.headers.start_sample, segment.pcm) for segment in ordered])
    return audio


def test_mixed_streams_come_out_as_their_normalised_audio() -> None:
    streams = make_streams(12, 6.0, seed=1)
    core, out = new_core(), Outputs()
    for message in interleave(streams, PARTITIONS):
        core.process(message, now=0.0, out=out)
    assert not out.rejections
    audio = final_audio(out.segments)
    assert audio == {stream.stream_id: stream.expected for stream in streams}
    assert core.open_streams == 0 and core.stats.buffered_bytes == 0
    assert core.stats.chunks == sum(len(stream.chunks) for stream in streams)


def test_bad_input_is_rejected_with_its_reason_and_good_streams_carry_on() -> None:
    streams = make_streams(4, 3.0, seed=2)
    messages = interleave(streams, PARTITIONS)
    victim = next(m for m in messages if m.key == b"s0" and m.offset > 3)
    bad = [
        victim._replace(key=None),                                                   # missing_key
        victim._replace(headers=[(k, v) for k, v in (victim.headers or []) if k != "seq"]),  # missing_header
        victim._replace(headers=[*(victim.headers or []), ("encoding", b"mp3")]),    # unknown_encoding
        victim._replace(value=(victim.value or b"") + b"\x00"),                      # odd_byte_count
        victim._replace(headers=[*(victim.headers or []), ("sample_rate", b"96000")]),  # rate_out_of_range
        victim._replace(value=b"\x00" * 2_000_000),                                  # oversized
    ]
    core, out = new_core(), Outputs()
    for message in messages:
        core.process(message, 0.0, out)
        if message is victim:
            for broken in bad:
                core.process(broken, 0.0, out)
            core.process(victim, 0.0, out)  # a producer retry: seq_repeat
    # stateful rules on a fresh stream: gap, format change, data after eos
    late = [
        ChunkMessage(b"x", b"\x00\x00" * 160, [("seq", b"0"), ("sample_rate", b"16000")], 0, 0, 900),
        ChunkMessage(b"x", b"\x00\x00" * 160, [("seq", b"5"), ("sample_rate", b"16000")], 0, 0, 901),
        ChunkMessage(b"x", b"\x00\x00" * 160, [("seq", b"6"), ("sample_rate", b"8000")], 0, 0, 902),
        ChunkMessage(b"x", b"", [("seq", b"7"), ("sample_rate", b"16000"), ("eos", b"1")], 0, 0, 903),
        ChunkMessage(b"x", b"\x00\x00", [("seq", b"8"), ("sample_rate", b"16000")], 0, 0, 904),
    ]
    for message in late:
        core.process(message, 0.0, out)
    reasons = [rejection.error.reason.value for rejection in out.rejections]
    assert reasons == ["missing_key", "missing_header", "unknown_encoding", "odd_byte_count", "rate_out_of_range",
                       "oversized", "seq_repeat", "seq_gap", "format_changed", "after_eos"]
    assert dict(core.stats.rejected) == {reason: 1 for reason in reasons}
    audio = final_audio(out.segments)
    assert {sid: audio[sid] for sid in audio if sid != "x"} == {s.stream_id: s.expected for s in streams}
    assert len(audio["x"]) == 2 * 160  # seq 0 only; 5 and 6 rejected, 7 is an empty eos


def live_ticks(core: IngestCore, times: list[float], out: Outputs, highwater: dict[int, int] | None = None,
               fresh: bool = True) -> None:
    """Housekeeping ticks at `times` with partition 0 fetched (`fresh`) and the broker holding
    `highwater` (default: exactly what the core has processed, i.e. caught up)."""
    for now in times:
        mark = (highwater or {}).get(0, core.next_offset(0))
        core.close_idle(now, out, {0: FetchState(fresh, mark)})


class Table:
    """Stand-in for the changelog-backed table: the checkpoints written so far."""

    def __init__(self) -> None:
        self.entries: dict[str, bytes] = {}

    def write_due(self, core: IngestCore) -> None:
        for stream_id, checkpoint in core.checkpoints_due():
            self.entries[stream_id] = checkpoint.encode()
            core.checkpoint_written(stream_id, checkpoint)

    def restore_into(self, core: IngestCore) -> None:
        core.restore(((sid, Checkpoint.decode(data)) for sid, data in self.entries.items()), now=0.0)


@pytest.mark.parametrize("crash_at", [0.2, 0.55, 0.9])
def test_a_crash_loses_no_audio_and_replays_identical_segments(crash_at: float) -> None:
    streams = make_streams(9, 8.0, seed=3)
    messages = interleave(streams, PARTITIONS)
    table, committed = Table(), dict.fromkeys(range(PARTITIONS), 0)
    core, emitted = new_core(), Outputs()
    crash = int(len(messages) * crash_at)
    for i, message in enumerate(messages[:crash]):
        core.process(message, 0.0, emitted)
        if i % 37 == 36:  # a commit: checkpoints first (segments are already out), then offsets
            table.write_due(core)
            committed.update(core.safe_offsets())
    # the worker dies: its memory is gone; a new one restores the table and re-reads from the commits
    recovered = new_core()
    table.restore_into(recovered)
    replay = [m for m in messages if m.offset >= committed[m.partition]]
    assert len(replay) > len(messages) - crash  # something before the crash point is read again
    for message in replay:
        recovered.process(message, 0.0, emitted)
    assert not emitted.rejections
    assert final_audio(emitted.segments) == {stream.stream_id: stream.expected for stream in streams}


def test_idle_streams_are_flushed_closed_and_their_state_expires() -> None:
    stream: SampleStream = make_streams(1, 2.0, seed=4)[0]
    messages = interleave([stream], 1)[:-1]  # the eos chunk never comes
    core, out = new_core(idle_timeout_ms=5_000), Outputs()
    for message in messages:
        core.process(message, now=100.0, out=out)
    live_ticks(core, [100.0, 101.0, 102.0, 103.0, 104.0, 104.9], out)  # 4.9 s live since its last chunk
    assert core.open_streams == 1 and not any(s.headers.eos for s in out.segments)
    live_ticks(core, [105.0], out)
    last = out.segments[-1].headers
    assert (last.reason, last.eos, core.open_streams) == (EmitReason.IDLE, True, 0)
    expected_prefix = np.frombuffer(stream.expected, "<i2")
    assert len(final_audio(out.segments)[stream.stream_id]) // 2 <= len(expected_prefix)
    late = messages[-1]._replace(offset=messages[-1].offset + 1,
                   headers=stream.headers(len(messages)).to_kafka())
    core.process(late, now=106.0, out=out)
    assert out.rejections[-1].error.reason.value == "after_eos"
    table = Table()
    table.write_due(core)
    assert Checkpoint.decode(table.entries[stream.stream_id]).closed
    committed = core.safe_offsets()
    assert core.expired_closed(committed, now=109.9, retention_s=5.0) == []  # closed at 105.0
    assert core.expired_closed({0: committed[0] - 1}, now=110.0, retention_s=5.0) == []  # not committed past
    assert [s.stream_id for s in core.expired_closed(committed, now=110.0, retention_s=5.0)] == [stream.stream_id]
    assert core.stream(stream.stream_id) is None


def seconds(start: int, stop: int) -> list[float]:
    return [float(t) for t in range(start, stop)]


def half_a_stream_then_an_outage(
    seed: int, back_at: int,
) -> tuple[SampleStream, list[ChunkMessage], IngestCore, Outputs]:
    """The first half of a 4 s stream processed (idle timeout 5 s), 3 s of live ticks, then none with a
    fresh fetch answer until `back_at`; returns the stream, its chunks not yet processed, the core and
    what it produced."""
    stream = make_streams(1, 4.0, seed=seed)[0]
    messages = interleave([stream], 1)
    half = len(messages) // 2
    core, out = new_core(idle_timeout_ms=5_000), Outputs()
    for message in messages[:half]:
        core.process(message, now=0.0, out=out)
    live_ticks(core, seconds(0, 3), out)
    live_ticks(core, seconds(3, back_at), out, fresh=False)  # Kafka is down: no fetch answer
    return stream, messages[half:], core, out


def test_an_outage_longer_than_the_idle_timeout_closes_no_stream() -> None:
    """The broker is down for 60 s (idle timeout 5 s), then the chunks that waited in the producer
    arrive: while the consumer's fetch answers are stale, and then while it has not caught up with
    the backlog, no live time passes, so the stream stays open and comes out whole."""
    stream, rest, core, out = half_a_stream_then_an_outage(seed=7, back_at=63)
    live_ticks(core, seconds(63, 93), out, highwater={0: rest[-1].offset + 1})  # back, backlog unread
    assert core.open_streams == 1 and core.live_seconds(0) == 2.0
    for message in rest:
        core.process(message, now=93.0, out=out)
    assert not out.rejections
    assert final_audio(out.segments) == {stream.stream_id: stream.expected}


def test_after_an_outage_the_clock_waits_for_the_producers_to_come_back() -> None:
    """The stream app reconnects 9 s before the producers do (after a whole cluster's restart an
    idempotent producer first waits for a new epoch; idle timeout 5 s): the clock is held until a
    record written since shows they are back, so the stream comes out whole."""
    stream, rest, core, out = half_a_stream_then_an_outage(seed=10, back_at=20)
    live_ticks(core, seconds(20, 24), out)  # back: fetches answer, nothing new written yet
    assert core.live_seconds(0) == 2.0
    live_ticks(core, seconds(24, 29), out, highwater={0: rest[0].offset + 1})  # the producer is back
    for message in rest:
        core.process(message, now=29.0, out=out)
    assert not out.rejections
    assert final_audio(out.segments) == {stream.stream_id: stream.expected}


def test_after_an_outage_a_stream_whose_producer_is_gone_closes_within_two_idle_timeouts() -> None:
    """Held for at most the idle timeout, the clock runs again, and the stream that lost its producer
    in the outage is closed one idle timeout later."""
    stream = make_streams(1, 2.0, seed=11)[0]
    core, out = new_core(idle_timeout_ms=5_000), Outputs()
    for message in interleave([stream], 1)[:-1]:
        core.process(message, now=0.0, out=out)
    live_ticks(core, seconds(0, 3), out)
    live_ticks(core, seconds(3, 20), out, fresh=False)
    live_ticks(core, seconds(20, 28), out)  # held from 20 to 25 s, then live again
    assert core.open_streams == 1 and core.live_seconds(0) == 4.0
    live_ticks(core, [28.0], out)  # 2 s before the outage and 3 s after the hold: 5 s of live time
    assert core.open_streams == 0 and out.segments[-1].headers.reason is EmitReason.IDLE


def test_a_paused_worker_gains_at_most_one_step_of_live_time_when_it_wakes() -> None:
    """SIGSTOP for a minute: the first tick after it credits at most `max_live_step_s` (2 s here)."""
    stream = make_streams(1, 2.0, seed=8)[0]
    core, out = new_core(idle_timeout_ms=5_000), Outputs()
    for message in interleave([stream], 1)[:-1]:
        core.process(message, now=0.0, out=out)
    live_ticks(core, [0.0, 1.0, 61.0], out)
    assert core.open_streams == 1 and core.live_seconds(0) == 3.0
    live_ticks(core, [62.0, 63.0], out)  # 5 s of live time: it really went away
    assert core.open_streams == 0 and out.segments[-1].headers.reason is EmitReason.IDLE


def test_on_a_live_partition_the_gone_stream_closes_and_the_talking_one_does_not() -> None:
    talking, gone = make_streams(2, 8.0, seed=9)
    messages = interleave([talking, gone], 1)
    gone_id = gone.stream_id.encode()
    core, out = new_core(idle_timeout_ms=5_000), Outputs()
    seen_gone = 0
    for message in messages:
        if message.key == gone_id:
            seen_gone += 1
            if seen_gone > 5:
                continue  # its producer went away after 5 chunks
        now = (message.timestamp_ms - messages[0].timestamp_ms) / 1000
        core.process(message, now=now, out=out)
        live_ticks(core, [now], out)
    ends = {s.stream_id: s.headers.reason for s in out.segments if s.headers.eos}
    assert ends == {gone.stream_id: EmitReason.IDLE, talking.stream_id: EmitReason.EOS}
    assert not out.rejections


def test_a_stream_taken_over_and_closed_as_idle_is_written_closed_and_not_closed_again() -> None:
    stream = make_streams(1, 2.0, seed=6)[0]
    table, out = Table(), Outputs()
    core = new_core(idle_timeout_ms=5_000)
    for message in interleave([stream], 1)[:-1]:  # its sender went away: no eos
        core.process(message, now=0.0, out=out)
    table.write_due(core)
    resume = core.safe_offsets()[0]
    # the worker dies, and nothing of the stream is left to replay (its chunks were emitted, or
    # their topic is gone): each worker that takes it over closes it as idle. The first time, it
    # must be written closed, or every later takeover closes it again with another eos segment.
    closes = []
    for _ in range(2):
        taker, closed = new_core(idle_timeout_ms=5_000), Outputs()
        table.restore_into(taker)
        taker.start_partition(0, resume)  # it reads from the committed offset: nothing more there
        live_ticks(taker, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], closed, highwater={0: resume})
        table.write_due(taker)
        closes.append([(s.headers.reason, s.headers.eos) for s in closed.segments])
    assert closes == [[(EmitReason.IDLE, True)], []]
    assert Checkpoint.decode(table.entries[stream.stream_id]).closed


def test_per_stream_options_change_only_their_stream_and_survive_a_restore() -> None:
    base = make_streams(1, 6.0, seed=5)[0]
    plain = SampleStream("plain", base.fmt, base.chunks)
    tuned = SampleStream("tuned", base.fmt, base.chunks)
    recognition = RecognitionOptions.parse({"formatting": "raw", "redact": "pii"})
    options = StreamOptions(interim_interval_ms=300, max_segment_age_ms=1_000, recognition=recognition)
    messages = []
    for message in interleave([plain, tuned], 1):
        if message.key == b"tuned" and dict(message.headers or [])["seq"] == b"0":  # only the first chunk asks
            message = message._replace(headers=[*(message.headers or []), *options.to_kafka()])
        messages.append(message)
    half = len(messages) // 2
    core, table, out = new_core(interim_interval_ms=0), Table(), Outputs()  # previews off by service default
    for message in messages[:half]:
        core.process(message, 0.0, out)
    table.write_due(core)
    committed = core.safe_offsets()
    restored = new_core(interim_interval_ms=0)  # the tuned stream's options come back from its checkpoint
    table.restore_into(restored)
    for message in messages:
        if message.offset >= committed[message.partition]:
            restored.process(message, 0.0, out)
    interims = Counter(s.stream_id for s in out.segments if not s.headers.final)
    finals = Counter(s.stream_id for s in out.segments if s.headers.final)
    assert interims["plain"] == 0 and interims["tuned"] >= 10
    assert any(s.stream_id == "tuned" and not s.headers.final for s in out.segments[-20:])  # after the restore too
    assert finals["tuned"] > finals["plain"]
    assert final_audio(out.segments) == {"plain": base.expected, "tuned": base.expected}
    # the recognition options go to the recognizer on every segment of the stream, restored ones too
    assert {s.headers.recognition for s in out.segments if s.stream_id == "tuned"} == {recognition}
    assert {s.headers.recognition for s in out.segments if s.stream_id == "plain"} == {RecognitionOptions()}


def test_chunks_older_than_the_preview_lag_make_no_preview_and_the_same_finals() -> None:
    streams = make_streams(4, 4.0, seed=4)
    messages = list(interleave(streams, PARTITIONS))
    emitted: dict[float, list[Segment]] = {}
    for lag_ms in (0.0, 5_000.0):  # processed as it arrives, and 5 s behind
        settings = StreamAppSettings(max_preview_lag_ms=1_000)
        core, out = IngestCore(settings.segmenting_rules(), settings.idle_timeout_s, settings.max_chunk_bytes,
                               settings.max_live_step_s, settings.max_preview_lag_ms), Outputs()
        for message in messages:
            core.process(message, 0.0, out, now_ms=message.timestamp_ms + lag_ms)
        emitted[lag_ms] = out.segments
    assert any(not segment.headers.final for segment in emitted[0.0])
    assert all(segment.headers.final for segment in emitted[5_000.0])
    assert emitted[5_000.0] == [segment for segment in emitted[0.0] if segment.headers.final]
