"""`streamscribe bench speedups`: CPU speed-ups of the forward pass, measured against eager PyTorch.

For the shipped model and for production-size architectures with random weights
(`--architectures`), on the same speech segments at `--max-batch`:

- `eager`: the recognizer as it runs (PyTorch, fp32, `inference_mode`);
- `int8`: `torch.ao.quantization.quantize_dynamic` of the encoder's and head's Linear layers
  (weights int8, activations quantised on the fly);
- `fastconv`: depthwise convolutions in the channels-last layout and pointwise ones as a matrix
  multiplication (`recognizer.fast_convolutions`);
- `compile`: `torch.compile(encoder, dynamic=True)` (the first batches compile; timed after);
- `onnx`: NeMo's ONNX export of encoder + CTC head run by ONNX Runtime on the CPU (features
  still from NeMo's preprocessor; output lengths from the encoder's subsampling).

Per variant: real-time factor (compute s per audio s, lower is better), speed-up over eager,
and the text agreement with eager: WER of the variant's greedy text against eager's greedy
text (0.0 = the same words) and the largest log-probability difference. A variant is worth
keeping only when faster with a text WER against eager of at most `TEXT_TOLERANCE`.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from streamscribe.cli_settings import Names
from streamscribe.contracts import SEGMENT_SAMPLE_RATE
from tooling.bench.machine import load_average
from tooling.bench.options import BenchOptions
from tooling.bench.recognizer import SHIPPED_SAMPLES, load_audio

log = logging.getLogger(__name__)

VARIANTS = ("eager", "int8", "fastconv", "compile", "onnx")
TEXT_TOLERANCE = 0.01  # WER of a variant's text against eager's


QUICK_HELP = "the shipped model only, 8 segments"  # --quick's help (`streamscribe bench` adds the flag)


class SpeedupsBenchSettings(BaseSettings):
    """The speed-ups benchmark's models, variants and segments."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_BENCH_SPEEDUPS_")

    architectures: Names = Field(
        default=("shipped", "conformer_ctc_large"),
        description="comma-separated: shipped (the shipped model), production presets (random weights) and/or "
        ".nemo files (trained models: the text check means most there)",
    )
    variants: Names = Field(default=VARIANTS, description=f"comma-separated, from {', '.join(VARIANTS)}")
    segments: int = Field(default=16, ge=1, description="speech segments per measurement")
    segment_seconds: float = Field(default=2.0, gt=0, description="audio per segment")
    max_batch: int = Field(default=8, ge=1, description="segments per forward pass")


SETTINGS = SpeedupsBenchSettings  # what `streamscribe bench speedups` builds from its flags


def load(name: str) -> Any:
    """The shipped model, a production preset with random weights or a `.nemo` file, as an
    AcousticModel on the CPU."""
    from recognizer.architectures import PRODUCTION, build_model  # noqa: PLC0415
    from recognizer.model import AcousticModel  # noqa: PLC0415
    from recognizer.settings import SHIPPED_MODEL  # noqa: PLC0415

    if name == "shipped":
        return AcousticModel.load(SHIPPED_MODEL, device="cpu")
    if name not in PRODUCTION:
        return AcousticModel.load(name, device="cpu")
    return AcousticModel(build_model(PRODUCTION[name]), name, "cpu")


def int8_encoder(encoder: Any) -> Any:
    """A copy of the encoder with dynamically quantised Linear layers."""
    import torch  # noqa: PLC0415

    return torch.ao.quantization.quantize_dynamic(encoder, {torch.nn.Linear}, dtype=torch.qint8)


def compiled_encoder(encoder: Any) -> Any:
    """The encoder compiled by torch.compile (shapes vary: dynamic)."""
    import torch  # noqa: PLC0415

    return torch.compile(encoder, dynamic=True)


@contextmanager
def fast_convolutions(model: Any) -> Iterator[Any]:
    """The model with its encoder's convolutions on the fast CPU paths, restored afterwards."""
    from recognizer.fast_convolutions import use_fast_convolutions, use_plain_convolutions  # noqa: PLC0415

    switched = use_fast_convolutions(model.module.encoder)
    try:
        yield model
    finally:
        use_plain_convolutions(switched)


@contextmanager
def encoder_swapped(model: Any, build: Callable[[Any], Any]) -> Iterator[Any]:
    """The model with `build(encoder)` in place of its encoder, restored afterwards (NeMo models
    cannot be deep-copied: their wrapt proxies refuse)."""
    original = model.module.encoder
    model.module.encoder = build(original)
    try:
        yield model
    finally:
        model.module.encoder = original


