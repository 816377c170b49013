"""Building KenLM's programs: reuse of a finished build, clear errors when tools are missing."""

import subprocess
from pathlib import Path

import pytest

from training.errors import ToolMissingError
from training.kenlm_build import KENLM_PROGRAMS, ensure_kenlm_binaries


def test_an_existing_build_is_reused_without_building(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMSCRIBE_CACHE", str(tmp_path))
    monkeypatch.setenv("PATH", "")  # building would fail at once: no cmake, no compiler
    bin_dir = tmp_path / "kenlm" / "bin"
    bin_dir.mkdir(parents=True)
    for name in KENLM_PROGRAMS:
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    assert ensure_kenlm_binaries() == bin_dir


def test_missing_build_tools_name_the_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMSCRIBE_CACHE", str(tmp_path))
    monkeypatch.setenv("PATH", "")
    with pytest.raises(ToolMissingError, match="missing: cmake, make, c\\+\\+.*apt-get install cmake g\\+\\+"):
        ensure_kenlm_binaries()
    assert not (tmp_path / "kenlm" / "bin").exists()


def test_the_real_build_gives_working_programs() -> None:
    bin_dir = ensure_kenlm_binaries()
    result = subprocess.run([str(bin_dir / "build_binary")], capture_output=True, text=True)
    assert "trie" in result.stdout + result.stderr  # its usage text names the data structures
