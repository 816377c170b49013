"""A KenLM n-gram from transcripts: `lmplz` -> ARPA -> `build_binary` (quantised trie) + unigrams.

The text is the distinct normalised training sentences, one per line. The held-out dev/test
sentences are never part of it, so the LM's gain on them is honest (their words are known,
their word sequences are not).
"""

from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from training.errors import TrainingError
from training.kenlm_build import ensure_kenlm_binaries
from training.prepare import read_manifest

log = logging.getLogger(__name__)

QUANTISE_BITS = 8


@dataclass(frozen=True)
class NgramFiles:
    """The files that make the language model, and how long building it took."""

    binary: Path
    unigrams: Path
    sentences: int
    words: int
    seconds: float


def corpus_sentences(manifests: Iterable[Path]) -> list[str]:
    """Distinct transcripts of the manifests, in first-seen order."""
    seen: dict[str, None] = {}
    for manifest in manifests:
        for entry in read_manifest(manifest):
            seen.setdefault(entry.text, None)
    return list(seen)


def build_ngram(sentences: Sequence[str], output_prefix: Path, order: int, prune: Sequence[int] = ()) -> NgramFiles:
    """Write `<prefix>.arpa.bin` (KenLM trie, 8-bit quantised) and `<prefix>.unigrams.txt`."""
    if not sentences:
        raise TrainingError("no sentences to build a language model from")
    bin_dir = ensure_kenlm_binaries()
    output_prefix.parent.mkdir(parents=True, exist_ok=True)
    arpa = output_prefix.with_name(output_prefix.name + ".arpa")
    binary = output_prefix.with_name(output_prefix.name + ".arpa.bin")
    unigrams = output_prefix.with_name(output_prefix.name + ".unigrams.txt")
    started = time.monotonic()
    lmplz = [str(bin_dir / "lmplz"), "-o", str(order), "--discount_fallback", "-S", "10%",
             "-T", str(output_prefix.parent), "--arpa", str(arpa)]
    if prune:
        lmplz += ["--prune", *map(str, prune)]
    run_kenlm(lmplz, "lmplz", stdin="\n".join(sentences) + "\n")
    run_kenlm(
        [str(bin_dir / "build_binary"), "-q", str(QUANTISE_BITS), "-b", str(QUANTISE_BITS),
         "-a", "22", "trie", str(arpa), str(binary)],
        "build_binary",
    )
    arpa.unlink()
    words = sorted({word for sentence in sentences for word in sentence.split()})
    unigrams.write_text("\n".join(words) + "\n", encoding="utf-8")
    seconds = time.monotonic() - started
    log.info("%d-gram from %d sentences, %d words: %s (%.1f s)", order, len(sentences), len(words), binary, seconds)
    return NgramFiles(binary, unigrams, len(sentences), len(words), round(seconds, 2))


def run_kenlm(command: list[str], what: str, stdin: str | None = None) -> None:
    """Run a KenLM program; raise with its own error text when it fails."""
    result = subprocess.run(command, input=stdin, capture_output=True, text=True)
    if result.returncode != 0:
        raise TrainingError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")

