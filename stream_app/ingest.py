"""The stream app's core without Kafka: chunk messages in; segments, rejections, checkpoints out.

`IngestCore` keeps every stream of the partitions it is given (sequencing, normaliser,
segmenter) and knows, per partition, the lowest input offset that must still be read again
after a crash (`safe_offsets`): a stream whose state is ahead of its last written checkpoint
holds its partition back at that checkpoint's `resume_offset`. The faust glue (`app.py`)
commits no further than that, writes `checkpoints_due` to the table once the segments they
account for are delivered, and calls `close_idle` from a timer.

Idleness is measured on each partition's `LiveClock`, not on the wall clock: a stream is idle once
its partition has been verifiably live and caught up for the idle timeout since its last chunk, so
an outage of Kafka or of this worker's consumer (during which its chunks may wait in producers'
buffers) never counts towards it (docs/operations.md, "Idle streams").
"""

from __future__ import annotations

import logging
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import takewhile
from typing import NamedTuple

from stream_app.checkpoint import Checkpoint, ResumePoint
from stream_app.normalize import ResamplerState, StreamNormalizer
from stream_app.segmenter import Segmenter, SegmentingRules
from stream_app.sequencing import SequenceGate
from stream_app.stream_options import rules_for
from streamscribe.contracts.chunk import AudioChunk, StreamOptions, decode_chunk
from streamscribe.contracts.rejection import InvalidChunk
from streamscribe.contracts.segment import EmitReason, Segment

log = logging.getLogger(__name__)

KafkaHeaderList = list[tuple[str, bytes | None]]


class ChunkMessage(NamedTuple):
    """One `audio.chunks` message as the consumer delivered it."""

    key: bytes | None
    value: bytes | None
    headers: KafkaHeaderList | None
    timestamp_ms: int
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class Rejection:
    """A message refused, and why."""

    message: ChunkMessage
    error: InvalidChunk


@dataclass(slots=True)
class Outputs:
    """What processing produced, in order."""

    segments: list[Segment] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.segments or self.rejections)


@dataclass(slots=True)
class IngestStats:
    """Running totals (read by the metrics collector)."""

    chunks: int = 0
    input_bytes: int = 0
    buffered_bytes: int = 0
    segments: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True, slots=True)
class FetchState:
    """What this worker's consumer last heard from the broker about one partition (measured by the glue)."""

    fresh: bool  # its last fetch answer for the partition is recent: the broker is reachable and read
    highwater: int | None  # the offset after the partition's last record, as that answer said


@dataclass(slots=True)
class LiveClock:
    """Seconds during which one partition was verifiably live and caught up: the idle rule's clock.

    At each housekeeping tick the interval since the previous tick is credited only when the
    consumer's fetch answers were fresh at both ticks and every record the broker held at the
    previous tick has been processed since. A tick's credit is capped at `max_step_s`, so a worker
    that was paused (SIGSTOP, a stalled event loop) gains at most that much when it wakes up.

    After a stall (a tick without a fresh fetch answer: broker down, consumer cut off) the clock is
    held until a record written since the answers came back shows the producers are back, or for
    at most `max_hold_s`: producers reconnect after the stream app does (after a whole cluster's
    restart an idempotent producer first waits for a new epoch), and their streams must not age
    meanwhile.
    """

    seconds: float = 0.0
    ticked_at: float | None = None  # when the last tick ran (monotonic)
    mark: int | None = None  # the highwater at the last tick, when its fetch answer was fresh
    start: int | None = None  # the first offset read here (the caught-up test before anything is processed)
    stalled: bool = False  # a tick found no fresh fetch answer, and none has come back since
    held_since: float | None = None  # when fresh answers came back after a stall (None: not held)
    held_mark: int | None = None  # the highwater then: a record beyond it releases the hold

    def tick(self, now: float, fetch: FetchState | None, processed: int | None, max_step_s: float,
             max_hold_s: float) -> None:
        """Credit the interval since the last tick if the partition was live and caught up across it."""
        fresh = fetch if fetch is not None and fetch.fresh else None
        held = self._held(now, fresh, max_hold_s)
        caught_up = self.mark is not None and processed is not None and processed >= self.mark
        if caught_up and fresh is not None and not held and self.ticked_at is not None:
            self.seconds += min(max(now - self.ticked_at, 0.0), max_step_s)
        self.ticked_at = now
        self.mark = fresh.highwater if fresh is not None else None

    def _held(self, now: float, fresh: FetchState | None, max_hold_s: float) -> bool:
        """Whether the interval ending `now` is held: after a stall, until the producers are back (see the class)."""
        if fresh is None:
            self.stalled = True
            return True
        if self.stalled:
            self.stalled, self.held_since, self.held_mark = False, now, fresh.highwater
        if self.held_since is None:
            return False
        written_since = fresh.highwater is not None and self.held_mark is not None and fresh.highwater > self.held_mark
        if written_since or now - self.held_since >= max_hold_s:
            self.held_since = self.held_mark = None  # the interval ending now was held still
        return True

    def reading(self, now: float, max_step_s: float) -> float:
        """The clock as of a chunk processed at `now` (its partition is being read: live since the last tick)."""
        if self.ticked_at is None:
            return self.seconds
        return self.seconds + min(max(now - self.ticked_at, 0.0), max_step_s)


