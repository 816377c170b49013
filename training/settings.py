"""One settings object per training step (env vars `STREAMSCRIBE_TRAIN_*`, then CLI flags).

Paths default to a workspace under `$STREAMSCRIBE_HOME/training` (outside version control).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from streamscribe.paths import REPO_ROOT, state_home

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
SHIPPED_MODELS = REPO_ROOT / "recognizer" / "models"
ASTERISK_SOUNDS = Path("/usr/share/asterisk/sounds/en_US_f_Allison")  # Debian asterisk-core-sounds-en-*


def workspace(*parts: str) -> Path:
    """A path in the training workspace, `$STREAMSCRIBE_HOME/training/...`."""
    return state_home().joinpath("training", *parts)


class CorpusSettings(BaseSettings):
    """`train corpus`: a synthetic Common Voice style corpus (fortunes, call-centre phrases and
    the real prompts' training texts, spoken by espeak-ng, flite and festival)."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_TRAIN_CORPUS_")

    output_dir: Path = Field(default_factory=lambda: workspace("corpus"))
    seed: int = 1234
    vocabulary_size: int = Field(default=800, ge=10, description="most frequent words kept")
    min_words: int = Field(default=3, ge=1, description="shortest sentence kept")
    max_words: int = Field(default=9, ge=1, description="longest sentence kept")
    max_sentences: int | None = Field(default=None, ge=3, description="cap (for tiny corpora)")
    held_out_fraction: float = Field(default=0.08, gt=0, lt=0.5, description="each of dev, test")
    train_renditions: int = Field(default=1, ge=1, description="speakers per train sentence")
    held_out_renditions: int = Field(default=1, ge=1, description="speakers per dev sentence, per engine for test")
    engines: tuple[str, ...] = Field(default=("espeak-ng", "flite", "festival"), description="synthesisers")
    phrases: int = Field(default=400, ge=0, description="call-centre phrases (training only)")
    max_prompt_texts: int | None = Field(
        default=None, ge=0, description="cap on the real prompts' training texts spoken (for tiny corpora)"
    )
    extra_renditions: int = Field(default=1, ge=1, description="speakers per phrase or prompt text")
    workers: int | None = Field(default=None, ge=1, description="default: one per core")


class PrepareSettings(BaseSettings):
    """`train prepare`: MP3 -> 16 kHz mono WAV, normalised text, NeMo manifests."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_TRAIN_PREPARE_")

    corpus_dir: Path = Field(default_factory=lambda: workspace("corpus"))
    output_dir: Path = Field(default_factory=lambda: workspace("prepared"))
    language: str = Field(default="en", description="text normalisation table (en, es)")
    splits: tuple[str, ...] = ("train", "dev", "test")
    workers: int | None = Field(default=None, ge=1, description="default: one per core")


class RealPromptsSettings(BaseSettings):
    """`train prompts`: the Asterisk prompts (real speech) -> 16 kHz WAVs and fixed-split manifests."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_TRAIN_PROMPTS_")

    output_dir: Path = Field(default_factory=lambda: workspace("prepared"))
    sounds_dir: Path = Field(default=ASTERISK_SOUNDS, description="the prompts' .g722 and .wav files")
    per_split: int | None = Field(default=None, ge=1, description="cap per split (for tiny runs)")
    workers: int | None = Field(default=None, ge=1, description="default: one per core")


class AugmentSettings(BaseSettings):
    """`train augment`: augmented copies (speed, VTLP, rooms, noise, telephone) of manifests."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_TRAIN_AUGMENT_")

    manifests: tuple[Path, ...] = Field(
        default_factory=lambda: (workspace("prepared", "train.json"), workspace("prepared", "real_train.json")),
        description="training manifests to augment (never dev/test)",
    )
    copies: tuple[float, ...] = Field(
        default=(0.5, 6.0), description="augmented copies per utterance, per manifest (0.5: half get one)"
    )
    telephone_probability: float = Field(default=0.3, ge=0, le=1, description="share sent through the phone")
    output_dir: Path = Field(default_factory=lambda: workspace("prepared", "augmented"))
    output_manifest: Path = Field(default_factory=lambda: workspace("prepared", "augmented.json"))
    seed: int = 1234
    workers: int | None = Field(default=None, ge=1, description="default: one per core")


class FitSettings(BaseSettings):
    """`train fit`: train a NeMo CTC model from a YAML config and export `.nemo`."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_TRAIN_FIT_")

    config: Path = CONFIG_DIR / "quartznet_small_cpu.yaml"
    language: str = Field(default="en", description="its alphabet gives the model's labels")
    train_manifest: Path = Field(default_factory=lambda: workspace("prepared", "train.json"))
    dev_manifest: Path = Field(default_factory=lambda: workspace("prepared", "dev.json"))
    output: Path = Field(default_factory=lambda: workspace("models", "streamscribe-small.nemo"))
    work_dir: Path = Field(default_factory=lambda: workspace("run"), description="checkpoints, logs")
    max_epochs: int | None = Field(default=None, ge=1, description="overrides the config")
    max_steps: int | None = Field(default=None, ge=1, description="overrides the config")
    batch_size: int | None = Field(default=None, ge=1, description="overrides the config")
    learning_rate: float | None = Field(default=None, gt=0, description="peak LR, overrides the config")
    init_from: Path | None = Field(
        default=None, description=".nemo whose weights start the run (fine-tuning, a second stage)"
    )
    max_minutes: float | None = Field(default=None, gt=0, description="wall-clock limit; stops and exports")
    resume: bool = Field(default=True, description="continue from the run's last checkpoint")
    threads: int | None = Field(default=None, ge=1, description="torch CPU threads")
    seed: int = 1234


