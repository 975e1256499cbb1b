"""Strict parsing of a query parameter's value: every value checked, and an error that quotes
the client's value, cut short, and says what is accepted."""

from __future__ import annotations

import enum
from typing import TypeVar

from image_repo.domain.errors import InvalidParameterError

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
_Choice = TypeVar("_Choice", bound=enum.Enum)


def parse_bool(name: str, raw: str) -> bool:
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidParameterError(f"{name} must be one of true/false/1/0/yes/no, not {raw!r}")


def parse_size(name: str, raw: str, max_dimension: int) -> int:
    """Digits of any length are refused before `int` sees them: past 4,300 digits `int` raises
    ValueError (and long before, costs time), which must stay a 400."""
    digits = raw.lstrip("0") if raw.isascii() and raw.isdigit() else None
    if (
        digits is None
        or len(digits) > len(str(max_dimension))
        or not 1 <= int(digits or 0) <= max_dimension
    ):
        raise InvalidParameterError(
            f"{name} must be a whole number from 1 to {max_dimension}, not {quoted(raw)}"
        )
    return int(digits)


def parse_choice(name: str, raw: str, choices: type[_Choice]) -> _Choice:
    for choice in choices:
        if choice.value == raw.lower():
            return choice
    accepted = ", ".join(choice.value for choice in choices)
    raise InvalidParameterError(f"{name} {quoted(raw)} is not supported; accepted: {accepted}")


def quoted(raw: str, limit: int = 24) -> str:
    """A client's value, cut short, for an error detail."""
    return repr(raw) if len(raw) <= limit else f"{raw[:limit]!r}... ({len(raw)} characters)"
