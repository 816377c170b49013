"""Running a trained NeMo CTC model over audio files: log-probabilities and greedy decoding."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from training.errors import TrainingError


def load_ctc_model(path: Path) -> Any:
    """Restore an `EncDecCTCModel` from a `.nemo` file on the CPU, in eval mode."""
    from nemo.collections.asr.models import EncDecCTCModel  # noqa: PLC0415 - heavy

    if not path.is_file():
        raise TrainingError(f"no model at {path}")
    model = EncDecCTCModel.restore_from(str(path), map_location="cpu")
    model.eval()
    return model


def model_labels(model: Any) -> list[str]:
    """The model's characters in output order (the CTC blank comes after them)."""
    return list(model.decoder.vocabulary)


def read_audio(path: str, sample_rate: int) -> np.ndarray:
    """Mono float32 samples of a file already at the model's sample rate."""
    import soundfile  # noqa: PLC0415

    samples, rate = soundfile.read(path, dtype="float32", always_2d=True)
    if rate != sample_rate:
        raise TrainingError(f"{path} is {rate} Hz, the model expects {sample_rate} Hz")
    return samples.mean(axis=1)


def ctc_log_probs(model: Any, paths: Sequence[str], batch_size: int = 16) -> list[np.ndarray]:
    """Per file, the (frames x labels+1) log-probabilities of the model's CTC output."""
    import torch  # noqa: PLC0415

    sample_rate = int(model.cfg.sample_rate)
    outputs: list[np.ndarray] = []
    for start in range(0, len(paths), batch_size):
        batch = [read_audio(path, sample_rate) for path in paths[start : start + batch_size]]
        lengths = torch.tensor([len(samples) for samples in batch])
        signal = torch.zeros(len(batch), int(lengths.max()))
        for row, samples in enumerate(batch):
            signal[row, : len(samples)] = torch.from_numpy(samples)
        with torch.inference_mode():
            log_probs, encoded_lengths, _ = model.forward(input_signal=signal, input_signal_length=lengths)
        outputs.extend(
            log_probs[row, : int(encoded_lengths[row])].numpy() for row in range(len(batch))
        )
    return outputs


def greedy_decode(log_probs: np.ndarray, labels: Sequence[str]) -> str:
    """Best path: most likely label per frame, repeats merged, blanks (last index) removed."""
    best = log_probs.argmax(axis=-1)
    blank = len(labels)
    chars = [labels[i] for n, i in enumerate(best) if i != blank and (n == 0 or i != best[n - 1])]
    return " ".join("".join(chars).split())
