"""What a chaos run did to the streams, from the results in `transcripts` (pure: no Kafka).

Per stream: complete (its eos result arrived and every final segment before it), holes (final
segment indices missing below its eos), duplicates (a final result for a (stream, segment) seen
again with the same text: a redelivered copy, which readers drop by that key) and conflicting
finals (one seen again with different text: a reader cannot tell which is right). Rejected chunks come
from `audio.rejected`. The target is zero for everything but `complete`, which should equal `started`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from streamscribe.contracts.transcript import Transcript

MAX_CONFLICTS_SHOWN = 10


@dataclass
class ChaosReport:
    """The outcome of one run, and the faults injected."""

    started: int = 0
    complete: int = 0
    incomplete: list[str] = field(default_factory=list)
    holes: int = 0
    duplicates: int = 0
    conflicting_finals: int = 0
    rejected_chunks: int = 0
    conflicts: list[str] = field(default_factory=list)  # the first conflicting finals, for a person to look at
    faults: dict[str, int] = field(default_factory=dict)
    service_exits: int = 0  # services that exited without being killed (restarted)

    @property
    def clean(self) -> bool:
        """True when every started stream is complete and nothing was lost, repeated or refused."""
        return (self.complete == self.started and not (self.holes or self.duplicates or self.conflicting_finals
                                                       or self.rejected_chunks))

    def lines(self) -> list[str]:
        """The report for a person."""
        rows = [f"streams started {self.started}, complete {self.complete}",
                f"holes {self.holes}, duplicates {self.duplicates} (identical copies of a final; readers drop "
                f"them by (stream, segment)), conflicting finals {self.conflicting_finals} (different text), "
                f"rejected chunks {self.rejected_chunks}",
                "faults: " + (", ".join(f"{kind} {count}" for kind, count in sorted(self.faults.items())) or "none"),
                f"services that exited by themselves (restarted): {self.service_exits}"]
        if self.incomplete:
            rows.append("incomplete: " + ", ".join(sorted(self.incomplete)[:20]))
        rows += [f"conflict: {conflict}" for conflict in self.conflicts]
        rows.append("CLEAN" if self.clean else "NOT CLEAN")
        return rows


def judge(results: Iterable[Transcript], started: Iterable[str], rejected_chunks: int) -> ChaosReport:
    """The report for the streams `started`, from every result read (copies included)."""
    finals: dict[str, dict[int, str]] = defaultdict(dict)
    eos_at: dict[str, int] = {}
    report = ChaosReport(rejected_chunks=rejected_chunks)
    for result in results:
        if not result.final:
            continue
        seen = finals[result.stream_id]
        if result.segment in seen:
            if seen[result.segment] == result.text:
                report.duplicates += 1
            else:
                report.conflicting_finals += 1
                if len(report.conflicts) < MAX_CONFLICTS_SHOWN:
                    first, then = seen[result.segment], result.text
                    report.conflicts.append(f"{result.stream_id} segment {result.segment}: {first!r} then {then!r} "
                                            f"({result.start}-{result.end} s)")
        else:
            seen[result.segment] = result.text
        if result.eos:
            eos_at[result.stream_id] = result.segment
    names = sorted(set(started))
    report.started = len(names)
    for stream_id in names:
        last = eos_at.get(stream_id)
        missing = 0 if last is None else sum(index not in finals[stream_id] for index in range(last + 1))
        report.holes += missing
        if last is None or missing:
            report.incomplete.append(stream_id)
        else:
            report.complete += 1
    return report
