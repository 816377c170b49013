"""The acoustic model: any CTC-capable NeMo model loaded for batched inference.

Character and BPE CTC models (`EncDecCTCModel` and subclasses: QuartzNet, Jasper, Citrinet,
Conformer-CTC, FastConformer/Parakeet-CTC) run as they are; hybrid RNNT+CTC models
(`EncDecHybridRNNTCTCModel` and its BPE subclass) run their encoder and their CTC head, so one
decoder serves every family. A `.nemo` file or a pretrained name that is in the local cache
loads (recognizer.pretrained); nothing is downloaded.

`AcousticModel.log_probs(batch)` runs the model's own preprocessor, encoder and decoder on a
padded batch with true lengths, in eval mode under `torch.inference_mode()`, and returns each
utterance's CTC log-probabilities trimmed to its own length. Dither is switched off and the
feature padding (`pad_to`) set to 0, as NeMo's `transcribe()` does, so a padded batch gives each
utterance the result it gets alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from recognizer.batching import PaddedBatch
from recognizer.decoding import Vocabulary
from recognizer.pretrained import locate_pretrained
from streamscribe.errors import ConfigurationError

log = logging.getLogger(__name__)


class ModelLoadError(ConfigurationError):
    """The model could not be found, loaded or is not a CTC model."""


def resolve_device(device: str) -> str:
    """`auto` → `cuda` when a GPU is visible, else `cpu`; anything else is checked and kept."""
    import torch  # noqa: PLC0415

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigurationError(f"device {device!r} asked for, but torch sees no CUDA device")
    return device


def ctc_head(module: Any) -> Any:
    """The CTC decoder of a CTC model, or the auxiliary CTC decoder of a hybrid RNNT+CTC model."""
    head = getattr(module, "ctc_decoder", None)  # hybrid models: `decoder` is the RNNT prediction net
    return head if head is not None else module.decoder


def vocabulary_of(module: Any) -> Vocabulary:
    """The CTC output tokens of a character or subword (sentencepiece) model."""
    tokenizer = getattr(module, "tokenizer", None)
    if tokenizer is None:
        return Vocabulary(tuple(ctc_head(module).vocabulary))
    pieces = tuple(tokenizer.ids_to_tokens(list(range(tokenizer.vocab_size))))
    processor = getattr(tokenizer, "tokenizer", None)  # sentencepiece's own: knows unknown/control pieces
    if processor is None or not hasattr(processor, "is_unknown"):
        return Vocabulary(pieces, subword=True)
    return Vocabulary(
        pieces, subword=True,
        unknown_ids=frozenset(i for i in range(len(pieces)) if processor.is_unknown(i)),
        control_ids=frozenset(i for i in range(len(pieces)) if processor.is_control(i)),
    )


def model_path(source: str) -> Path:
    """The `.nemo` file (or unpacked folder) of a path or a cached pretrained name; checked before
    torch and NeMo load, so a wrong name is refused at once."""
    path = Path(source)
    if path.suffix == ".nemo" or path.exists():
        if not path.is_file():
            raise ModelLoadError(f"no model file at {source}")
        return path
    return locate_pretrained(source)


def _restore(source: str, path: Path, device: str) -> Any:
    from nemo.collections.asr.models import ASRModel  # noqa: PLC0415 - heavy
    from nemo.core.connectors.save_restore_connector import SaveRestoreConnector  # noqa: PLC0415

    connector = SaveRestoreConnector()
    if path.is_dir():  # NeMo's unpacked copy of a Hugging Face repository
        connector.model_extracted_dir = str(path)
    try:
        return ASRModel.restore_from(str(path), map_location=device, save_restore_connector=connector)
    except Exception as exc:  # noqa: BLE001 - NeMo raises many kinds for a broken or foreign file
        raise ModelLoadError(f"cannot load {source} ({path}): {type(exc).__name__}: {exc}") from None


@dataclass
class AcousticModel:
    """A CTC model on one device, with what decoding needs to know about its output."""

    module: Any
    name: str
    device: str
    vocabulary: Vocabulary = field(init=False)

    @classmethod
    def load(cls, source: str | Path, device: str = "auto") -> AcousticModel:
        """Load a `.nemo` file or a cached NeMo pretrained name onto `device` (auto: CUDA if any)."""
        path = model_path(str(source))
        from nemo.collections.asr.models import EncDecCTCModel, EncDecHybridRNNTCTCModel  # noqa: PLC0415

        resolved = resolve_device(device)
        module = _restore(str(source), path, resolved)
        if not isinstance(module, EncDecCTCModel | EncDecHybridRNNTCTCModel):
            raise ModelLoadError(
                f"{source} is a {type(module).__name__}: the recognizer serves CTC models and hybrid "
                "RNNT+CTC models (through their CTC head)"
            )
        name = Path(source).stem if Path(source).suffix == ".nemo" else str(source)
        log.info("loaded %s (%s) on %s", name, type(module).__name__, resolved)
        return cls(module, name, resolved)

    def __post_init__(self) -> None:
        featurizer = self.module.preprocessor.featurizer
        featurizer.dither = 0.0
        featurizer.pad_to = 0
        self.module.eval()
        self.vocabulary = vocabulary_of(self.module)

    @property
    def sample_rate(self) -> int:
        """Audio sample rate the model expects."""
        return int(self.module.cfg.sample_rate)

    @property
    def frame_seconds(self) -> float:
        """Duration of one output frame: feature hop × the encoder's subsampling."""
        return float(self.module.cfg.preprocessor.window_stride) * int(self.module.encoder.subsampling_factor)

    @staticmethod
    def use_cpu_threads(count: int) -> None:
        """Run CPU inference from the calling thread on `count` threads.

        Call it in the thread that runs the model: under OpenMP the count is per thread, so a
        worker thread would otherwise not follow what the main thread set.
        """
        import torch  # noqa: PLC0415

        torch.set_num_threads(count)

    def compile_encoder(self) -> None:
        """Replace the encoder by its `torch.compile`d form (dynamic shapes: batches vary in length).

        Measured on the shipped model on CPU: 4.8x faster forward passes with the same text
        (`streamscribe bench speedups`, docs/capacity.md); the first batches pay the compilation.
        """
        import torch  # noqa: PLC0415

        self.module.encoder = torch.compile(self.module.encoder, dynamic=True)

    def use_fast_convolutions(self) -> None:
        """Run the encoder's depthwise and pointwise convolutions on faster CPU paths that compute
        the same function (`recognizer.fast_convolutions`; figures in docs/capacity.md)."""
        from recognizer.fast_convolutions import use_fast_convolutions  # noqa: PLC0415

        switched = use_fast_convolutions(self.module.encoder)
        log.info("%s: %d convolutions on the fast CPU paths", self.name, len(switched))

    def log_probs(self, batch: PaddedBatch) -> list[np.ndarray]:
        """Per batch row, the `[frames, tokens + 1]` float32 log-probabilities (blank last)."""
        import torch  # noqa: PLC0415

        self.module.eval()  # NeMo's transcribe() leaves the encoder in training mode when it returns
        signals = torch.from_numpy(batch.signals).to(self.device)
        lengths = torch.from_numpy(batch.lengths).to(self.device)
        with torch.inference_mode():
            features, feature_lengths = self.module.preprocessor(input_signal=signals, length=lengths)
            encoded, encoded_lengths = self.module.encoder(audio_signal=features, length=feature_lengths)[:2]
            log_probs = ctc_head(self.module)(encoder_output=encoded)
        log_probs = log_probs.float().cpu().numpy()
        return [log_probs[row, : int(n)] for row, n in enumerate(encoded_lengths.cpu())]
