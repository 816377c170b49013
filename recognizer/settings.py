"""The recognizer's one settings object (env vars `STREAMSCRIBE_RECOGNIZER_*`, then CLI flags)."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from recognizer.decoding import BeamSearchOptions, LanguageModelFiles
from streamscribe.errors import ConfigurationError
from streamscribe.paths import REPO_ROOT
from streamscribe.settings import KafkaSettings, TopicSettings

SHIPPED_MODELS = REPO_ROOT / "recognizer" / "models"
SHIPPED_MODEL = SHIPPED_MODELS / "streamscribe-small.nemo"
SHIPPED_LM = SHIPPED_MODELS / "streamscribe-small.arpa.bin"
LM_SUFFIXES = (".arpa.bin", ".binary", ".bin", ".arpa")
UNIGRAMS_SUFFIX = ".unigrams.txt"


def default_instance_id() -> str:
    """Unique per process: host name plus a random suffix."""
    return f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"


def unigrams_beside(lm_path: Path) -> Path | None:
    """`<prefix>.unigrams.txt` next to `<prefix>.arpa.bin` (or .binary/.bin/.arpa), if present."""
    name = lm_path.name
    prefix = next((name[: -len(suffix)] for suffix in LM_SUFFIXES if name.endswith(suffix)), lm_path.stem)
    candidate = lm_path.with_name(prefix + UNIGRAMS_SUFFIX)
    return candidate if candidate.is_file() else None


class RecognizerSettings(BaseSettings):
    """Everything a recognizer worker needs: model, decoder, batching, Kafka and delivery."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_RECOGNIZER_", protected_namespaces=())

    model: str | None = Field(default=None, description="a .nemo path or a NeMo pretrained name")
    device: str = "auto"
    decoder: Literal["greedy", "beam"] = "greedy"
    lm: Path | None = Field(default=None, description="KenLM model for beam search (default: shipped)")
    unigrams: Path | None = Field(default=None, description="the LM's words (default: beside the LM)")
    beam_width: int = Field(default=32, ge=1)
    alpha: float = 0.5
    beta: float = 1.0
    hotwords: list[str] = Field(default_factory=list)
    hotword_weight: float = 10.0

    max_batch: int = Field(default=16, ge=1)
    max_wait_ms: int = Field(default=50, ge=0)
    max_padding: float = Field(default=0.5, ge=0.0, description="padded/real audio - 1 allowed per batch")
    max_segment_seconds: float = Field(default=60.0, gt=0)
    torch_threads: int | None = Field(default=None, ge=1)

    group_id: str = "streamscribe-recognizers"
    instance_id: str = Field(default_factory=default_instance_id)
    transaction_timeout_ms: int = Field(default=10_000, ge=1000, description="a dead worker's open batch is aborted after this")
    session_timeout_ms: int = Field(default=10_000, ge=6000, description="a dead worker's partitions move after this")
    max_poll_interval_ms: int = Field(default=300_000, ge=10_000)
    metrics_port: int | None = None

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    topics: TopicSettings = Field(default_factory=TopicSettings)

    def model_source(self) -> str:
        """The model to load: the configured one, else the shipped model."""
        if self.model:
            return self.model
        if not SHIPPED_MODEL.is_file():
            raise ConfigurationError(
                f"no model given and no shipped model at {SHIPPED_MODEL}: pass --model PATH_OR_NAME"
            )
        return str(SHIPPED_MODEL)

    def language_model(self) -> LanguageModelFiles | None:
        """The KenLM for beam search: the configured one, else the shipped one if present."""
        path = self.lm or (SHIPPED_LM if SHIPPED_LM.is_file() else None)
        if path is None:
            return None
        if not path.is_file():
            raise ConfigurationError(f"no language model file at {path}")
        unigrams = self.unigrams or unigrams_beside(path)
        if unigrams is not None and not unigrams.is_file():
            raise ConfigurationError(f"no unigram file at {unigrams}")
        return LanguageModelFiles(path, unigrams)

    def beam_options(self) -> BeamSearchOptions:
        """The beam-search knobs."""
        return BeamSearchOptions(self.beam_width, self.alpha, self.beta, tuple(self.hotwords), self.hotword_weight)

    @property
    def transactional_id(self) -> str:
        """This instance's Kafka transactional.id (one per worker process)."""
        return f"{self.group_id}-{self.instance_id}"
