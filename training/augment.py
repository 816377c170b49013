"""Audio augmentation that makes a model robust to speakers and channels (pure numpy/scipy).

Each function takes float32 mono samples in [-1, 1] and returns new ones:
- `speed_perturb`: tempo and pitch together (a resampling, as Kaldi's 0.9/1.0/1.1 recipe);
- `vocal_tract_warp`: vocal-tract-length perturbation, the spectrum's frequency axis stretched
  (VTLP: a longer or shorter vocal tract, i.e. another speaker's formants), duration kept;
- `add_noise`: white, pink or brown noise at a given signal-to-noise ratio;
- `reverberate`: a simulated room (exponentially decaying impulse response of a given RT60);
- `telephone_channel`: 300-3400 Hz band, 8 kHz, G.711 mu-law round trip, back to the input rate.
`random_chain` draws one combination per utterance from a seeded generator, so an augmented
corpus is the same on every run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy import signal

from streamscribe.g711 import MULAW_TO_S16, encode_mulaw
from streamscribe.pcm import S16_SCALE, float_to_s16

TELEPHONE_RATE = 8000
TELEPHONE_BAND_HZ = (300.0, 3400.0)
NOISE_KINDS = ("white", "pink", "brown")
SPEEDS = (0.9, 1.0, 1.1)
SNRS_DB = (5.0, 10.0, 20.0, 30.0)


def speed_perturb(audio: np.ndarray, factor: float) -> np.ndarray:
    """Play `factor` times faster (1.1: 10 % shorter and higher), by resampling."""
    ratio = Fraction(factor).limit_denominator(50)
    return signal.resample_poly(audio, ratio.denominator, ratio.numerator).astype(np.float32)


def vocal_tract_warp(audio: np.ndarray, sample_rate: int, alpha: float, boundary_hz: float = 4800.0) -> np.ndarray:
    """Frequencies below `boundary_hz` scaled by `alpha` (> 1: a shorter vocal tract), the rest
    mapped linearly so the band edge stays put (Jaitly & Hinton's VTLP); duration unchanged."""
    n_fft, hop = 512, 128
    _, _, spectrum = signal.stft(audio, fs=sample_rate, nperseg=n_fft, noverlap=n_fft - hop)
    freqs = np.linspace(0.0, sample_rate / 2, spectrum.shape[0])
    nyquist = sample_rate / 2
    knee = boundary_hz * min(alpha, 1.0) / alpha
    # source frequency read for each output frequency (the inverse of the warp)
    warped = np.where(
        freqs <= knee * alpha, freqs / alpha,
        knee + (freqs - knee * alpha) * (nyquist - knee) / (nyquist - knee * alpha),
    )
    source_bin = warped / nyquist * (spectrum.shape[0] - 1)
    low = np.clip(np.floor(source_bin).astype(int), 0, spectrum.shape[0] - 1)
    high = np.clip(low + 1, 0, spectrum.shape[0] - 1)
    weight = (source_bin - low)[:, None]
    warped_spectrum = spectrum[low] * (1 - weight) + spectrum[high] * weight
    _, out = signal.istft(warped_spectrum, fs=sample_rate, nperseg=n_fft, noverlap=n_fft - hop)
    return fit_length(out, len(audio)).astype(np.float32)


def coloured_noise(rng: np.random.Generator, length: int, kind: str) -> np.ndarray:
    """Unit-RMS noise whose power falls as 1/f^0 (white), 1/f (pink) or 1/f^2 (brown)."""
    exponent = NOISE_KINDS.index(kind) / 2
    spectrum = np.fft.rfft(rng.standard_normal(length))
    spectrum /= np.maximum(np.arange(len(spectrum)), 1) ** exponent
    noise = np.fft.irfft(spectrum, n=length)
    return (noise / (np.sqrt(np.mean(noise**2)) + 1e-12)).astype(np.float32)


def add_noise(audio: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """`audio` plus `noise` scaled to `snr_db` below the speech power."""
    speech_power = float(np.mean(audio**2)) + 1e-12
    noise_power = float(np.mean(noise**2)) + 1e-12
    scale = np.sqrt(speech_power / (noise_power * 10 ** (snr_db / 10)))
    return (audio + scale * noise[: len(audio)]).astype(np.float32)


def room_impulse_response(rng: np.random.Generator, sample_rate: int, rt60: float) -> np.ndarray:
    """A simulated room: a direct path, then diffuse noise decaying by 60 dB over `rt60` seconds."""
    length = max(2, int(rt60 * sample_rate))
    t = np.arange(length) / sample_rate
    tail = rng.standard_normal(length) * np.exp(-6.9 * t / rt60) * 0.3
    tail[: int(0.002 * sample_rate)] = 0.0  # first reflections arrive after ~2 ms
    tail[0] = 1.0
    return tail.astype(np.float32)


def reverberate(audio: np.ndarray, impulse_response: np.ndarray) -> np.ndarray:
    """`audio` as heard in the room, same length and peak level."""
    wet = signal.fftconvolve(audio, impulse_response)[: len(audio)]
    return rescale_peak(wet, float(np.max(np.abs(audio))))


def mulaw_round_trip(audio: np.ndarray) -> np.ndarray:
    """Samples encoded to G.711 mu-law bytes and decoded again (8-bit companded quantisation)."""
    codes = np.frombuffer(encode_mulaw(float_to_s16(audio)), dtype=np.uint8)
    return MULAW_TO_S16[codes].astype(np.float32) / np.float32(S16_SCALE)


def telephone_channel(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """What a narrow-band phone call delivers: band-passed, 8 kHz, mu-law, back at `sample_rate`."""
    band = signal.butter(4, TELEPHONE_BAND_HZ, btype="bandpass", fs=sample_rate, output="sos")
    narrow = signal.resample_poly(signal.sosfilt(band, audio), TELEPHONE_RATE, sample_rate)
    coded = mulaw_round_trip(narrow)
    return fit_length(signal.resample_poly(coded, sample_rate, TELEPHONE_RATE), len(audio)).astype(np.float32)


def fit_length(audio: np.ndarray, length: int) -> np.ndarray:
    """Cut or zero-pad to `length` samples."""
    return audio[:length] if len(audio) >= length else np.pad(audio, (0, length - len(audio)))


def rescale_peak(audio: np.ndarray, peak: float) -> np.ndarray:
    """Scaled so its largest magnitude is `peak`."""
    current = float(np.max(np.abs(audio))) if len(audio) else 0.0
    return (audio * (peak / current) if current > 0 else audio).astype(np.float32)


@dataclass(frozen=True)
class AugmentationChain:
    """One utterance's augmentation, applied in this order (None: step skipped)."""

    speed: float = 1.0
    warp: float | None = None
    rt60: float | None = None
    noise: str | None = None
    snr_db: float | None = None
    telephone: bool = False
    seed: int = 0

    def describe(self) -> str:
        parts = [f"speed {self.speed}"]
        parts += [f"vtlp {self.warp:.2f}"] if self.warp else []
        parts += [f"room rt60 {self.rt60:.2f}s"] if self.rt60 else []
        parts += [f"{self.noise} noise {self.snr_db:.0f} dB"] if self.noise else []
        parts += ["telephone"] if self.telephone else []
        return ", ".join(parts)


def random_chain(rng: random.Random, telephone_probability: float = 0.3) -> AugmentationChain:
    """A random chain: speed 0.9/1.0/1.1; VTLP 0.88-1.12 (half the time); a room with RT60
    0.2-0.8 s (30 %); noise at 5-30 dB SNR (50 %); the telephone channel (`telephone_probability`)."""
    noisy = rng.random() < 0.5
    return AugmentationChain(
        speed=rng.choice(SPEEDS),
        warp=round(rng.uniform(0.88, 1.12), 3) if rng.random() < 0.5 else None,
        rt60=round(rng.uniform(0.2, 0.8), 2) if rng.random() < 0.3 else None,
        noise=rng.choice(NOISE_KINDS) if noisy else None,
        snr_db=rng.choice(SNRS_DB) if noisy else None,
        telephone=rng.random() < telephone_probability,
        seed=rng.randrange(2**31),
    )


def apply_chain(audio: np.ndarray, sample_rate: int, chain: AugmentationChain) -> np.ndarray:
    """`audio` through every step of `chain`, peak-limited to [-1, 1]."""
    rng = np.random.default_rng(chain.seed)
    out = speed_perturb(audio, chain.speed) if chain.speed != 1.0 else audio.astype(np.float32)
    if chain.warp:
        out = vocal_tract_warp(out, sample_rate, chain.warp)
    if chain.rt60:
        out = reverberate(out, room_impulse_response(rng, sample_rate, chain.rt60))
    if chain.noise and chain.snr_db is not None:
        out = add_noise(out, coloured_noise(rng, len(out), chain.noise), chain.snr_db)
    if chain.telephone:
        out = telephone_channel(out, sample_rate)
    peak = float(np.max(np.abs(out))) if len(out) else 0.0
    return rescale_peak(out, 0.95) if peak > 0.95 else out
