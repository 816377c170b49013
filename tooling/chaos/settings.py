"""`ChaosSettings`: the chaos run's one settings object (STREAMSCRIBE_CHAOS_* env vars + CLI flags)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from streamscribe.cli_settings import Names

FAULTS = ("kill-stream-app", "kill-recognizer", "kill-broker", "pause-broker", "pause-stream-app", "outage")


class ChaosSettings(BaseSettings):
    """How many live streams for how long, which faults how often, on how many broker nodes."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_CHAOS_")

    streams: int = Field(50, ge=1, description="live streams kept going (a new one starts when one ends)")
    duration_s: float = Field(600.0, gt=0, description="how long faults are injected; then the streams finish")
    nodes: int = Field(1, ge=1, le=5, description="broker nodes: 1 (embedded broker) or a cluster (e.g. 3)")
    stream_app_workers: int = Field(2, ge=1, description="stream app workers")
    recognizers: int = Field(2, ge=1, description="recognizer group members")
    decoder: Literal["greedy", "beam"] = Field("greedy", description="the recognizers' decoder")
    faults: Names = Field(FAULTS, description=f"faults to draw from: {', '.join(FAULTS)}")
    fault_every_s: float = Field(20.0, gt=0, description="mean time between faults (exponentially distributed)")
    outage_s: float = Field(45.0, gt=0, description="how long a killed broker (or every node: 'outage') stays "
                                                   "down: longer than the idle timeout (30 s) and the session timeouts")
    pause_s: float = Field(15.0, gt=0, description="how long a SIGSTOPped process stays stopped")
    seed: int = Field(0, description="random seed: the same seed draws the same faults at the same times")
    workdir: Path = Field(Path("chaos-run"), description="brokers' state, services' logs and the report go here")
