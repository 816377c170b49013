"""Build KenLM's `lmplz` and `build_binary` from the source inside the PyPI `kenlm` sdist.

The binaries land in `$STREAMSCRIBE_CACHE/kenlm/bin` and are built once; later calls return at
once. `python -m training.kenlm_build` builds them and prints the folder (`make kenlm`).
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from streamscribe.paths import cache_home
from training.errors import ToolMissingError, TrainingError

log = logging.getLogger(__name__)

KENLM_PROGRAMS = ("lmplz", "build_binary")
BOOST_HEADER = Path("/usr/include/boost/program_options.hpp")
BUILD_JOBS = 2


def kenlm_home() -> Path:
    """Where the KenLM source, build tree and binaries live."""
    return cache_home() / "kenlm"


def kenlm_bin_dir() -> Path:
    """The folder holding `lmplz` and `build_binary` once built."""
    return kenlm_home() / "bin"


def ensure_kenlm_binaries() -> Path:
    """Build `lmplz` and `build_binary` unless already there; return their folder."""
    bin_dir = kenlm_bin_dir()
    if all(os.access(bin_dir / name, os.X_OK) for name in KENLM_PROGRAMS):
        return bin_dir
    check_build_tools()
    source = unpack_sdist(download_sdist(kenlm_home() / "sdist"), kenlm_home() / "src")
    built = compile_kenlm(source, kenlm_home() / "build")
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name in KENLM_PROGRAMS:
        shutil.copy2(built / name, bin_dir / name)
    return bin_dir


def check_build_tools() -> None:
    """Fail with the package names to install when cmake, a C++ compiler or Boost is missing."""
    missing = [tool for tool in ("cmake", "make", "c++") if shutil.which(tool) is None]
    if not BOOST_HEADER.exists():
        missing.append("Boost headers")
    if missing:
        raise ToolMissingError(
            f"cannot build KenLM, missing: {', '.join(missing)}. Install: apt-get install cmake g++ "
            "libboost-program-options-dev libboost-system-dev libboost-thread-dev "
            "libboost-test-dev zlib1g-dev libbz2-dev liblzma-dev"
        )


def kenlm_requirement() -> str:
    """`kenlm==<installed version>` so the binaries match the Python module; else any."""
    try:
        return f"kenlm=={importlib.metadata.version('kenlm')}"
    except importlib.metadata.PackageNotFoundError:
        return "kenlm"


def pip_command() -> list[str]:
    """A pip to download with: this interpreter's, else a private venv's (ensurepip, offline)."""
    probe = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True)
    if probe.returncode == 0:
        return [sys.executable, "-m", "pip"]
    venv = kenlm_home() / "pip-venv"
    pip = venv / "bin" / "pip"
    if not pip.exists():
        log.info("creating a small venv with pip in %s to download the kenlm sdist", venv)
        run_tool([sys.executable, "-m", "venv", str(venv)], "python -m venv")
    return [str(pip)]


def download_sdist(dest: Path) -> Path:
    """Download the kenlm source distribution (no wheel, no dependencies); return the archive.

    `--no-binary kenlm` rather than `:all:`: pip prepares the sdist's metadata, and with `:all:`
    it would compile the build backend's own dependencies (cmake itself) from source first.
    """
    existing = sorted(dest.glob("kenlm-*.tar.gz"))
    if existing:
        return existing[-1]
    dest.mkdir(parents=True, exist_ok=True)
    log.info("downloading the %s source distribution", kenlm_requirement())
    run_tool(
        [*pip_command(), "download", "--quiet", "--no-binary", "kenlm", "--no-deps",
         "--dest", str(dest), kenlm_requirement()],
        "pip download kenlm",
    )
    archives = sorted(dest.glob("kenlm-*.tar.gz"))
    if not archives:
        raise TrainingError(f"pip download left no kenlm-*.tar.gz in {dest}")
    return archives[-1]


def unpack_sdist(archive: Path, dest: Path) -> Path:
    """Unpack the sdist once; return the folder that holds KenLM's CMakeLists.txt."""
    marker = dest / archive.name.removesuffix(".tar.gz")
    if not (marker / "CMakeLists.txt").exists():
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True)
        with tarfile.open(archive) as tar:
            tar.extractall(dest, filter="data")
    if not (marker / "CMakeLists.txt").exists():
        raise TrainingError(f"{archive.name} holds no CMakeLists.txt at its top")
    return marker


def compile_kenlm(source: Path, build: Path) -> Path:
    """Configure and build the two programs with cmake; return the folder holding them."""
    build.mkdir(parents=True, exist_ok=True)
    log.info("building KenLM in %s (a minute or two)", build)
    run_tool(
        ["cmake", "-S", str(source), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
         "-DENABLE_PYTHON=OFF", "-DCOMPILE_TESTS=OFF"],
        "cmake configure",
    )
    run_tool(
        ["cmake", "--build", str(build), "--target", *KENLM_PROGRAMS, "-j", str(BUILD_JOBS)],
        "cmake build",
    )
    return build / "bin"


def run_tool(command: list[str], what: str) -> None:
    """Run a build step; on failure raise with the tail of its output."""
    with tempfile.TemporaryFile(mode="w+") as output:
        result = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0:
            output.seek(0)
            tail = output.read()[-3000:]
            raise TrainingError(f"{what} failed (exit {result.returncode}):\n{tail}")


def main() -> int:
    """Build (or find) the binaries and print their folder."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        print(ensure_kenlm_binaries())
    except (TrainingError, ToolMissingError) as exc:
        log.error("%s", exc)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