class OnnxModel:
    """Encoder + CTC head exported by NeMo, run by ONNX Runtime; the model's own preprocessor in front."""

    def __init__(self, model: Any, folder: Path) -> None:
        import onnxruntime  # noqa: PLC0415

        path = folder / f"{model.name}.onnx"
        model.module.export(str(path))
        self.model = model
        self.session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]

    def log_probs(self, batch: Any) -> list[np.ndarray]:
        import torch  # noqa: PLC0415

        module = self.model.module
        with torch.inference_mode():
            features, lengths = module.preprocessor(input_signal=torch.from_numpy(batch.signals),
                                                   length=torch.from_numpy(batch.lengths))
        feeds = {self.inputs[0]: features.numpy()}
        if len(self.inputs) > 1:
            feeds[self.inputs[1]] = lengths.numpy()
        [output] = self.session.run(None, feeds)[:1]
        factor = int(module.encoder.subsampling_factor)
        frames = [min(output.shape[1], -(-int(n) // factor)) for n in lengths]
        return [output[row, :n] for row, n in enumerate(frames)]


def timed_texts(model: Any, segments: list[np.ndarray], max_batch: int) -> tuple[float, list[str], list[np.ndarray]]:
    """RTF of the recognition core with `model` (after one warm-up batch), its greedy texts and log-probs."""
    from recognizer.decoding import greedy_decode  # noqa: PLC0415
    from recognizer.engine import RecognitionEngine, Utterance  # noqa: PLC0415

    engine = RecognitionEngine(model, None, max_batch=max_batch, silence_dbfs=None)  # type: ignore[arg-type]
    engine.forward(segments[:max_batch])
    engine.forward(segments[:max_batch])  # compile: shapes of a second batch too
    started = time.perf_counter()
    utterances: list[Utterance] = engine.forward(segments)
    elapsed = time.perf_counter() - started
    log_probs = [u.log_probs for u in utterances]
    texts = [greedy_decode(lp, model.vocabulary).text for lp in log_probs]
    return elapsed / (sum(len(s) for s in segments) / SEGMENT_SAMPLE_RATE), texts, log_probs


def measure(name: str, variants: list[str], segments: list[np.ndarray], max_batch: int) -> list[dict[str, Any]]:
    """One row per variant for one model."""
    from streamscribe.wer import word_error_rate  # noqa: PLC0415

    model = load(name)
    rows = []
    eager_rtf, eager_texts, eager_lp = timed_texts(model, segments, max_batch)
    rows.append({"model": name, "variant": "eager", "rtf": round(eager_rtf, 4), "speedup": 1.0,
                 "text_wer_vs_eager": 0.0, "max_log_prob_diff": 0.0})
    builders = {"int8": int8_encoder, "compile": compiled_encoder}
    with tempfile.TemporaryDirectory() as folder:
        for variant in (v for v in variants if v != "eager"):
            try:
                if variant == "onnx":
                    built = OnnxModel(model, Path(folder))
                    built.vocabulary, built.sample_rate, built.name = model.vocabulary, model.sample_rate, model.name
                    rtf, texts, log_probs = timed_texts(built, segments, max_batch)
                elif variant == "fastconv":
                    with fast_convolutions(model) as switched:
                        rtf, texts, log_probs = timed_texts(switched, segments, max_batch)
                else:
                    with encoder_swapped(model, builders[variant]) as swapped:
                        rtf, texts, log_probs = timed_texts(swapped, segments, max_batch)
            except Exception as exc:  # noqa: BLE001 - a variant that cannot run is a result too
                log.warning("%s %s failed: %s", name, variant, exc)
                rows.append({"model": name, "variant": variant, "error": f"{type(exc).__name__}: {exc}"[:300]})
                continue
            diff = max(float(np.abs(a[: len(b)] - b[: len(a)]).max()) for a, b in zip(eager_lp, log_probs, strict=True))
            agreement = word_error_rate(eager_texts, texts)
            rows.append({"model": name, "variant": variant, "rtf": round(rtf, 4),
                         "speedup": round(eager_rtf / rtf, 2),
                         "text_wer_vs_eager": None if np.isnan(agreement) else round(agreement, 4),
                         "max_log_prob_diff": round(diff, 4)})
            log.info("%s %s: RTF %.4f (eager %.4f)", name, variant, rtf, eager_rtf)
    return rows


def run(bench: SpeedupsBenchSettings, options: BenchOptions) -> dict[str, object]:
    """Every variant on every model asked for."""
    import torch  # noqa: PLC0415

    names = ["shipped"] if options.quick else list(bench.architectures)
    count = 8 if options.quick else bench.segments
    joined = np.concatenate(load_audio(SHIPPED_SAMPLES))
    step = int(bench.segment_seconds * SEGMENT_SAMPLE_RATE)
    segments = [joined[i * step:(i + 1) * step] for i in range(count)]
    variants = list(bench.variants)
    before = load_average()
    rows = [row for name in names for row in measure(name, variants, segments, bench.max_batch)]
    return {"torch_threads": torch.get_num_threads(), "segments": count, "segment_seconds": bench.segment_seconds,
            "max_batch": bench.max_batch, "text_tolerance": TEXT_TOLERANCE, "variants": rows,
            "load_average_before": before, "load_average_after": load_average()}
