"""Per-stream recognition options: chunk headers that ask the recognizer for something for one stream
(how its results are formatted, what is redacted, ...).

The stream app does not act on them. It checks them on the chunk that starts the stream (a bad
value rejects that chunk as `bad_header` with the reason, so no recognizer ever meets it), keeps
them with the stream (its checkpoint, so they survive a takeover) and writes them on every segment
of the stream, where the recognizer reads them. A stream without them costs nothing: no header
is written and the recognizer's service defaults apply.

Each option is declared once in `RECOGNITION_OPTIONS`: its header name, what it accepts and what
it does. Adding one there makes it travel; the recognizer gives it its meaning.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from streamscribe.contracts.headers import KafkaHeaders

FORMATTING_LEVELS = ("raw", "punctuated", "full")
REDACTIONS = ("none", "pii")
MAX_RECOGNITION_OPTIONS_BYTES = 8_192  # every segment of the stream carries them


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One recognition option: `check` returns the value as it travels, or raises ValueError."""

    name: str
    check: Callable[[str], str]
    meaning: str


def one_of(name: str, values: tuple[str, ...]) -> Callable[[str], str]:
    """A check that accepts exactly one of `values`."""

    def check(text: str) -> str:
        if text not in values:
            raise ValueError(f"option {name!r} must be one of {', '.join(values)}, got {text!r}")
        return text

    return check


RECOGNITION_OPTIONS: dict[str, OptionSpec] = {spec.name: spec for spec in (
    OptionSpec("formatting", one_of("formatting", FORMATTING_LEVELS),
               "raw: the spoken words; punctuated: punctuation and casing; full: numbers, dates and "
               "money written as such too"),
    OptionSpec("redact", one_of("redact", REDACTIONS),
               "pii: card and social security numbers, phone numbers and e-mail addresses are replaced "
               "by tags before the result leaves the recognizer"),
)}


@dataclass(frozen=True, slots=True)
class RecognitionOptions:
    """The recognition options one stream asked for: (name, value) pairs, sorted by name."""

    values: tuple[tuple[str, str], ...] = ()

    def get(self, name: str) -> str | None:
        """The value asked for, or None (the service default applies)."""
        return dict(self.values).get(name)

    def to_kafka(self) -> KafkaHeaders:
        """One header per option asked for."""
        return [(name, value.encode()) for name, value in self.values]

    def encode(self) -> bytes:
        """Compact form for the stream app's checkpoint (b"" when none)."""
        return json.dumps(dict(self.values), separators=(",", ":")).encode() if self.values else b""

    @classmethod
    def decode(cls, data: bytes) -> RecognitionOptions:
        """Inverse of `encode` (values checked again: a checkpoint is input too)."""
        return cls.parse(json.loads(data)) if data else cls()

    @classmethod
    def parse(cls, values: Mapping[str, object]) -> RecognitionOptions:
        """Options from name -> text (headers, a start message); ValueError names the bad one."""
        checked = {}
        for name, raw in values.items():
            spec = RECOGNITION_OPTIONS.get(name)
            if spec is None:
                raise ValueError(f"unknown recognition option {name!r}; known: {', '.join(RECOGNITION_OPTIONS)}")
            if not isinstance(raw, str):
                raise ValueError(f"option {name!r} must be text, got {raw!r}")
            checked[name] = spec.check(raw)
        options = cls(tuple(sorted(checked.items())))
        size = sum(len(name) + len(value.encode()) for name, value in options.values)
        if size > MAX_RECOGNITION_OPTIONS_BYTES:
            raise ValueError(f"recognition options take {size} bytes, more than {MAX_RECOGNITION_OPTIONS_BYTES}")
        return options

    @classmethod
    def from_headers(cls, headers: Mapping[str, bytes]) -> RecognitionOptions:
        """The recognition options among decoded headers; ValueError names a bad one."""
        present = {name: headers[name].decode("utf-8", "replace").strip() for name in RECOGNITION_OPTIONS
                   if name in headers}
        return cls.parse(present) if present else cls()
