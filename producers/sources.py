"""Audio in, contract PCM out: reading files and buffers, conforming, encoding, cutting chunks.

Pure: no Kafka here. Audio is held as float32 samples of shape (frames, channels) in -1..1.
Files and in-memory bytes are read with libsndfile (WAV, FLAC, OGG, MP3, …); what it cannot
read is decoded by an `ffmpeg` subprocess.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from producers.errors import AudioSourceError
from streamscribe.contracts import MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, AudioFormat, Encoding
from streamscribe.g711 import ALAW_TO_S16, MULAW_TO_S16, encode_alaw, encode_mulaw
from streamscribe.pcm import float_to_s16

MAX_CONTRACT_CHANNELS = 2
FFMPEG_TIMEOUT_S = 300


@dataclass(frozen=True)
class Audio:
    """Float samples in -1..1, shape (frames, channels), at `sample_rate`."""

    samples: np.ndarray
    sample_rate: int

    @property
    def channels(self) -> int:
        """Channel count."""
        return int(self.samples.shape[1])

    @property
    def frames(self) -> int:
        """Sample frames (one sample of every channel)."""
        return int(self.samples.shape[0])

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.sample_rate


def read_audio(source: str | Path | bytes) -> Audio:
    """Decode an audio file (path) or the bytes of one; ffmpeg covers what libsndfile cannot."""
    if not isinstance(source, bytes) and not Path(source).is_file():
        raise AudioSourceError(f"no such audio file: {source}")
    try:
        samples, rate = soundfile.read(
            io.BytesIO(source) if isinstance(source, bytes) else source, dtype="float32", always_2d=True
        )
    except soundfile.LibsndfileError:
        samples, rate = _decode_with_ffmpeg(source)
    return Audio(samples, int(rate))


def _decode_with_ffmpeg(source: str | Path | bytes) -> tuple[np.ndarray, int]:
    """Decode with an ffmpeg subprocess into float WAV on a pipe, then read that."""
    name = "<bytes>" if isinstance(source, bytes) else str(source)
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise AudioSourceError(f"{name}: libsndfile cannot read it and ffmpeg is not installed")
    from_memory = isinstance(source, bytes)
    command = [
        ffmpeg,
        "-v",
        "error",
        "-i",
        "pipe:0" if from_memory else name,
        "-f",
        "wav",
        "-c:a",
        "pcm_f32le",
        "pipe:1",
    ]
    result = subprocess.run(
        command,
        input=source if from_memory else None,
        stdin=None if from_memory else subprocess.DEVNULL,
        capture_output=True,
        timeout=FFMPEG_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0 or not result.stdout:
        lines = result.stderr.decode(errors="replace").strip().splitlines()
        raise AudioSourceError(f"{name}: not a readable audio file ({lines[-1] if lines else 'no audio'})")
    samples, rate = soundfile.read(io.BytesIO(result.stdout), dtype="float32", always_2d=True)
    return samples, int(rate)


def from_array(samples: np.ndarray, sample_rate: int) -> Audio:
    """Audio from a numpy array: float (-1..1) or integer PCM, shape (frames,) or (frames, channels)."""
    array = np.asarray(samples)
    if array.ndim == 1:
        array = array[:, np.newaxis]
    if array.ndim != 2 or array.shape[1] < 1:
        raise AudioSourceError(f"samples must have shape (frames,) or (frames, channels), got {array.shape}")
    if sample_rate <= 0:
        raise AudioSourceError(f"sample_rate must be positive, got {sample_rate}")
    return Audio(_as_float32(array), sample_rate)


def _as_float32(array: np.ndarray) -> np.ndarray:
    if np.issubdtype(array.dtype, np.floating):
        return array.astype(np.float32, copy=False)
    if np.issubdtype(array.dtype, np.signedinteger):
        return (array / float(2 ** (8 * array.dtype.itemsize - 1))).astype(np.float32)
    if np.issubdtype(array.dtype, np.unsignedinteger):
        middle = float(2 ** (8 * array.dtype.itemsize - 1))
        return ((array - middle) / middle).astype(np.float32)
    raise AudioSourceError(f"samples must be float or integer PCM, got dtype {array.dtype}")


def from_pcm(
    pcm: bytes, sample_rate: int, channels: int = 1, encoding: Encoding | str = Encoding.PCM_S16LE
) -> Audio:
    """Audio from raw interleaved little-endian PCM bytes."""
    encoding = Encoding(encoding)
    frame_bytes = encoding.sample_width * channels
    if channels < 1 or len(pcm) % frame_bytes:
        raise AudioSourceError(f"{len(pcm)} bytes is not a whole number of {frame_bytes}-byte frames")
    if encoding in _G711:
        samples = _G711[encoding][0][np.frombuffer(pcm, dtype=np.uint8)]
    else:
        samples = np.frombuffer(pcm, dtype="<i2" if encoding is Encoding.PCM_S16LE else "<f4")
    return from_array(samples.reshape(-1, channels), sample_rate)


def conform(audio: Audio, target_sample_rate: int = 16_000) -> Audio:
    """Audio the contract accepts: more than 2 channels mixed down to mono, and a rate
    outside 8000..48000 Hz resampled to `target_sample_rate`. Anything else is kept as is."""
    samples = audio.samples
    if audio.channels > MAX_CONTRACT_CHANNELS:
        samples = samples.mean(axis=1, keepdims=True, dtype=np.float32)
    conformed = Audio(samples, audio.sample_rate)
    if not MIN_SAMPLE_RATE <= audio.sample_rate <= MAX_SAMPLE_RATE:
        return resample(conformed, target_sample_rate)
    return conformed


def resample(audio: Audio, sample_rate: int) -> Audio:
    """High-quality resampling with soxr (librosa's own default backend, without librosa's import cost)."""
    if audio.sample_rate == sample_rate:
        return audio
    import soxr  # noqa: PLC0415 - only when a source needs resampling

    samples = soxr.resample(audio.samples, audio.sample_rate, sample_rate, quality="HQ")
    return Audio(np.ascontiguousarray(samples, dtype=np.float32).reshape(-1, audio.channels), sample_rate)


def encode(samples: np.ndarray, encoding: Encoding | str = Encoding.PCM_S16LE) -> bytes:
    """Interleaved little-endian PCM bytes of float samples (s16 clips to its range)."""
    encoding = Encoding(encoding)
    if encoding is Encoding.PCM_F32LE:
        return np.ascontiguousarray(samples, dtype="<f4").tobytes()
    s16 = float_to_s16(samples)
    return _G711[encoding][1](s16) if encoding in _G711 else s16.tobytes()


# G.711 encodings: (code -> 16-bit linear table, 16-bit linear -> codes encoder)
_G711 = {Encoding.PCM_MULAW: (MULAW_TO_S16, encode_mulaw), Encoding.PCM_ALAW: (ALAW_TO_S16, encode_alaw)}


def frames_per_chunk(sample_rate: int, chunk_ms: int) -> int:
    """Frames in one chunk of `chunk_ms` milliseconds (at least one)."""
    return max(1, round(sample_rate * chunk_ms / 1000))


def cut_chunks(pcm: bytes, chunk_bytes: int) -> Iterator[bytes]:
    """Consecutive slices of `pcm` of `chunk_bytes` (the last may be shorter)."""
    view = memoryview(pcm)
    for start in range(0, len(pcm), chunk_bytes):
        yield bytes(view[start : start + chunk_bytes])


@dataclass(frozen=True)
class ContractAudio:
    """A source made ready for `audio.chunks`: its PCM bytes and the format to announce."""

    pcm: bytes
    format: AudioFormat

    @property
    def frames(self) -> int:
        """Sample frames in the whole source."""
        return len(self.pcm) // self.format.frame_bytes

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.format.sample_rate

    def chunks(self, chunk_ms: int) -> Iterator[bytes]:
        """The PCM cut into chunks of `chunk_ms` milliseconds."""
        return cut_chunks(self.pcm, frames_per_chunk(self.format.sample_rate, chunk_ms) * self.format.frame_bytes)


def prepare(
    audio: Audio, target_sample_rate: int = 16_000, encoding: Encoding | str = Encoding.PCM_S16LE
) -> ContractAudio:
    """Conform `audio` to the contract and encode it."""
    conformed = conform(audio, target_sample_rate)
    encoding = Encoding(encoding)
    return ContractAudio(
        encode(conformed.samples, encoding), AudioFormat(conformed.sample_rate, conformed.channels, encoding)
    )


def to_payload(data: bytes | bytearray | memoryview | np.ndarray, channels: int, encoding: Encoding) -> bytes:
    """PCM bytes of one write: bytes pass through, numpy samples are encoded.

    Arrays are (frames,) for mono or (frames, channels); float in -1..1 or integer PCM.
    Raises AudioSourceError when the data is not whole frames of the stream's format.
    """
    if isinstance(data, np.ndarray):
        return _array_payload(data, channels, encoding)
    payload = data if type(data) is bytes else bytes(data)
    frame_bytes = encoding.sample_width * channels
    if len(payload) % frame_bytes:
        raise AudioSourceError(
            f"{len(payload)} bytes is not a whole number of {frame_bytes}-byte frames "
            f"({channels} channel(s) of {encoding.value})"
        )
    return payload


def _array_payload(samples: np.ndarray, channels: int, encoding: Encoding) -> bytes:
    shape_ok = (samples.ndim == 1 and channels == 1) or (samples.ndim == 2 and samples.shape[1] == channels)
    if not shape_ok:
        raise AudioSourceError(f"samples of shape {samples.shape} do not fit a {channels}-channel stream")
    if samples.dtype == np.int16 and encoding is Encoding.PCM_S16LE:
        return samples.astype("<i2", copy=False).tobytes()
    return encode(_as_float32(samples), encoding)
