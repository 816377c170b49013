"""The recognizer's one settings object (env vars `STREAMSCRIBE_RECOGNIZER_*`, then CLI flags)."""

from __future__ import annotations

import json
import socket
import uuid
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from recognizer.decoding import BeamSearchOptions, LanguageModelFiles
from recognizer.formatting import FormattingOptions
from recognizer.formatting.formatter import Level, Redaction
from streamscribe.errors import ConfigurationError
from streamscribe.paths import REPO_ROOT
from streamscribe.settings import KafkaClientSettings

SHIPPED_MODELS = REPO_ROOT / "recognizer" / "models"
SHIPPED_MODEL = SHIPPED_MODELS / "streamscribe-small.nemo"
SHIPPED_LM = SHIPPED_MODELS / "streamscribe-small.arpa.bin"
LM_SUFFIXES = (".arpa.bin", ".binary", ".bin", ".arpa")
UNIGRAMS_SUFFIX = ".unigrams.txt"
TUNING_SUFFIX = ".decoder.json"  # alpha/beta/beam width tuned on dev by `streamscribe train lm`
DEFAULT_BEAM = BeamSearchOptions()


def default_instance_id() -> str:
    """Unique per process: host name plus a random suffix."""
    return f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"


def beside_lm(lm_path: Path, suffix: str) -> Path:
    """`<prefix><suffix>` next to `<prefix>.arpa.bin` (or .binary/.bin/.arpa)."""
    name = lm_path.name
    prefix = next((name[: -len(known)] for known in LM_SUFFIXES if name.endswith(known)), lm_path.stem)
    return lm_path.with_name(prefix + suffix)


def tuned_decoding(lm_path: Path) -> dict[str, object]:
    """The decoder parameters tuned with this LM (`<prefix>.decoder.json`), if that file exists."""
    path = beside_lm(lm_path, TUNING_SUFFIX)
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid JSON: {exc}") from None


Decoder = Literal["greedy", "beam"]
# every command's default (recognizer, demo, up, bench latency, the deployments): pyctcdecode with the
# shipped 6-gram halves the greedy WER for ~3 ms of CPU per audio second
DEFAULT_DECODER: Decoder = "beam"


