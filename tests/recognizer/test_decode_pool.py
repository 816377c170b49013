"""Parallel beam decoding: the same words as in-process decoding, and no decoding process outlives
the recognizer (SIGTERM: a clean stop; SIGKILL: the kernel ends them)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import psutil
import pytest

from infra.broker import free_port
from recognizer.audio_files import read_mono
from recognizer.engine import RecognitionEngine
from recognizer.settings import SHIPPED_MODEL, SHIPPED_MODELS, RecognizerSettings
from tooling.demo.stack import RECOGNIZER_READY
from tooling.demo.supervisor import Child, ChildSpec, metrics_endpoint_answers, streamscribe_command

EXIT_TIMEOUT = 60.0
START_TIMEOUT = 120.0


def decoding_processes(parent: subprocess.Popen, count: int) -> list[psutil.Process]:
    children = psutil.Process(parent.pid).children(recursive=True)
    assert len(children) == count, f"expected {count} decoding processes, found {children}"
    return children


def assert_all_ended(processes: list[psutil.Process]) -> None:
    _gone, alive = psutil.wait_procs(processes, timeout=EXIT_TIMEOUT)
    assert not alive, f"decoding processes outlived the recognizer: {alive}"


@pytest.mark.model
def test_pool_decodes_real_speech_as_the_in_process_decoder_does() -> None:
    settings = RecognizerSettings(model=str(SHIPPED_MODEL), decoder="beam", decode_processes=2)
    parallel = RecognitionEngine.from_settings(settings)
    model = parallel.model
    sequential = RecognitionEngine(model, parallel.decoder)  # the same decoder, in this process
    try:
        clips = [read_mono(path, model.sample_rate) for path in sorted(SHIPPED_MODELS.glob("samples/*.flac"))]
        speech = np.concatenate(clips)
        windows = [speech[start:start + 3 * model.sample_rate] for start in range(0, len(speech), 40_000)]
        utterances = sequential.forward([*clips[:8], *windows[:24], np.zeros(model.sample_rate, np.float32)])
        expected = sequential.decode(utterances)
        assert sum(len(decoded.words) for decoded in expected) > 100
        assert parallel.decode(utterances) == expected
    finally:
        parallel.close()


POOL_SCRIPT = """
import sys
from recognizer.decode_pool import DecoderPool
from recognizer.decoding import BeamDecoder, BeamSearchOptions, Vocabulary
pool = DecoderPool(BeamDecoder(Vocabulary(tuple("ab ")), BeamSearchOptions()), 2)
print("ready", flush=True)
sys.stdin.read()
"""


def test_decoding_processes_die_with_a_sigkilled_parent() -> None:
    parent = subprocess.Popen([sys.executable, "-c", POOL_SCRIPT], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert parent.stdout.readline().strip() == b"ready"
        children = decoding_processes(parent, 2)
        parent.send_signal(signal.SIGKILL)
        parent.wait(EXIT_TIMEOUT)
        assert_all_ended(children)
    finally:
        parent.kill()


@pytest.mark.broker
def test_sigterm_stops_the_recognizer_and_its_decoding_processes(
    tiny_model_path: Path, kafka_bootstrap, topic_settings, unique_group, tmp_path: Path
) -> None:
    metrics_port = free_port()
    argv = streamscribe_command(
        "recognizer", "--model", str(tiny_model_path), "--device", "cpu",
        "--decoder", "beam", "--decode-processes", "2", "--group-id", unique_group, "--torch-threads", "1",
        "--segments-topic", topic_settings.segments, "--transcripts-topic", topic_settings.transcripts,
        "--rejected-topic", topic_settings.rejected, "--metrics-port", str(metrics_port),
    )
    ready = metrics_endpoint_answers(metrics_port, RECOGNIZER_READY)  # its signal handlers are set by then
    recognizer = Child(ChildSpec("recognizer", argv, tmp_path / "recognizer.log", ready))
    try:
        recognizer.wait_ready(START_TIMEOUT)
        children = decoding_processes(recognizer.process, 2)
        recognizer.process.send_signal(signal.SIGTERM)
        assert recognizer.process.wait(EXIT_TIMEOUT) == 0, recognizer.log_tail(40)
        assert_all_ended(children)
    finally:
        recognizer.process.kill()
