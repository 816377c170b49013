"""The demo's live view: a table of streams with their latest text, status and latency.

On a terminal it redraws in place a few times a second. Elsewhere (CI logs, pipes) redrawing
would spam, so it prints one line per finished stream instead, plus the final table.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from tooling.demo.board import Board, DemoStream, StreamStatus

STATUS_STYLES = {
    StreamStatus.WAITING: "dim",
    StreamStatus.STREAMING: "cyan",
    StreamStatus.SENT: "yellow",
    StreamStatus.DONE: "green",
}
FIXED_COLUMNS_WIDTH = 40  # stream, status and latency columns with borders
FINISHED_TEXT_WIDTH = 70


def _latency_cell(state: DemoStream) -> str:
    latency = state.last_latency
    return "" if latency is None else f"{latency * 1000:.0f} ms"


def _tail(text: str, width: int) -> str:
    """The end of `text` (the newest words), at most `width` characters."""
    return text if len(text) <= width else "…" + text[-(width - 1):]


def progress_line(states: Sequence[DemoStream]) -> Text:
    """One line of counts: how many streams are in each status."""
    counts = {status: sum(s.status is status for s in states) for status in StreamStatus}
    parts = [f"[{STATUS_STYLES[status]}]{counts[status]} {status.value}[/]" for status in StreamStatus]
    return Text.from_markup(f"{len(states)} streams: " + ", ".join(parts))


def streams_table(states: Sequence[DemoStream], max_rows: int, text_width: int) -> Table:
    """One row per stream, in a stable order (easier to follow than newest-first), cut at max_rows."""
    table = Table(expand=True, pad_edge=False)
    table.add_column("stream", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("latency", justify="right", no_wrap=True)
    table.add_column("latest text", no_wrap=True, overflow="ellipsis", ratio=1)
    shown = states[:max_rows]
    for state in shown:
        table.add_row(
            state.stream_id,
            Text(state.status.value, style=STATUS_STYLES[state.status]),
            _latency_cell(state),
            _tail(state.latest_text, text_width),
        )
    if len(states) > len(shown):
        table.caption = f"… and {len(states) - len(shown)} more streams"
    return table


def finished_line(state: DemoStream) -> str:
    """The plain-text line printed for a finished stream when there is no terminal."""
    latency = _latency_cell(state) or "-"
    return f"{state.stream_id}: done (last latency {latency}): {_tail(state.hypothesis, FINISHED_TEXT_WIDTH)}"


class LiveView:
    """Shows the board while the demo runs; a context manager around rich's Live."""

    def __init__(self, board: Board, console: Console) -> None:
        self.board = board
        self.console = console
        self._live: Live | None = None

    def _render(self) -> Group:
        states = self.board.states()
        max_rows = max(5, self.console.size.height - 8)
        text_width = max(20, self.console.size.width - FIXED_COLUMNS_WIDTH)
        return Group(progress_line(states), streams_table(states, max_rows, text_width))

    def stream_finished(self, state: DemoStream) -> None:
        """Called once per stream when its last result arrives."""
        if self._live is None:
            self.console.print(finished_line(state), highlight=False, markup=False)

    def __enter__(self) -> LiveView:
        if self.console.is_terminal:
            self._live = Live(console=self.console, get_renderable=self._render, refresh_per_second=4)
            self._live.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
