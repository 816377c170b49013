"""A Lightning callback that logs one line per epoch: loss, dev WER, elapsed time."""

from __future__ import annotations

import logging
import time
from typing import Any

from lightning.pytorch.callbacks import Callback

log = logging.getLogger("training.fit")


class EpochSummary(Callback):
    """Log `epoch N/M: train_loss … val_wer … (elapsed)` at the end of each epoch."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        """Runs after the epoch's validation, so the dev WER of this epoch is known."""
        metrics = trainer.callback_metrics
        loss = metrics.get("train_loss")
        wer = metrics.get("val_wer")
        log.info(
            "epoch %d/%d step %d: train_loss %s val_wer %s (%.0f s)",
            trainer.current_epoch + 1, trainer.max_epochs, trainer.global_step,
            "-" if loss is None else f"{float(loss):.3f}", "-" if wer is None else f"{float(wer):.4f}",
            time.monotonic() - self.started,
        )
