"""Pretrained names load offline from the NeMo / Hugging Face caches, and fail at once when not cached.

The caches are temporary folders laid out as the libraries lay them out (a Hugging Face hub
snapshot; NeMo's `<cache>/<name>/<hash>/<name>.nemo`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from recognizer.model import AcousticModel
from recognizer.pretrained import PretrainedNotCachedError, locate_pretrained

pytestmark = [pytest.mark.model]


@pytest.fixture
def caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Empty NeMo and Hugging Face caches in tmp_path, used by this process and its children."""
    import huggingface_hub.constants

    monkeypatch.setenv("NEMO_CACHE_DIR", str(tmp_path / "nemo"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hf"))
    return tmp_path


def test_cached_names_load_without_network(tiny_model_path: Path, caches: Path) -> None:
    repo = caches / "hf" / "models--acme--tiny-ctc"
    (repo / "snapshots" / "0123abcd").mkdir(parents=True)
    shutil.copy(tiny_model_path, repo / "snapshots" / "0123abcd" / "tiny-ctc.nemo")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")
    ngc = caches / "nemo" / "stt_en_quartznet15x5" / "5a1b2c"
    ngc.mkdir(parents=True)
    shutil.copy(tiny_model_path, ngc / "stt_en_quartznet15x5.nemo")

    assert locate_pretrained("acme/tiny-ctc") == repo / "snapshots" / "0123abcd" / "tiny-ctc.nemo"
    assert locate_pretrained("stt_en_quartznet15x5") == ngc / "stt_en_quartznet15x5.nemo"
    model = AcousticModel.load("acme/tiny-ctc", device="cpu")
    assert (model.name, model.vocabulary.tokens[1]) == ("acme/tiny-ctc", "a")


@pytest.mark.parametrize("name", ["nvidia/parakeet-ctc-0.6b", "stt_en_conformer_ctc_large"])
def test_an_uncached_name_is_refused_saying_how_to_fetch_it(name: str, caches: Path) -> None:
    with pytest.raises(PretrainedNotCachedError) as refused:
        locate_pretrained(name)
    assert f"pretrained model '{name}' is not in" in str(refused.value)
    assert f"ASRModel.from_pretrained('{name}', return_model_file=True)" in str(refused.value)


@pytest.mark.slow
def test_the_recognizer_command_exits_at_once_without_a_traceback(caches: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tooling.cli", "recognizer", "--model", "nvidia/parakeet-ctc-0.6b",
         "--device", "cpu"],
        env={**os.environ, "HF_HUB_OFFLINE": "1"}, capture_output=True, text=True, timeout=540,
    )
    assert result.returncode == 2
    assert "pretrained model 'nvidia/parakeet-ctc-0.6b' is not in" in result.stderr
    assert "Traceback" not in result.stderr
