"""`train corpus`: a synthetic Common Voice style corpus, deterministic for a given seed.

Real sentences (fortunes) are spoken by many speakers of three engines (espeak-ng, flite,
festival); each train sentence gets several speakers, each held-out (dev/test) sentence is new
to training, and every test sentence is spoken once by each engine (`test_<engine>.tsv` holds
one engine's clips, for a WER per engine). Training also gets call-centre phrases and the texts
of the real prompts' training split (never their dev/test texts), spoken in their normalised
form ("press one", not "press 1") so audio and transcript agree.
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
from training.phrases import call_centre_phrases
from training.real_prompts import distinct_prompts, read_prompts, split_of
from training.settings import CorpusSettings
from training.synthesis import check_synthesis_tools, synthesize_festival_mp3s, synthesize_mp3
from training.text_normalization import normalize_text
from training.voices import AnySpeaker, random_speaker_of

FESTIVAL_BATCH = 40

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedClip:
    """One utterance to synthesise: which split, what is said, by whom, into which file."""

    split: str
    sentence: str
    speaker: AnySpeaker
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


def extra_training_sentences(settings: CorpusSettings) -> list[str]:
    """Call-centre phrases and the real prompts' training texts, normalised (numbers as words)."""
    phrases = call_centre_phrases(settings.phrases, random.Random(settings.seed + 1))
    prompts = sorted(text for text in distinct_prompts(read_prompts()) if split_of(text) == "train")
    prompts = prompts[: settings.max_prompt_texts]
    texts = {normalize_text(text, "en") for text in phrases} | set(prompts)
    return sorted(text for text in texts if text and split_of(text) == "train")


def plan_clips(
    split: SentenceSplit, extra: list[str], settings: CorpusSettings, rng: random.Random
) -> list[PlannedClip]:
    """Every clip of the corpus with its speaker; file names numbered in plan order.

    Train and dev renditions take a random engine each; test sentences get one per engine.
    """
    plan: list[tuple[str, str, list[str]]] = []
    for sentence in split.train:
        plan.append(("train", sentence, [rng.choice(settings.engines) for _ in range(settings.train_renditions)]))
    for sentence in extra:
        plan.append(("train", sentence, [rng.choice(settings.engines) for _ in range(settings.extra_renditions)]))
    for sentence in split.dev:
        plan.append(("dev", sentence, [rng.choice(settings.engines) for _ in range(settings.held_out_renditions)]))
    for sentence in split.test:
        plan.append(("test", sentence, list(settings.engines) * settings.held_out_renditions))
    clips: list[PlannedClip] = []
    for split_name, sentence, engines in plan:
        for engine in engines:
            name = f"{CLIPS_DIR}/common_voice_en_{len(clips):06d}.mp3"
            clips.append(PlannedClip(split_name, sentence, random_speaker_of(engine, rng), name))
    return clips


def generate_corpus(settings: CorpusSettings) -> dict[str, int]:
    """Synthesise the corpus into `settings.output_dir`; return the clip count per split.

    Clips already on disk are kept (a re-run only fills in what is missing).
    """
    check_synthesis_tools(settings.engines)
    rng = random.Random(settings.seed)
    sentence_split = choose_sentences(settings, rng)
    extra = extra_training_sentences(settings)
    clips = plan_clips(sentence_split, extra, settings, rng)
    out = settings.output_dir
    (out / CLIPS_DIR).mkdir(parents=True, exist_ok=True)
    log.info(
        "%d fortune sentences (%d train, %d dev, %d test), %d words, %d extra training texts, %d clips",
        len(sentence_split.train) + len(sentence_split.dev) + len(sentence_split.test),
        len(sentence_split.train), len(sentence_split.dev), len(sentence_split.test),
        len(sentence_split.vocabulary()), len(extra), len(clips),
    )
    missing = [clip for clip in clips if not (out / clip.path).exists()]
    workers = settings.workers or default_workers()
    for _ in parallel_map(lambda batch: synthesize_batch(batch, out), synthesis_batches(missing),
                          "synthesising", workers):
        pass
    for split_name in SPLITS:
        write_split(out, split_name, (c.tsv_row() for c in clips if c.split == split_name))
    for engine in settings.engines:
        write_split(out, test_split_of(engine), (c.tsv_row() for c in clips
                                                 if c.split == "test" and c.speaker.engine == engine))
    return {name: sum(c.split == name for c in clips) for name in SPLITS}


def test_split_of(engine: str) -> str:
    """The name of one engine's test split (`test_flite`)."""
    return f"test_{engine}"


def synthesis_batches(clips: list[PlannedClip]) -> list[list[PlannedClip]]:
    """Festival clips in batches of one voice (one process each), every other clip alone."""
    festival = sorted((c for c in clips if c.speaker.engine == "festival"), key=lambda c: c.speaker.voice)
    alone = [[clip] for clip in clips if clip.speaker.engine != "festival"]
    batches = [festival[n : n + FESTIVAL_BATCH] for n in range(0, len(festival), FESTIVAL_BATCH)]
    return batches + alone


def synthesize_batch(clips: list[PlannedClip], corpus_dir: Path) -> None:
    """Synthesise clips atomically (a partial file never looks finished)."""
    partials = [(corpus_dir / clip.path).with_suffix(".part.mp3") for clip in clips]
    if clips[0].speaker.engine == "festival":
        synthesize_festival_mp3s([(c.sentence, c.speaker, p) for c, p in zip(clips, partials, strict=True)])
    else:
        for clip, partial in zip(clips, partials, strict=True):
            synthesize_mp3(clip.sentence, clip.speaker, partial)
    for clip, partial in zip(clips, partials, strict=True):
        partial.replace(corpus_dir / clip.path)
