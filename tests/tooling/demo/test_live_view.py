"""The live view: a table on terminals, one line per finished stream elsewhere."""

from __future__ import annotations

import io

from rich.console import Console

from streamscribe.contracts import Transcript
from tooling.demo.board import Board, DemoStream
from tooling.demo.live_view import LiveView, streams_table


def board_with_one_answer(streams: int) -> Board:
    board = Board([DemoStream(f"s{i}", "hello world", 1.0) for i in range(streams)])
    board.record_sent("s0", 1.0, wall_time=10.0)
    board.apply(Transcript(stream_id="s0", segment=0, start=0, end=1.0, text="hello world", model="m"), 10.25)
    return board


def rendered(renderable: object, width: int = 100) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()


def test_table_shows_status_latency_and_the_newest_words() -> None:
    board = board_with_one_answer(3)
    board.apply(Transcript(stream_id="s1", segment=0, start=0, end=0.5, text="a b c d e f g", final=False,
                           model="m"), 11.0)
    text = rendered(streams_table(board.states(), max_rows=10, text_width=6))
    assert "streaming" in text and "waiting" in text and "250 ms" in text
    assert "…e f g" in text  # long text keeps its end: the words just heard


def test_table_is_cut_to_the_screen_with_a_count_of_the_rest() -> None:
    text = rendered(streams_table(board_with_one_answer(8).states(), max_rows=5, text_width=20))
    assert "and 3 more streams" in text and "s4" in text and "s5" not in text


def test_without_a_terminal_only_finished_streams_are_printed() -> None:
    board = board_with_one_answer(2)
    output = io.StringIO()
    console = Console(file=output, width=100)  # not a terminal: no redrawing
    with LiveView(board, console) as view:
        view.stream_finished(board.complete("s0", "hello world"))
    assert output.getvalue().splitlines() == ["s0: done (last latency 250 ms): hello world"]
