"""Deployment sizing from measured per-process capacities (docs/capacity.md's table).

Pure arithmetic, every assumption a named parameter:
- each live stream writes 16 kHz 16-bit mono audio twice (audio.chunks, then audio.segments):
  64 kB/s, replicated `replication` times;
- a stream-app worker holds `streams_per_stream_app` streams on one core (measured: bench ingest);
- a recognizer sustains `streams_per_recognizer` streams under 1 s p95 (measured: bench capacity)
  on `cores_per_recognizer` cores;
- a broker takes `broker_mb_per_s` of replicated writes, and there are at least `replication`;
- every partition-consuming member needs a partition of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from streamscribe.contracts import SEGMENT_SAMPLE_RATE
from streamscribe.pcm import S16_WIDTH

BYTES_PER_STREAM_PER_S = 2 * SEGMENT_SAMPLE_RATE * S16_WIDTH  # chunks + segments, 16 kHz s16 mono

# Live streams one 2-core CPU recognizer sustained with p95 under 1 s (docs/capacity.md, bench
# recognizer and bench capacity); production models that sustained none on CPU are absent.
CPU_STREAMS_PER_RECOGNIZER = {"streamscribe-small": 100, "conformer_ctc_large": 8}


@dataclass(frozen=True)
class Sizing:
    """What `streams` concurrent live streams need."""

    streams: int
    partitions: int
    stream_app_workers: int
    recognizers: int
    cores: int
    brokers: int


def size_deployment(streams: int, streams_per_recognizer: float, cores_per_recognizer: int = 2,
                    streams_per_stream_app: int = 1000, replication: int = 3,
                    broker_mb_per_s: float = 150.0) -> Sizing:
    """The fleet for `streams` streams, from per-process capacities (see the module docstring)."""
    if streams_per_recognizer <= 0:
        raise ValueError("a recognizer that sustains no stream cannot be sized")
    workers = math.ceil(streams / streams_per_stream_app)
    recognizers = math.ceil(streams / streams_per_recognizer)
    written = streams * BYTES_PER_STREAM_PER_S * replication / 1e6
    return Sizing(
        streams=streams,
        partitions=max(workers, recognizers),
        stream_app_workers=workers,
        recognizers=recognizers,
        cores=workers + recognizers * cores_per_recognizer,
        brokers=max(replication, math.ceil(written / broker_mb_per_s)),
    )
