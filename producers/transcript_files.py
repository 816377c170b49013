"""A finished stream as a file a person or a tool reads: plain text, JSON lines, SRT or WebVTT (pure)."""

from __future__ import annotations

from typing import Literal

from producers.assembly import StreamText
from producers.captions import cues, render, result_words

DocumentFormat = Literal["txt", "json", "srt", "vtt"]


def transcript_document(stream: StreamText, fmt: DocumentFormat) -> str:
    """The stream's final results in `fmt` (txt: the text; json: one result per line)."""
    if fmt == "txt":
        return stream.text + "\n"
    if fmt == "json":
        return "".join(result.to_json_bytes().decode() + "\n" for result in stream.segments)
    return render(cues(result_words(stream.segments)), fmt)
