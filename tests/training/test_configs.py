"""Every shipped training config builds a NeMo CTC model with the language's labels."""

from pathlib import Path

import pytest

from training.fit import load_config
from training.settings import CONFIG_DIR, FitSettings

pytestmark = pytest.mark.model  # builds each config's NeMo model (the conformer takes a minute)

CONFIGS = sorted(CONFIG_DIR.glob("*.yaml"))


@pytest.fixture(scope="module")
def manifests(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("manifests")
    for name in ("train.json", "dev.json"):
        (folder / name).write_text("")
    return folder


CASES = [(config, "en") for config in CONFIGS] + [(CONFIG_DIR / "quartznet_small_cpu.yaml", "es")]


@pytest.mark.parametrize(("config", "language"), CASES, ids=[f"{c.stem}-{lang}" for c, lang in CASES])
def test_config_builds_a_ctc_model(config: Path, language: str, manifests: Path) -> None:
    from nemo.collections.asr.models import EncDecCTCModel
    from omegaconf import open_dict

    cfg = load_config(FitSettings(
        config=config, language=language, train_manifest=manifests / "train.json",
        dev_manifest=manifests / "dev.json",
    ))
    with open_dict(cfg):
        cfg.model.train_ds.manifest_filepath = None
        cfg.model.validation_ds.manifest_filepath = None
    model = EncDecCTCModel(cfg=cfg.model)
    assert model.decoder.num_classes_with_blank == len(cfg.model.labels) + 1
    assert model.decoder.vocabulary == cfg.model.labels
    assert cfg.trainer.max_epochs > 0
