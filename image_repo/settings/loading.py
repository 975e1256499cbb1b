"""load_config: YAML in, a validated AppConfig out, or one error naming the option's path."""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
import cattrs
import yaml
from cattrs.gen import make_dict_structure_fn

from image_repo.settings.tree import AppConfig


class ConfigError(Exception):
    """The configuration cannot be used; the message says which option and why."""


def _strict(expected: type, accepts: Callable[[object], bool]) -> Callable[[object, type], Any]:
    """cattrs converts "5" to 5 and 1 to True by default; a config typo must not pass that way."""

    def structure(value: object, _type: type) -> object:
        if not accepts(value):
            raise TypeError(f"expected {expected.__name__}, got {type(value).__name__}")
        return float(value) if expected is float else value  # type: ignore[arg-type]

    return structure


def _is_tuple(annotation: object) -> bool:
    origin = typing.get_origin(annotation)
    return isinstance(origin, type) and issubclass(origin, tuple)


def _is_dict(annotation: object) -> bool:
    return typing.get_origin(annotation) is dict


def _converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    converter.register_structure_hook(str, _strict(str, lambda v: isinstance(v, str)))
    converter.register_structure_hook(bool, _strict(bool, lambda v: isinstance(v, bool)))
    converter.register_structure_hook(
        int, _strict(int, lambda v: isinstance(v, int) and not isinstance(v, bool))
    )
    converter.register_structure_hook(
        float, _strict(float, lambda v: isinstance(v, int | float) and not isinstance(v, bool))
    )

    def tuple_hook(value: object, tuple_type: type) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise TypeError(f"expected a list, got {type(value).__name__}")
        item_types = typing.get_args(tuple_type)
        if item_types[-1] is Ellipsis:
            item_types = (item_types[0],) * len(value)
        elif len(item_types) != len(value):
            raise TypeError(f"expected a list of {len(item_types)} items, got {len(value)}")
        return tuple(converter.structure(v, t) for v, t in zip(value, item_types, strict=True))

    converter.register_structure_hook_func(_is_tuple, tuple_hook)

    def mapping_hook(value: object, mapping_type: type) -> dict[Any, Any]:
        if not isinstance(value, Mapping):
            raise TypeError(f"expected a mapping, got {type(value).__name__}")
        key_type, value_type = typing.get_args(mapping_type)
        structured = {}
        for key, item in value.items():
            try:
                structured[converter.structure(key, key_type)] = converter.structure(
                    item, value_type
                )
            except TypeError as error:
                raise TypeError(f"{key}: {error}") from error
        return structured

    converter.register_structure_hook_func(_is_dict, mapping_hook)

    def section_factory(cls: type) -> Callable[[object, type], Any]:
        structure: Callable[[Any, type], Any] = make_dict_structure_fn(
            cls, converter, _cattrs_forbid_extra_keys=True
        )

        def structure_section(value: object, section_type: type) -> Any:
            if not isinstance(value, Mapping):
                raise TypeError(f"expected a mapping of options, got {type(value).__name__}")
            return structure(value, section_type)

        return structure_section

    converter.register_structure_hook_factory(attrs.has, section_factory)
    return converter


def _describe(error: BaseException, _type: type | None) -> str:
    if isinstance(error, cattrs.ForbiddenExtraKeysError):
        return f"extra fields found ({', '.join(sorted(error.extra_fields))})"
    if error.args and isinstance(error.args[0], str):
        return error.args[0]  # attrs validators pass (message, attribute, ...) as args
    return str(error) or type(error).__name__


def _messages(error: BaseException) -> list[str]:
    """cattrs' nested errors as `dotted.path: reason` lines."""
    lines = []
    for line in cattrs.transform_error(error, path="$", format_exception=_describe):
        reason, _, path = line.rpartition(" @ ")
        dotted = path.removeprefix("$").lstrip(".") or "(top level)"
        if reason.startswith("extra fields found"):
            keys = reason[reason.index("(") + 1 : reason.rindex(")")]
            lines += [f"{dotted}.{k}: unknown option".lstrip(".").removeprefix("(top level).")
                      for k in keys.split(", ")]  # fmt: skip
        elif named := re.match(r"'?(\w+)'? (must .*)", reason):
            lines.append(f"{dotted}.{named[1]}: {named[2]}".removeprefix("(top level)."))
        else:
            lines.append(f"{dotted}: {reason}")
    return lines


def load_config(path: Path | None) -> AppConfig:
    """An absent path means all defaults; an empty file too."""
    if path is None:
        return AppConfig()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror or error}") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from error
    if raw is None:
        return AppConfig()
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of sections, got {type(raw).__name__}")
    try:
        return _converter().structure(raw, AppConfig)
    except (cattrs.BaseValidationError, ValueError, TypeError) as error:
        raise ConfigError(f"{path}: " + "; ".join(_messages(error))) from error
