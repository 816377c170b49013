"""`streamscribe send FILE…` against the real broker."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from producers.cli import stream_ids_for
from producers.settings import SendSettings
from producers.sources import encode
from streamscribe.cli_settings import settings_from_args
from streamscribe.errors import ConfigurationError
from streamscribe.settings import TopicSettings
from tests.infra.kafka_reading import read_messages
from tests.producers.stream_checks import assert_streams_intact
from tooling.cli import build_parser, main


def write_noise(path: Path, seconds: float, rate: int, channels: int, seed: int) -> np.ndarray:
    """A file of random 16-bit samples; returns the samples as written (float)."""
    samples = (
        np.random.default_rng(seed).integers(-20000, 20000, size=(int(seconds * rate), channels)) / 32768
    )
    soundfile.write(path, samples, rate, subtype="PCM_16")
    return samples.astype(np.float32)


@pytest.mark.broker
def test_send_streams_each_file_and_prints_a_line_per_stream(
    kafka_bootstrap: str, topic_settings: TopicSettings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mono = write_noise(tmp_path / "mono.wav", 0.9, 16_000, 1, seed=1)
    stereo = write_noise(tmp_path / "stereo.flac", 0.6, 44_100, 2, seed=2)
    argv = [
        "send",
        str(tmp_path / "mono.wav"),
        str(tmp_path / "stereo.flac"),
        "--stream-id",
        "a",
        "--stream-id",
        "b",
        "--chunk-ms",
        "250",
        "--realtime",
        "--bootstrap-servers",
        kafka_bootstrap,
        "--chunks-topic",
        topic_settings.chunks,
    ]
    assert main(argv) == 0

    printed = capsys.readouterr().out.splitlines()
    assert sorted(line.split(":")[0] for line in printed) == ["a", "b"]
    assert any(line.startswith("a: 4 chunks + eos, 0.9s of audio") for line in printed)
    messages = read_messages(kafka_bootstrap, topic_settings.chunks, 4 + 1 + 3 + 1)
    assert_streams_intact(messages, {"a": encode(mono), "b": encode(stereo)})
    for stream_id, audio_seconds in (("a", 0.9), ("b", 0.6)):
        stamps = sorted(m.timestamp()[1] for m in messages if m.key() == stream_id.encode())
        assert (stamps[-1] - stamps[0]) / 1000 >= audio_seconds - 0.25 - 0.05  # paced, not a burst


@pytest.mark.broker
def test_send_to_a_missing_topic_is_a_clear_error(
    kafka_bootstrap: str, tmp_path: Path, unique_suffix: str, caplog: pytest.LogCaptureFixture
) -> None:
    write_noise(tmp_path / "x.wav", 0.1, 16_000, 1, seed=3)
    argv = [
        "send",
        str(tmp_path / "x.wav"),
        "--bootstrap-servers",
        kafka_bootstrap,
        "--chunks-topic",
        f"absent.{unique_suffix}",
    ]
    assert main(argv) == 2
    assert "does not exist" in caplog.text
    assert "streamscribe topics" in caplog.text


def test_unreadable_file_is_a_clear_error(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "junk.wav").write_bytes(b"not audio" * 100)
    assert main(["send", str(tmp_path / "junk.wav"), "--bootstrap-servers", "127.0.0.1:1"]) == 2
    assert "junk.wav" in caplog.text


def test_stream_ids_default_to_stem_with_suffix_and_must_match_files() -> None:
    files = [Path("/audio/call one.wav"), Path("/audio/b.mp3")]
    generated = stream_ids_for(files, None)
    assert [sid.rsplit("-", 1)[0] for sid in generated] == ["call one", "b"]
    assert len(set(stream_ids_for(files, None)) | set(generated)) == 4
    assert stream_ids_for(files, ["x", "y"]) == ["x", "y"]
    with pytest.raises(ConfigurationError, match="one per file"):
        stream_ids_for(files, ["x"])


def test_metrics_port_is_a_setting_of_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    def settings(*flags: str) -> SendSettings:
        return settings_from_args(SendSettings, build_parser().parse_args(["send", "a.wav", *flags]))

    assert settings().metrics_port is None
    assert settings("--metrics-port", "9109", "--chunk-ms", "250").model_dump(include={"metrics_port", "chunk_ms"}) \
        == {"metrics_port": 9109, "chunk_ms": 250}
    monkeypatch.setenv("STREAMSCRIBE_PRODUCER_METRICS_PORT", "9110")
    assert settings().metrics_port == 9110