class StreamState:
    """One stream: its rules, its audio pipeline and where its durable checkpoint stands.

    Its options (and so its segmenting rules) are those of the chunk that starts its audio.
    """

    __slots__ = ("stream_id", "partition", "gate", "normalizer", "segmenter", "options", "replayed_before",
                 "durable_resume", "written", "written_closed", "last_offset", "last_seen", "live_seen",
                 "closed_at")

    def __init__(
        self, stream_id: str, partition: int, rules: SegmentingRules, checkpoint: Checkpoint | None,
        first_offset: int, now: float, live_now: float = 0.0,
    ) -> None:
        self.stream_id = stream_id
        self.partition = partition
        self.last_seen = now  # wall clock of its last chunk (for the log)
        self.live_seen = live_now  # its partition's LiveClock at its last chunk (the idle rule)
        self.closed_at: float | None = None
        self.normalizer: StreamNormalizer | None = None
        self.options = StreamOptions() if checkpoint is None else checkpoint.options
        self.written_closed = checkpoint is not None and checkpoint.closed  # the table says it is closed
        if checkpoint is None:
            self.gate = SequenceGate()
            self.segmenter: Segmenter[ResumePoint] = Segmenter(rules, stream_id)
            self.replayed_before = first_offset
            self.durable_resume = first_offset
            self.written: tuple[int, int] | None = None
            self.last_offset = first_offset
            return
        resume = checkpoint.resume
        self.gate = SequenceGate(resume.next_seq, checkpoint.format)
        if checkpoint.format is not None:
            self.normalizer = StreamNormalizer(checkpoint.format, resume.resampler)
        self.segmenter = Segmenter(rules_for(rules, self.options), stream_id, checkpoint.emitted_sample,
                                   checkpoint.next_index, resume.latest_timestamp_ms, checkpoint.overlapped,
                                   self.options.recognition)
        self.replayed_before = self.durable_resume = resume.offset
        self.written = (resume.offset, checkpoint.emitted_sample)
        self.last_offset = resume.offset - 1
        if checkpoint.closed:
            self.gate.close("the stream had ended (eos or idle) before this worker took it over")
            self.closed_at = now

    def start_audio(self, chunk: AudioChunk, defaults: SegmentingRules) -> StreamNormalizer:
        """The stream's first accepted chunk fixes its format and options: build its audio pipeline."""
        self.normalizer = StreamNormalizer(self.gate.format)  # type: ignore[arg-type]
        self.options = chunk.headers.options
        if self.options != StreamOptions():
            segmenter = self.segmenter  # holds no audio yet: only its position carries over
            self.segmenter = Segmenter(rules_for(defaults, self.options), self.stream_id, segmenter.start_sample,
                                       segmenter.next_index, segmenter.latest_timestamp_ms,
                                       recognition=self.options.recognition)
        return self.normalizer

    @property
    def is_open(self) -> bool:
        """True until the stream's eos chunk is accepted or it is closed as idle."""
        return self.closed_at is None

    @property
    def ahead_of_checkpoint(self) -> bool:
        """True when messages were processed after the durable checkpoint's resume point."""
        return self.last_offset >= self.durable_resume

    @property
    def closed_unwritten(self) -> bool:
        """Closed here, open in the table: a stream taken over and closed as idle with no message
        processed since (else every later takeover would close it again, with another eos segment)."""
        return not self.is_open and not self.written_closed

    def resume_point(self) -> ResumePoint:
        """Where a replay must start to rebuild the current state."""
        ref = self.segmenter.resume_ref
        if ref is not None:
            return ref
        resampler = self.normalizer.state if self.normalizer else ResamplerState()
        return ResumePoint(self.last_offset + 1, self.gate.next_seq, self.segmenter.latest_timestamp_ms, resampler)

    def checkpoint(self) -> Checkpoint:
        """The current state as a table entry."""
        return Checkpoint(self.partition, self.resume_point(), self.segmenter.start_sample,
                          self.segmenter.next_index, self.gate.format, closed=not self.is_open,
                          options=self.options, overlapped=self.segmenter.overlapped)


