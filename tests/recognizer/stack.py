"""The pipeline around recognizers under test: a real `streamscribe stream-app` subprocess and live streams."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def start_stream_app(bootstrap: str, topics, app_id: str, workdir: Path) -> subprocess.Popen:
    """One stream-app worker on `topics`, its log in `<workdir>/../stream-app.log`."""
    command = [
        sys.executable, "-m", "tooling.cli", "stream-app", "--bootstrap-servers", bootstrap,
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


def serve_streams(bootstrap: str, kafka, topics, workers: list, transcript_topics: dict, streams: dict[str, bytes],
                  app_id: str, tmp_path: Path) -> tuple[list[str], dict]:
    """Send `streams` through one real stream app and the recognizer `workers` (WorkerThreads, started
    and stopped here); returns the stream ids sent and, per name of `transcript_topics`, every
    stream's text read from that name's transcripts topic. The stream app must not have died."""
    from producers.reader import TranscriptReader

    workdir = tmp_path / "stream-app"
    workdir.mkdir()
    stream_app = start_stream_app(bootstrap, topics, app_id, workdir)
    read = {}
    try:
        for worker in workers:
            worker.start()
        stream_ids = send_streams(kafka, topics, streams)
        for name, transcripts in transcript_topics.items():
            with TranscriptReader(kafka, transcripts) as reader:
                read[name] = reader.wait_for_streams(stream_ids, timeout=240)
        assert stream_app.poll() is None, (tmp_path / "stream-app.log").read_text()[-3000:]
    finally:
        for worker in workers:
            worker.stop()
        stream_app.terminate()
        stream_app.wait(30)
    return stream_ids, read
