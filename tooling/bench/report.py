"""The benchmark report: one JSON file and one Markdown page with plots, in a results folder."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tooling.bench.plots import plot_results

JSON_NAME = "report.json"
MARKDOWN_NAME = "report.md"


@dataclass
class BenchReport:
    """Results of the benchmarks that ran, the failures of those that did not, and the machine."""

    machine: Mapping[str, object]
    results: dict[str, Mapping[str, object]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    generated_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def to_dict(self, plots: list[str]) -> dict[str, object]:
        return {
            "generated_at": self.generated_at,
            "machine": self.machine,
            "results": self.results,
            "failures": self.failures,
            "plots": plots,
        }


def _format_value(value: object) -> str:
    if isinstance(value, float):
        return "n/a" if not math.isfinite(value) else f"{value:.4g}"
    if isinstance(value, list | tuple):
        return ", ".join(_format_value(item) for item in value) or "none"
    if isinstance(value, Mapping):
        return "; ".join(f"{k}={_format_value(v)}" for k, v in value.items())
    return str(value).replace("|", "\\|")


def _is_row_list(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(row, Mapping) for row in value)


def _key_value_table(values: Mapping[str, object]) -> list[str]:
    lines = ["| | |", "|---|---|"]
    lines += [f"| {key} | {_format_value(value)} |" for key, value in values.items()]
    return lines


def _rows_table(rows: list[Mapping[str, object]]) -> list[str]:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_format_value(row.get(c, "")) for c in columns) + " |" for row in rows]
    return lines


def _section(name: str, result: Mapping[str, object], level: int = 2) -> list[str]:
    """A Markdown section: scalars as a key/value table, row lists as tables, dicts as subsections."""
    lines = [f"{'#' * level} {name}", ""]
    scalars = {k: v for k, v in result.items() if not _is_row_list(v) and not isinstance(v, Mapping)}
    if scalars:
        lines += [*_key_value_table(scalars), ""]
    for key, value in result.items():
        if _is_row_list(value):
            lines += [f"**{key}**", "", *_rows_table(value), ""]
        elif isinstance(value, Mapping):
            lines += _section(f"{name}: {key}", value, min(level + 1, 4))
    return lines


def render_markdown(report: BenchReport, plots: list[str]) -> str:
    """The report as a Markdown page (plots referenced by relative file name)."""
    machine = dict(report.machine)
    versions = machine.pop("versions", {})
    lines = [f"# streamscribe benchmark report ({report.generated_at})", "", "## Machine", ""]
    lines += [*_key_value_table(machine), ""]
    if isinstance(versions, Mapping) and versions:
        lines += ["**versions**", "", *_key_value_table(versions), ""]
    for name, failure in report.failures.items():
        lines += [f"## {name}: FAILED", "", "```", failure, "```", ""]
    for name, result in report.results.items():
        lines += _section(name, result)
    if plots:
        lines += ["## Plots", ""] + [f"![{Path(plot).stem}]({plot})" for plot in plots] + [""]
    return "\n".join(lines)


def _json_default(value: object) -> object:
    return str(value)


def _finite(value: object) -> object:
    """NaN/inf become null so the file is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def write_report(report: BenchReport, out_dir: Path) -> tuple[Path, Path]:
    """Write report.json, report.md and the plots into `out_dir`; returns the two report paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    plots = [path.name for path in plot_results(report.results, out_dir)]
    json_path = out_dir / JSON_NAME
    json_path.write_text(json.dumps(_finite(report.to_dict(plots)), indent=2, default=_json_default) + "\n")
    markdown_path = out_dir / MARKDOWN_NAME
    markdown_path.write_text(render_markdown(report, plots))
    return json_path, markdown_path
