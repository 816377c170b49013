"""The chaos run's verdict on the streams, from the results read back (pure)."""

from __future__ import annotations

from streamscribe.contracts.transcript import Transcript
from tooling.chaos.report import judge


def result(stream: str, segment: int, text: str = "a", final: bool = True, eos: bool = False) -> Transcript:
    return Transcript(stream_id=stream, segment=segment, start=0.0, end=1.0, text=text, final=final, model="m",
                      eos=eos)


def test_complete_streams_and_nothing_lost_is_clean() -> None:
    results = [result("s1", 0, final=False), result("s1", 0), result("s1", 1, eos=True), result("s2", 0, eos=True)]
    report = judge(results, ["s1", "s2"], rejected_chunks=0)
    assert (report.started, report.complete, report.holes, report.duplicates) == (2, 2, 0, 0)
    assert report.clean and report.lines()[-1] == "CLEAN"


def test_holes_duplicates_conflicts_missing_ends_and_rejections_are_counted() -> None:
    results = [
        result("holed", 0), result("holed", 2, eos=True),  # segment 1 lost
        result("copied", 0, "x"), result("copied", 0, "x"), result("copied", 1, eos=True),  # a copy, same text
        result("torn", 0, "x"), result("torn", 0, "y"), result("torn", 1, eos=True),  # two different finals
        result("unended", 0),  # no eos result
    ]
    report = judge(results, ["holed", "copied", "torn", "unended", "silent"], rejected_chunks=3)
    assert (report.started, report.complete, report.holes) == (5, 2, 1)
    assert (report.duplicates, report.conflicting_finals, report.rejected_chunks) == (1, 1, 3)
    assert sorted(report.incomplete) == ["holed", "silent", "unended"]
    assert report.conflicts == ["torn segment 0: 'x' then 'y' (0.0-1.0 s)"]
    assert report.conflicts[0] in report.lines()[-2]
    assert not report.clean
