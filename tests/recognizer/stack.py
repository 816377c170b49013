"""The pipeline around recognizers under test: a real `streamscribe stream-app` subprocess and live streams."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def start_stream_app(bootstrap: str, topics, app_id: str, workdir: Path) -> subprocess.Popen:
    """One stream-app worker on `topics`, its log in `<workdir>/../stream-app.log`."""
    command = [
        sys.executable, "-m", "streamscribe.cli", "stream-app", "--bootstrap-servers", bootstrap,
        "--app-id", app_id, "--workdir", str(workdir), "--chunks-topic", topics.chunks,
        "--segments-topic", topics.segments, "--transcripts-topic", topics.transcripts,
        "--rejected-topic", topics.rejected,
    ]
    log = (workdir.parent / "stream-app.log").open("wb")
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def send_streams(kafka, topics, streams: dict[str, bytes]) -> list[str]:
    """Each 16 kHz 16-bit PCM as one live stream of 100 ms chunks (as fast as the producer goes)."""
    from producers.producer import AudioProducer

    stream_ids = []
    with AudioProducer(kafka, topics) as producer:
        for name, pcm in streams.items():
            stream = producer.open_stream(name, sample_rate=16_000)
            for start in range(0, len(pcm), 3200):
                stream.write(pcm[start:start + 3200])
            stream.close()
            stream_ids.append(stream.stream_id)
        producer.flush(30)
    return stream_ids
