"""Run many small independent jobs on a pool of workers behind one rich progress bar."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TypeVar

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

Item = TypeVar("Item")
Result = TypeVar("Result")


def default_workers() -> int:
    """One worker per available core."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def progress_bar() -> Progress:
    """A progress bar with counts and the remaining time (on stderr)."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        transient=False,
    )


def parallel_map(
    work: Callable[[Item], Result], items: Sequence[Item], description: str, workers: int
) -> Iterator[Result]:
    """Apply `work` to every item on `workers` threads, yielding results as they finish.

    Threads suit these jobs: each one waits on an external program (espeak-ng, ffmpeg).
    """
    with progress_bar() as progress, ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        task = progress.add_task(description, total=len(items))
        futures = [pool.submit(work, item) for item in items]
        for future in as_completed(futures):
            progress.advance(task)
            yield future.result()

