"""Command-line flags generated from a settings class, so each field is declared only once.

Every field becomes `--field-name`; a flag that is not given leaves the field to its env var
or default. Tuples take several values, booleans get `--x/--no-x`.
"""

from __future__ import annotations

import argparse
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from pydantic_settings import BaseSettings

SettingsT = TypeVar("SettingsT", bound=BaseSettings)
SCALARS = (int, float, str, Path)


def scalar_type(annotation: Any) -> tuple[type, bool]:
    """The element type of a field annotation, and whether it takes several values."""
    args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return scalar_type(args[0])
    if origin is tuple:
        return args[0], True
    if annotation in (*SCALARS, bool):
        return annotation, False
    raise TypeError(f"no command-line form for {annotation!r}")


def format_default(value: Any) -> str:
    """A default as a user would type it: tuples space-separated."""
    if isinstance(value, tuple):
        return " ".join(map(str, value)) or "none"
    return "none" if value is None else str(value)


def add_settings_arguments(parser: argparse.ArgumentParser, settings_class: type[BaseSettings]) -> None:
    """Add one flag per settings field, its help from the field's description."""
    for name, field in settings_class.model_fields.items():
        flag = "--" + name.replace("_", "-")
        kind, many = scalar_type(field.annotation)
        default = field.get_default(call_default_factory=True)
        help_text = " ".join(filter(None, [field.description, f"(default: {format_default(default)})"]))
        if kind is bool:
            parser.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, help=help_text)
        else:
            parser.add_argument(flag, dest=name, type=kind, nargs="+" if many else None,
                                metavar=name.upper(), help=help_text)


def settings_from_args(settings_class: type[SettingsT], args: argparse.Namespace) -> SettingsT:
    """The settings from env vars and defaults, overridden by the flags that were given."""
    given = {
        name: getattr(args, name) for name in settings_class.model_fields
        if getattr(args, name, None) is not None
    }
    return settings_class(**given)  # a bad value raises ValidationError; the CLI reports it
