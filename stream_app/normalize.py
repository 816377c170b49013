"""Normalising a stream's audio to 16 kHz mono s16le, chunk by chunk, as one pure definition.

The definition (what a stream's final segments concatenate to) is `normalize(pcm, fmt)`:

1. decode: `pcm_s16le` samples / 32768, `pcm_f32le` as is (NaN → 0), `pcm_mulaw`/`pcm_alaw`
   through the G.711 table to 16-bit linear, then / 32768, as float32;
2. downmix: the mean of the channels, `(left + right) * 0.5`;
3. resample to 16 kHz with a polyphase FIR: the rational ratio up/down = 16000/rate in lowest
   terms, a Kaiser-windowed sinc low-pass (16 zero crossings a side, cut-off at 0.945 of the
   lower Nyquist frequency), the signal taken as zero before its start and after its end, and
   `ceil(n_in * up / down)` output samples, output n centred on input time n·down/up;
4. quantise: `rint(y * 32768)` clipped to int16, little-endian.

16 kHz input skips step 3; 16 kHz mono s16le is passed through byte for byte.

`StreamNormalizer` computes the same thing incrementally: every output sample is one dot
product over the same inputs with the same coefficients in the same order whichever chunk
brings its last input, so chunking never changes a single bit of the output. Its state
(`ResamplerState`: inputs consumed, outputs produced, the few inputs still needed) is small and
serialisable, so a stream can be resumed from any chunk boundary after a restart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numba
import numpy as np

from streamscribe.contracts.chunk import AudioFormat, Encoding
from streamscribe.contracts.segment import SEGMENT_SAMPLE_RATE
from streamscribe.g711 import ALAW_TO_S16, MULAW_TO_S16
from streamscribe.pcm import S16_SCALE

ZERO_CROSSINGS = 16
ROLLOFF = 0.945
KAISER_BETA = 8.6
_EMPTY = np.zeros(0, dtype=np.float32)
# G.711 code -> float sample, exactly what decoding the 16-bit linear value as s16 gives
_G711_FLOAT = {
    Encoding.PCM_MULAW: (MULAW_TO_S16 / np.float32(S16_SCALE)).astype(np.float32),
    Encoding.PCM_ALAW: (ALAW_TO_S16 / np.float32(S16_SCALE)).astype(np.float32),
}


def is_passthrough(fmt: AudioFormat) -> bool:
    """True when the input already is 16 kHz mono s16le, the segments' own format."""
    return fmt.sample_rate == SEGMENT_SAMPLE_RATE and fmt.channels == 1 and fmt.encoding is Encoding.PCM_S16LE


