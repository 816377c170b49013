"""Recognizer fixtures: a small random-weight CTC model saved as `.nemo`, test audio, a KenLM.

The random model is enough for what must hold for *any* model (pipeline = offline equality,
delivery guarantees); accuracy tests use the trained model shipped in recognizer/models/.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

LABELS = [" ", *"abcdefghijklmnopqrstuvwxyz", "'"]
SAMPLE_RATE = 16_000


def tiny_ctc_config() -> dict:
    """A QuartzNet-like character CTC model (stride 2) small enough to build in a second."""
    return {
        "sample_rate": SAMPLE_RATE,
        "labels": LABELS,
        "preprocessor": {
            "_target_": "nemo.collections.asr.modules.AudioToMelSpectrogramPreprocessor",
            "sample_rate": SAMPLE_RATE, "normalize": "per_feature", "window_size": 0.025,
            "window_stride": 0.01, "window": "hann", "features": 32, "n_fft": 512,
            "dither": 1e-5, "pad_to": 16,
        },
        "encoder": {
            "_target_": "nemo.collections.asr.modules.ConvASREncoder",
            "feat_in": 32, "activation": "relu", "conv_mask": True,
            "jasper": [
                {"filters": 64, "repeat": 1, "kernel": [11], "stride": [2], "dilation": [1],
                 "dropout": 0.0, "residual": False, "separable": True},
                {"filters": 64, "repeat": 2, "kernel": [13], "stride": [1], "dilation": [1],
                 "dropout": 0.0, "residual": True, "separable": True},
                {"filters": 96, "repeat": 1, "kernel": [1], "stride": [1], "dilation": [1],
                 "dropout": 0.0, "residual": False},
            ],
        },
        "decoder": {
            "_target_": "nemo.collections.asr.modules.ConvASRDecoder",
            "feat_in": 96, "num_classes": len(LABELS), "vocabulary": LABELS,
        },
    }


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weight EncDecCTCModel (fixed seed) saved as a `.nemo` file."""
    import torch
    from nemo.collections.asr.models import EncDecCTCModel
    from omegaconf import OmegaConf

    torch.manual_seed(1234)
    model = EncDecCTCModel(cfg=OmegaConf.create(tiny_ctc_config()))
    path = tmp_path_factory.mktemp("model") / "tiny-random.nemo"
    model.save_to(str(path))
    return path


@pytest.fixture(scope="session")
def tiny_model(tiny_model_path: Path):
    """The tiny model loaded for the pipeline, on the CPU."""
    from recognizer.model import AcousticModel

    return AcousticModel.load(tiny_model_path, device="cpu")


def noise_like_speech(seconds: float, seed: int) -> np.ndarray:
    """Deterministic band-limited noise bursts: audio whose features vary over time."""
    rng = np.random.default_rng(seed)
    samples = int(seconds * SAMPLE_RATE)
    envelope = np.repeat(rng.uniform(0.0, 1.0, size=samples // 1600 + 1), 1600)[:samples]
    tone = np.sin(2 * np.pi * rng.uniform(100, 400) * np.arange(samples) / SAMPLE_RATE)
    return (0.3 * envelope * (0.5 * tone + 0.5 * rng.standard_normal(samples))).astype(np.float32)


def make_segments(stream_id: str, durations: list[float], seed: int = 0, final: bool = True):
    """Consecutive segments of one stream, the last one marked end-of-stream."""
    from streamscribe.pcm import float_to_pcm_s16le
    from streamscribe.contracts import EmitReason, Segment, SegmentHeaders

    segments, start = [], 0
    for index, seconds in enumerate(durations):
        pcm = float_to_pcm_s16le(noise_like_speech(seconds, seed * 1000 + index))
        headers = SegmentHeaders(index, start, EmitReason.PAUSE, final=final, eos=index == len(durations) - 1)
        segments.append(Segment(stream_id, headers, pcm))
        start += len(pcm) // 2
    return segments


def produce_segments(bootstrap: str, topic: str, segments, produced_at_ms: int | None = None) -> None:
    """Write segments to `topic` as the stream app does (key, PCM, headers), then flush."""
    from dataclasses import replace

    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for segment in segments:
        if produced_at_ms is not None:
            segment = replace(segment, headers=replace(segment.headers, produced_at_ms=produced_at_ms))
        key, value, headers = segment.encode()
        producer.produce(topic, key=key, value=value, headers=headers)
    assert producer.flush(30) == 0, "segments not delivered"


SENTENCES = (
    "the quick brown fox jumps over the lazy dog",
    "please call me back when you get this message",
    "it is going to rain later this afternoon",
)


@pytest.fixture(scope="session")
def spoken_segments(tmp_path_factory: pytest.TempPathFactory) -> list:
    """Real speech (espeak-ng, resampled to 16 kHz by sox), one final segment per sentence."""
    import subprocess

    import soundfile

    from streamscribe.pcm import float_to_pcm_s16le
    from streamscribe.contracts import EmitReason, Segment, SegmentHeaders

    folder = tmp_path_factory.mktemp("speech")
    segments, start = [], 0
    for index, sentence in enumerate(SENTENCES):
        raw, wav = folder / f"{index}-22k.wav", folder / f"{index}.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(raw), sentence], check=True, capture_output=True)
        subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav)], check=True)
        pcm = float_to_pcm_s16le(soundfile.read(wav, dtype="float32")[0])
        segments.append(Segment("spoken", SegmentHeaders(index, start, EmitReason.PAUSE), pcm))
        start += len(pcm) // 2
    return segments
