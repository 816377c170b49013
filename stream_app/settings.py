"""`StreamAppSettings`: the stream app's one settings object (STREAMSCRIBE_STREAM_APP_* env vars + CLI flags)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from stream_app.endpointing import silence_energy
from stream_app.segmenter import SegmentingRules
from streamscribe.contracts.chunk import DEFAULT_MAX_CHUNK_BYTES
from streamscribe.contracts.segment import SEGMENT_SAMPLE_RATE
from streamscribe.paths import state_home
from streamscribe.pcm import S16_WIDTH
from streamscribe.settings import KafkaClientSettings

_SAMPLES_PER_MS = SEGMENT_SAMPLE_RATE // 1000


class StreamAppSettings(KafkaClientSettings):
    """Thresholds, timers and where the worker keeps its state (plus `kafka` and `topics`)."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_STREAM_APP_")

    app_id: str = Field("streamscribe-stream-app", description="faust app id = consumer group")
    workdir: Path = Field(default_factory=lambda: state_home() / "stream-app", description="faust's state folder")

    max_segment_bytes: int = Field(320_000, ge=3_200, description="16 kHz s16 bytes (10 s)")
    max_segment_age_ms: int = Field(5_000, ge=1, description="event-time age of the oldest buffered audio")
    min_silence_ms: int = Field(400, ge=1, description="silence after speech that ends a segment")
    silence_threshold_dbfs: float = Field(-40.0, le=0.0, description="frames quieter than this are silent")
    frame_ms: int = Field(20, ge=5, le=100, description="endpointing frame length")
    cut_search_ms: int = Field(1_000, ge=0, description="look back this far for a quiet cut point")
    idle_timeout_ms: int = Field(
        30_000, ge=100,
        description="close streams that send nothing this long, counted only while their partition is read "
                    "and caught up (docs/operations.md: an outage of Kafka or of this worker does not count)")
    live_fetch_age_ms: int = Field(
        2_000, ge=100,
        description="a partition counts as live (its idle time runs) only while the consumer's last fetch answer "
                    "for it is at most this old")
    interim_interval_ms: int = Field(400, ge=0, description="emit interim previews this often (0 = off)")
    interim_context_ms: int = Field(600, ge=0, description="audio before the new audio that a preview holds")
    cut_overlap_ms: int = Field(800, ge=0, description="audio shared by the segments around a bytes/time cut")
    max_preview_lag_ms: int | None = Field(
        1_000, ge=0,
        description="no preview for a chunk older than this when processed (the recognizer's max_preview_lag_ms "
                    "skips such previews as stale); None: previews whatever the lag")
    max_chunk_bytes: int = Field(DEFAULT_MAX_CHUNK_BYTES, ge=1, description="larger chunks are rejected")

    commit_interval_ms: int = Field(1_000, ge=50, description="checkpoint + input offset commit period")
    session_timeout_ms: int = Field(10_000, ge=1_000, description="a silent worker leaves the group after this")
    # 1 MiB, not 256 KiB: at 1,000 streams 9 % less worker CPU (fewer fetches and thread hand-offs), p50 +25 ms
    fetch_min_bytes: int = Field(1_048_576, ge=1, description="the broker answers a fetch once it has this much")
    fetch_max_wait_ms: int = Field(50, ge=0, description="... or once this long has passed")
    batch_queue: int = Field(4, ge=1, description="fetched batches waiting for the agent (backpressure)")
    shutdown_timeout_ms: int = Field(
        10_000, ge=1_000,
        description="after SIGTERM/SIGINT, exit (status 75, logging what is abandoned) if the shutdown has not "
                    "finished this long after: it hangs on a dead broker; uncommitted input is replayed")
    metrics_port: int | None = Field(None, description="serve Prometheus metrics here (0 = any free port)")
    web_port: int | None = Field(None, description="faust's web server port (None: disabled)")

    @model_validator(mode="after")
    def _thresholds_fit(self) -> StreamAppSettings:
        self.segmenting_rules()  # raises ValueError when the thresholds contradict each other
        return self

    def segmenting_rules(self) -> SegmentingRules:
        """The thresholds in the segmenter's units (frames, 16 kHz samples)."""
        frame_samples = self.frame_ms * _SAMPLES_PER_MS
        max_frames = self.max_segment_bytes // (frame_samples * S16_WIDTH)
        return SegmentingRules(
            frame_samples=frame_samples,
            max_frames=max_frames,
            max_age_ms=self.max_segment_age_ms,
            min_silence_frames=-(-self.min_silence_ms // self.frame_ms),
            cut_search_frames=max(1, min(self.cut_search_ms // self.frame_ms, max_frames - 1)),
            silent_below=silence_energy(self.silence_threshold_dbfs, frame_samples),
            interim_interval_samples=self.interim_interval_ms * _SAMPLES_PER_MS,
            interim_context_frames=self.interim_context_ms // self.frame_ms,
            cut_overlap_frames=self.cut_overlap_ms // self.frame_ms,
        )

    @property
    def idle_timeout_s(self) -> float:
        """`idle_timeout_ms` in seconds."""
        return self.idle_timeout_ms / 1000

    @property
    def housekeeping_interval_s(self) -> float:
        """How often idle streams are looked for (and each partition's live clock ticks)."""
        return min(1.0, self.idle_timeout_s / 4)

    @property
    def max_live_step_s(self) -> float:
        """The most live time one tick may credit: a worker paused for longer gains no more when it wakes."""
        return 2 * self.housekeeping_interval_s
