"""Per-stream options (chunk headers) applied to the service's segmenting rules.

A stream that asks for nothing gets the service's rules object itself; the rules of each distinct
set of options are built once and shared, so per-stream options cost no memory per stream.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from stream_app.segmenter import SegmentingRules
from streamscribe.contracts.chunk import StreamOptions
from streamscribe.contracts.segment import SEGMENT_SAMPLE_RATE

_SAMPLES_PER_MS = SEGMENT_SAMPLE_RATE // 1000


@lru_cache(maxsize=256)
def rules_for(defaults: SegmentingRules, options: StreamOptions) -> SegmentingRules:
    """`defaults` with the options that are set; the time threshold never goes below what the
    quiet-cut search needs, and a silence shorter than one frame counts as one frame."""
    changes: dict[str, int] = {}
    if options.interim_interval_ms is not None:
        changes["interim_interval_samples"] = options.interim_interval_ms * _SAMPLES_PER_MS
    if options.min_silence_ms is not None:
        frame_ms = max(1, defaults.frame_samples // _SAMPLES_PER_MS)
        changes["min_silence_frames"] = max(1, -(-options.min_silence_ms // frame_ms))
    if options.max_segment_age_ms is not None:
        changes["max_age_ms"] = options.max_segment_age_ms
    return dataclasses.replace(defaults, **changes) if changes else defaults
