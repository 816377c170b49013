"""Normalisation: chunking never changes the output, and it matches soxr/librosa on whole signals."""

from __future__ import annotations

import librosa
import numpy as np
import pytest
import soxr

from stream_app.normalize import ResamplerState, StreamNormalizer, normalize
from stream_app.synthetic import speech_like
from streamscribe.contracts.chunk import AudioFormat, Encoding
from streamscribe.g711 import ALAW_TO_S16, MULAW_TO_S16
from tests.stream_app.audio import encode, split

RATES = [8000, 11025, 22050, 32000, 44100, 48000]


def tones(rate: int, seconds: float, seed: int) -> np.ndarray:
    """A sum of sines well inside the 16 kHz passband (below 6 kHz and the input's Nyquist)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(rate * seconds)) / rate
    top = min(6000, 0.4 * rate)
    return sum(0.08 * np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) for f in rng.uniform(60, top, 10))


def snr_db(ours: np.ndarray, reference: np.ndarray, edge: int = 200) -> float:
    core = slice(edge, len(reference) - edge)
    error = ours[core] - reference[core]
    return 10 * np.log10(np.sum(reference[core] ** 2) / np.sum(error**2))


@pytest.mark.parametrize("rate", RATES)
def test_whole_signal_matches_soxr_and_librosa(rate: int) -> None:
    signal = tones(rate, 1.5, seed=rate).astype(np.float32)
    ours = np.frombuffer(normalize(signal.tobytes(), AudioFormat(rate, 1, Encoding.PCM_F32LE)), "<i2") / 32768
    by_soxr = soxr.resample(signal.astype(np.float64), rate, 16000, quality="HQ")
    by_librosa = librosa.resample(signal.astype(np.float64), orig_sr=rate, target_sr=16000)
    assert len(ours) == len(by_librosa) == -(-len(signal) * 16000 // rate)  # both round up
    assert abs(len(ours) - len(by_soxr)) <= 1  # soxr may round down
    assert snr_db(ours[: len(by_soxr)], by_soxr) > 70
    assert snr_db(ours, by_librosa) > 70


@pytest.mark.parametrize(
    ("rate", "channels", "encoding"),
    [(8000, 1, Encoding.PCM_S16LE), (22050, 2, Encoding.PCM_F32LE), (44100, 2, Encoding.PCM_S16LE),
     (48000, 1, Encoding.PCM_F32LE), (16000, 2, Encoding.PCM_S16LE), (16000, 1, Encoding.PCM_F32LE),
     (8000, 1, Encoding.PCM_MULAW), (8000, 2, Encoding.PCM_ALAW), (16000, 1, Encoding.PCM_MULAW)],
)
def test_chunking_never_changes_a_bit(rate: int, channels: int, encoding: Encoding) -> None:
    fmt = AudioFormat(rate, channels, encoding)
    frame_bytes = channels * encoding.sample_width
    pcm = encode(speech_like(np.random.default_rng(1), 2.0, rate), fmt)
    whole = normalize(pcm, fmt)
    rng = np.random.default_rng(rate + channels)
    for sizes in ([1, 7, 1000, 3], [rate // 10], list(rng.integers(0, rate // 3, 12))):
        normalizer = StreamNormalizer(fmt)
        pieces = [normalizer.push(chunk) for chunk in split(pcm, frame_bytes, [int(s) for s in sizes] or [1])]
        assert b"".join(pieces) + normalizer.finish() == whole


def test_resuming_from_a_saved_state_continues_identically() -> None:
    fmt = AudioFormat(44100, 1, Encoding.PCM_S16LE)
    chunks = split(encode(speech_like(np.random.default_rng(2), 1.0, 44100), fmt), 2, [4410])
    whole = normalize(b"".join(chunks), fmt)
    first = StreamNormalizer(fmt)
    head = b"".join(first.push(chunk) for chunk in chunks[:4])
    saved = first.state
    resumed = StreamNormalizer(fmt, ResamplerState(saved.consumed, saved.produced, saved.history.copy()))
    tail = b"".join(resumed.push(chunk) for chunk in chunks[4:]) + resumed.finish()
    assert resumed.produced == len(whole) // 2
    assert head + tail == whole


@pytest.mark.parametrize(("encoding", "table"), [(Encoding.PCM_MULAW, MULAW_TO_S16), (Encoding.PCM_ALAW, ALAW_TO_S16)])
def test_g711_decodes_as_its_16_bit_linear_values(encoding: Encoding, table: np.ndarray) -> None:
    codes = np.random.default_rng(4).integers(0, 256, 8000).astype(np.uint8)
    linear = table[codes].astype("<i2").tobytes()
    for rate, channels in ((8000, 1), (8000, 2), (16000, 1)):
        assert normalize(codes.tobytes(), AudioFormat(rate, channels, encoding)) == normalize(
            linear, AudioFormat(rate, channels, Encoding.PCM_S16LE))


def test_16k_mono_s16_passes_through_byte_for_byte() -> None:
    pcm = np.random.default_rng(3).integers(-32768, 32767, 5000).astype("<i2").tobytes()
    assert normalize(pcm, AudioFormat(16000, 1, Encoding.PCM_S16LE)) == pcm


def test_downmix_is_the_channel_mean_and_f32_is_clipped_and_nan_safe() -> None:
    frames = np.array([[0.5, 0.25], [-1.0, -1.0], [2.0, 2.0], [np.nan, 0.5], [0.0, 1e-5]], dtype="<f4")
    out = np.frombuffer(normalize(frames.tobytes(), AudioFormat(16000, 2, Encoding.PCM_F32LE)), "<i2")
    assert out.tolist() == [12288, -32768, 32767, 8192, 0]
