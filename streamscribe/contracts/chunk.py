"""`audio.chunks`: raw PCM from a producer, key = stream_id, format in headers.

Headers (UTF-8 text): `seq` (0,1,2,… per stream, required), `sample_rate` (8000–48000,
required), `channels` (`1` or `2`, default 1), `encoding` (`pcm_s16le` default, or
`pcm_f32le`), `eos` (present with value `1` or empty on a stream's last message).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from streamscribe.contracts.headers import KafkaHeaders, dict_to_headers, headers_to_dict
from streamscribe.contracts.rejection import InvalidChunk, RejectReason

MIN_SAMPLE_RATE = 8000
MAX_SAMPLE_RATE = 48000
DEFAULT_MAX_CHUNK_BYTES = 1_048_576


class Encoding(StrEnum):
    """Sample encodings accepted on `audio.chunks`."""

    PCM_S16LE = "pcm_s16le"
    PCM_F32LE = "pcm_f32le"

    @property
    def sample_width(self) -> int:
        """Bytes per sample of one channel."""
        return 2 if self is Encoding.PCM_S16LE else 4


@dataclass(frozen=True, slots=True)
class ChunkHeaders:
    """The format and position of one chunk of a stream."""

    seq: int
    sample_rate: int
    channels: int = 1
    encoding: Encoding = Encoding.PCM_S16LE
    eos: bool = False

    @property
    def frame_bytes(self) -> int:
        """Bytes per sample frame (one sample of every channel)."""
        return self.encoding.sample_width * self.channels

    def to_kafka(self) -> KafkaHeaders:
        """Headers as the contract writes them."""
        values: dict[str, object] = {
            "seq": self.seq,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "encoding": self.encoding.value,
        }
        if self.eos:
            values["eos"] = 1
        return dict_to_headers(values)

    def same_format(self, other: ChunkHeaders) -> bool:
        """True when both chunks carry audio of one rate, channel count and encoding."""
        return (self.sample_rate, self.channels, self.encoding) == (
            other.sample_rate,
            other.channels,
            other.encoding,
        )


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """One validated message of `audio.chunks`."""

    stream_id: str
    headers: ChunkHeaders
    pcm: bytes

    @property
    def frames(self) -> int:
        """Number of sample frames in the payload."""
        return len(self.pcm) // self.headers.frame_bytes


def _required_int(values: dict[str, bytes], name: str, reason: RejectReason) -> int:
    if name not in values:
        raise InvalidChunk(RejectReason.MISSING_HEADER, f"header {name!r} is required")
    text = values[name].decode("utf-8", "replace").strip()
    if not (text.isascii() and text.isdigit()):  # str.isdigit alone accepts '²' and '١٢'
        raise InvalidChunk(reason, f"header {name!r} must be a non-negative decimal, got {text!r}")
    return int(text)


def parse_chunk_headers(headers: list[tuple[str, bytes | None]] | None) -> ChunkHeaders:
    """Read and check a chunk's headers; raises InvalidChunk naming the broken rule."""
    values = headers_to_dict(headers)
    seq = _required_int(values, "seq", RejectReason.BAD_SEQ)
    sample_rate = _required_int(values, "sample_rate", RejectReason.RATE_OUT_OF_RANGE)
    if not MIN_SAMPLE_RATE <= sample_rate <= MAX_SAMPLE_RATE:
        raise InvalidChunk(
            RejectReason.RATE_OUT_OF_RANGE,
            f"sample_rate {sample_rate} outside {MIN_SAMPLE_RATE}..{MAX_SAMPLE_RATE}",
        )
    channels_text = values.get("channels", b"1").decode("utf-8", "replace").strip()
    if channels_text not in ("1", "2"):
        raise InvalidChunk(RejectReason.BAD_CHANNELS, f"channels must be 1 or 2, got {channels_text!r}")
    encoding_text = values.get("encoding", b"pcm_s16le").decode("utf-8", "replace").strip()
    try:
        encoding = Encoding(encoding_text)
    except ValueError:
        accepted = ", ".join(e.value for e in Encoding)
        raise InvalidChunk(
            RejectReason.UNKNOWN_ENCODING, f"encoding {encoding_text!r} is not one of {accepted}"
        ) from None
    eos = "eos" in values and values["eos"].strip() in (b"", b"1")
    return ChunkHeaders(seq, sample_rate, int(channels_text), encoding, eos)


def decode_chunk(
    key: bytes | None,
    value: bytes | None,
    headers: list[tuple[str, bytes | None]] | None,
    max_bytes: int = DEFAULT_MAX_CHUNK_BYTES,
) -> AudioChunk:
    """Validate one raw `audio.chunks` message (stateless rules only).

    Sequence gaps and repeats need the stream's history and are checked by the stream app.
    """
    if not key:
        raise InvalidChunk(RejectReason.MISSING_KEY, "message has no stream_id key")
    stream_id = key.decode("utf-8", "replace")
    pcm = value or b""
    if len(pcm) > max_bytes:
        raise InvalidChunk(RejectReason.OVERSIZED, f"{len(pcm)} bytes exceeds the {max_bytes}-byte limit")
    parsed = parse_chunk_headers(headers)
    if len(pcm) % parsed.frame_bytes:
        raise InvalidChunk(
            RejectReason.ODD_BYTE_COUNT,
            f"{len(pcm)} bytes is not a whole number of {parsed.frame_bytes}-byte frames",
        )
    return AudioChunk(stream_id, parsed, pcm)