class LanguageModelSettings(BaseSettings):
    """`train lm`: a KenLM n-gram, its binary, unigrams, and alpha/beta tuned on dev."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_TRAIN_LM_")

    text_manifests: tuple[Path, ...] = Field(
        default_factory=lambda: (workspace("prepared", "train.json"),),
        description="manifests whose transcripts are the LM text (not dev/test)",
    )
    output_prefix: Path = Field(default_factory=lambda: workspace("models", "streamscribe-small"))
    order: int = Field(default=6, ge=2, description="n-gram order")
    prune: tuple[int, ...] = Field(default=(), description="lmplz --prune thresholds")
    model: Path | None = Field(
        default_factory=lambda: workspace("models", "streamscribe-small.nemo"),
        description=".nemo model to tune alpha/beta with (no tuning when missing)",
    )
    dev_manifest: Path = Field(default_factory=lambda: workspace("prepared", "dev.json"))
    alphas: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0, 1.5)
    betas: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0)
    beam_width: int = Field(default=32, ge=1)


class PunctuationSettings(BaseSettings):
    """`train punctuation`: the hidden-event n-gram and tables that punctuate and case final results,
    trained on Debian's fortunes, scored on held-out text from other sources (and, with
    `--speech`, on the recognizer's own output for the shipped speech samples)."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_TRAIN_PUNCT_")

    output_prefix: Path = Field(default_factory=lambda: workspace("models", "streamscribe-small"),
                                description="writes <prefix>.punct.bin and <prefix>.punct.json")
    order: int = Field(default=4, ge=2, description="n-gram order (words and marks)")
    prune: tuple[int, ...] = Field(default=(0, 1, 1, 1), description="lmplz --prune thresholds")
    samples: Path = Field(default=SHIPPED_MODELS / "samples" / "samples.tsv",
                          description="speech samples whose sentences stay out of the training text")
    evaluate: bool = Field(default=True, description="score on the held-out text afterwards")
    speech: bool = Field(default=False, description="also score on the recognizer's output for the samples")


class EvaluateSettings(BaseSettings):
    """`train evaluate`: WER of a `.nemo` model, greedy and with the KenLM beam search."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_TRAIN_EVAL_")

    model: Path = SHIPPED_MODELS / "streamscribe-small.nemo"
    manifests: tuple[Path, ...] = Field(
        default_factory=lambda: (workspace("prepared", "dev.json"), workspace("prepared", "test.json"))
    )
    kenlm_model: Path | None = Field(default=None, description="KenLM binary (none: greedy only)")
    unigrams: Path | None = None
    alpha: float = 0.5
    beta: float = 1.0
    beam_width: int = Field(default=32, ge=1)
    batch_size: int = Field(default=16, ge=1)


class SamplesSettings(BaseSettings):
    """`train samples`: held-out test utterances as FLAC + samples.tsv, for demos and tests."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_TRAIN_SAMPLES_")

    corpus_dir: Path = Field(default_factory=lambda: workspace("corpus"))
    test_manifest: Path = Field(default_factory=lambda: workspace("prepared", "test.json"))
    output_dir: Path = Field(default_factory=lambda: workspace("models", "samples"))
    count: int = Field(default=40, ge=1)
    max_seconds: float = Field(default=6.0, gt=0, description="longest clip kept")
    real_test_manifest: Path | None = Field(
        default_factory=lambda: workspace("prepared", "real_test.json"),
        description="real held-out prompts to ship at 8 kHz (none: synthetic samples only)",
    )
    real_count: int = Field(default=24, ge=1, description="real prompts shipped")
    sounds_dir: Path = Field(default=ASTERISK_SOUNDS,
                             description="the prompts' 8 kHz WAVs (asterisk-core-sounds-en-wav)")
    seed: int = 1234


class ReproduceSettings(BaseSettings):
    """`train reproduce`: corpus -> prepare -> fit -> lm -> samples -> evaluate, end to end."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_TRAIN_REPRODUCE_")

    work_dir: Path = Field(default_factory=workspace, description="corpus, WAVs, checkpoints")
    ship_dir: Path = Field(
        default_factory=lambda: workspace("models"),
        description="where the model, n-gram, samples and metrics go (recognizer/models to ship)",
    )
    config: Path = CONFIG_DIR / "quartznet_small_cpu.yaml"
    max_sentences: int | None = Field(default=None, ge=3, description="corpus cap (for tiny runs)")
    phrases: int = Field(default=400, ge=0, description="call-centre phrases drawn (training only)")
    espeak_renditions: int = Field(
        default=0, ge=0,
        description="more espeak-ng speakers per fortune train sentence, beside the random-engine ones",
    )
    max_prompts: int | None = Field(
        default=None, ge=1, description="real prompts per split, and prompt texts spoken (for tiny runs)"
    )
    max_epochs: int | None = Field(default=None, ge=1, description="first stage, overrides the config")
    refine_epochs: int = Field(
        default=8, ge=0, description="second stage: epochs from the first stage's weights (0: none)"
    )
    refine_learning_rate: float = Field(default=0.002, gt=0, description="second stage's peak LR")
    init_from: Path | None = Field(default=None, description=".nemo whose weights start the first stage")
    learning_rate: float | None = Field(default=None, gt=0, description="first stage's peak LR (default: config)")
    max_steps: int | None = Field(default=None, ge=1, description="first stage's steps (sets its LR schedule)")
    max_minutes: float | None = Field(default=None, gt=0, description="first stage's wall-clock limit")
    threads: int | None = Field(default=None, ge=1, description="torch CPU threads")
    seed: int = 1234
