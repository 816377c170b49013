"""`train corpus`: a synthetic Common Voice style corpus, deterministic for a given seed.

Real sentences (fortunes) are spoken by many espeak-ng speakers; each train sentence gets
several speakers, each held-out (dev/test) sentence is new to training.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from pathlib import Path

from training.commonvoice import CLIPS_DIR, SPLITS, write_split
from training.progress import default_workers, parallel_map
from training.sentences import (
    SentenceSplit,
    load_fortune_sentences,
    restrict_vocabulary,
    split_sentences,
)
from training.settings import CorpusSettings
from training.synthesis import check_synthesis_tools, synthesize_mp3
from training.voices import Speaker, random_speaker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedClip:
    """One utterance to synthesise: which split, what is said, by whom, into which file."""

    split: str
    sentence: str
    speaker: Speaker
    path: str

    def tsv_row(self) -> dict[str, object]:
        """The clip's Common Voice TSV row."""
        return {
            "client_id": self.speaker.client_id, "path": self.path, "sentence": self.sentence,
            "up_votes": 2, "down_votes": 0, "age": self.speaker.age,
            "gender": self.speaker.gender, "accent": self.speaker.accent, "locale": "en",
            "segment": "",
        }


def choose_sentences(settings: CorpusSettings, rng: random.Random) -> SentenceSplit:
    """Fortune sentences in the vocabulary, capped, split into train/dev/test."""
    sentences = restrict_vocabulary(
        load_fortune_sentences(min_words=settings.min_words, max_words=settings.max_words),
        settings.vocabulary_size,
    )
    if settings.max_sentences is not None and len(sentences) > settings.max_sentences:
        sentences = sorted(rng.sample(sentences, settings.max_sentences))
    return split_sentences(sentences, settings.held_out_fraction, rng)


def plan_clips(split: SentenceSplit, settings: CorpusSettings, rng: random.Random) -> list[PlannedClip]:
    """Every clip of the corpus with its speaker; file names numbered in plan order."""
    renditions = {"train": settings.train_renditions, "dev": settings.held_out_renditions,
                  "test": settings.held_out_renditions}
    clips: list[PlannedClip] = []
    for split_name in SPLITS:
        for sentence in getattr(split, split_name):
            for _ in range(renditions[split_name]):
                name = f"{CLIPS_DIR}/common_voice_en_{len(clips):06d}.mp3"
                clips.append(PlannedClip(split_name, sentence, random_speaker(rng), name))
    return clips


def generate_corpus(settings: CorpusSettings) -> dict[str, int]:
    """Synthesise the corpus into `settings.output_dir`; return the clip count per split.

    Clips already on disk are kept (a re-run only fills in what is missing).
    """
    check_synthesis_tools()
    rng = random.Random(settings.seed)
    sentence_split = choose_sentences(settings, rng)
    clips = plan_clips(sentence_split, settings, rng)
    out = settings.output_dir
    (out / CLIPS_DIR).mkdir(parents=True, exist_ok=True)
    log.info(
        "%d sentences (%d train, %d dev, %d test), %d words, %d clips",
        len(sentence_split.train) + len(sentence_split.dev) + len(sentence_split.test),
        len(sentence_split.train), len(sentence_split.dev), len(sentence_split.test),
        len(sentence_split.vocabulary()), len(clips),
    )
    missing = [clip for clip in clips if not (out / clip.path).exists()]
    workers = settings.workers or default_workers()
    for _ in parallel_map(lambda clip: synthesize_clip(clip, out), missing, "synthesising", workers):
        pass
    for split_name in SPLITS:
        write_split(out, split_name, (c.tsv_row() for c in clips if c.split == split_name))
    return {name: sum(c.split == name for c in clips) for name in SPLITS}


def synthesize_clip(clip: PlannedClip, corpus_dir: Path) -> None:
    """Synthesise one clip atomically (a partial file never looks finished)."""
    destination = corpus_dir / clip.path
    partial = destination.with_suffix(".part.mp3")
    synthesize_mp3(clip.sentence, clip.speaker, partial)
    partial.replace(destination)
