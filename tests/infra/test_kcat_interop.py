"""A producer that is not ours (Debian's kcat) feeds `audio.chunks` through the contract."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from streamscribe.contracts import Encoding, decode_chunk
from streamscribe.settings import TopicSettings
from tests.infra.kafka_reading import read_messages

pytestmark = [
    pytest.mark.broker,
    pytest.mark.skipif(shutil.which("kcat") is None, reason="kcat is not installed (Debian package kcat)"),
]


def kcat_produce(bootstrap: str, topic: str, key: str, payload: Path, headers: list[str]) -> None:
    """Send the whole of `payload` as one message with `kcat -P`."""
    header_args = [arg for header in headers for arg in ("-H", header)]
    subprocess.run(
        ["kcat", "-P", "-b", bootstrap, "-t", topic, "-k", key, *header_args, str(payload)],
        check=True,
        capture_output=True,
        timeout=30,
    )


def test_kcat_chunks_decode_with_their_header_values(
    kafka_bootstrap: str, topic_settings: TopicSettings, tmp_path: Path
) -> None:
    stereo = np.arange(-800, 800, dtype="<i2").reshape(-1, 2)
    first, second, third = tmp_path / "0.pcm", tmp_path / "1.pcm", tmp_path / "2.pcm"
    first.write_bytes(stereo[:300].tobytes())
    second.write_bytes(stereo[300:600].tobytes())
    third.write_bytes(np.linspace(-1, 1, 100, dtype="<f4").tobytes())
    topic = topic_settings.chunks
    stereo_headers = ["sample_rate=44100", "channels=2", "encoding=pcm_s16le"]
    kcat_produce(kafka_bootstrap, topic, "kcat-stereo", first, ["seq=0", *stereo_headers])
    kcat_produce(kafka_bootstrap, topic, "kcat-stereo", second, ["seq=1", *stereo_headers, "eos="])
    kcat_produce(
        kafka_bootstrap,
        topic,
        "kcat-float",
        third,
        ["seq=0", "sample_rate=8000", "encoding=pcm_f32le", "eos"],
    )

    messages = read_messages(kafka_bootstrap, topic, 3)
    chunks = sorted(
        (decode_chunk(m.key(), m.value(), m.headers()) for m in messages),
        key=lambda chunk: (chunk.stream_id, chunk.headers.seq),
    )

    float_chunk, stereo_0, stereo_1 = chunks
    assert float_chunk.stream_id == "kcat-float"
    assert (float_chunk.headers.sample_rate, float_chunk.headers.channels) == (8000, 1)
    assert float_chunk.headers.encoding is Encoding.PCM_F32LE
    assert float_chunk.headers.eos is True  # `-H eos` arrives as a header without a value
    assert float_chunk.frames == 100
    assert [c.stream_id for c in (stereo_0, stereo_1)] == ["kcat-stereo"] * 2
    assert [c.headers.seq for c in (stereo_0, stereo_1)] == [0, 1]
    assert [c.headers.eos for c in (stereo_0, stereo_1)] == [False, True]  # `-H eos=`: empty value
    assert {(c.headers.sample_rate, c.headers.channels) for c in (stereo_0, stereo_1)} == {(44100, 2)}
    assert stereo_0.pcm + stereo_1.pcm == stereo[:600].tobytes()
    assert stereo_0.frames == 300
