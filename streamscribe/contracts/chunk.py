"""`audio.chunks`: raw PCM from a producer, key = stream_id, format in headers.

Headers (UTF-8 text): `seq` (0,1,2,… per stream, required), `sample_rate` (8000–48000,
required), `channels` (`1` or `2`, default 1), `encoding` (`pcm_s16le` default, `pcm_f32le`, or
the G.711 telephone codecs `pcm_mulaw` / `pcm_alaw`, one byte per sample), `eos` (present with
value `1` or empty on a stream's last message).

Optional per-stream option headers (`StreamOptions`: `interim_interval_ms`, `min_silence_ms`,
`max_segment_age_ms`, and the recognition options of `recognition.RECOGNITION_OPTIONS` such as
`formatting`) override the services' defaults for one stream; the chunk that opens the stream
(its first accepted one) fixes them, later values are ignored. A chunk without them gets the
service defaults, so producers that do not know them keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from streamscribe.contracts.headers import AudioMessage, KafkaHeaders, dict_to_headers
from streamscribe.contracts.recognition import RECOGNITION_OPTIONS, RecognitionOptions
from streamscribe.contracts.rejection import InvalidChunk, RejectReason

MIN_SAMPLE_RATE = 8000
MAX_SAMPLE_RATE = 48000
DEFAULT_MAX_CHUNK_BYTES = 1_048_576


class Encoding(StrEnum):
    """Sample encodings accepted on `audio.chunks`."""

    # the order is part of the stream app's checkpoint encoding: append, never reorder
    PCM_S16LE = "pcm_s16le"
    PCM_F32LE = "pcm_f32le"
    PCM_MULAW = "pcm_mulaw"
    PCM_ALAW = "pcm_alaw"

    @property
    def sample_width(self) -> int:
        """Bytes per sample of one channel."""
        return _SAMPLE_WIDTHS[self]


_SAMPLE_WIDTHS = {Encoding.PCM_S16LE: 2, Encoding.PCM_F32LE: 4, Encoding.PCM_MULAW: 1, Encoding.PCM_ALAW: 1}


@dataclass(frozen=True, slots=True)
class StreamOptions:
    """Per-stream overrides of the services' defaults (None: the service default).

    `interim_interval_ms`: interim results this often (0 = finals only); `min_silence_ms`:
    silence after speech that ends a segment; `max_segment_age_ms`: the longest a segment may
    wait before it is cut (the time threshold). `recognition`: what the recognizer is asked
    for (streamscribe.contracts.recognition), carried on the stream's segments.
    """

    interim_interval_ms: int | None = None
    min_silence_ms: int | None = None
    max_segment_age_ms: int | None = None
    recognition: RecognitionOptions = RecognitionOptions()

    def to_kafka(self) -> KafkaHeaders:
        """The headers of the options that are set."""
        segmenting = {name: value for name, value in self.items() if value is not None}
        return dict_to_headers(segmenting) + self.recognition.to_kafka()

    def items(self) -> list[tuple[str, int | None]]:
        """(header name, value) of every segmenting option, set or not."""
        return [(name, getattr(self, name)) for name in OPTION_RANGES]

    @classmethod
    def parse(cls, values: dict[str, object]) -> StreamOptions:
        """Options from a mapping of name -> value (a start message: integers for the segmenting
        options, text for the recognition options); ValueError names the bad one."""
        unknown = set(values) - set(OPTION_RANGES) - set(RECOGNITION_OPTIONS)
        if unknown:
            known = ", ".join([*OPTION_RANGES, *RECOGNITION_OPTIONS])
            raise ValueError(f"unknown option(s) {', '.join(sorted(unknown))}; known: {known}")
        segmenting = {name: value for name, value in values.items() if name in OPTION_RANGES}
        for name, value in segmenting.items():
            if value is not None:
                check_option(name, value)
        recognition = {name: value for name, value in values.items() if name in RECOGNITION_OPTIONS}
        return cls(**segmenting, recognition=RecognitionOptions.parse(recognition))  # type: ignore[arg-type]


# inclusive bounds of each option: wide enough for any use, narrow enough that no stream can make
# the stream app hold unbounded audio or emit a preview for every chunk
OPTION_RANGES: dict[str, tuple[int, int]] = {
    "interim_interval_ms": (0, 60_000),
    "min_silence_ms": (20, 10_000),
    "max_segment_age_ms": (500, 60_000),
}


def check_option(name: str, value: object) -> int:
    """The option's value when it is an integer in range; ValueError otherwise."""
    low, high = OPTION_RANGES[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"option {name!r} must be an integer in {low}..{high}, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class AudioFormat:
    """How a stream's audio is encoded: what its producer announces and its first chunk fixes."""

    sample_rate: int
    channels: int = 1
    encoding: Encoding = Encoding.PCM_S16LE

    @property
    def frame_bytes(self) -> int:
        """Bytes per sample frame (one sample of every channel)."""
        return self.encoding.sample_width * self.channels

    def __str__(self) -> str:
        return f"{self.sample_rate} Hz, {self.channels} ch, {self.encoding.value}"


@dataclass(frozen=True, slots=True)
class ChunkHeaders:
    """The format and position of one chunk of a stream."""

    seq: int
    sample_rate: int
    channels: int = 1
    encoding: Encoding = Encoding.PCM_S16LE
    eos: bool = False
    options: StreamOptions = StreamOptions()

    @property
    def format(self) -> AudioFormat:
        """The audio format this chunk declares."""
        return AudioFormat(self.sample_rate, self.channels, self.encoding)

    @property
    def frame_bytes(self) -> int:
        """Bytes per sample frame (one sample of every channel)."""
        return _SAMPLE_WIDTHS[self.encoding] * self.channels

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
        return dict_to_headers(values) + self.options.to_kafka()

    @classmethod
    def from_kafka(cls, headers: list[tuple[str, bytes | None]] | None) -> ChunkHeaders:
        """Headers as `to_kafka` writes them; raises InvalidChunk naming the broken rule."""
        return parse_chunk_headers(headers)

    def same_format(self, other: ChunkHeaders) -> bool:
        """True when both chunks carry audio of one rate, channel count and encoding."""
        return (self.sample_rate, self.channels, self.encoding) == (
            other.sample_rate,
            other.channels,
            other.encoding,
        )


@dataclass(frozen=True, slots=True)
class AudioChunk(AudioMessage[ChunkHeaders]):
    """One validated message of `audio.chunks` (`encode()` is the inverse of `decode_chunk`)."""

    @property
    def frames(self) -> int:
        """Number of sample frames in the payload."""
        return len(self.pcm) // self.headers.frame_bytes


def _decimal(raw: bytes | None, name: str, reason: RejectReason) -> int:
    if raw is None:
        raise InvalidChunk(RejectReason.MISSING_HEADER, f"header {name!r} is required")
    text = raw.decode("utf-8", "replace").strip()
    if not (text.isascii() and text.isdigit()):  # str.isdigit alone accepts '²' and '١٢'
        raise InvalidChunk(reason, f"header {name!r} must be a non-negative decimal, got {text!r}")
    return int(text)


def parse_chunk_headers(headers: list[tuple[str, bytes | None]] | None) -> ChunkHeaders:
    """Read and check a chunk's headers; raises InvalidChunk naming the broken rule.

    Only `seq` changes from chunk to chunk of a stream: the other headers (format, eos, options) are
    parsed once per distinct set and the result reused (`_parse_stable`), which halves the stream
    app's cost of reading a chunk's headers. Last value wins when a header repeats.
    """
    seq_raw: bytes | None = None
    rest = []
    for name, value in headers or ():
        if name == "seq":
            seq_raw = value or b""
        else:
            rest.append((name, value or b""))
    seq = _decimal(seq_raw, "seq", RejectReason.BAD_SEQ)
    return ChunkHeaders(seq, *_parse_stable(tuple(rest)))


@lru_cache(maxsize=1024)
def _parse_stable(headers: tuple[tuple[str, bytes], ...]) -> tuple[int, int, Encoding, bool, StreamOptions]:
    """Every header but `seq`: (sample_rate, channels, encoding, eos, options); an error is not cached."""
    values = dict(headers)
    sample_rate = _decimal(values.get("sample_rate"), "sample_rate", RejectReason.RATE_OUT_OF_RANGE)
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
    return sample_rate, int(channels_text), encoding, eos, _parse_options(values)


def _parse_options(values: dict[str, bytes]) -> StreamOptions:
    present = {name: values[name] for name in OPTION_RANGES if name in values}
    try:
        recognition = RecognitionOptions.from_headers(values)
    except ValueError as exc:
        raise InvalidChunk(RejectReason.BAD_HEADER, str(exc)) from None
    if not present:
        return StreamOptions(recognition=recognition)
    parsed: dict[str, object] = {}
    for name, raw in present.items():
        text = raw.decode("utf-8", "replace").strip()
        try:
            if not (text.isascii() and text.isdigit()):
                raise ValueError(f"option {name!r} must be a non-negative decimal, got {text!r}")
            parsed[name] = check_option(name, int(text))
        except ValueError as exc:
            raise InvalidChunk(RejectReason.BAD_HEADER, str(exc)) from None
    return StreamOptions(**parsed, recognition=recognition)  # type: ignore[arg-type]


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
