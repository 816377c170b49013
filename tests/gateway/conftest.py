"""One running stack shared by every gateway test: the real broker, `streamscribe stream-app`
(a subprocess), a recognizer worker with the shipped model and 6-gram, and two gateways on
different home partitions (one with API keys and limits, one small for the capacity case)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jiwer
import numpy as np
import pytest
import soundfile

from gateway.server import GatewayThread
from gateway.settings import GatewaySettings
from streamscribe.settings import KafkaSettings, TopicSettings
from tests.stream_app.kafka_io import WorkerProcess

SAMPLES = Path(__file__).resolve().parents[2] / "recognizer" / "models" / "samples"
SPOKEN = 4  # held-out sentences joined into the test speech
PAUSE_S = 0.6
KEYS = ("key-a", "key-b")
PER_KEY_LIMIT = 3
MAX_WER = 0.5  # the shipped model + 6-gram: about 0.2 on held-out files; a broken path gives ~1.0


@dataclass(frozen=True)
class Speech:
    """A few held-out sentences as one 16 kHz mono recording, and what is said in it."""

    pcm: bytes
    reference: str
    wav: Path

    def wer(self, text: str) -> float:
        """Word error rate of `text` against the reference."""
        return jiwer.wer(self.reference, text or "<empty>")


@dataclass
class Stack:
    """The running services and their settings."""

    kafka: KafkaSettings
    topics: TopicSettings
    gateway: GatewayThread        # API keys, per-key limit
    small: GatewayThread          # open, capacity 1, another home partition
    stream_app: WorkerProcess


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Speech:
    from training.samples import read_samples

    samples = read_samples(SAMPLES)[:SPOKEN]
    pause = np.zeros(int(16_000 * PAUSE_S), dtype=np.int16)
    pieces = [pause]
    for sample in samples:
        pieces += [soundfile.read(SAMPLES / sample.path, dtype="int16")[0], pause]
    audio = np.concatenate(pieces)
    wav = tmp_path_factory.mktemp("speech") / "speech.wav"
    soundfile.write(wav, audio, 16_000, subtype="PCM_16")
    return Speech(audio.tobytes(), " ".join(sample.sentence for sample in samples), wav)


@pytest.fixture(scope="session")
def stack(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    from infra.topics import ensure_topics
    from recognizer.engine import RecognitionEngine, build_decoder
    from recognizer.model import AcousticModel
    from recognizer.settings import SHIPPED_MODEL, RecognizerSettings
    from recognizer.worker import RecognizerWorker, WorkerThread

    suffix = uuid.uuid4().hex[:8]
    kafka = KafkaSettings(bootstrap_servers=kafka_bootstrap)
    topics = TopicSettings.suffixed("gw", suffix, audio_partitions=4, transcript_partitions=4, rejected_partitions=1)
    ensure_topics(kafka, topics)
    stream_app = WorkerProcess(kafka_bootstrap, topics, f"gw-app-{suffix}", tmp_path_factory.mktemp("gw-app"))
    model = AcousticModel.load(SHIPPED_MODEL, device="cpu")
    settings = RecognizerSettings(kafka=kafka, topics=topics, group_id=f"gw-rec-{suffix}", max_batch=8,
                                  model=str(SHIPPED_MODEL), decoder="beam")  # the shipped 6-gram, as the demo
    engine = RecognitionEngine(model, build_decoder(settings, model.vocabulary))
    recognizer = WorkerThread(RecognizerWorker(settings, engine))
    recognizer.start()
    common = {"kafka": kafka, "topics": topics, "port": 0, "home_partitions": 1, "result_timeout_s": 120.0}
    gateway = GatewayThread(GatewaySettings(
        **common, home_first=0, api_keys=",".join(KEYS), max_streams_per_key=PER_KEY_LIMIT, max_streams=50,
        idle_timeout_s=3.0, max_frame_bytes=64 * 1024, instance_id="gateway-a")).start()
    small = GatewayThread(GatewaySettings(**common, home_first=2, max_streams=1, instance_id="gateway-b")).start()
    try:
        yield Stack(kafka, topics, gateway, small, stream_app)
    finally:
        for service in (gateway, small):
            service.stop()
        recognizer.stop()
        stream_app.stop()
