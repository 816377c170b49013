"""The native WebSocket protocol (`/v1/stream`) and the refusals every endpoint shares (pure).

Client → server: one JSON start message, then binary audio frames in the announced format,
then `{"type": "eos"}`. Server → client: `{"type": "started", "stream_id": …}`, then every
result as the `transcripts` JSON of the contract (interim and final), the eos result last,
then a normal close (1000). Every refusal closes with a code and a reason (`Refusal`), and the
same refusal over HTTP is a status with a JSON body; see docs/contracts.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from streamscribe.contracts.chunk import MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, AudioFormat, Encoding, StreamOptions

STREAM_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
MAX_CLOSE_REASON_BYTES = 123  # RFC 6455: a close frame's payload is at most 125 bytes


class Refusal(Enum):
    """Why a stream is refused or ended early: (WebSocket close code, HTTP status)."""

    BAD_REQUEST = (4400, 400)        # malformed start message, unknown encoding or option, bad audio
    UNAUTHORIZED = (4401, 401)       # missing or wrong API key
    FORBIDDEN_ORIGIN = (4403, 403)   # a browser page from an origin not on the allow-list
    IDLE = (4408, 408)               # the client sent nothing for the idle timeout
    CONFLICT = (4409, 409)           # the stream id is already streaming through this gateway
    TOO_BIG = (1009, 413)            # a frame (or an upload) over the size limit
    OVER_LIMIT = (1013, 429)         # the API key already has its most concurrent streams
    AT_CAPACITY = (1013, 503)        # the gateway already carries its most streams
    UPSTREAM = (1011, 502)           # Kafka failed or the pipeline gave no result in time

    @property
    def close_code(self) -> int:
        """The WebSocket close code."""
        return self.value[0]

    @property
    def http_status(self) -> int:
        """The HTTP status."""
        return self.value[1]


class Refused(Exception):  # noqa: N818 - a refusal, raised to the endpoint that answers it
    """A refusal with the reason the client is told."""

    def __init__(self, refusal: Refusal, reason: str) -> None:
        super().__init__(refusal, reason)
        self.refusal = refusal
        self.reason = reason

    def close_reason(self) -> str:
        """The reason cut to what a close frame can carry (UTF-8 safe)."""
        data = self.reason.encode()[:MAX_CLOSE_REASON_BYTES]
        return data.decode("utf-8", "ignore")

    def body(self) -> dict[str, Any]:
        """The JSON body of the HTTP answer."""
        return {"error": self.refusal.name.lower(), "reason": self.reason}


@dataclass(frozen=True, slots=True)
class StartRequest:
    """What a client asked for: the audio format, an optional stream id and options."""

    format: AudioFormat
    stream_id: str | None = None
    options: StreamOptions = StreamOptions()


def bad(reason: str) -> Refused:
    """A BAD_REQUEST refusal."""
    return Refused(Refusal.BAD_REQUEST, reason)


def _integer(fields: dict[str, Any], name: str, default: int | None, low: int, high: int) -> int:
    value = fields.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise bad(f"{name!r} must be an integer in {low}..{high}, got {value!r}")
    return value


def check_stream_id(stream_id: object) -> str:
    """A client-supplied stream id: 1-128 of letters, digits and `._:-`."""
    if not isinstance(stream_id, str) or not STREAM_ID_PATTERN.fullmatch(stream_id):
        raise bad(f"stream_id must be 1-128 characters of A-Z a-z 0-9 . _ : -, got {stream_id!r}")
    return stream_id


def make_start(fields: dict[str, Any], default_rate: int | None = None) -> StartRequest:
    """A StartRequest from already-decoded fields (start message, HTTP query); Refused if bad."""
    sample_rate = _integer(fields, "sample_rate", default_rate, MIN_SAMPLE_RATE, MAX_SAMPLE_RATE)
    channels = _integer(fields, "channels", 1, 1, 2)
    encoding_name = fields.get("encoding", Encoding.PCM_S16LE.value)
    try:
        encoding = Encoding(encoding_name)
    except ValueError:
        accepted = ", ".join(e.value for e in Encoding)
        raise bad(f"unknown encoding {encoding_name!r}; accepted: {accepted}") from None
    stream_id = fields.get("stream_id")
    options = fields.get("options") or {}
    if not isinstance(options, dict):
        raise bad("'options' must be an object")
    try:
        parsed_options = StreamOptions.parse(options)
    except ValueError as exc:
        raise bad(str(exc)) from None
    return StartRequest(AudioFormat(sample_rate, channels, encoding),
                        None if stream_id is None else check_stream_id(stream_id), parsed_options)


START_FIELDS = {"type", "sample_rate", "encoding", "channels", "stream_id", "options"}


def parse_start(text: str) -> StartRequest:
    """The native start message; Refused(BAD_REQUEST) naming what is wrong."""
    message = _json_object(text)
    if message.get("type") != "start":
        raise bad('the first message must be {"type": "start", "sample_rate": …}')
    unknown = set(message) - START_FIELDS
    if unknown:
        raise bad(f"unknown field(s) in the start message: {', '.join(sorted(unknown))}")
    return make_start(message)


def is_eos(text: str) -> bool:
    """True for the native end-of-stream message; Refused for any other text message."""
    if _json_object(text).get("type") == "eos":
        return True
    raise bad('text messages after the start must be {"type": "eos"}')


def json_object(text: str) -> dict[str, Any] | None:
    """A text message parsed as a JSON object; None when it is not JSON or not an object."""
    try:
        message = json.loads(text)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def _json_object(text: str) -> dict[str, Any]:
    message = json_object(text)
    if message is None:
        raise bad("a control message must be a JSON object")
    return message


class FrameAligner:
    """Hands on whole sample frames only, carrying a split frame over to the next message
    (clients that read a file in fixed byte counts may cut a sample in two)."""

    __slots__ = ("_frame_bytes", "_rest")

    def __init__(self, frame_bytes: int) -> None:
        self._frame_bytes = frame_bytes
        self._rest = b""

    def push(self, data: bytes) -> bytes:
        """The whole frames available after `data`."""
        if self._rest:
            data = self._rest + data
        cut = len(data) - len(data) % self._frame_bytes
        self._rest = data[cut:]
        return data[:cut]

    @property
    def pending(self) -> int:
        """Bytes of an incomplete frame held back (dropped at the end of the stream)."""
        return len(self._rest)