@dataclass(frozen=True, slots=True)
class PolyphaseFilter:
    """A resampling filter split into `up` phases of `taps` coefficients (reversed, float32)."""

    up: int
    down: int
    delay: int
    bank: np.ndarray

    @property
    def taps(self) -> int:
        """Coefficients per output sample."""
        return self.bank.shape[1]

    def first_input(self, output_index: int) -> int:
        """Index of the earliest input sample output `output_index` reads."""
        return (output_index * self.down + self.delay) // self.up - self.taps + 1

    def available_outputs(self, inputs: int) -> int:
        """How many outputs can be computed once `inputs` samples have arrived."""
        return max(0, (inputs * self.up - 1 - self.delay) // self.down + 1)

    def total_outputs(self, inputs: int) -> int:
        """Length of the whole output for a signal of `inputs` samples."""
        return -(-inputs * self.up // self.down)


@lru_cache(maxsize=None)
def polyphase_filter(sample_rate: int) -> PolyphaseFilter:
    """The filter that resamples `sample_rate` to 16 kHz (cached: one per input rate)."""
    divisor = math.gcd(SEGMENT_SAMPLE_RATE, sample_rate)
    up, down = SEGMENT_SAMPLE_RATE // divisor, sample_rate // divisor
    slower = max(up, down)
    delay = ZERO_CROSSINGS * slower
    length = 2 * delay + 1
    cutoff = ROLLOFF * 0.5 / slower  # cycles per sample at the upsampled rate
    offsets = np.arange(length) - delay
    prototype = up * 2 * cutoff * np.sinc(2 * cutoff * offsets) * np.kaiser(length, KAISER_BETA)
    taps = -(-length // up)
    padded = np.zeros(taps * up)
    padded[:length] = prototype
    # phase p, tap t multiplies input (m // up - t); reversed so the kernel walks inputs forwards
    bank = padded.reshape(taps, up).T[:, ::-1]
    return PolyphaseFilter(up, down, delay, np.ascontiguousarray(bank, dtype=np.float32))


@numba.njit(cache=True, fastmath=True, nogil=True)
def _polyphase(  # pragma: no cover - compiled
    inputs: np.ndarray, inputs_start: int, bank: np.ndarray, up: int, down: int, delay: int,
    first_output: int, out: np.ndarray,
) -> None:
    taps = bank.shape[1]
    for j in range(out.shape[0]):
        position = (first_output + j) * down + delay
        start = position // up - taps + 1 - inputs_start
        coefficients = bank[position % up]
        window = inputs[start:start + taps]
        acc = np.float32(0.0)
        for t in range(taps):
            acc += coefficients[t] * window[t]
        out[j] = acc


@numba.njit(cache=True, nogil=True)
def _decode_s16(raw: np.ndarray, channels: int) -> np.ndarray:  # pragma: no cover - compiled
    scale = np.float32(1.0 / S16_SCALE)
    out = np.empty(raw.shape[0] // channels, dtype=np.float32)
    if channels == 1:
        for i in range(out.shape[0]):
            out[i] = np.float32(raw[i]) * scale
    else:
        for i in range(out.shape[0]):
            left = np.float32(raw[2 * i]) * scale
            right = np.float32(raw[2 * i + 1]) * scale
            out[i] = (left + right) * np.float32(0.5)
    return out


@numba.njit(cache=True, nogil=True)
def _decode_f32(raw: np.ndarray, channels: int) -> np.ndarray:  # pragma: no cover - compiled
    out = np.empty(raw.shape[0] // channels, dtype=np.float32)
    for i in range(out.shape[0]):
        left = raw[channels * i]
        left = np.float32(0.0) if np.isnan(left) else left
        if channels == 1:
            out[i] = left
        else:
            right = raw[2 * i + 1]
            right = np.float32(0.0) if np.isnan(right) else right
            out[i] = (left + right) * np.float32(0.5)
    return out


@numba.njit(cache=True, nogil=True)
def _decode_table(raw: np.ndarray, table: np.ndarray, channels: int) -> np.ndarray:  # pragma: no cover
    out = np.empty(raw.shape[0] // channels, dtype=np.float32)
    if channels == 1:
        for i in range(out.shape[0]):
            out[i] = table[raw[i]]
    else:
        for i in range(out.shape[0]):
            out[i] = (table[raw[2 * i]] + table[raw[2 * i + 1]]) * np.float32(0.5)
    return out


@numba.njit(cache=True, nogil=True)
def _quantize(samples: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    out = np.empty(samples.shape[0], dtype=np.int16)
    for i in range(samples.shape[0]):
        value = np.rint(samples[i] * np.float32(S16_SCALE))
        out[i] = np.int16(min(max(value, -32768.0), 32767.0))
    return out


class ResamplerState(NamedTuple):
    """Where a stream's resampler stands: counts in input and output samples, and the inputs
    (mono float32, the last `len(history)` consumed) that later outputs still read."""

    consumed: int = 0
    produced: int = 0
    history: np.ndarray = _EMPTY

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ResamplerState):
            return NotImplemented
        return self[:2] == other[:2] and np.array_equal(self.history, other.history)

    __hash__ = None  # type: ignore[assignment]


class StreamResampler:
    """Streaming polyphase resampler of one mono stream to 16 kHz."""

    __slots__ = ("_filter", "_state")

    def __init__(self, sample_rate: int, state: ResamplerState | None = None) -> None:
        self._filter = polyphase_filter(sample_rate)
        if state is None:
            lead_in = max(0, -self._filter.first_input(0))
            state = ResamplerState(history=np.zeros(lead_in, dtype=np.float32))
        self._state = state

    @property
    def state(self) -> ResamplerState:
        """The current state (immutable: safe to keep as a resume point)."""
        return self._state

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Consume mono float32 input; return the output samples it completes."""
        state = self._state
        consumed = state.consumed + len(samples)
        return self._advance(samples, consumed, self._filter.available_outputs(consumed))

    def finish(self) -> np.ndarray:
        """The outputs that wait for input after the end (read as zeros)."""
        flt, state = self._filter, self._state
        total = flt.total_outputs(state.consumed)
        if total <= state.produced:
            return _EMPTY
        needed = (total - 1) * flt.down + flt.delay
        padding = np.zeros(max(0, needed // flt.up + 1 - state.consumed), dtype=np.float32)
        return self._advance(padding, state.consumed, total)

    def _advance(self, samples: np.ndarray, consumed: int, outputs_until: int) -> np.ndarray:
        flt, state = self._filter, self._state
        inputs = np.concatenate((state.history, samples)) if len(state.history) else samples
        inputs_start = state.consumed - len(state.history)
        out = np.empty(max(0, outputs_until - state.produced), dtype=np.float32)
        if len(out):
            _polyphase(inputs, inputs_start, flt.bank, flt.up, flt.down, flt.delay, state.produced, out)
        produced = state.produced + len(out)
        keep_from = min(flt.first_input(produced), state.consumed + len(samples)) - inputs_start
        history = inputs[max(0, keep_from):].copy()
        self._state = ResamplerState(consumed, produced, history)
        return out


def decode_mono(pcm: bytes, fmt: AudioFormat) -> np.ndarray:
    """Decode PCM bytes to mono float32 samples (steps 1 and 2 of the definition)."""
    if fmt.encoding is Encoding.PCM_S16LE:
        return _decode_s16(np.frombuffer(pcm, dtype="<i2"), fmt.channels)
    table = _G711_FLOAT.get(fmt.encoding)
    if table is not None:
        return _decode_table(np.frombuffer(pcm, dtype=np.uint8), table, fmt.channels)
    return _decode_f32(np.frombuffer(pcm, dtype="<f4"), fmt.channels)


def quantize(samples: np.ndarray) -> bytes:
    """Float samples in [-1, 1] to s16le bytes (step 4 of the definition)."""
    return _quantize(samples).tobytes()


class StreamNormalizer:
    """Incremental `normalize` of one stream: push chunks, then finish at the end."""

    __slots__ = ("_format", "_resampler", "_produced")

    def __init__(self, fmt: AudioFormat, state: ResamplerState | None = None) -> None:
        self._format = fmt
        resamples = fmt.sample_rate != SEGMENT_SAMPLE_RATE
        self._resampler = StreamResampler(fmt.sample_rate, state) if resamples else None
        self._produced = 0 if state is None else state.produced

    @property
    def format(self) -> AudioFormat:
        """The stream's input format."""
        return self._format

    @property
    def state(self) -> ResamplerState:
        """Resume point: replaying the following chunks from here gives the same output."""
        if self._resampler is None:
            return ResamplerState(self._produced, self._produced)
        return self._resampler.state

    @property
    def produced(self) -> int:
        """16 kHz samples output so far."""
        return self._produced

    def push(self, pcm: bytes) -> bytes:
        """Normalise one chunk's payload; returns the 16 kHz mono s16le samples it completes."""
        if is_passthrough(self._format):
            self._produced += len(pcm) // 2
            return pcm
        samples = decode_mono(pcm, self._format)
        if self._resampler is not None:
            samples = self._resampler.push(samples)
        self._produced += len(samples)
        return quantize(samples)

    def finish(self) -> bytes:
        """The last samples, held back by the resampler until the stream's end."""
        if self._resampler is None:
            return b""
        samples = self._resampler.finish()
        self._produced += len(samples)
        return quantize(samples)


def normalize(pcm: bytes, fmt: AudioFormat) -> bytes:
    """A whole stream's audio as 16 kHz mono s16le: the reference its segments must equal."""
    normalizer = StreamNormalizer(fmt)
    return normalizer.push(pcm) + normalizer.finish()
