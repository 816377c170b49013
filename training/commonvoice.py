"""The Common Voice corpus layout: `clips/*.mp3` plus one TSV per split."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

from training.errors import TrainingError

SPLITS = ("train", "dev", "test")
COLUMNS = (
    "client_id", "path", "sentence", "up_votes", "down_votes", "age", "gender", "accent",
    "locale", "segment",
)
CLIPS_DIR = "clips"


def write_split(corpus_dir: Path, split: str, rows: Iterable[Mapping[str, object]]) -> Path:
    """Write `<split>.tsv` with the Common Voice columns (missing values left empty)."""
    path = corpus_dir / f"{split}.tsv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=COLUMNS, delimiter="\t", quoting=csv.QUOTE_NONE,
            escapechar="\\", restval="", extrasaction="raise",
        )
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_split(corpus_dir: Path, split: str) -> list[dict[str, str]]:
    """Rows of `<split>.tsv` as dicts; needs at least the `path` and `sentence` columns."""
    path = corpus_dir / f"{split}.tsv"
    if not path.is_file():
        raise TrainingError(f"no {path}: not a Common Voice style corpus folder")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = {"path", "sentence"} - set(reader.fieldnames or ())
        if missing:
            raise TrainingError(f"{path} lacks the column(s) {', '.join(sorted(missing))}")
        return list(reader)
