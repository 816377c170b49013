"""A real `streamscribe stream-app` worker against the real broker: many mixed streams come out
as their normalised audio, every trigger fires within its bound, interim previews appear, and
every kind of bad input lands in audio.rejected while the good streams carry on."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from stream_app.synthetic import speech_like
from streamscribe.contracts.chunk import AudioFormat, ChunkHeaders, Encoding
from streamscribe.contracts.headers import headers_to_dict
from streamscribe.contracts.segment import EmitReason, Segment
from streamscribe.pcm import float_to_pcm_s16le
from streamscribe.settings import TopicSettings
from tests.stream_app.audio import split
from tests.stream_app.kafka_io import (
    TopicReader,
    WorkerProcess,
    concatenated,
    ended_streams,
    finals_by_stream,
    produce,
    segments_of,
)
from tests.stream_app.streams import make_streams

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.timeout(240)]

MAX_BYTES = 64_000          # 2 s of 16 kHz s16
MAX_AGE_MS = 1_500
IDLE_MS = 3_000
START_MS = 1_700_000_000_000
MONO16 = AudioFormat(16000, 1, Encoding.PCM_S16LE)


def paced(stream_id: str, chunks: list[bytes], step_ms: int, eos: bool = True, fmt: AudioFormat = MONO16) -> list:
    """(key, value, headers, timestamp) of a stream whose chunks are stamped `step_ms` apart."""
    return [
        (stream_id.encode(), pcm,
         ChunkHeaders(seq, fmt.sample_rate, fmt.channels, fmt.encoding, eos and seq == len(chunks) - 1).to_kafka(),
         START_MS + seq * step_ms)
        for seq, pcm in enumerate(chunks)
    ]


def bad_messages() -> tuple[list, list[str]]:
    """One message per kind of bad input, and the reasons they must be rejected with."""
    good = ChunkHeaders(0, 16000).to_kafka()
    pcm = bytes(320)
    messages = [
        (None, pcm, good, START_MS),
        (b"bad-1", pcm, [("sample_rate", b"16000")], START_MS),
        (b"bad-2", pcm, [*good, ("encoding", b"mp3")], START_MS),
        (b"bad-3", pcm + b"\x00", good, START_MS),
        (b"bad-4", pcm, [*good, ("sample_rate", b"4000")], START_MS),
        (b"bad-5", pcm, [*good, ("channels", b"6")], START_MS),
        (b"bad-6", pcm, [("seq", b"x"), ("sample_rate", b"16000")], START_MS),
        (b"bad-7", bytes(1_100_000), good, START_MS),
        # one stream breaking the stateful rules, in order
        (b"bad-seq", pcm, ChunkHeaders(0, 16000).to_kafka(), START_MS),
        (b"bad-seq", pcm, ChunkHeaders(0, 16000).to_kafka(), START_MS + 10),        # a retry
        (b"bad-seq", pcm, ChunkHeaders(3, 16000).to_kafka(), START_MS + 20),        # 1..2 lost
        (b"bad-seq", pcm, ChunkHeaders(4, 8000).to_kafka(), START_MS + 30),         # other rate
        (b"bad-seq", pcm, ChunkHeaders(5, 16000, eos=True).to_kafka(), START_MS + 40),
        (b"bad-seq", pcm, ChunkHeaders(6, 16000).to_kafka(), START_MS + 50),        # after eos
    ]
    reasons = ["missing_key", "missing_header", "unknown_encoding", "odd_byte_count", "rate_out_of_range",
               "bad_channels", "bad_seq", "oversized", "seq_repeat", "seq_gap", "format_changed", "after_eos"]
    return messages, reasons


def test_streams_triggers_interims_and_rejections(
    kafka_bootstrap: str, topic_settings: TopicSettings, unique_group: str, tmp_path: Path,
) -> None:
    rng = np.random.default_rng(11)
    mixed = make_streams(8, 5.0, seed=10, prefix="mixed-")
    noise = float_to_pcm_s16le(0.3 * rng.standard_normal(16000 * 5))         # no pause: only the byte limit cuts it
    slow = float_to_pcm_s16le(0.3 * rng.standard_normal(16000 * 3))          # 100 ms chunks stamped 400 ms apart
    idle = float_to_pcm_s16le(speech_like(rng, 1.0))                           # never ends: closed as idle
    bad, reasons = bad_messages()
    messages = [
        *[(m.key, m.value, m.headers, m.timestamp_ms) for m in _interleaved(mixed)],
        *paced("noise", split(noise, 2, [1600]), step_ms=0),
        *paced("slow", split(slow, 2, [1600]), step_ms=400),
        *paced("idle", split(idle, 2, [1600]), step_ms=100, eos=False),
        *bad,
    ]
    expected = {s.stream_id: s.expected for s in mixed} | {"noise": noise, "slow": slow, "idle": idle,
                                                             "bad-seq": bytes(640)}  # seq 0 and 5
    produce(kafka_bootstrap, topic_settings.chunks, messages)
    segments_reader = TopicReader(kafka_bootstrap, topic_settings.segments)
    rejected_reader = TopicReader(kafka_bootstrap, topic_settings.rejected)
    flags = ["--max-segment-bytes", str(MAX_BYTES), "--max-segment-age-ms", str(MAX_AGE_MS),
             "--min-silence-ms", "300", "--idle-timeout-ms", str(IDLE_MS), "--interim-interval-ms", "1000",
             "--max-preview-lag-ms", str(10**12)]  # the chunks' event time is years old: preview them all the same
    with WorkerProcess(kafka_bootstrap, topic_settings, unique_group, tmp_path, *flags) as worker:
        records = segments_reader.poll_until(
            lambda r: set(expected) <= ended_streams(segments_of(r)), 150, worker.assert_running)
        rejections = rejected_reader.poll_until(lambda r: len(r) >= len(reasons), 30, worker.assert_running)
        # closed streams' table entries are deleted: tombstones in the table's changelog
        changelog = TopicReader(kafka_bootstrap, f"{unique_group}-stream-state-changelog")
        changelog.poll_until(lambda r: set(expected) <= {m.key().decode() for m in r if m.value() is None},
                             60, worker.assert_running)
    segments = segments_of(records)
    finals = finals_by_stream(segments)
    for stream_id, audio in expected.items():
        assert concatenated(finals[stream_id]) == audio, stream_id

    assert all(len(s.pcm) <= MAX_BYTES for s in segments if s.headers.final)
    reasons_by_stream = {sid: [finals[sid][i].headers.reason for i in sorted(finals[sid])] for sid in finals}
    assert set(reasons_by_stream["noise"][:-1]) == {EmitReason.BYTES}
    assert set(reasons_by_stream["slow"][:-1]) == {EmitReason.TIME}
    # 400 ms of event time per 100 ms chunk: a segment cut for age consumes at most ceil(1500/400) + 1
    # chunks (it may also hold the overlap the next segment repeats)
    slow = [finals["slow"][i] for i in sorted(finals["slow"])]
    assert all(b.headers.start_sample - a.headers.start_sample <= 5 * 1600 for a, b in zip(slow, slow[1:]))
    # a byte cut inside noise shares its overlap with the next segment, through the headers
    noise = [finals["noise"][i] for i in sorted(finals["noise"])]
    assert noise[0].headers.tail_samples and noise[1].headers.lead_samples
    assert noise[1].headers.start_sample < noise[0].headers.start_sample + noise[0].num_samples
    assert reasons_by_stream["idle"][-1] is EmitReason.IDLE
    assert {EmitReason.PAUSE, EmitReason.EOS} <= {r for sid in mixed for r in reasons_by_stream[sid.stream_id]}
    _assert_interims_preview_their_final(segments, finals)

    assert Counter(headers_to_dict(r.headers())["reject_reason"].decode() for r in rejections) == Counter(reasons)
    for record in rejections:
        values = headers_to_dict(record.headers())
        assert values["source"].decode().startswith(f"{topic_settings.chunks}/")
        assert values["reject_detail"]


def _interleaved(streams: list) -> list:
    from tests.stream_app.streams import interleave  # noqa: PLC0415

    return interleave(streams, partitions=1, start_ms=START_MS)


def _assert_interims_preview_their_final(segments: list[Segment], finals: dict[str, dict[int, Segment]]) -> None:
    interims = [s for s in segments if not s.headers.final]
    assert interims, "interim previews were enabled but none arrived"
    for interim in interims:
        assert interim.headers.reason is EmitReason.INTERIM and not interim.headers.eos
        final = finals[interim.stream_id][interim.headers.index]  # the index the next final gets
        # a preview holds the new audio plus bounded context, from within its segment
        assert interim.headers.start_sample >= final.headers.start_sample
        assert interim.headers.lead_samples < interim.num_samples
        stream_audio = concatenated(finals[interim.stream_id])
        start = interim.headers.start_sample * 2
        assert stream_audio[start:start + len(interim.pcm)] == interim.pcm

