"""Formatting applied to the recognizer's results before they leave it (recognizer.formatting does the work).

Final results get their stream's formatting (the `formatting` and `redact` recognition options on
its segments, streamscribe.contracts.recognition), else the service's (`RecognizerSettings.
formatting`, `redact`): `text`
becomes the written text, `words` keep the spoken tokens (a redaction tag replaces the words it
hides, with their times), and `written` lists each written token with the words it came from.
Interim results are only redacted when redaction is on (cheap, and what is hidden must not leak
through a preview either); their text stays the spoken words.

A formatter failure never loses a result: it goes out with the words redacted if redaction was
asked for (else unformatted), counted in `streamscribe_recognizer_formatting_failures` and logged
with its stream and segment. Formatting runs in the decoding processes when the engine has them
(recognizer.decode_pool), so NeMo's ITN (tens of ms per result) does not hold up the batch loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from recognizer.formatting import Formatted, Formatter, FormattingOptions
from recognizer.metrics import RecognizerMetrics
from streamscribe.contracts import Transcript, Word, WrittenToken
from streamscribe.contracts.recognition import RecognitionOptions

log = logging.getLogger(__name__)

Outcome = tuple[Formatted | str, float]  # the formatted result or the failure's description, CPU seconds


def format_words(formatter: Formatter, words: Sequence[str], options: FormattingOptions) -> Outcome:
    """One result's words formatted; a failure comes back as its description (this runs in other processes)."""
    started = time.process_time()
    try:
        formatted: Formatted | str = formatter.format(words, options)
    except Exception as exc:  # noqa: BLE001 - any failure leaves the result unformatted, never lost
        formatted = f"{type(exc).__name__}: {exc}"
    return formatted, time.process_time() - started


def applied(transcript: Transcript, formatted: Formatted, written: bool = True) -> Transcript:
    """`transcript` with the formatted text, the (redacted) spoken words and, if `written`, the written tokens."""
    words = transcript.words
    spoken = [
        words[s.first] if s.first == s.last and s.text == words[s.first].word else Word(
            word=s.text, start=words[s.first].start, end=words[s.last].end,
            confidence=min(w.confidence for w in words[s.first:s.last + 1]), stable=words[s.last].stable,
        )
        for s in formatted.spoken
    ]
    update: dict[str, object] = {"words": spoken, "text": formatted.text if written else " ".join(
        w.word for w in spoken)}
    if written:
        update["written"] = [WrittenToken(text=t.text, first_word=t.first, last_word=t.last) for t in formatted.written]
    return transcript.model_copy(update=update)


Task = tuple[list[str], FormattingOptions]  # one result's spoken words and how to format them
FormatMany = Callable[[list[Task]], list[Outcome]]


@dataclass
class ResultFormatter:
    """Formats a batch's results: each with its stream's options, else the service's `options`."""

    formatter: Formatter
    options: FormattingOptions
    metrics: RecognizerMetrics

    def options_for(self, asked: RecognitionOptions) -> FormattingOptions:
        """What a stream asked for (values checked by the stream app), the service default where it asked nothing."""
        return FormattingOptions(asked.get("formatting") or self.options.formatting,  # type: ignore[arg-type]
                                 asked.get("redact") or self.options.redact)  # type: ignore[arg-type]

    def format_here(self, tasks: list[Task]) -> list[Outcome]:
        """Format in this process (when the engine has no decoding processes)."""
        return [format_words(self.formatter, words, options) for words, options in tasks]

    def format_results(self, transcripts: list[Transcript], format_many: FormatMany | None = None,
                       options: list[FormattingOptions] | None = None) -> list[Transcript]:
        """Each result formatted as its `options` (default: the service's) say: finals fully, interims
        redacted only."""
        out = list(transcripts)
        each = options or [self.options] * len(out)
        finals = [i for i, t in enumerate(out) if t.final and t.words and each[i].changes_anything]
        outcomes = (format_many or self.format_here)([([w.word for w in out[i].words], each[i]) for i in finals])
        for i, (formatted, cpu_seconds) in zip(finals, outcomes, strict=True):
            self.metrics.formatting_seconds.observe(cpu_seconds)
            out[i] = self._result(out[i], formatted, each[i])
        for i, t in enumerate(out):
            if not t.final and t.words and each[i].redact != "none":
                interim = FormattingOptions("raw", each[i].redact)
                out[i] = self._result(t, format_words(self.formatter, [w.word for w in t.words], interim)[0],
                                      interim, written=False)
        return out

    def _result(self, transcript: Transcript, formatted: Formatted | str, options: FormattingOptions,
                written: bool = True) -> Transcript:
        if isinstance(formatted, Formatted):
            return applied(transcript, formatted, written)
        self.metrics.formatting_failures.inc()
        log.error("formatting failed for stream %s segment %d (sent %s): %s", transcript.stream_id,
                  transcript.segment, "redacted only" if options.redact != "none" else "unformatted", formatted)
        if options.redact == "none":
            return transcript
        fallback, _ = format_words(Formatter(), [w.word for w in transcript.words],
                                   FormattingOptions("raw", options.redact))
        if isinstance(fallback, Formatted):
            return applied(transcript, fallback, written=False)
        log.error("redaction failed too for stream %s segment %d: sent without its words", transcript.stream_id,
                  transcript.segment)
        return transcript.model_copy(update={"text": "", "words": []})
