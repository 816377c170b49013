"""vosk-server's WebSocket protocol on top of streamscribe results (pure).

vosk-server answers every message with exactly one JSON reply, and its clients (its own
examples, the Asterisk/FreeSWITCH/Jigasi integrations) rely on that lockstep: send a frame,
read a reply. Its messages:

- `{"config": {"sample_rate": 8000, "words": true}}` (optional, before the audio; `words: false`
  leaves the word list out of results). vosk-server's `max_alternatives` (above 0) and
  `phrase_list` are refused with the reason, not ignored: results carry one transcript and any
  phrase (they are issue-tracked); so is any other key;
- binary PCM16 frames → `{"partial": "…"}` (the utterance so far), or `{"text": "…", "result":
  [{"conf", "end", "start", "word"}]}` when an utterance ended;
- `{"eof" : 1}` → the final result, then the server closes.

Our results arrive asynchronously from Kafka, so `VoskReplies` keeps what arrived: each audio
frame is answered with the finals that arrived since the last reply (joined into one result),
else with the newest interim text; eof is answered, once the stream's eos result is in, with
every final not yet sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.protocol import json_object
from producers.assembly import PreviewCaption
from streamscribe.contracts import Transcript

VOSK_DEFAULT_SAMPLE_RATE = 8000  # vosk-server's default (VOSK_SAMPLE_RATE)
EOF_MESSAGES = ('{"eof" : 1}', '{"eof": 1}')


CONFIG_KEYS = {"sample_rate", "words", "max_alternatives", "phrase_list"}


@dataclass(frozen=True, slots=True)
class VoskControl:
    """A text message from a vosk client (None: a config that does not set it)."""

    sample_rate: int | None = None
    words: bool | None = None
    eof: bool = False
    reset: bool = False


def parse_control(text: str) -> VoskControl:
    """A config, eof or reset message; ValueError for anything else."""
    message = json_object(text)
    if message is None:
        raise ValueError("vosk control messages are JSON objects")
    if message.get("eof") == 1:
        return VoskControl(eof=True)
    if message.get("reset") == 1:
        return VoskControl(reset=True)
    config = message.get("config")
    if not isinstance(config, dict):
        raise ValueError('expected {"config": {…}}, {"eof" : 1} or {"reset" : 1}')
    unknown = set(config) - CONFIG_KEYS
    if unknown:
        raise ValueError(f"config keys {', '.join(sorted(unknown))} are not known; known: {', '.join(CONFIG_KEYS)}")
    if config.get("max_alternatives", 0) not in (0, None):
        raise ValueError("config max_alternatives is not supported: results carry one transcript")
    if config.get("phrase_list") is not None:
        raise ValueError("config phrase_list is not supported: any phrase is recognised")
    return VoskControl(sample_rate=_sample_rate(config.get("sample_rate")), words=_words(config.get("words")))


def _sample_rate(rate: object) -> int | None:
    if rate is None:
        return None
    if isinstance(rate, bool) or not isinstance(rate, int | float) or rate != int(rate):
        raise ValueError(f"config sample_rate must be a whole number, got {rate!r}")
    return int(rate)


def _words(words: object) -> bool | None:
    if words is None:
        return None
    if words not in (True, False, 0, 1):
        raise ValueError(f"config words must be true, false, 1 or 0, got {words!r}")
    return bool(words)


def result_message(finals: list[Transcript], words: bool = True) -> dict[str, Any]:
    """vosk's final result for one or more of our final results (words in vosk's key order,
    left out when the client asked for none)."""
    text = " ".join(t.text for t in finals if t.text)
    timed = [
        {"conf": round(w.confidence, 6), "end": round(w.end, 3), "start": round(w.start, 3), "word": w.word}
        for transcript in finals for w in transcript.words
    ] if words else []
    return {"result": timed, "text": text} if timed else {"text": text}


@dataclass
class VoskReplies:
    """What a vosk connection has received and not yet replied with."""

    unsent: list[Transcript] = field(default_factory=list)
    preview: PreviewCaption = field(default_factory=PreviewCaption)  # previews hold only their new audio
    done: bool = False  # the eos result has arrived
    words: bool = True  # the client's config `words`

    def add(self, transcript: Transcript) -> None:
        """A new (deduplicated) result of the connection's stream."""
        if transcript.final:
            self.unsent.append(transcript)
            self.preview.finalised(transcript.segment)
            self.done = self.done or transcript.eos
        else:
            self.preview.add(transcript)

    @property
    def partial(self) -> str:
        """The text of the segment still open, merged from its previews."""
        return self.preview.text

    def reply(self) -> dict[str, Any]:
        """The answer to one audio frame."""
        if self.unsent:
            return self._flush()
        return {"partial": self.partial}

    def final(self) -> dict[str, Any]:
        """The answer to eof (call once `done`): every final result not yet sent."""
        return self._flush()

    def _flush(self) -> dict[str, Any]:
        finals = sorted(self.unsent, key=lambda t: t.segment)
        self.unsent = []
        return result_message(finals, self.words)
