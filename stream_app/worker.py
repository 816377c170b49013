"""Starting one stream-app worker process: topics, metrics, then faust's Worker until stopped."""

from __future__ import annotations

import asyncio
import logging

from infra.topics import ensure_topics, partition_counts
from stream_app.settings import StreamAppSettings
from streamscribe.contracts.chunk import AudioFormat, Encoding
from streamscribe.errors import ConfigurationError
from streamscribe.metrics import serve_metrics

log = logging.getLogger(__name__)


def load_kernels() -> None:
    """Load the numba kernels now: on the first chunk they would cost seconds of CPU."""
    from stream_app.endpointing import frame_energies  # noqa: PLC0415
    from stream_app.normalize import normalize  # noqa: PLC0415

    for encoding in Encoding:
        normalize(bytes(64), AudioFormat(8000, 2, encoding))
    frame_energies(bytes(1280), 320)
    frame_energies(memoryview(bytearray(1280)), 320)


def use_fastest_event_loop() -> None:
    """uvloop when installed (less CPU per message), else asyncio's own loop."""
    try:
        import uvloop  # noqa: PLC0415
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def changelog_topic(app_id: str) -> str:
    """The Kafka topic where faust keeps the stream-state table of app `app_id`."""
    from stream_app.app import TABLE_NAME  # noqa: PLC0415

    return f"{app_id}-{TABLE_NAME}-changelog"


def state_topics(app_id: str) -> list[str]:
    """The topics faust creates for app `app_id` (its stream-state changelog and its leader-election
    topic): deleting them starts the app afresh."""
    return [changelog_topic(app_id), f"{app_id}-__assignor-__leader"]


def input_partitions(settings: StreamAppSettings) -> int:
    """Partitions of the chunks topic; ConfigurationError when the app's existing state does not
    line up with them (faust would fail later with "Unrecognized partition")."""
    changelog = changelog_topic(settings.app_id)
    counts = partition_counts(settings.kafka, [settings.topics.chunks, changelog])
    partitions = counts.get(settings.topics.chunks)
    if not partitions:
        raise ConfigurationError(f"topic {settings.topics.chunks!r} does not exist and could not be created")
    if counts.get(changelog, partitions) != partitions:
        raise ConfigurationError(
            f"stream app {settings.app_id!r} keeps its state in {changelog!r} with {counts[changelog]} partitions, "
            f"but {settings.topics.chunks!r} has {partitions}: streams and their state would not line up. "
            f"Run this topic under another --app-id, or delete {changelog!r} to start the state afresh."
        )
    return partitions


def run_worker(settings: StreamAppSettings, log_level: str = "INFO") -> int:
    """Run a worker until SIGINT/SIGTERM (faust exits the process with its status)."""
    from stream_app.faust_glue import require_tested_faust  # noqa: PLC0415

    require_tested_faust()  # before anything leans on faust's internals
    from stream_app.app import StreamAppRuntime  # noqa: PLC0415
    from stream_app.faust_glue import QuietWorker  # noqa: PLC0415
    from stream_app.metrics import StreamAppMetrics  # noqa: PLC0415

    ensure_topics(settings.kafka, settings.topics)
    partitions = input_partitions(settings)
    settings.workdir.mkdir(parents=True, exist_ok=True)
    load_kernels()
    use_fastest_event_loop()
    metrics = StreamAppMetrics()
    serve_metrics(settings.metrics_port, "stream-app")
    runtime = StreamAppRuntime(settings, partitions, metrics)
    log.info("stream-app %s: %s → %s (%d partitions)", settings.app_id, settings.topics.chunks,
             settings.topics.segments, partitions)
    worker = QuietWorker(runtime.app, loglevel=log_level, quiet=True, redirect_stdouts=False,
                          workdir=str(settings.workdir))
    worker.execute_from_commandline()
    return 0
