"""Test audio in any format (the speech-like signal itself is `stream_app.synthetic`)."""

from __future__ import annotations

import numpy as np

from streamscribe.contracts.chunk import AudioFormat, Encoding
from streamscribe.g711 import encode_alaw, encode_mulaw
from streamscribe.pcm import float_to_pcm_s16le


def encode(mono: np.ndarray, fmt: AudioFormat) -> bytes:
    """PCM bytes of `mono` in `fmt` (stereo: the right channel is a scaled copy)."""
    frames = mono if fmt.channels == 1 else np.stack([mono, 0.5 * mono], axis=1).reshape(-1)
    if fmt.encoding is Encoding.PCM_F32LE:
        return frames.astype("<f4").tobytes()
    if fmt.encoding is Encoding.PCM_MULAW:
        return encode_mulaw(np.frombuffer(float_to_pcm_s16le(frames), "<i2"))
    if fmt.encoding is Encoding.PCM_ALAW:
        return encode_alaw(np.frombuffer(float_to_pcm_s16le(frames), "<i2"))
    return float_to_pcm_s16le(frames)


def split(pcm: bytes, frame_bytes: int, sizes: list[int]) -> list[bytes]:
    """Cut `pcm` into chunks of the given frame counts (cycling through `sizes`)."""
    chunks, position, i = [], 0, 0
    while position < len(pcm):
        step = sizes[i % len(sizes)] * frame_bytes
        chunks.append(pcm[position:position + step])
        position += step
        i += 1
    return chunks


def stitch(segments: list[tuple[int, bytes]]) -> bytes:
    """The stream's audio from its final segments as (start_sample, pcm) in order: each one up to
    where the next starts (after a forced cut the next repeats the overlap). Asserts that each
    segment starts after the previous one's start and no later than its end."""
    pieces = []
    for (start, pcm), (after, _) in zip(segments, segments[1:]):
        assert start < after <= start + len(pcm) // 2, "segments not contiguous"
        pieces.append(pcm[:(after - start) * 2])
    return b"".join(pieces) + (segments[-1][1] if segments else b"")
