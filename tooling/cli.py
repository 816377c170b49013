"""The `streamscribe` command: one console script, a subcommand per service or task.

Each component registers its own subcommands (`register(subparsers)` in its `cli` module) and
imports its heavy dependencies only when its command runs, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from streamscribe.errors import StreamscribeError

COMMAND_MODULES = (
    "infra.cli",
    "training.cli",
    "producers.cli",
    "stream_app.cli",
    "recognizer.cli",
    "gateway.cli",
    "tooling.demo.cli",
    "tooling.bench.cli",
    "tooling.chaos.cli",
)

log = logging.getLogger("streamscribe")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every component's subcommands."""
    parser = argparse.ArgumentParser(prog="streamscribe", description=__doc__.splitlines()[0])
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def configure_logging(level: str) -> None:
    """One line per record, with the logger name so the component is visible."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)
    try:
        return int(args.func(args) or 0)
    except StreamscribeError as exc:
        log.error("%s", exc)
        return 2
    except ValidationError as exc:  # a setting from a flag or an env var is out of range
        log.error("invalid settings: %s", exc)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