class RecognizerSettings(KafkaClientSettings):
    """Everything a recognizer worker needs: model, decoder, batching, Kafka and delivery."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_RECOGNIZER_", protected_namespaces=())

    model: str | None = Field(
        default=None, description="a .nemo file or a NeMo pretrained name (none: the shipped model)"
    )
    device: str = Field(default="auto", description="auto (CUDA if present, else CPU), cpu, cuda, cuda:N")
    decoder: Decoder = Field(
        default=DEFAULT_DECODER, description="CTC decoder: beam (pyctcdecode + the n-gram) or greedy"
    )
    lm: Path | None = Field(default=None, description="KenLM model for beam search (none: the shipped one)")
    unigrams: Path | None = Field(
        default=None, description="the LM's word list (none: <prefix>.unigrams.txt beside it)"
    )
    beam_width: int | None = Field(default=None, ge=1, description="none: tuned with the LM, else 32")
    alpha: float | None = Field(default=None, description="LM weight (none: tuned with the LM, else 0.5)")
    beta: float | None = Field(default=None, description="word insertion bonus (none: tuned with the LM, else 1.0)")
    hotwords: list[str] = Field(
        default_factory=list, description="boost this word (repeatable)", json_schema_extra={"flag": "hotword"}
    )
    hotword_weight: float = 10.0
    decode_processes: int = Field(
        default=2, ge=0,
        description="processes that beam-decode a batch's segments in parallel (0 or 1: one at a time, in the worker)",
    )

    max_batch: int = Field(default=16, ge=1, description="most segments per forward pass")
    max_wait_ms: int = Field(
        default=0, ge=0,
        description="longest wait to fill a batch once its first segment is there (0: take what has arrived)",
    )
    batches_per_transaction: int = Field(
        default=4, ge=1, description="read up to this many batches' worth of segments per Kafka transaction"
    )
    max_padding: float = Field(
        default=0.5, ge=0.0, description="padding allowed per batch, as a fraction of its audio"
    )
    max_segment_seconds: float = Field(default=60.0, gt=0)
    silence_dbfs: float | None = Field(
        default=-50.0, le=0, description="segments with no 20 ms frame louder than this get an empty result"
    )
    torch_threads: int | None = Field(default=None, ge=1, description="CPU threads for torch")
    compile_encoder: bool = Field(
        default=False, description="torch.compile the encoder (the first batches compile; docs/capacity.md)"
    )
    fast_convolutions: bool = Field(
        default=False,
        description="run depthwise and pointwise convolutions on faster CPU paths, same output (docs/capacity.md)",
    )
    redelivery_memory: int = Field(
        default=50_000, ge=0,
        description="final segments remembered as written, so a stream app's replayed copies are not written twice",
    )
    formatting: Level = Field(
        default="full", description="final results' text: raw (spoken words), punctuated, or full (also numbers, "
        "money, dates... written: docs/formatting.md); words keep the spoken tokens",
    )
    redact: Redaction = Field(default="none", description="pii: hide card, SSN and phone numbers and e-mail addresses")
    max_preview_lag_ms: int = Field(
        default=1_000, ge=0, description="interim previews whose newest audio is older than this are skipped"
    )
    stable_after_ms: int = Field(
        default=600, ge=0, description="a preview's word is flagged stable once this much audio follows it"
    )

    group_id: str = Field(default="streamscribe-recognizers", description="recognizer consumer group")
    instance_id: str = Field(
        default_factory=default_instance_id, description="this worker's id (its transactional.id suffix)"
    )
    transaction_timeout_ms: int = Field(
        default=10_000, ge=1000, description="a dead worker's open batch is aborted after this"
    )
    transaction_call_timeout_ms: int = Field(
        default=30_000, ge=100,
        description="timeout librdkafka gets to initialise transactions, send a batch's offsets, commit or abort",
    )
    stuck_call_grace_ms: int = Field(
        default=10_000, ge=0, description="such a call still running this long past its timeout is given up: "
        "the producer is renewed under the same transactional.id (librdkafka issue 3779); a stuck "
        "init_transactions stops the worker"
    )
    session_timeout_ms: int = Field(default=10_000, ge=6000, description="a dead worker's partitions move after this")
    max_poll_interval_ms: int = Field(default=300_000, ge=10_000)
    shutdown_timeout_ms: int = Field(
        default=12_000, ge=1000,
        description="after SIGTERM/SIGINT, exit (status 75, logging it) if the worker has not stopped this long "
                    "after: an open transaction is then aborted by the broker and its batch redone")
    metrics_port: int | None = Field(default=None, description="serve Prometheus metrics here (0 = any free port)")

    def model_source(self) -> str:
        """The model to load: the configured one, else the shipped model."""
        if self.model:
            return self.model
        if not SHIPPED_MODEL.is_file():
            raise ConfigurationError(
                f"no model given and no shipped model at {SHIPPED_MODEL}: pass --model PATH_OR_NAME"
            )
        return str(SHIPPED_MODEL)

    def lm_path(self) -> Path | None:
        """The KenLM file for beam search: the configured one, else the shipped one if present."""
        return self.lm or (SHIPPED_LM if SHIPPED_LM.is_file() else None)

    def language_model(self) -> LanguageModelFiles | None:
        """The KenLM model and its word list (given, named by its tuning file, or beside it)."""
        path = self.lm_path()
        if path is None:
            return None
        if not path.is_file():
            raise ConfigurationError(f"no language model file at {path}")
        tuned = tuned_decoding(path)
        unigrams = self.unigrams or (
            path.with_name(str(tuned["unigrams"])) if "unigrams" in tuned else beside_lm(path, UNIGRAMS_SUFFIX)
        )
        if self.unigrams is not None and not unigrams.is_file():
            raise ConfigurationError(f"no unigram file at {unigrams}")
        return LanguageModelFiles(path, unigrams if unigrams.is_file() else None)

    def beam_options(self) -> BeamSearchOptions:
        """The beam-search knobs: given ones, else those tuned with the LM, else the defaults."""
        path = self.lm_path()
        tuned = tuned_decoding(path) if path is not None and path.is_file() else {}

        def pick(name: str) -> object:
            given = getattr(self, name)
            return given if given is not None else tuned.get(name, getattr(DEFAULT_BEAM, name))

        return BeamSearchOptions(
            int(pick("beam_width")), float(pick("alpha")), float(pick("beta")),
            tuple(self.hotwords), self.hotword_weight,
        )

    def formatting_options(self) -> FormattingOptions:
        """The formatting every final result gets."""
        return FormattingOptions(self.formatting, self.redact)

    @property
    def transactional_id(self) -> str:
        """This instance's Kafka transactional.id (one per worker process)."""
        return f"{self.group_id}-{self.instance_id}"


class ListenSettings(KafkaClientSettings):
    """`streamscribe listen`: which results to print (env vars `STREAMSCRIBE_LISTEN_*`, then flags)."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_LISTEN_")

    stream_id: str | None = Field(default=None, description="only this stream (exit when it ends)")
    from_beginning: bool = Field(default=False, description="start at the oldest result kept")
    group_id: str | None = Field(default=None, description="join this consumer group (none: an anonymous reader)")
    format: Literal["text", "json", "srt", "vtt"] = Field(
        default="text", description="a line per result, a JSON object per result, or captions (SRT/WebVTT: "
        "final results of one --stream-id)"
    )


class FormatSettings(BaseSettings):
    """`streamscribe format`: spoken text in (arguments, else one result per line of stdin), written text out."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_FORMAT_")

    formatting: Level = Field(default="full", description="raw, punctuated, or full (docs/formatting.md)")
    redact: Redaction = Field(default="none", description="pii: hide card, SSN and phone numbers and e-mail addresses")
    json_output: bool = Field(
        default=False, description="print a JSON object per result: text, spoken words, written tokens with the "
        "spoken words each came from", json_schema_extra={"flag": "json"},
    )

    def options(self) -> FormattingOptions:
        return FormattingOptions(self.formatting, self.redact)
