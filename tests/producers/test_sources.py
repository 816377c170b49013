"""Reading, conforming, encoding and cutting audio (pure: no Kafka)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from producers.errors import AudioSourceError
from producers.sources import (
    Audio,
    conform,
    cut_chunks,
    encode,
    frames_per_chunk,
    from_array,
    from_pcm,
    prepare,
    read_audio,
    to_payload,
)
from streamscribe.contracts import AudioFormat, Encoding

RATE = 22_050


def tone(frequency: float, seconds: float, rate: int, channels: int = 1) -> np.ndarray:
    """A sine tone at half scale, (frames, channels), each channel at a different phase."""
    t = np.arange(int(seconds * rate)) / rate
    return np.stack([0.5 * np.sin(2 * np.pi * frequency * t + c) for c in range(channels)], axis=1).astype(
        np.float32
    )


def dominant_frequency(audio: Audio) -> float:
    """Frequency of the strongest FFT bin of the first channel."""
    spectrum = np.abs(np.fft.rfft(audio.samples[:, 0]))
    return float(np.fft.rfftfreq(audio.frames, 1 / audio.sample_rate)[spectrum.argmax()])


@pytest.mark.parametrize(("fmt", "subtype"), [("WAV", "PCM_16"), ("FLAC", "PCM_16")])
@pytest.mark.parametrize("from_bytes", [False, True])
def test_lossless_files_read_back_exactly(tmp_path: Path, fmt: str, subtype: str, from_bytes: bool) -> None:
    samples = tone(440, 0.5, RATE, channels=2)
    path = tmp_path / f"tone.{fmt.lower()}"
    soundfile.write(path, samples, RATE, format=fmt, subtype=subtype)
    audio = read_audio(path.read_bytes() if from_bytes else path)
    assert (audio.sample_rate, audio.channels, audio.frames) == (RATE, 2, samples.shape[0])
    np.testing.assert_allclose(audio.samples, samples, atol=1 / 32768)


@pytest.mark.parametrize(
    ("fmt", "subtype", "suffix"), [("OGG", "VORBIS", "ogg"), ("MP3", "MPEG_LAYER_III", "mp3")]
)
@pytest.mark.parametrize("from_bytes", [False, True])
def test_lossy_files_keep_rate_channels_and_pitch(
    tmp_path: Path, fmt: str, subtype: str, suffix: str, from_bytes: bool
) -> None:
    path = tmp_path / f"tone.{suffix}"
    soundfile.write(path, tone(440, 1.0, RATE, channels=2), RATE, format=fmt, subtype=subtype)
    audio = read_audio(path.read_bytes() if from_bytes else path)
    assert (audio.sample_rate, audio.channels) == (RATE, 2)
    assert abs(audio.duration - 1.0) < 0.1
    assert abs(dominant_frequency(audio) - 440) < 5


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
@pytest.mark.parametrize("from_bytes", [False, True])
def test_formats_libsndfile_cannot_read_go_through_ffmpeg(tmp_path: Path, from_bytes: bool) -> None:
    wav, m4a = tmp_path / "tone.wav", tmp_path / "tone.m4a"
    soundfile.write(wav, tone(1000, 1.0, 24_000), 24_000)
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(wav), "-c:a", "aac", str(m4a)], check=True, timeout=60)
    with pytest.raises(soundfile.LibsndfileError):
        soundfile.info(m4a)
    audio = read_audio(m4a.read_bytes() if from_bytes else m4a)
    assert (audio.sample_rate, audio.channels) == (24_000, 1)
    assert abs(dominant_frequency(audio) - 1000) < 5


def test_unreadable_bytes_are_a_clear_error() -> None:
    with pytest.raises(AudioSourceError, match="not a readable audio file"):
        read_audio(b"this is not audio at all" * 10)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AudioSourceError, match="no such audio file"):
        read_audio(tmp_path / "absent.wav")


@pytest.mark.parametrize(
    ("array", "expected"),
    [
        (np.array([-32768, 0, 16384], dtype=np.int16), [-1.0, 0.0, 0.5]),
        (np.array([0, 128, 192], dtype=np.uint8), [-1.0, 0.0, 0.5]),
        (np.array([-(2**31), 2**30], dtype=np.int32), [-1.0, 0.5]),
        (np.array([0.25, -0.75], dtype=np.float64), [0.25, -0.75]),
    ],
)
def test_from_array_scales_integer_pcm_to_float(array: np.ndarray, expected: list[float]) -> None:
    audio = from_array(array, 8000)
    assert audio.samples.dtype == np.float32
    assert audio.samples.shape == (len(expected), 1)
    np.testing.assert_allclose(audio.samples[:, 0], expected)


@pytest.mark.parametrize("shape", [(2, 3, 4), (5, 0)])
def test_from_array_refuses_other_shapes(shape: tuple[int, ...]) -> None:
    with pytest.raises(AudioSourceError, match="shape"):
        from_array(np.zeros(shape, dtype=np.float32), 16000)


def test_from_array_refuses_non_numeric_samples() -> None:
    with pytest.raises(AudioSourceError, match="dtype"):
        from_array(np.array(["a", "b"]), 16000)


def test_from_pcm_deinterleaves_channels() -> None:
    interleaved = np.array([100, -100, 200, -200], dtype="<i2").tobytes()
    audio = from_pcm(interleaved, 16000, channels=2)
    np.testing.assert_allclose(audio.samples * 32768, [[100, -100], [200, -200]])


def test_from_pcm_float_and_partial_frames() -> None:
    floats = np.array([0.5, -0.5], dtype="<f4").tobytes()
    np.testing.assert_allclose(from_pcm(floats, 16000, encoding="pcm_f32le").samples[:, 0], [0.5, -0.5])
    with pytest.raises(AudioSourceError, match="whole number"):
        from_pcm(b"\x00\x00\x00", 16000, channels=2)


def test_conform_mixes_wide_input_down_to_mono() -> None:
    six = np.tile(np.array([[0.6, 0.0, 0.0, 0.0, 0.0, 0.0]], dtype=np.float32), (100, 1))
    conformed = conform(from_array(six, 16000))
    assert conformed.channels == 1
    np.testing.assert_allclose(conformed.samples[:, 0], 0.1, rtol=1e-6)


def test_conform_keeps_stereo_and_in_range_rates() -> None:
    stereo = from_array(tone(440, 0.1, 44_100, channels=2), 44_100)
    conformed = conform(stereo)
    assert (conformed.channels, conformed.sample_rate) == (2, 44_100)
    np.testing.assert_array_equal(conformed.samples, stereo.samples)


@pytest.mark.parametrize("rate", [96_000, 4_000])
def test_conform_resamples_out_of_range_rates(rate: int) -> None:
    original = from_array(tone(1000, 1.0, rate), rate)
    conformed = conform(original, target_sample_rate=16_000)
    assert conformed.sample_rate == 16_000
    assert abs(conformed.frames - 16_000) <= 2
    assert abs(dominant_frequency(conformed) - 1000) < 3


def test_encode_s16_scales_rounds_and_clips() -> None:
    samples = np.array([[0.0], [0.5], [-1.0], [1.0], [2.0], [-3.0]], dtype=np.float32)
    decoded = np.frombuffer(encode(samples), dtype="<i2")
    np.testing.assert_array_equal(decoded, [0, 16384, -32768, 32767, 32767, -32768])


def test_encode_f32_is_exact_and_interleaved() -> None:
    samples = np.array([[0.1, -0.2], [0.3, -0.4]], dtype=np.float32)
    np.testing.assert_array_equal(
        np.frombuffer(encode(samples, Encoding.PCM_F32LE), dtype="<f4"), samples.ravel()
    )


def test_s16_round_trip_within_one_step() -> None:
    samples = tone(300, 0.05, 16000, channels=2)
    back = from_pcm(encode(samples), 16000, channels=2).samples
    np.testing.assert_allclose(back, samples, atol=1 / 32768)


@pytest.mark.parametrize(
    ("rate", "ms", "frames"),
    [(16_000, 100, 1600), (44_100, 20, 882), (8_000, 10, 80), (22_050, 250, 5512), (8000, 0, 1)],
)
def test_frames_per_chunk(rate: int, ms: int, frames: int) -> None:
    assert frames_per_chunk(rate, ms) == frames


def test_cut_chunks_cover_the_input_in_order() -> None:
    data = bytes(range(256)) * 10
    pieces = list(cut_chunks(data, 300))
    assert b"".join(pieces) == data
    assert [len(p) for p in pieces] == [300] * 8 + [160]
    assert list(cut_chunks(b"", 300)) == []


def test_prepare_gives_contract_pcm_and_chunks_of_the_asked_length() -> None:
    wide_and_fast = from_array(tone(500, 1.0, 96_000, channels=3), 96_000)
    prepared = prepare(wide_and_fast, target_sample_rate=16_000)
    assert prepared.format == AudioFormat(16_000, 1, Encoding.PCM_S16LE)
    chunks = list(prepared.chunks(100))
    assert all(len(chunk) == 3200 for chunk in chunks[:-1])
    assert b"".join(chunks) == prepared.pcm
    assert prepared.frames == len(prepared.pcm) // 2
    assert abs(prepared.duration - 1.0) < 0.01


def test_to_payload_passes_bytes_through() -> None:
    pcm = bytes(640)
    assert to_payload(pcm, 1, Encoding.PCM_S16LE) is pcm
    assert to_payload(bytearray(8), 2, Encoding.PCM_S16LE) == bytes(8)
    assert to_payload(memoryview(bytes(8)), 1, Encoding.PCM_F32LE) == bytes(8)


@pytest.mark.parametrize(
    ("size", "channels", "encoding"),
    [(3, 1, Encoding.PCM_S16LE), (6, 2, Encoding.PCM_S16LE), (6, 1, Encoding.PCM_F32LE)],
)
def test_to_payload_refuses_partial_frames(size: int, channels: int, encoding: Encoding) -> None:
    with pytest.raises(AudioSourceError, match="frames"):
        to_payload(bytes(size), channels, encoding)


def test_to_payload_encodes_numpy_samples_in_the_stream_format() -> None:
    stereo_int = np.array([[1, -1], [2, -2]], dtype=np.int16)
    assert to_payload(stereo_int, 2, Encoding.PCM_S16LE) == stereo_int.astype("<i2").tobytes()
    mono_float = np.array([0.5, -0.5], dtype=np.float32)
    assert to_payload(mono_float, 1, Encoding.PCM_S16LE) == np.array([16384, -16384], dtype="<i2").tobytes()
    assert to_payload(stereo_int, 2, Encoding.PCM_F32LE) == (stereo_int / 32768).astype("<f4").tobytes()


@pytest.mark.parametrize(("shape", "channels"), [((10, 2), 1), ((10,), 2), ((10, 3), 2)])
def test_to_payload_refuses_samples_of_another_channel_count(shape: tuple[int, ...], channels: int) -> None:
    with pytest.raises(AudioSourceError, match="do not fit"):
        to_payload(np.zeros(shape, dtype=np.float32), channels, Encoding.PCM_S16LE)
