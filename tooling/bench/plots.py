"""Plots of benchmark sweeps: latency against concurrent streams, throughput against batch size.

A benchmark's result dict holds its sweeps as lists of rows (dicts of numbers). A sweep is
plotted when its rows share an x column (`streams`, `batch_size`, …) and have y columns whose
names say what they measure (`…latency…`, `…_per_s`, `throughput…`), so each component stays
free to add columns without the report changing. Rows that differ in a configuration column
(`chunk_ms`, `decoder`, …) are drawn as separate lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

STREAM_KEYS = ("streams", "concurrent_streams", "num_streams")
BATCH_KEYS = ("batch_size", "max_batch_size")
CONFIG_KEYS = ("chunk_ms", "decoder", "device", "segment_seconds")


@dataclass(frozen=True)
class Series:
    """A sweep found in the results: where it was, its x column and the y columns to draw."""

    label: str
    x_key: str
    y_keys: tuple[str, ...]
    rows: tuple[Mapping[str, object], ...]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _row_lists(value: object, label: str) -> Iterator[tuple[str, list[Mapping[str, object]]]]:
    """Every list of dicts inside `value`, with a dotted path as its label."""
    if isinstance(value, list) and value and all(isinstance(row, Mapping) for row in value):
        yield label, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _row_lists(item, f"{label}.{key}" if label else str(key))


def find_series(
    results: Mapping[str, object], x_keys: tuple[str, ...], wants_y: Callable[[str], bool]
) -> list[Series]:
    """The sweeps in `results` with one of `x_keys` as x and numeric columns `wants_y` accepts."""
    found: list[Series] = []
    for label, rows in _row_lists(results, ""):
        x_key = next((key for key in x_keys if all(_is_number(row.get(key)) for row in rows)), None)
        if x_key is None:
            continue
        y_keys = tuple(
            key for key in rows[0]
            if key != x_key and wants_y(key) and all(_is_number(row.get(key)) for row in rows)
        )
        if y_keys:
            found.extend(split_by_config(Series(label, x_key, y_keys, tuple(rows))))
    return found


def is_latency(key: str) -> bool:
    return "latency" in key.lower()


def is_throughput(key: str) -> bool:
    lowered = key.lower()
    return "throughput" in lowered or "per_s" in lowered or "rtfx" in lowered


def split_by_config(sweep: Series) -> list[Series]:
    """One series per combination of the configuration columns that vary within the sweep."""
    varying = [key for key in CONFIG_KEYS if len({row.get(key) for row in sweep.rows}) > 1]
    if not varying:
        return [sweep]
    groups: dict[tuple[object, ...], list[Mapping[str, object]]] = {}
    for row in sweep.rows:
        groups.setdefault(tuple(row.get(key) for key in varying), []).append(row)
    return [
        Series(f"{sweep.label} ({', '.join(f'{k}={v}' for k, v in zip(varying, values, strict=True))})",
               sweep.x_key, sweep.y_keys, tuple(rows))
        for values, rows in groups.items()
    ]


def plot_series(series: list[Series], title: str, x_label: str, y_label: str, path: Path) -> Path | None:
    """One PNG with a line per (sweep, y column); None when there is nothing to draw."""
    if not series:
        return None
    import matplotlib  # noqa: PLC0415 - heavy, only when plotting

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, axes = plt.subplots(figsize=(7, 4.5))
    for sweep in series:
        rows = sorted(sweep.rows, key=lambda row: float(row[sweep.x_key]))  # type: ignore[arg-type]
        xs = [row[sweep.x_key] for row in rows]
        for y_key in sweep.y_keys:
            axes.plot(xs, [row[y_key] for row in rows], marker="o", label=f"{sweep.label}: {y_key}")
    axes.set_title(title)
    axes.set_xlabel(x_label)
    axes.set_ylabel(y_label)
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize="small")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def plot_results(results: Mapping[str, object], out_dir: Path) -> list[Path]:
    """Draw the standard plots for whatever sweeps `results` holds; returns the files written."""
    plots = [
        plot_series(find_series(results, STREAM_KEYS, is_latency),
                    "Latency against concurrent streams", "concurrent streams", "latency (ms)",
                    out_dir / "latency_vs_streams.png"),
        plot_series(find_series(results, BATCH_KEYS, is_throughput),
                    "Throughput against batch size", "batch size", "audio seconds per second",
                    out_dir / "throughput_vs_batch_size.png"),
    ]
    return [path for path in plots if path is not None]
