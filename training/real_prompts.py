"""Real recorded speech: the Asterisk core prompts (Debian `asterisk-core-sounds-en-*`).

One professional speaker (Allison) reads about 560 telephone prompts; the transcripts are in
`core-sounds-en.txt` (`name: text`, from the `asterisk-core-sounds-en` package). The same
recordings come at 16 kHz (G.722, `-g722`) and at 8 kHz (16-bit WAV, `-wav`).

The hold-out split is fixed and independent of any seed: a prompt's normalised text is hashed
(SHA-1) and the first byte decides, so identical texts always land in the same split and a new
package version moves no old prompt: byte < 51 (20 %) -> test, < 77 (10 %) -> dev, else train.
The test prompts are for measuring only: no training, n-gram or tuning step reads them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from training.augment import TELEPHONE_RATE, mulaw_round_trip
from training.errors import ToolMissingError, TrainingError
from training.prepare import SAMPLE_RATE, ManifestEntry
from training.progress import default_workers, parallel_map
from training.settings import RealPromptsSettings
from training.text_normalization import normalize_text

log = logging.getLogger(__name__)

TRANSCRIPTS = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
DEBIAN_PACKAGES = "asterisk-core-sounds-en asterisk-core-sounds-en-g722 asterisk-core-sounds-en-wav"
SPLIT_BOUNDS = ((51, "test"), (77, "dev"), (256, "train"))  # first SHA-1 byte below the bound
SPLITS = ("train", "dev", "test")
MAX_SECONDS = 20.0
# the transcripts' notes for sounds that are not speech: "(10 seconds of silence)", "<beep ascending>"
NON_SPEECH_NOTE = re.compile(r"\([^)]*\)|<[^>]*>")


@dataclass(frozen=True)
class Prompt:
    """One recorded prompt: its file name without extension (e.g. `digits/7`) and what is said."""

    name: str
    text: str


def parse_transcripts(content: str) -> list[Prompt]:
    """The `name: text` lines of `core-sounds-en.txt` (comments `;` and blank lines skipped)."""
    prompts = []
    for line in content.splitlines():
        name, colon, text = line.partition(":")
        if line.startswith(";") or not colon or not name.strip() or " " in name.strip():
            continue
        prompts.append(Prompt(name.strip(), text.strip()))
    return prompts


def split_of(normalized_text: str) -> str:
    """The fixed split (train/dev/test) of a prompt, from the SHA-1 of its normalised text."""
    first_byte = hashlib.sha1(normalized_text.encode("utf-8")).digest()[0]
    return next(split for bound, split in SPLIT_BOUNDS if first_byte < bound)


def read_prompts(transcripts: Path = TRANSCRIPTS) -> list[Prompt]:
    """The prompts of the installed package, with an error naming the packages when missing."""
    if not transcripts.is_file():
        raise ToolMissingError(f"no {transcripts}: apt-get install {DEBIAN_PACKAGES}")
    opener = gzip.open if transcripts.suffix == ".gz" else open
    with opener(transcripts, "rt", encoding="utf-8", errors="replace") as handle:
        return parse_transcripts(handle.read())


def decode_g722(source: Path, destination: Path) -> None:
    """A raw G.722 prompt -> 16 kHz 16-bit WAV (ffmpeg; sox has no G.722)."""
    if shutil.which("ffmpeg") is None:
        raise ToolMissingError("ffmpeg is missing: apt-get install ffmpeg")
    result = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "g722", "-i", str(source), "-ar", str(SAMPLE_RATE),
         "-ac", "1", "-c:a", "pcm_s16le", str(destination)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise TrainingError(f"ffmpeg could not decode {source}: {result.stderr.strip()}")


def telephone_audio(source_8k: Path) -> np.ndarray:
    """An 8 kHz prompt as a phone call carries it: through a G.711 mu-law round trip, still 8 kHz."""
    audio, rate = soundfile.read(source_8k, dtype="float32")
    if rate != TELEPHONE_RATE:
        raise TrainingError(f"{source_8k} is {rate} Hz, expected {TELEPHONE_RATE}")
    return mulaw_round_trip(audio)


def resample_as_served(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mono float32 audio at `sample_rate` -> 16 kHz by the stream app's own resampler, i.e.
    what the recogniser gets from a stream at that rate."""
    from stream_app.normalize import StreamResampler  # noqa: PLC0415 - numba compiles on first use

    resampler = StreamResampler(sample_rate)
    return np.concatenate([resampler.push(audio.astype(np.float32)), resampler.finish()])


