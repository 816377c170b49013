"""Pretrained names load offline from the NeMo / Hugging Face caches, and fail at once when not cached.

Run in subprocesses, because the hub library reads its cache location from the environment
when it is imported; the caches are temporary folders laid out as the libraries lay them out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.model, pytest.mark.slow]

LOAD_BOTH = """
from recognizer.model import AcousticModel
for name in ("acme/tiny-ctc", "stt_en_quartznet15x5"):
    model = AcousticModel.load(name, device="cpu")
    print(name, type(model.module).__name__, "".join(model.vocabulary.tokens))
"""


def offline_env(tmp_path: Path) -> dict[str, str]:
    """No network, caches in tmp_path: what a machine with only its own cache sees."""
    return {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hf"), "NEMO_CACHE_DIR": str(tmp_path / "nemo"),
            "HF_HUB_OFFLINE": "1"}


def test_cached_names_load_without_network(tiny_model_path: Path, tmp_path: Path) -> None:
    snapshot = tmp_path / "hf" / "models--acme--tiny-ctc" / "snapshots" / "0123abcd"
    snapshot.mkdir(parents=True)
    shutil.copy(tiny_model_path, snapshot / "tiny-ctc.nemo")
    (tmp_path / "hf" / "models--acme--tiny-ctc" / "refs").mkdir()
    (tmp_path / "hf" / "models--acme--tiny-ctc" / "refs" / "main").write_text("0123abcd")
    ngc = tmp_path / "nemo" / "stt_en_quartznet15x5" / "5a1b2c"
    ngc.mkdir(parents=True)
    shutil.copy(tiny_model_path, ngc / "stt_en_quartznet15x5.nemo")
    result = subprocess.run([sys.executable, "-c", LOAD_BOTH], env=offline_env(tmp_path), capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if not line.startswith("[NeMo")]
    assert lines == [f"{name} EncDecCTCModel  abcdefghijklmnopqrstuvwxyz'"
                     for name in ("acme/tiny-ctc", "stt_en_quartznet15x5")]


@pytest.mark.parametrize("name", ["nvidia/parakeet-ctc-0.6b", "stt_en_conformer_ctc_large"])
def test_an_uncached_name_fails_at_once_saying_how_to_fetch_it(name: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "streamscribe.cli", "recognizer", "--model", name, "--device", "cpu"],
        env=offline_env(tmp_path), capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 2
    assert f"pretrained model '{name}' is not in" in result.stderr
    assert f"ASRModel.from_pretrained('{name}', return_model_file=True)" in result.stderr
    assert "Traceback" not in result.stderr