class IngestCore:
    """All streams of the partitions this worker owns."""

    def __init__(
        self, rules: SegmentingRules, idle_timeout_s: float, max_chunk_bytes: int, max_live_step_s: float = 2.0,
        max_preview_lag_ms: float | None = None,
    ) -> None:
        self._rules = rules
        self._max_preview_lag_ms = max_preview_lag_ms
        self._idle_timeout_s = idle_timeout_s
        self._max_chunk_bytes = max_chunk_bytes
        self._max_live_step_s = max_live_step_s
        self._streams: dict[str, StreamState] = {}
        # per partition, its open streams from the least to the most recently active
        self._open_by_activity: dict[int, OrderedDict[str, StreamState]] = {}
        self._clocks: dict[int, LiveClock] = {}
        self._next_offsets: dict[int, int] = {}
        self.stats = IngestStats()

    @property
    def open_streams(self) -> int:
        """Streams that are neither ended nor closed as idle."""
        return sum(len(streams) for streams in self._open_by_activity.values())

    def live_seconds(self, partition: int) -> float:
        """The partition's LiveClock (0 before its first tick)."""
        clock = self._clocks.get(partition)
        return 0.0 if clock is None else clock.seconds

    def start_partition(self, partition: int, offset: int) -> None:
        """This worker reads `partition` from `offset` on (before any record is processed, the partition
        is caught up when the broker holds nothing from there)."""
        self._clock(partition).start = offset

    def _clock(self, partition: int) -> LiveClock:
        clock = self._clocks.get(partition)
        if clock is None:
            clock = self._clocks[partition] = LiveClock()
        return clock

    def _track_open(self, state: StreamState) -> None:
        """(Re)file an open stream as its partition's most recently active one."""
        streams = self._open_by_activity.setdefault(state.partition, OrderedDict())
        streams[state.stream_id] = state
        streams.move_to_end(state.stream_id)

    def stream(self, stream_id: str) -> StreamState | None:
        """The state of one stream, if this worker holds it."""
        return self._streams.get(stream_id)

    def process(self, message: ChunkMessage, now: float, out: Outputs, now_ms: float | None = None) -> None:
        """Handle one message (in partition order), appending what it produces to `out`.

        With `now_ms` (the wall clock) and a `max_preview_lag_ms`, a chunk older than that lag makes no
        preview: the recognizer would skip it as stale (its own `max_preview_lag_ms`, same clocks), so
        sending it costs the worker, the broker and the network for nothing. A worker that falls behind
        sheds its previews first and catches up on the finals."""
        stats = self.stats
        stats.chunks += 1
        stats.input_bytes += len(message.value or b"")
        self._next_offsets[message.partition] = message.offset + 1
        try:
            chunk = decode_chunk(message.key, message.value, message.headers, self._max_chunk_bytes)
        except InvalidChunk as error:
            self._reject(message, error, out)
            return
        state = self._streams.get(chunk.stream_id)
        if state is None:
            state = self._streams[chunk.stream_id] = StreamState(
                chunk.stream_id, message.partition, self._rules, None, message.offset, now)
        elif message.offset < state.replayed_before:
            return  # a replayed message the checkpoint already reflects
        state.last_offset = message.offset
        if state.is_open:
            state.last_seen = now
            state.live_seen = self._clock(message.partition).reading(now, self._max_live_step_s)
            self._track_open(state)
        error = state.gate.admit(chunk.headers)
        if error is not None:
            self._reject(message, error, out)
            return
        normalizer = state.normalizer
        if normalizer is None:
            normalizer = state.start_audio(chunk, self._rules)
        segmenter = state.segmenter
        ref = ResumePoint(message.offset, chunk.headers.seq, segmenter.latest_timestamp_ms, normalizer.state)
        first_sample = normalizer.produced
        pcm = normalizer.push(chunk.pcm)
        if chunk.headers.eos:
            pcm += normalizer.finish()
        buffered_before = segmenter.buffered_bytes
        lag = self._max_preview_lag_ms
        previews = lag is None or now_ms is None or now_ms - message.timestamp_ms <= lag
        segments = segmenter.push(pcm, first_sample, message.timestamp_ms, ref, previews)
        if chunk.headers.eos:
            segments.append(segmenter.finish(EmitReason.EOS))
            self._mark_closed(state, now)
        stats.buffered_bytes += segmenter.buffered_bytes - buffered_before
        if segments:
            self._emit(segments, out)

    def close_idle(self, now: float, out: Outputs, fetched: Mapping[int, FetchState]) -> None:
        """One housekeeping tick: advance each partition's LiveClock from `fetched` (what the consumer
        last heard of each partition this worker reads), then flush and close the streams whose
        partition's clock advanced by the idle timeout since their last chunk.

        A partition missing from `fetched`, or whose fetch answers are stale (broker down, consumer
        stalled) or whose records the worker has not caught up with, does not advance, nor, after such
        a stall, before a new record or the idle timeout shows whether its producers are back: none of
        its streams can look idle while their next chunk may still be on its way.
        """
        for partition in self._clocks.keys() | fetched.keys():
            processed = self._next_offsets.get(partition, self._clock(partition).start)
            self._clocks[partition].tick(now, fetched.get(partition), processed, self._max_live_step_s,
                                         self._idle_timeout_s)
        for partition, streams in self._open_by_activity.items():
            for state in self._idle(partition, streams):
                self._close_idle(state, now, out)

    def _idle(self, partition: int, streams: OrderedDict[str, StreamState]) -> list[StreamState]:
        """The partition's open streams whose last chunk is the idle timeout of live time ago."""
        deadline = self.live_seconds(partition) - self._idle_timeout_s
        return list(takewhile(lambda state: state.live_seen <= deadline, streams.values()))

    def _close_idle(self, state: StreamState, now: float, out: Outputs) -> None:
        segmenter, segments = state.segmenter, []
        buffered_before = segmenter.buffered_bytes
        if state.normalizer is not None:
            tail = state.normalizer.finish()
            first_sample = state.normalizer.produced - len(tail) // 2
            segments = segmenter.push(tail, first_sample, segmenter.latest_timestamp_ms, state.resume_point())
        segments.append(segmenter.finish(EmitReason.IDLE))
        idle_s = self.live_seconds(state.partition) - state.live_seen
        log.info("stream %s (partition %d, last offset %d) closed as idle after %.1f s of live time without data",
                 state.stream_id, state.partition, state.last_offset, idle_s)
        state.gate.close(f"the stream was closed after {idle_s:.1f} s without data")
        self._mark_closed(state, now)
        self.stats.buffered_bytes -= buffered_before
        self._emit(segments, out)

    def _mark_closed(self, state: StreamState, now: float) -> None:
        state.closed_at = now
        self._open_by_activity.get(state.partition, {}).pop(state.stream_id, None)

    def _emit(self, segments: list[Segment], out: Outputs) -> None:
        counts = self.stats.segments
        for segment in segments:
            counts[segment.headers.reason.value] += 1
        out.segments += segments

    def _reject(self, message: ChunkMessage, error: InvalidChunk, out: Outputs) -> None:
        self.stats.rejected[error.reason.value] += 1
        out.rejections.append(Rejection(message, error))

    def checkpoints_due(self) -> list[tuple[str, Checkpoint]]:
        """Checkpoints that differ from what the table holds, for streams ahead of it or closed since."""
        due = []
        for stream_id, state in self._streams.items():
            if not (state.ahead_of_checkpoint or state.closed_unwritten):
                continue
            checkpoint = state.checkpoint()
            if (checkpoint.resume.offset, checkpoint.emitted_sample) != state.written or checkpoint.closed:
                due.append((stream_id, checkpoint))
        return due

    def checkpoint_written(self, stream_id: str, checkpoint: Checkpoint) -> None:
        """The table now holds `checkpoint` (its write precedes the next offset commit)."""
        state = self._streams.get(stream_id)
        if state is not None and state.partition == checkpoint.partition:
            state.durable_resume = checkpoint.resume.offset
            state.written = (checkpoint.resume.offset, checkpoint.emitted_sample)
            state.written_closed = checkpoint.closed

    def next_offset(self, partition: int) -> int | None:
        """The offset after the last message processed in `partition` (None: none yet)."""
        return self._next_offsets.get(partition)

    def safe_offsets(self) -> dict[int, int]:
        """Per partition, the offset up to which input may be committed."""
        safe = dict(self._next_offsets)
        for state in self._streams.values():
            if state.ahead_of_checkpoint and state.partition in safe:
                safe[state.partition] = min(safe[state.partition], state.durable_resume)
        return safe

    def expired_closed(self, committed: dict[int, int], now: float, retention_s: float) -> list[StreamState]:
        """Closed streams whose table entry can go: kept `retention_s` (late data is rejected as
        after_eos meanwhile) and committed past, so no replay can reach their chunks again."""
        expired = [
            state for state in self._streams.values()
            if state.closed_at is not None and now - state.closed_at >= retention_s
            and not state.ahead_of_checkpoint
            and committed.get(state.partition, -1) >= state.durable_resume
        ]
        for state in expired:
            del self._streams[state.stream_id]
        return expired

    def restore(self, entries: Iterable[tuple[str, Checkpoint]], now: float) -> int:
        """Take over streams from their table entries (after a rebalance); returns how many."""
        restored = 0
        for stream_id, checkpoint in entries:
            if stream_id in self._streams:
                continue
            clock = self._clock(checkpoint.partition)
            state = StreamState(stream_id, checkpoint.partition, self._rules, checkpoint, 0, now,
                                clock.reading(now, self._max_live_step_s))
            self._streams[stream_id] = state
            if state.is_open:
                self._track_open(state)
            restored += 1
        return restored

    def forget_partitions(self, partitions: set[int]) -> None:
        """Drop the streams of partitions this worker no longer owns."""
        for stream_id in [s for s, state in self._streams.items() if state.partition in partitions]:
            state = self._streams.pop(stream_id)
            if state.is_open:
                self.stats.buffered_bytes -= state.segmenter.buffered_bytes
        for partition in partitions:
            self._next_offsets.pop(partition, None)
            self._open_by_activity.pop(partition, None)
            self._clocks.pop(partition, None)
