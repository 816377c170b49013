"""Command-line flags generated from a settings class, so each setting is declared only once.

Every command is declared with `add_settings_command(subparsers, name, SettingsClass, handler,
help)` (its flags: `add_settings_arguments(parser, SettingsClass)`) and builds its settings with
`settings_from_args(SettingsClass, args)`:

- every field becomes `--field-name`; a flag that is not given leaves the field to its env var
  or default, so flags override env vars override defaults;
- a field whose type is itself a settings class (`kafka: KafkaSettings`, `topics:
  TopicSettings`) contributes its own fields as flags, in an argument group, and is built from
  its own env vars (`KAFKA_*`, `STREAMSCRIBE_TOPIC_*`) plus those flags;
- a field's `json_schema_extra` may rename its flag (`{"flag": "chunks-topic"}`), name its value
  in the help (`{"metavar": "NAME=VALUE"}`) or keep it off the command line (`{"cli": False}`,
  e.g. a password: argv is visible to every user);
- booleans get `--x/--no-x`, tuples take several values, lists repeat the flag, Literals
  become choices; a `Counts` or `Names` field takes one comma-separated value (`--streams
  50,200`), from its env var too. The field's description is the flag's help.

The embedded-broker fallback (no bootstrap servers configured: use the running embedded broker)
is a command-line decision too: `infra.cluster.with_embedded_broker`. Library code gets settings
with the servers filled in and never looks for a broker itself.
"""

from __future__ import annotations

import argparse
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from annotated_types import MinLen
from pydantic import BeforeValidator, PositiveInt, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, NoDecode

SettingsT = TypeVar("SettingsT", bound=BaseSettings)
Handler = Callable[[argparse.Namespace], int]
SCALARS = (int, float, str, Path)


def split_commas(value: object) -> object:
    """`"50,200"` → `("50", "200")` (pydantic then checks each item); other values as they are."""
    if isinstance(value, str):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    return value


# fields given as one comma-separated value on the command line and in env vars
Counts = Annotated[tuple[PositiveInt, ...], NoDecode, BeforeValidator(split_commas), MinLen(1)]
Names = Annotated[tuple[str, ...], NoDecode, BeforeValidator(split_commas), MinLen(1)]


def comma_separated(field: FieldInfo) -> bool:
    """True for a `Counts` / `Names` field."""
    return any(getattr(meta, "func", None) is split_commas for meta in field.metadata)


def _extra(field: FieldInfo) -> dict[str, Any]:
    extra = field.json_schema_extra
    return extra if isinstance(extra, dict) else {}


def flag_dest(name: str, field: FieldInfo) -> str:
    """The flag of a field without its dashes (`--chunks-topic` → `chunks_topic`): its argparse dest."""
    return str(_extra(field).get("flag", name)).replace("-", "_")


def nested_settings(annotation: Any) -> type[BaseSettings] | None:
    """The settings class a field nests (`kafka: KafkaSettings`), else None."""
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseSettings) else None


def flag_form(annotation: Any) -> tuple[type, str | None, tuple[str, ...] | None]:
    """(element type, how it repeats: None | "many" | "append", choices) of a field annotation."""
    origin = typing.get_origin(annotation)
    args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return flag_form(args[0])
    if origin is Literal:
        return type(args[0]), None, tuple(args)
    if origin is tuple:
        return flag_form(args[0])[0], "many", None
    if origin is list:
        return flag_form(args[0])[0], "append", None
    if annotation in (*SCALARS, bool):
        return annotation, None, None
    raise TypeError(f"no command-line form for {annotation!r}")


def format_default(field: FieldInfo) -> str:
    """A field's default as a user would type it: tuples space-separated, None as `none`."""
    value = field.get_default(call_default_factory=True)
    if isinstance(value, tuple | list):
        return ("," if comma_separated(field) else " ").join(map(str, value)) or "none"
    return "none" if value is None else str(value)


def add_settings_command(
    subparsers: argparse._SubParsersAction,
    name: str,
    settings_class: type[BaseSettings],
    handler: Handler,
    help_text: str,
    description: str | None = None,
) -> argparse.ArgumentParser:
    """A subcommand with a flag per field of `settings_class`, running `handler(args)`."""
    parser = subparsers.add_parser(name, help=help_text, description=description or settings_class.__doc__)
    add_settings_arguments(parser, settings_class)
    parser.set_defaults(func=handler)
    return parser


def add_settings_arguments(parser: argparse.ArgumentParser | Any, settings_class: type[BaseSettings]) -> None:
    """Add one flag per field of `settings_class` (nested settings classes in their own group)."""
    for name, field in settings_class.model_fields.items():
        if _extra(field).get("cli", True) is False or field.annotation is SecretStr:
            continue
        nested = nested_settings(field.annotation)
        if nested is not None:
            title = (nested.__doc__ or name).strip().splitlines()[0]
            add_settings_arguments(parser.add_argument_group(f"{name}: {title}"), nested)
            continue
        _add_flag(parser, name, field, settings_class.model_config.get("env_prefix", ""))


def _add_flag(parser: Any, name: str, field: FieldInfo, env_prefix: str) -> None:
    dest = flag_dest(name, field)
    kind, repeat, choices = (str, None, None) if comma_separated(field) else flag_form(field.annotation)
    origin = f"(default: {format_default(field)}; env {env_prefix}{name.upper()})"
    help_text = " ".join(filter(None, [field.description, origin]))
    flags = ["--" + dest.replace("_", "-"), *filter(None, [_extra(field).get("short")])]
    if kind is bool:
        parser.add_argument(*flags, dest=dest, action=argparse.BooleanOptionalAction, help=help_text)
        return
    metavar = _extra(field).get("metavar", dest.upper())
    options: dict[str, Any] = {"dest": dest, "type": kind, "help": help_text, "metavar": metavar}
    if choices:
        options |= {"choices": choices, "metavar": None}
    if repeat == "many":
        options["nargs"] = "+"
    elif repeat == "append":
        options["action"] = "append"
    parser.add_argument(*flags, **options)


def given_values(settings_class: type[BaseSettings], args: argparse.Namespace) -> dict[str, Any]:
    """The fields whose flags were given, nested settings built from their env vars plus flags."""
    values: dict[str, Any] = {}
    for name, field in settings_class.model_fields.items():
        nested = nested_settings(field.annotation)
        if nested is not None:
            values[name] = nested(**given_values(nested, args))
            continue
        value = getattr(args, flag_dest(name, field), None)
        if value is not None:
            values[name] = value
    return values


def settings_from_args(settings_class: type[SettingsT], args: argparse.Namespace, **fixed: Any) -> SettingsT:
    """The settings from env vars and defaults, overridden by the flags given, then by `fixed`.

    A bad value raises pydantic's ValidationError; `streamscribe.cli.main` reports it (exit 2).
    """
    return settings_class(**(given_values(settings_class, args) | fixed))