def telephone_copy(source_8k: Path, destination: Path) -> None:
    """The telephone audio of a prompt, as the recogniser gets it from an 8 kHz call, at 16 kHz."""
    upsampled = resample_as_served(telephone_audio(source_8k), TELEPHONE_RATE)
    soundfile.write(destination, np.clip(upsampled, -1, 1), SAMPLE_RATE, subtype="PCM_16")


@dataclass(frozen=True)
class PreparedPrompt:
    """One usable prompt: its split and manifest entries at 16 kHz and (test only) via 8 kHz."""

    split: str
    wideband: ManifestEntry
    telephone: ManifestEntry | None


def prepare_prompt(prompt: Prompt, text: str, sounds_dir: Path, wav_dir: Path) -> PreparedPrompt | str:
    """Decode one prompt (and its telephone copy when it is a test prompt); a reason when unusable."""
    split = split_of(text)
    g722 = sounds_dir / f"{prompt.name}.g722"
    if not g722.is_file():
        return f"{prompt.name}: no {g722.name}"
    stem = prompt.name.replace("/", "__")
    wide = wav_dir / f"{stem}.wav"
    if not wide.is_file():
        decode_g722(g722, wide)
    duration = soundfile.info(str(wide)).duration
    if duration > MAX_SECONDS:
        return f"{prompt.name}: {duration:.0f} s, longer than {MAX_SECONDS:.0f} s"
    telephone = None
    wav_8k = sounds_dir / f"{prompt.name}.wav"
    if split == "test" and wav_8k.is_file():
        narrow = wav_dir / f"{stem}.8k.wav"
        if not narrow.is_file():
            telephone_copy(wav_8k, narrow)
        telephone = ManifestEntry(str(narrow.resolve()), round(soundfile.info(str(narrow)).duration, 3), text)
    return PreparedPrompt(split, ManifestEntry(str(wide.resolve()), round(duration, 3), text), telephone)


def distinct_prompts(prompts: list[Prompt], per_split: int | None = None) -> dict[str, Prompt]:
    """Normalised text -> prompt, for prompts with speech (notes of silence or tones, in [], ()
    or <>, are not), each text once (the first file saying it), at most `per_split` texts of
    each split (in text order; for tiny runs)."""
    unique: dict[str, Prompt] = {}
    for prompt in prompts:
        text = normalize_text(NON_SPEECH_NOTE.sub(" ", prompt.text), "en")
        if text:
            unique.setdefault(text, prompt)
    kept: dict[str, Prompt] = {}
    for split in SPLITS:
        texts = sorted(text for text in unique if split_of(text) == split)[:per_split]
        kept.update((text, unique[text]) for text in texts)
    return kept


def prepare_real_prompts(settings: RealPromptsSettings, transcripts: Path = TRANSCRIPTS) -> dict[str, Path]:
    """Decode the prompts and write `real_{train,dev,test}.json` and `real_test_8k.json`.

    Prompts without speech (only a bracketed note) or duplicated texts are left out; the
    manifests' paths, by name: {"train": ..., "dev": ..., "test": ..., "test_8k": ...}.
    """
    output_dir = settings.output_dir
    wav_dir = output_dir / "real_wav"
    wav_dir.mkdir(parents=True, exist_ok=True)
    unique = distinct_prompts(read_prompts(transcripts), settings.per_split)
    outcomes = parallel_map(
        lambda item: prepare_prompt(item[1], item[0], settings.sounds_dir, wav_dir), sorted(unique.items()),
        "decoding real prompts", settings.workers or default_workers(),
    )
    entries: dict[str, list[ManifestEntry]] = {"train": [], "dev": [], "test": [], "test_8k": []}
    for outcome in outcomes:
        if isinstance(outcome, str):
            log.warning("real prompts: left out %s", outcome)
            continue
        entries[outcome.split].append(outcome.wideband)
        if outcome.telephone is not None:
            entries["test_8k"].append(outcome.telephone)
    manifests = {}
    for name, split_entries in entries.items():
        manifests[name] = output_dir / f"real_{name}.json"
        write_manifest(manifests[name], split_entries)
    return manifests


def write_manifest(path: Path, entries: list[ManifestEntry]) -> None:
    """A NeMo manifest, entries sorted by path (stable across runs)."""
    ordered = sorted(entries, key=lambda entry: entry.audio_filepath)
    path.write_text("".join(entry.to_json() + "\n" for entry in ordered), encoding="utf-8")


def manifest_hours(path: Path) -> float:
    """Total audio of a manifest in hours."""
    with path.open(encoding="utf-8") as handle:
        return sum(json.loads(line)["duration"] for line in handle if line.strip()) / 3600
