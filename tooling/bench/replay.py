"""Replay of `bench latency`'s continuous speech through the stream app's segmenter and the
recognition engine in this process, without Kafka: what the segmenting settings cost and give,
independent of the machine's load.

Each stream's audio is pushed in real-time-sized chunks into a `Segmenter` built from the
stream app's settings; every segment it cuts is recognised by the same `RecognitionEngine` as
the offline reference. A result "arrives" when the chunk that completed its segment had been
spoken (no queueing, no recognition time): word latencies here are the algorithmic part of the
latency, what segmenting alone adds. CPU is this process's CPU time in `recognize`, per second
of stream audio.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tooling.bench.word_latency import Arrival
from tooling.demo.samples import SpeechSample

# the replayed setting sets: the defaults, then what each one changes
REPLAY_MODES: dict[str, dict[str, int]] = {
    "live": {},
    "finals": {"interim_interval_ms": 0},
    "finals, plain cuts": {"interim_interval_ms": 0, "cut_overlap_ms": 0},
    "previews of the whole buffer": {"interim_context_ms": 60_000},
}


@dataclass(frozen=True)
class Replayed:
    """One stream's results, the audio the segments held and the CPU time recognising them."""

    arrivals: list[Arrival]
    recognised_seconds: float
    cpu_seconds: float


def replay_stream(engine: Any, rules: Any, speech: SpeechSample, chunk_ms: int) -> Replayed:
    """Cut `speech` as the stream app would and recognise every segment (arrival = audio time)."""
    from stream_app.segmenter import Segmenter  # noqa: PLC0415
    from streamscribe.contracts import EmitReason  # noqa: PLC0415

    segmenter: Segmenter[int] = Segmenter(rules, "replay")
    step = speech.sample_rate * chunk_ms // 1000 * 2
    segments, spoken_at = [], []
    for position in range(0, len(speech.pcm), step):
        made = segmenter.push(speech.pcm[position:position + step], position // 2, position // step * chunk_ms,
                              position)
        if position + step >= len(speech.pcm):
            made.append(segmenter.finish(EmitReason.EOS))
        segments += made
        spoken_at += [min(len(speech.pcm), position + step) / 2 / speech.sample_rate] * len(made)
    started = time.process_time()
    transcripts = engine.recognize(segments)
    cpu = time.process_time() - started
    arrivals = [Arrival(transcript, spoken) for transcript, spoken in zip(transcripts, spoken_at, strict=True)]
    return Replayed(arrivals, sum(s.num_samples for s in segments) / speech.sample_rate, cpu)


def replay_all(engine: Any, speech: Sequence[SpeechSample], settings: dict[str, int], chunk_ms: int) -> list[Replayed]:
    """Every file replayed with the stream app's default settings changed by `settings`."""
    from stream_app.settings import StreamAppSettings  # noqa: PLC0415

    rules = StreamAppSettings(**settings).segmenting_rules()
    return [replay_stream(engine, rules, sample, chunk_ms) for sample in speech]
