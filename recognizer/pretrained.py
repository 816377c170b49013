"""NeMo pretrained model names, resolved offline: the local NeMo / Hugging Face cache or a clear error.

`ASRModel.from_pretrained` downloads when the model is not cached, and on a machine without
network access it hangs in retries before failing with a traceback. The recognizer never
calls it: it looks for the `.nemo` file where `from_pretrained` would have stored it, and
restores that file; a name that is not there fails at once with how to fetch it elsewhere.

- `org/name` (Hugging Face Hub): `<name>.nemo` in the hub cache (`HF_HUB_CACHE` / `HF_HOME`),
  or NeMo's own unpacked copy under `<NeMo cache>/hf_hub_cache/org/name/`.
- `name` (NGC): `<NeMo cache>/<file stem>/<hash>/<file>.nemo` (`NEMO_CACHE_DIR`, default
  `~/.cache/torch/NeMo/NeMo_<version>`), found by the file name NeMo's model list gives.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from streamscribe.errors import ConfigurationError


class PretrainedNotCachedError(ConfigurationError):
    """A pretrained model name that is not in any local cache."""


def fetch_hint(name: str) -> str:
    """How to put `name` in the cache on a machine that has network access."""
    return (
        f"On a machine with network access run\n"
        f"  python -c \"from nemo.collections.asr.models import ASRModel; "
        f"print(ASRModel.from_pretrained('{name}', return_model_file=True))\"\n"
        f"and copy the .nemo file it prints to this machine; then pass --model /path/to/that.nemo "
        f"(or copy the whole cache folder to the same place here)."
    )


def nemo_cache_dir() -> Path:
    """NeMo's model cache: `NEMO_CACHE_DIR`, else `~/.cache/torch/NeMo/NeMo_<version>` (as NeMo's
    `resolve_cache_dir`, without importing NeMo: a missing name is refused before torch loads)."""
    from importlib.metadata import version  # noqa: PLC0415

    override = os.environ.get("NEMO_CACHE_DIR", "")
    if override:
        return Path(override).resolve()
    return Path.home() / ".cache" / "torch" / "NeMo" / f"NeMo_{version('nemo_toolkit')}"


def _hugging_face_file(name: str) -> Path | None:
    from huggingface_hub import try_to_load_from_cache  # noqa: PLC0415

    filename = PurePosixPath(name).name + ".nemo"
    found = try_to_load_from_cache(repo_id=name, filename=filename)
    if isinstance(found, str) and Path(found).is_file():
        return Path(found)
    unpacked = sorted((nemo_cache_dir() / "hf_hub_cache" / name).glob("*/model_config.yaml"))
    return unpacked[0].parent if unpacked else None


def _ngc_file_name(name: str) -> str:
    """The `.nemo` file name NeMo's model list gives `name` (or alias), else `<name>.nemo`."""
    from nemo.collections.asr.models import ASRModel  # noqa: PLC0415 - heavy

    for info in ASRModel.list_available_models() or []:
        if name == info.pretrained_model_name or name in (info.aliases or []):
            return PurePosixPath(info.location).name
    return f"{name}.nemo"


def _ngc_file(name: str) -> Path | None:
    found = sorted((nemo_cache_dir() / name).glob(f"*/{name}.nemo"))  # the usual case: file named as the model
    if found:
        return found[0]
    filename = _ngc_file_name(name)  # an alias, or a file named otherwise: NeMo's model list knows
    found = sorted((nemo_cache_dir() / filename[: -len(".nemo")]).glob(f"*/{filename}"))
    return found[0] if found else None


def locate_pretrained(name: str) -> Path:
    """The cached `.nemo` file (or unpacked folder) of a pretrained name; never touches the network."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing below may try to download
    found = _hugging_face_file(name) if "/" in name else _ngc_file(name)
    if found is None:
        where = "the Hugging Face hub cache or NeMo's cache" if "/" in name else f"NeMo's cache ({nemo_cache_dir()})"
        raise PretrainedNotCachedError(
            f"pretrained model {name!r} is not in {where}, and models are never downloaded at run time. "
            + fetch_hint(name)
        )
    return found
