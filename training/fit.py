"""`train fit`: train a NeMo `EncDecCTCModel` from a YAML config, resumable, exported as `.nemo`.

The YAML holds the model (`model:`) and Lightning trainer options (`trainer:`); the settings
fill in the manifests, the language's labels and any epoch/step/batch overrides. Checkpoints go
to `<work_dir>/checkpoints`; with `resume` a re-run continues from `last.ckpt`.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from training.errors import TrainingError
from training.settings import FitSettings
from training.text_normalization import alphabet_for

log = logging.getLogger(__name__)

CHECKPOINT_DIR = "checkpoints"


@dataclass(frozen=True)
class FitResult:
    """What a training run produced."""

    model_path: str
    parameters: int
    epochs: int
    steps: int
    seconds: float
    val_wer: float | None

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


def load_config(settings: FitSettings) -> Any:
    """The YAML config with manifests, labels and overrides from the settings applied."""
    from omegaconf import OmegaConf  # noqa: PLC0415 - heavy

    if not settings.config.is_file():
        raise TrainingError(f"no training config at {settings.config}")
    for manifest in (settings.train_manifest, settings.dev_manifest):
        if not manifest.is_file():
            raise TrainingError(f"no manifest at {manifest}: run `streamscribe train prepare` first")
    cfg = OmegaConf.load(settings.config)
    cfg.model.labels = alphabet_for(settings.language).labels()
    cfg.model.train_ds.manifest_filepath = str(settings.train_manifest)
    cfg.model.validation_ds.manifest_filepath = str(settings.dev_manifest)
    cfg.model.test_ds.manifest_filepath = None
    if settings.batch_size:
        cfg.model.train_ds.batch_size = settings.batch_size
    if settings.max_epochs:
        cfg.trainer.max_epochs = settings.max_epochs
    if settings.max_steps:
        cfg.trainer.max_steps = settings.max_steps
    if settings.learning_rate:
        cfg.model.optim.lr = settings.learning_rate
    if settings.max_minutes:
        cfg.trainer.max_time = {"minutes": settings.max_minutes}
    return cfg


def initialise_from(model: Any, source_path: Path) -> None:
    """Copy the weights of another `.nemo` model with the same labels and architecture."""
    from nemo.collections.asr.models import EncDecCTCModel  # noqa: PLC0415

    if not source_path.is_file():
        raise TrainingError(f"no model to initialise from at {source_path}")
    source = EncDecCTCModel.restore_from(str(source_path), map_location="cpu")
    if list(source.decoder.vocabulary) != list(model.decoder.vocabulary):
        raise TrainingError(f"{source_path} has other labels than this config's language")
    try:
        model.load_state_dict(source.state_dict())
    except RuntimeError as exc:
        raise TrainingError(f"{source_path} does not fit this config's architecture: {exc}") from None


def build_trainer(trainer_cfg: Any, work_dir: Path) -> Any:
    """A Lightning trainer with checkpoints (best by val_wer, and last) and a per-epoch log line."""
    import lightning.pytorch as pl  # noqa: PLC0415
    from lightning.pytorch.callbacks import ModelCheckpoint  # noqa: PLC0415
    from lightning.pytorch.loggers import CSVLogger  # noqa: PLC0415
    from omegaconf import OmegaConf  # noqa: PLC0415

    from training.fit_progress import EpochSummary  # noqa: PLC0415

    checkpoints = ModelCheckpoint(
        dirpath=work_dir / CHECKPOINT_DIR, filename="{epoch}-{val_wer:.4f}",
        monitor="val_wer", mode="min", save_top_k=1, save_last=True,
    )
    return pl.Trainer(
        **OmegaConf.to_container(trainer_cfg, resolve=True),
        default_root_dir=str(work_dir),
        logger=CSVLogger(str(work_dir), name="logs"),
        callbacks=[checkpoints, EpochSummary()],
        enable_checkpointing=True,
    )


def fit(settings: FitSettings) -> FitResult:
    """Train (or continue training), export `.nemo` to `settings.output`, return the figures."""
    import lightning.pytorch as pl  # noqa: PLC0415
    import torch  # noqa: PLC0415
    from nemo.collections.asr.models import EncDecCTCModel  # noqa: PLC0415

    cfg = load_config(settings)
    if settings.threads:
        torch.set_num_threads(settings.threads)
    pl.seed_everything(settings.seed, workers=True)
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    trainer = build_trainer(cfg.trainer, settings.work_dir)
    model = EncDecCTCModel(cfg=cfg.model, trainer=trainer)
    parameters = sum(p.numel() for p in model.parameters())
    last = settings.work_dir / CHECKPOINT_DIR / "last.ckpt"
    resume_from = str(last) if settings.resume and last.is_file() else None
    if settings.init_from and not resume_from:
        initialise_from(model, settings.init_from)
    log.info("training %d parameters%s", parameters, f", resuming from {last}" if resume_from else "")
    started = time.monotonic()
    trainer.fit(model, ckpt_path=resume_from)
    seconds = time.monotonic() - started
    save_nemo(model, settings.output)
    val_wer = trainer.callback_metrics.get("val_wer")
    result = FitResult(
        model_path=str(settings.output), parameters=parameters, epochs=trainer.current_epoch,
        steps=trainer.global_step, seconds=round(seconds, 1),
        val_wer=None if val_wer is None else round(float(val_wer), 4),
    )
    result.write(settings.output.with_suffix(".fit.json"))
    return result


def export_checkpoint(checkpoint: Path, output: Path) -> Path:
    """Turn a Lightning checkpoint of a run into a `.nemo` file (e.g. a mid-run snapshot)."""
    from nemo.collections.asr.models import EncDecCTCModel  # noqa: PLC0415

    if not checkpoint.is_file():
        raise TrainingError(f"no checkpoint at {checkpoint}")
    model = EncDecCTCModel.load_from_checkpoint(str(checkpoint), map_location="cpu")
    save_nemo(model, output)
    return output


def save_nemo(model: Any, output: Path) -> None:
    """Write the model as `.nemo`, without this machine's manifest paths in its config
    (a restored model would otherwise try to load them as datasets)."""
    from omegaconf import open_dict  # noqa: PLC0415

    cfg = model.cfg
    with open_dict(cfg):
        for split in ("train_ds", "validation_ds", "test_ds"):
            if split in cfg:
                cfg[split].manifest_filepath = None
    model.cfg = cfg
    output.parent.mkdir(parents=True, exist_ok=True)
    model.save_to(str(output))
