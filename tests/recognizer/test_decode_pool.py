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

from recognizer.audio_files import read_mono
from recognizer.engine import RecognitionEngine
from recognizer.settings import SHIPPED_MODEL, SHIPPED_MODELS, RecognizerSettings

EXIT_TIMEOUT = 60.0


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
    tiny_model_path: Path, kafka_bootstrap, topic_settings, unique_group
) -> None:
    command = [
        sys.executable, "-m", "streamscribe.cli", "recognizer", "--model", str(tiny_model_path), "--device", "cpu",
        "--decoder", "beam", "--decode-processes", "2", "--group-id", unique_group, "--torch-threads", "1",
        "--segments-topic", topic_settings.segments, "--transcripts-topic", topic_settings.transcripts,
        "--rejected-topic", topic_settings.rejected,
    ]
    recognizer = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        started = []
        for line in recognizer.stdout:  # until the worker reads its topic (signal handlers are set by then)
            started.append(line)
            if b"recognizer.worker" in line and b" reading " in line:
                break
        else:
            raise AssertionError(b"".join(started[-20:]).decode())
        children = decoding_processes(recognizer, 2)
        recognizer.send_signal(signal.SIGTERM)
        output, _ = recognizer.communicate(timeout=EXIT_TIMEOUT)
        assert recognizer.returncode == 0, output.decode()[-2000:]
        assert_all_ended(children)
    finally:
        recognizer.kill()
