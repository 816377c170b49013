"""Beam decoding of a batch's utterances in parallel worker processes.

pyctcdecode's beam search is pure Python: in the worker's thread it decodes one utterance at a
time on one core (the GIL), while the forward pass uses torch's threads. `DecoderPool` forks
its processes after the decoder is built, so each inherits that decoder (the KenLM model
included, shared copy-on-write), and decodes a batch's utterances across them. Results come
back in the order given and are the in-process decoder's own (same code, same log-probabilities).
The same processes format final results (recognizer.result_formatting) with the formatter they
inherit, NeMo's ITN grammars loaded before the fork and shared the same way.

Shutdown: `close()` ends the processes (so does interpreter exit). Each process also asks the
kernel to kill it when the thread that forked it dies (Linux `PR_SET_PDEATHSIG`), so a
SIGKILLed recognizer leaves no orphans; create the pool in a thread that lives as long as it.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from recognizer.decoding import BeamDecoder, Decoded
from recognizer.formatting import Formatter
from recognizer.result_formatting import Outcome, Task, format_words

PR_SET_PDEATHSIG = 1  # linux/prctl.h
BATCH_TIMEOUT_SECONDS = 120.0  # a process that died mid-batch loses its task: fail instead of waiting forever


class DecoderPoolError(RuntimeError):
    """A batch was not decoded in time (a decoding process died)."""


_inherited: BeamDecoder | None = None  # the decoder the forked processes use
_inherited_formatter: Formatter | None = None  # and the formatter


def _start_process(parent_pid: int) -> None:
    """Pool initializer: die with the parent, leave Ctrl-C to it."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before the line above
        os._exit(0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _decode(log_probs: np.ndarray) -> Decoded:
    assert _inherited is not None, "decoding process started without a decoder"
    return _inherited.decode(log_probs)


def _format(task: Task) -> Outcome:
    assert _inherited_formatter is not None, "formatting process started without a formatter"
    return format_words(_inherited_formatter, *task)


class DecoderPool:
    """`processes` forked processes that each decode with `decoder` and format with `formatter` (both
    built before the fork)."""

    def __init__(self, decoder: BeamDecoder, processes: int, formatter: Formatter | None = None) -> None:
        global _inherited, _inherited_formatter  # noqa: PLW0603 - what fork hands to the processes
        _inherited, _inherited_formatter = decoder, formatter
        self.processes = processes
        self._pool = multiprocessing.get_context("fork").Pool(
            processes, initializer=_start_process, initargs=(os.getpid(),)
        )

    def decode_all(self, log_probs: Sequence[np.ndarray]) -> list[Decoded]:
        """Each utterance's words, in the order given (one utterance per task: lengths vary)."""
        return self._map(_decode, log_probs, "utterances not decoded")

    def format_all(self, tasks: list[Task]) -> list[Outcome]:
        """Each result's words formatted as asked (recognizer.result_formatting.format_words), in the order given."""
        return self._map(_format, tasks, "results not formatted")

    def _map(self, function: Callable[[Any], Any], items: Sequence[Any], failure: str) -> list[Any]:
        """`function` of each item across the processes, in order; DecoderPoolError after the batch timeout."""
        pending = self._pool.map_async(function, items, chunksize=1)
        try:
            return pending.get(BATCH_TIMEOUT_SECONDS)
        except multiprocessing.TimeoutError:
            raise DecoderPoolError(f"{len(items)} {failure} within {BATCH_TIMEOUT_SECONDS:g}s") from None

    def close(self) -> None:
        """End the processes."""
        self._pool.terminate()
        self._pool.join()
