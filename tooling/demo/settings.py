"""Settings of `streamscribe demo` and `streamscribe up` (env vars STREAMSCRIBE_DEMO_*, then flags)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from recognizer.settings import DEFAULT_DECODER, Decoder
from streamscribe.paths import REPO_ROOT, state_home
from streamscribe.settings import KafkaClientSettings
from tooling.scaling.settings import AutoscaleSettings

SHIPPED_SAMPLES = REPO_ROOT / "recognizer" / "models" / "samples" / "demo.tsv"  # synthetic + real 8 kHz


class StackSettings(KafkaClientSettings):
    """Which services to run and how: shared by `demo` and `up`."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_DEMO_", protected_namespaces=())

    recognizers: int = Field(default=1, ge=1, description="recognizer group members to run")
    stream_app_workers: int = Field(default=1, ge=1, description="stream app workers to run")
    model: str | None = Field(
        default=None, description="recognizer model: a .nemo file or NeMo name (none: the shipped one)"
    )
    decoder: Decoder = Field(default=DEFAULT_DECODER, description="the recognizers' CTC decoder (greedy or beam)")
    stream_app_metrics_port: int = Field(
        default=0, ge=0, description="metrics port of the first stream app worker; the i-th adds i (0: free ports)"
    )
    recognizer_metrics_port: int = Field(
        default=0, ge=0, description="metrics port of the first recognizer; the i-th adds i (0: free ports)"
    )
    gateway_port: int | None = Field(
        default=None, ge=0, json_schema_extra={"flag": "gateway"},
        description="also run the WebSocket/HTTP gateway and its browser page on this port (0: a free one)",
    )
    ready_timeout: float = Field(default=300.0, gt=0, description="seconds a service may take to start")
    state_dir: Path = Field(default_factory=state_home, description="services' state (stream app workdirs)")
    log_dir: Path | None = Field(default=None, description="services' logs (default: <state_dir>/logs)")

    @property
    def logs(self) -> Path:
        """Where the services' log files go."""
        return self.log_dir or self.state_dir / "logs"


class DemoSettings(StackSettings):
    """The demo: how many live streams of which sample speech, and where the summary goes."""

    streams: int = Field(default=24, ge=1, description="concurrent live streams")
    samples: Path = Field(default=SHIPPED_SAMPLES, description="samples.tsv (path, sentence) to stream")
    chunk_ms: int = Field(default=100, ge=10, le=1000)
    ramp_seconds: float = Field(default=3.0, ge=0, description="stream starts are spread over this")
    finish_timeout: float = Field(
        default=120.0, gt=0, description="seconds to wait for the last transcripts after the audio ends"
    )
    summary_json: Path | None = Field(default=None, description="also write the summary as JSON to this file")


class UpSettings(StackSettings):
    """`streamscribe up`: the stack, optionally autoscaled (targets and hysteresis: `scaling`)."""

    autoscale: str | None = Field(
        default=None,
        description="MIN:MAX: grow and shrink recognizers (MIN may be 0) and stream app workers (1..MAX) "
        "by lag and input rate (docs/scaling.md)",
    )
    scaling: AutoscaleSettings = Field(default_factory=AutoscaleSettings)
